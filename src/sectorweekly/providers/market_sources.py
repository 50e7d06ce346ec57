"""The whole-market folder (``import universe``) as a fetcher: one per store kind it holds.

A folder holds eight kinds of rows (bars, 申万 codes and membership, universe, names, ST spans,
coverage, index closes); one fetcher class serves them all, each instance naming its kind, and
the folder is read and checked once (``market_files``) for every kind, in the writer's
connection. Kept apart from ``file_sources`` so that the import loads no other file format.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fetcher import FILE_HOST, Fetcher, Request, StoreCheck
from .market_checks import universe_conflicts
from .market_files import MarketFolder
from .market_specs import ORDER


@dataclass(frozen=True)
class MarketFolderQuery:
    """A folder of whole-market files (``import universe``), read once for all its kinds."""

    folder: MarketFolder


class MarketFilesFetcher(Fetcher[MarketFolderQuery]):
    """One kind of a market folder's rows: a stager the writer runs in its own connection,
    where DuckDB reads and checks every file of the folder once, for all kinds."""

    kind = "cn-bars"

    def __init__(self, kind: str = "cn-bars") -> None:
        self.kind = kind  # type: ignore[misc]  # one class for the folder's eight kinds

    def request(self, query: MarketFolderQuery) -> Request:
        folder = str(query.folder.folder)
        return Request("read_market_folder", {"folder": folder, "kind": self.kind}, FILE_HOST)

    def fetch(self, query: MarketFolderQuery, request: Request) -> MarketFolder:
        return query.folder

    def normalise(self, query: MarketFolderQuery, request: Request, raw: MarketFolder) -> object:
        return raw.stager(self.kind)

    def store_check(self, rows: object) -> StoreCheck | None:
        return universe_conflicts if self.kind == "cn-universe" else None


def market_fetchers() -> list[MarketFilesFetcher]:
    """A fetcher per kind of the market folder, in the order they are written."""
    return [MarketFilesFetcher(k) for k in ORDER]
