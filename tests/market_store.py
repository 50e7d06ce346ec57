"""The whole-market slice (/work/shared/data/market) in a store, through ``import universe``.

Board and exchange come from the code's shape; listing dates, names and ST status stay unknown
(the slice does not give them), as for a desk that imports only these files.
"""

from __future__ import annotations

from pathlib import Path

from sectorweekly.markets.calendars import Calendars
from sectorweekly.update.universe_files import import_universe

MARKET_DIR = Path("/work/shared/data/market")


def fill_market_store(path: Path) -> Path:
    """Import the slice into the store at ``path`` (created when absent)."""
    import_universe(path, MARKET_DIR, calendars=Calendars.build())
    return path
