"""Files into the store: a file fetcher's rows handed to the one writer.

The import commands and a desk's seeding load files only through :func:`load`, so every file
source keeps the fetcher contract (``providers/fetcher.py``) and every row reaches the store
through ``store.ingest``: checked, all or nothing, a refusal leaving the store as it was.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

from .. import store
from ..desk.rating_scale import RatingScales
from ..markets.calendars import Calendars
from ..providers.csv_prices import Progress
from ..providers.fetcher import Fetcher
from ..providers.file_sources import (
    PriceFilesFetcher,
    PriceFilesQuery,
    RatingFilesFetcher,
    RatingFilesQuery,
    SharesFilesFetcher,
    SharesFilesQuery,
    TrackerFilesQuery,
    tracker_fetcher,
)
from ..providers.tracker_files import SeriesOptions

Q = TypeVar("Q")


def load(
    store_path: Path,
    fetcher: Fetcher[Q],
    query: Q,
    *,
    wait: float = store.LOCK_TIMEOUT_S,
    meta: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> store.IngestResult:
    """The fetcher's rows for ``query`` written as its kind, with its own check of the store."""
    rows: Any = fetcher.rows(query)
    return store.ingest(
        store_path,
        fetcher.kind,
        rows,
        wait=wait,
        meta=meta,
        progress=progress,
        check=fetcher.store_check(rows),
    )


def import_prices(
    store_path: Path,
    paths: list[Path],
    known_markets: Mapping[str, str],
    *,
    calendars: Calendars,
    encoding: str | None = None,
    wait: float = store.LOCK_TIMEOUT_S,
    meta: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    sheet: str | None = None,
) -> store.IngestResult:
    """Price (and dividend) files, all or nothing; ``replaced`` counts the stored rows whose
    empty reference price a dividend or ``prev_close`` column filled in."""
    query = PriceFilesQuery(tuple(paths), known_markets, calendars, encoding, sheet, progress)
    return load(store_path, PriceFilesFetcher(), query, wait=wait, meta=meta, progress=progress)


def import_price_files(
    store_path: Path, paths: list[Path], known_markets: Mapping[str, str], **options: Any
) -> tuple[int, int]:
    """:func:`import_prices` as (rows read, rows added); identical re-imports add nothing."""
    result = import_prices(store_path, paths, known_markets, **options)
    return result.read, result.added


def import_shares_files(
    store_path: Path,
    paths: list[Path],
    *,
    encoding: str | None = None,
    wait: float = store.LOCK_TIMEOUT_S,
    sheet: str | None = None,
) -> int:
    """Share counts follow the price rules; returns the rows added."""
    query = SharesFilesQuery(tuple(paths), encoding, sheet)
    return load(store_path, SharesFilesFetcher(), query, wait=wait).added


def import_rating_files(
    store_path: Path,
    paths: list[Path],
    scales: RatingScales,
    known_symbols: Collection[str],
    *,
    sample: bool = False,
    meta: Mapping[str, str] | None = None,
    encoding: str | None = None,
    wait: float = store.LOCK_TIMEOUT_S,
    sheet: str | None = None,
) -> tuple[int, int]:
    """Ratings checked against the desk, all files or none; returns (rows read, rows added)."""
    query = RatingFilesQuery(tuple(paths), scales, known_symbols, sample, encoding, sheet)
    result = load(store_path, RatingFilesFetcher(), query, wait=wait, meta=meta)
    return result.read, result.added


def import_tracker_files(
    store_path: Path,
    paths: list[Path],
    kind: str,
    opts: SeriesOptions | None = None,
    *,
    wait: float = store.LOCK_TIMEOUT_S,
) -> store.IngestResult:
    """Tracker series or GPU prices (``import series --kind``); stored unfinished periods are
    replaced by newer numbers, any other stored value differing is refused."""
    query = TrackerFilesQuery(tuple(paths), kind, opts or SeriesOptions())
    return load(store_path, tracker_fetcher(query), query, wait=wait)
