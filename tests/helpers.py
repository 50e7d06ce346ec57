"""Small builders for synthetic stores used by the analysis tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import pandas as pd

from sectorweekly import store
from sectorweekly.markets.calendars import Calendars


def memory_store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    store._init(con)
    return con


def add_bars(
    con: duckdb.DuckDBPyConnection,
    symbol: str,
    market: str,
    bars: Iterable[tuple[dt.date, float, float | None, float | None]],
    volume: float = 1000.0,
) -> None:
    """bars: (date, close, high, low); open = close; a None high/low means = close."""
    rows = []
    for day, close, high, low in bars:
        rows.append(
            {
                "symbol": symbol,
                "market": market,
                "date": day,
                "open": close,
                "high": high if high is not None else close,
                "low": low if low is not None else close,
                "close": close,
                "volume": volume,
                "volume_unit": "shares",
                "adjustment": "none",
                "adj_close": None,
                "source": "test",
                "fetched_at": None,
                "name": symbol,
                "currency": "CNY",
            }
        )
    insert_prices(con, pd.DataFrame(rows))


def insert_prices(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> int:
    """Put price rows into an in-memory store as they are (no checks, no lock)."""
    frame = rows.reindex(columns=[*store.PRICE_COLUMNS, "name", "currency"])
    con.register("incoming", frame)
    try:
        before = con.execute("SELECT count(*) FROM prices").fetchall()[0][0]
        columns = ", ".join(store.PRICE_COLUMNS)
        con.execute(
            f"INSERT INTO prices ({columns}) SELECT {columns} FROM incoming "
            "ON CONFLICT (symbol, date) DO NOTHING"
        ).fetchall()
        con.execute(
            "INSERT INTO instruments SELECT symbol, any_value(market), any_value(name), "
            "any_value(currency) FROM incoming GROUP BY symbol ON CONFLICT (symbol) DO NOTHING"
        ).fetchall()
        after = con.execute("SELECT count(*) FROM prices").fetchall()[0][0]
    finally:
        con.unregister("incoming")
    return int(after - before)


def sessions(market: str, start: str, end: str) -> list[dt.date]:
    return Calendars.build().sessions(
        market, dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    )


# A symbol whose board has the limit on 2024-10-08 (5: a main-board name under ST that day)
_LIMIT_SYMBOL = {5: "600519", 10: "600519", 20: "688256", 30: "830799"}


def limit_prices(prev_close: float, pct: int) -> tuple[float, float]:
    """Up and down limit prices from ``prev_close`` by the engine's one rule, its SQL."""
    from sectorweekly.markets.cn_limits import MemberSpec, day_limits

    day = dt.date(2024, 10, 8)
    st = ((day, day),) if pct == 5 else ()
    spec = MemberSpec(_LIMIT_SYMBOL[pct], "CN_A", st_periods=st)
    frame = pd.DataFrame({"symbol": [spec.symbol], "date": [day], "prev_close": [prev_close]})
    got = day_limits(frame, [spec], Calendars.build()).iloc[0]
    assert got["limit_pct"] == pct
    return float(got["up"]), float(got["down"])
