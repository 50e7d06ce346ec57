"""Markets and exchange sessions as temp tables, for checking a price file's dates in SQL.

Only the markets and date spans a file actually has get sessions: building an exchange
calendar takes about half a second, so a file of one market never pays for the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import duckdb
import pandas as pd

from .. import clock
from ..errors import CalendarError
from ..markets import MARKET_ALIASES, MARKETS
from ..markets.calendars import Calendars
from .csv_price_sql import register_symbols


def calendar_tables(con: duckdb.DuckDBPyConnection, known: Mapping[str, str]) -> None:
    """Markets by alias and by the desk's instruments, and (empty) session tables that
    :func:`add_sessions` fills for the markets and dates a file actually has."""
    register_symbols(con)
    aliases = {**{m: m for m in MARKETS}, **MARKET_ALIASES}
    con.execute("CREATE OR REPLACE TEMP TABLE market_alias (alias VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO market_alias VALUES (?, ?)", list(aliases.items()))
    con.execute("CREATE OR REPLACE TEMP TABLE known_market (symbol VARCHAR, market VARCHAR)")
    if known:
        con.executemany("INSERT INTO known_market VALUES (?, ?)", list(known.items()))
    con.execute("CREATE OR REPLACE TEMP TABLE market_info (market VARCHAR, currency VARCHAR)")
    con.executemany(
        "INSERT INTO market_info VALUES (?, ?)", [(m.code, m.currency) for m in MARKETS.values()]
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE market_days (market VARCHAR, calendar VARCHAR, "
        "first DATE, last DATE, closed DATE, today DATE, lo DATE, hi DATE)"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE sessions (market VARCHAR, date DATE, open BOOLEAN)")


def add_sessions(con: duckdb.DuckDBPyConnection, table: str, cals: Calendars) -> None:
    """Sessions of every market in ``table`` over its dates (exchange calendars are built only
    for the markets a file has: building one takes about half a second)."""
    spans = con.execute(
        f"SELECT market, min(date), max(date) FROM {table} GROUP BY market ORDER BY market"
    ).fetchall()
    have = {m: (lo, hi) for m, lo, hi in con.execute(
        "SELECT market, lo, hi FROM market_days").fetchall()}  # fmt: skip
    for market, lo, hi in spans:
        old = have.get(market)
        if old is not None and old[0] <= lo and hi <= old[1]:
            continue
        lo, hi = (min(lo, old[0]), max(hi, old[1])) if old else (lo, hi)
        b = cals.bounds(market)
        con.execute("DELETE FROM market_days WHERE market = ?", [market]).fetchall()
        con.execute("DELETE FROM sessions WHERE market = ?", [market]).fetchall()
        con.execute(
            "INSERT INTO market_days VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [market, MARKETS[market].calendar, b.first, b.last, _last_closed(cals, market),
             clock.today(), lo, hi],
        ).fetchall()  # fmt: skip
        start, end = max(lo, b.first), min(hi, b.last)
        if start > end:
            continue
        days = pd.DataFrame({"date": pd.to_datetime(cals.sessions(market, start, end))})
        con.register("_days", days)
        con.execute(
            "INSERT INTO sessions SELECT ?, CAST(date AS DATE), true FROM _days", [market]
        ).fetchall()
        con.unregister("_days")


def _last_closed(cals: Calendars, market: str) -> dt.date:
    try:
        return cals.last_closed_session(market, clock.now_utc())
    except CalendarError:
        return clock.today()
