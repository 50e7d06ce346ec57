"""Closures read off the store where the calendar is only provisional.

Past every known holiday list a market's sessions are plain weekdays. The store knows better
for the days it covers: a weekday on which no instrument of the market has a row, while later
days do, was not a trading day (a holiday the notice has not been loaded for). Days after the
market's last stored row say nothing — the data simply ends there — and stay sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .. import store
from ..markets.calendars import Calendars


@dataclass(frozen=True)
class ProvisionalView:
    """One market's provisional stretch as the store sees it."""

    market: str
    first_provisional: dt.date  # first day past the known holiday lists
    store_through: dt.date | None  # the market's last stored row
    inferred_closed: tuple[dt.date, ...]  # provisional weekdays without any row, before it


def observe(con: duckdb.DuckDBPyConnection, cals: Calendars, market: str) -> ProvisionalView | None:
    """The provisional weekdays of ``market`` the store shows as closed; None if none are."""
    last_year = cals.last_known_year(market)
    if last_year is None:
        return None
    first = dt.date(last_year + 1, 1, 1)
    rows = con.execute(
        "SELECT DISTINCT date FROM prices WHERE market = ? AND date >= ?", [market, first]
    ).fetchall()
    traded = {r[0] for r in rows}
    if not traded:
        return ProvisionalView(market, first, None, ())
    through = max(traded)
    closed = tuple(d for d in cals.provisional_days(market, first, through) if d not in traded)
    return ProvisionalView(market, first, through, closed)


def settle(con: duckdb.DuckDBPyConnection, cals: Calendars, markets: list[str]) -> Calendars:
    """``cals`` with each market's closures as the store shows them (provisional years only)."""
    for market in markets:
        view = observe(con, cals, market)
        if view is not None:
            cals = cals.with_inferred(market, view.inferred_closed)
    return cals


def observed(cals: Calendars, path: Path, markets: list[str]) -> Calendars:
    """``cals`` with the closures the store at ``path`` shows (none while it does not exist)."""
    if not path.exists():
        return cals
    with store.reader(path) as con:
        return settle(con, cals, markets)
