"""What every price source is: a query in, the store's standard ``prices`` rows out.

A provider knows its library (call signatures, column names, units, how it fails) and nothing
about the store, the desk or the other providers. Callers look providers up by name in the
registry, so adding a source means adding a module here, never editing a caller.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import importlib.util
import math
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from ..clock import now_utc, today
from ..errors import ProviderError, SectorWeeklyError
from ..store import PRICE_COLUMNS
from . import wire
from .fetcher import Fetcher, Request

if TYPE_CHECKING:
    from ..desk.parse import Desk

ONLINE_EXTRA_HINT = "pip install 'sectorweekly[online]'"


@dataclass(frozen=True)
class PriceQuery:
    """Daily bars of one instrument over [start, end] (exchange-local dates, inclusive)."""

    symbol: str
    market: str  # CN_A | HK | US
    start: dt.date
    end: dt.date
    kind: str = "stock"  # stock | index
    exchange: str | None = None  # listing venue, for sources that need it (US: NASDAQ/NYSE/AMEX)


@dataclass(frozen=True)
class SharesRow:
    """Shares outstanding of one stock on a date, for market caps."""

    symbol: str
    as_of: dt.date
    shares: float
    source: str
    note: str | None = None


class Provider(Fetcher[PriceQuery]):
    """One source of daily bars: the fetcher contract with a price query, ``prices`` rows out.

    ``request()`` names the library call (and its host) for a query, ``prerequisites()`` the
    calls it needs first (once per run), ``fetch()`` makes one call and returns the library's
    raw answer, ``normalise()`` turns that answer into standard rows. The update runs the
    stages itself (to pace, bound and retry each call per host); ``prices()`` chains them.
    """

    kind: ClassVar[str] = "prices"
    name: ClassVar[str]
    markets: ClassVar[frozenset[str]] = frozenset({"CN_A", "HK", "US"})
    library: ClassVar[str | None] = None  # the optional package the provider needs, if any
    shares_host: ClassVar[str | None] = None  # the host shares() talks to, for its gate

    @classmethod
    def for_desk(cls, desk: Desk) -> Provider:
        """The provider as an update of ``desk`` uses it (most need nothing from the desk)."""
        return cls()

    def supports(self, query: PriceQuery) -> bool:
        return query.market in self.markets

    def unavailable_reason(self) -> str | None:
        """None when usable; otherwise what to install."""
        if self.library and importlib.util.find_spec(self.library) is None:
            return f"{self.library} is not installed; {ONLINE_EXTRA_HINT}"
        return None

    @abstractmethod
    def request(self, query: PriceQuery) -> Request:
        """The library call that answers ``query``; raises ProviderError('unknown_symbol')."""

    def prerequisites(self, request: Request) -> list[Request]:
        """Calls to make (once per run) before ``request``: none for most sources."""
        return []

    @abstractmethod
    def fetch(self, query: PriceQuery, request: Request) -> Any:
        """Make one library call; library exceptions come out as ProviderError."""

    @abstractmethod
    def normalise(self, query: PriceQuery, request: Request, raw: Any) -> pd.DataFrame:
        """The library's answer as standard rows (``store.PRICE_COLUMNS``), or ProviderError."""

    def cost(self, request: Request, raw: Any) -> int:
        """HTTP requests one call made (a paged list counts each page), for the host's pacing."""
        return 1

    def prices(self, query: PriceQuery) -> pd.DataFrame:
        """Standard rows (``store.PRICE_COLUMNS``) for the query, or raise ProviderError."""
        return self.rows(query)

    def shares(self, symbol: str, market: str) -> SharesRow | None:
        """Shares outstanding where the source offers them; None where it does not."""
        return None

    def error(self, kind: str, query: PriceQuery | str, detail: str) -> ProviderError:
        symbol = query.symbol if isinstance(query, PriceQuery) else query
        return ProviderError(kind, self.name, symbol, detail)


# --- registry --------------------------------------------------------------------------------

ProviderFactory = Callable[..., Provider]
_REGISTRY: dict[str, type[Provider]] = {}
BUILTIN_MODULES = (
    "sectorweekly.providers.akshare",
    "sectorweekly.providers.yfinance",
    "sectorweekly.providers.csv_source",
)
ENTRY_POINT_GROUP = "sectorweekly.providers"
_loaded = False


def register(cls: type[Provider]) -> type[Provider]:
    """Class decorator: make a provider available by its ``name``."""
    _REGISTRY[cls.name] = cls
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for module in BUILTIN_MODULES:
        importlib.import_module(module)  # provider modules import their library lazily
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        register(ep.load())
    _loaded = True


def provider_class(name: str) -> type[Provider]:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise SectorWeeklyError(
            f"unknown data source {name!r}; expected one of {', '.join(_REGISTRY)}"
        ) from None


# --- turning a library's frame into standard rows ----------------------------------------------

