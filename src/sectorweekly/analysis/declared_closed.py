"""Stored prices on days the desk declares closed.

A desk that lists a closure under ``holidays:`` (a day the exchange later announced closed, or a
mistake) may find the store already holding rows for that day: imported before the list, or
fetched from a source that wrote one. The rows stay as they are, but the review reads only rows
on sessions, so they move nothing; the console names them so that either the rows or the list
gets fixed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from ..markets.calendars import Calendars


@dataclass(frozen=True)
class RowsOnClosedDay:
    """The symbols with a stored row on one day the desk declares closed."""

    market: str
    day: dt.date
    symbols: tuple[str, ...]


def rows_on_declared_closed(
    con: duckdb.DuckDBPyConnection, cals: Calendars, markets: list[str], year: int | None = None
) -> list[RowsOnClosedDay]:
    """Every (market, day) the desk declares closed that has stored rows, with their symbols."""
    out = []
    for code in markets:
        days = [d for d in cals.desk_closed_days(code) if year is None or d.year == year]
        if not days:
            continue
        rows = con.execute(
            "SELECT date, list(DISTINCT symbol ORDER BY symbol) FROM prices "
            "WHERE market = ? AND list_contains(?, date) GROUP BY date ORDER BY date",
            [code, days],
        ).fetchall()
        out.extend(RowsOnClosedDay(code, day, tuple(symbols)) for day, symbols in rows)
    return out
