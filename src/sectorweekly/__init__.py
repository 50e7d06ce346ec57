"""sectorweekly: a sector analyst's weekly tracking report, from a desk and a local store."""

__version__ = "0.1.0"
