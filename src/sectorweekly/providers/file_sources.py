"""The desk's files as fetchers: prices and dividends, share counts, ratings, tracker series
and GPU prices, each query naming its files and the fetcher yielding rows of one store kind.

The whole-market folder (``import universe``) has its own fetcher in ``market_sources``.
The reading and checking of each layout lives beside its format (``csv_prices``,
``ratings_csv``, ``tracker_files``); here each becomes a source like any other, whose rows the
import commands and a desk's seeding hand to the store's one writer.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..desk.rating_scale import RatingScales
from ..errors import InputError
from ..markets.calendars import Calendars
from .csv_prices import PriceFiles, Progress, read_shares_file
from .fetcher import FILE_HOST, Fetcher, Request, StoreCheck
from .ratings_csv import read_ratings_file
from .tracker_files import (
    GPU_KIND,
    SERIES_KINDS,
    SeriesOptions,
    read_gpu_file,
    read_series_file,
    shape_check,
)


@dataclass(frozen=True)
class PriceFilesQuery:
    """Price files read together (a dividend file applies to the price files beside it)."""

    paths: tuple[Path, ...]
    known: Mapping[str, str]  # symbol -> market of the desk's instruments
    calendars: Calendars
    encoding: str | None = None
    sheet: str | None = None
    progress: Progress | None = None


class PriceFilesFetcher(Fetcher[PriceFilesQuery]):
    """Price (and dividend) files as ``prices`` rows: a stager the writer runs in its own
    connection, so a 2-million-row file is read and checked by DuckDB, never row by row."""

    kind = "prices"

    def request(self, query: PriceFilesQuery) -> Request:
        return Request("read_price_files", {"paths": list(query.paths)}, FILE_HOST)

    def fetch(self, query: PriceFilesQuery, request: Request) -> PriceFiles:
        return PriceFiles(
            query.paths,
            query.known,
            query.encoding,
            query.progress,
            query.sheet,
            calendars=query.calendars,
        )

    def normalise(self, query: PriceFilesQuery, request: Request, raw: PriceFiles) -> PriceFiles:
        return raw


@dataclass(frozen=True)
class SharesFilesQuery:
    paths: tuple[Path, ...]
    encoding: str | None = None
    sheet: str | None = None


class SharesFilesFetcher(Fetcher[SharesFilesQuery]):
    """Share-count files as ``shares`` rows: finite and positive, one per (symbol, as_of)."""

    kind = "shares"

    def request(self, query: SharesFilesQuery) -> Request:
        return Request("read_shares_file", {"paths": list(query.paths)}, FILE_HOST)

    def fetch(self, query: SharesFilesQuery, request: Request) -> list[pd.DataFrame]:
        return [read_shares_file(p, query.encoding, query.sheet) for p in query.paths]

    def normalise(
        self, query: SharesFilesQuery, request: Request, raw: list[pd.DataFrame]
    ) -> pd.DataFrame:
        return pd.concat(raw, ignore_index=True)


@dataclass(frozen=True)
class RatingFilesQuery:
    """Rating files checked against the desk: its scales and the symbols a rating may name."""

    paths: tuple[Path, ...]
    scales: RatingScales
    known_symbols: Collection[str]
    sample: bool = False
    encoding: str | None = None
    sheet: str | None = None


class RatingFilesFetcher(Fetcher[RatingFilesQuery]):
    """Rating files as ``ratings`` rows; the writer refuses a stored rating with another value."""

    kind = "ratings"

    def request(self, query: RatingFilesQuery) -> Request:
        return Request("read_ratings_file", {"paths": list(query.paths)}, FILE_HOST)

    def fetch(self, query: RatingFilesQuery, request: Request) -> list[pd.DataFrame]:
        return [
            read_ratings_file(p, query.scales, query.known_symbols, query.encoding, query.sheet)
            for p in query.paths
        ]

    def normalise(
        self, query: RatingFilesQuery, request: Request, raw: list[pd.DataFrame]
    ) -> pd.DataFrame:
        return pd.concat(raw, ignore_index=True).assign(sample=query.sample)


@dataclass(frozen=True)
class TrackerFilesQuery:
    """Tracker files of one kind (visits, downloads, other or gpu-price)."""

    paths: tuple[Path, ...]
    kind: str
    opts: SeriesOptions = field(default_factory=SeriesOptions)


def _unknown_kind(query: TrackerFilesQuery) -> InputError:
    return InputError(
        query.paths[0] if query.paths else "-",
        None,
        f"unknown kind '{query.kind}'; expected {', '.join([*SERIES_KINDS, GPU_KIND])}",
    )


class SeriesFilesFetcher(Fetcher[TrackerFilesQuery]):
    """Tracker series files as ``series`` rows; their shapes are checked against the stored
    series under the writer's lock (one group and unit per series, no overlapping periods)."""

    kind = "series"

    def request(self, query: TrackerFilesQuery) -> Request:
        if query.kind not in SERIES_KINDS:
            raise _unknown_kind(query)
        return Request("read_series_file", {"paths": list(query.paths)}, FILE_HOST)

    def fetch(self, query: TrackerFilesQuery, request: Request) -> list[pd.DataFrame]:
        return [read_series_file(p, query.kind, query.opts) for p in query.paths]

    def normalise(
        self, query: TrackerFilesQuery, request: Request, raw: list[pd.DataFrame]
    ) -> pd.DataFrame:
        return pd.concat(raw, ignore_index=True)

    def store_check(self, rows: pd.DataFrame) -> StoreCheck:
        return shape_check(rows)


class GpuFilesFetcher(Fetcher[TrackerFilesQuery]):
    """GPU price files as ``gpu-price`` rows."""

    kind = "gpu-price"

    def request(self, query: TrackerFilesQuery) -> Request:
        if query.kind != GPU_KIND:
            raise _unknown_kind(query)
        return Request("read_gpu_file", {"paths": list(query.paths)}, FILE_HOST)

    def fetch(self, query: TrackerFilesQuery, request: Request) -> list[pd.DataFrame]:
        return [read_gpu_file(p, query.opts) for p in query.paths]

    def normalise(
        self, query: TrackerFilesQuery, request: Request, raw: list[pd.DataFrame]
    ) -> pd.DataFrame:
        return pd.concat(raw, ignore_index=True)


def tracker_fetcher(query: TrackerFilesQuery) -> SeriesFilesFetcher | GpuFilesFetcher:
    """The fetcher of ``sectorweekly import series --kind``: GPU prices or a series kind."""
    if query.kind == GPU_KIND:
        return GpuFilesFetcher()
    if query.kind not in SERIES_KINDS:
        raise _unknown_kind(query)
    return SeriesFilesFetcher()
