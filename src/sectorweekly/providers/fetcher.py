"""The one contract of every source: query -> request -> fetch -> normalise -> rows of a kind.

An online price source, a price, share, tracker, GPU or rating file, and any source to come
(the universe files) are all fetchers: ``request()`` names what answers a query (a library call
and its host, or the files to read), ``fetch()`` gets the raw answer, ``normalise()`` turns it
into rows of the store kind the fetcher declares (``kind``: a name of ``store.KINDS``), with
``file``/``line`` naming each row's origin where there is one. A fetcher never writes: the
commands, the update and a desk's seeding hand its rows to ``store.ingest``, the one writer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import duckdb

Q = TypeVar("Q")
StoreCheck = Callable[[duckdb.DuckDBPyConnection], None]
FILE_HOST = "file"  # the host a file source names: read locally, never paced


@dataclass(frozen=True)
class Request:
    """What answers a query: a library call, or the files a file source reads.

    ``host`` is the server the call talks to (pacing, retries and the circuit breaker are kept
    per host, so one blocked host leaves the others alone; a file source names ``file``);
    ``bounded`` says whether the call itself gives up after the source's timeout (otherwise
    only the update's deadline bounds it).
    """

    function: str
    kwargs: dict[str, Any]
    host: str
    bounded: bool = False


class Fetcher(ABC, Generic[Q]):
    """A source of rows of one store kind, in the contract's stages (all required)."""

    kind: ClassVar[str]  # the store kind (``store.KINDS``) of the rows it yields

    @abstractmethod
    def request(self, query: Q) -> Request:
        """What answers ``query``."""

    @abstractmethod
    def fetch(self, query: Q, request: Request) -> Any:
        """The raw answer; a source's failures come out as one of the project's errors."""

    @abstractmethod
    def normalise(self, query: Q, request: Request, raw: Any) -> Any:
        """Rows of ``kind``: a pandas frame, or a stager the writer runs in its connection."""

    def rows(self, query: Q) -> Any:
        """The stages chained: rows of ``kind`` for ``query``."""
        request = self.request(query)
        return self.normalise(query, request, self.fetch(query, request))

    def store_check(self, rows: Any) -> StoreCheck | None:
        """A rule the rows must keep against the stored ones, run under the writer's lock."""
        return None
