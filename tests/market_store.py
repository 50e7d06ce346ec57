"""The whole-market slice (``market_slice.MARKET_DIR``) in a store, through ``import universe``.

Board and exchange come from the code's shape; listing dates, names and ST status stay unknown
(the slice does not give them), as for a desk that imports only these files.
"""

from __future__ import annotations

from pathlib import Path

from market_slice import MARKET_DIR
from sectorweekly.markets.calendars import Calendars
from sectorweekly.update.universe_files import import_universe


def fill_market_store(path: Path) -> Path:
    """Import the slice into the store at ``path`` (created when absent)."""
    import_universe(path, MARKET_DIR, calendars=Calendars.build())
    return path