NUMERIC = ("open", "high", "low", "close", "volume", "adj_close", "prev_close")


def _as_dates(values: pd.Series) -> pd.Series:
    """Dates from strings, datetime.date objects or (timezone-aware) timestamps, as dt.date."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.Series([ts.date() for ts in values], index=values.index, dtype=object)
    parsed = pd.to_datetime(values.astype(str), format="mixed", errors="raise")
    return pd.Series([ts.date() for ts in parsed], index=values.index, dtype=object)


def standard_rows(
    query: PriceQuery,
    frame: pd.DataFrame,
    *,
    source: str,
    source_name: str,
    volume_unit: str | None,
    adjustment: str,
    fetched_at: dt.datetime | None = None,
) -> pd.DataFrame:
    """Check and shape a renamed library frame (date, open, …) into the store's columns.

    Rows outside the query's dates are left out (some sources only serve whole histories; bars
    dated after today are named in ``attrs[FUTURE_DATES]`` for the update to list); a
    frame that cannot be read as numbers and dates raises ``malformed``, one with no row in the
    asked range raises ``empty``. Nothing is filled in: a missing close is an error, not a gap.
    """

    def fail(kind: str, detail: str) -> ProviderError:
        return ProviderError(kind, source_name, query.symbol, detail)

    if frame is None or not isinstance(frame, pd.DataFrame):
        raise fail("malformed", f"{source} returned {type(frame).__name__}, expected a table")
    if frame.empty:
        raise fail("empty", f"{source} returned no rows for {query.start}..{query.end}")
    missing = [c for c in ("date", "close") if c not in frame.columns]
    if missing:
        raise fail(
            "malformed", f"{source} response lacks {', '.join(missing)}; got {list(frame.columns)}"
        )
    out = pd.DataFrame(index=frame.index)
    try:
        out["date"] = _as_dates(frame["date"])
    except (ValueError, TypeError, OverflowError) as exc:
        raise fail("malformed", f"{source} dates unreadable ({exc})") from None
    for col in NUMERIC:
        if col in frame.columns:
            try:
                out[col] = pd.to_numeric(frame[col], errors="raise").astype("float64")
            except (ValueError, TypeError) as exc:
                raise fail("malformed", f"{source} column {col} is not numeric ({exc})") from None
        else:
            out[col] = math.nan
    future = sorted({d for d in out["date"] if d > today()})  # listed by the update, not kept
    out = out[(out["date"] >= query.start) & (out["date"] <= query.end)]
    if out.empty:
        raise fail("empty", f"{source} returned no rows for {query.start}..{query.end}")
    dupes = out["date"][out["date"].duplicated()]
    if len(dupes):
        raise fail("malformed", f"{source} returned {dupes.iloc[0]} twice")
    bad = out[out["close"].isna()]
    if len(bad):
        raise fail("malformed", f"{source} has no close on {bad['date'].iloc[0]}")
    out = out.sort_values("date").reset_index(drop=True)
    out["symbol"] = query.symbol
    out["market"] = query.market
    out["volume_unit"] = volume_unit
    out["adjustment"] = adjustment
    out["source"] = source
    out["prev_close_source"] = [source if pd.notna(v) else None for v in out["prev_close"]]
    stamp = fetched_at or now_utc()
    out["fetched_at"] = stamp.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    rows = out[PRICE_COLUMNS]
    rows.attrs[FUTURE_DATES] = future
    return rows


FUTURE_DATES = "future_dates"  # attrs key: bars dated after today that the answer carried


# --- turning a library's exception into one error kind -----------------------------------------


def guarded(provider: Provider, query: PriceQuery, what: str, call: Callable[[], Any]) -> Any:
    """Run one library call; every exception it raises becomes a ProviderError with a kind.

    The HTTP status the call last received (recorded per thread) refines the kind: a 403 page
    that AKShare then fails to parse as JSON is ``blocked``, not ``malformed``.
    """
    wire.install_status_recorder()
    wire.reset_status()
    try:
        return call()
    except ProviderError:
        raise
    except Exception as exc:  # the library boundary: anything it raises is classified
        seen = wire.last_status()
        kind = wire.classify(exc, seen[0] if seen else None)
        http = f" (HTTP {seen[0]} from {seen[1].split('?')[0]})" if seen and seen[0] >= 400 else ""
        body = wire.body_error(exc)
        if (
            kind == "malformed"
            and body is None
            and (wire.last_was_page() or wire.parsed_a_page(exc))
        ):
            body = WEB_PAGE
        said = f"{body}: " if body else ""
        detail = f"{what}: {said}{type(exc).__name__}: {str(exc)[:200]}{http}"
        raise provider.error(kind, query, detail) from exc


WEB_PAGE = "an HTML page where data was expected"


def is_web_page(err: ProviderError) -> bool:
    """The error is an HTML page answered in place of data (a login, proxy or block page)."""
    return err.kind == "malformed" and WEB_PAGE in err.detail
