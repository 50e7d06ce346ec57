"""A folder of whole-market files into the store: the folder's fetchers' rows handed to the one
writer as one batch (``store.batch``), every kind in one transaction, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import store
from ..markets.calendars import Calendars
from ..providers.market_files import MarketFolder, Progress
from ..providers.market_sources import MarketFolderQuery, market_fetchers
from ..store.batch import Part, ingest_all


def import_universe(
    store_path: Path,
    folder: Path,
    *,
    calendars: Calendars,
    wait: float = store.LOCK_TIMEOUT_S,
    progress: Progress | None = None,
) -> tuple[dict[str, store.IngestResult], dict[str, Any]]:
    """A folder of whole-market files (bars, 申万 classification, dated facts) in one
    transaction, all or nothing; the result of each kind and what the folder held."""
    market = MarketFolder(folder, calendars, progress)
    query = MarketFolderQuery(market)
    parts = [Part(f.kind, f.rows(query), f.store_check(None)) for f in market_fetchers()]
    results = ingest_all(store_path, parts, wait=wait, progress=progress)
    return results, market.summary
