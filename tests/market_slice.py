"""Where the whole-market slice is: ``SECTORWEEKLY_MARKET_DIR``, else ``shared/data/market`` in
a folder above the project (``../shared`` beside a checkout), else the team machine's
``/work/shared``. It is read from there, never copied into the package (SOURCES.md)."""

from __future__ import annotations

import os
from pathlib import Path

SLICE_NAME = "cn_a_daily_2024-08-20_2024-10-11.csv.gz"


def _find() -> Path:
    given = os.environ.get("SECTORWEEKLY_MARKET_DIR")
    candidates = [Path(given)] if given else []
    candidates += [p / "shared" / "data" / "market" for p in Path(__file__).resolve().parents]
    candidates.append(Path("/work/shared/data/market"))
    for folder in candidates:
        if (folder / "sw2021_codes.csv").is_file() and (folder / SLICE_NAME).is_file():
            return folder
    return candidates[-1]


MARKET_DIR = _find()
HAVE_SLICE = (MARKET_DIR / SLICE_NAME).is_file()
