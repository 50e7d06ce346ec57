"""Small builders for synthetic stores used by the analysis tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import pandas as pd

from sectorweekly import store
from sectorweekly.calendars import Calendars


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
    store.insert_prices(con, pd.DataFrame(rows))


def sessions(market: str, start: str, end: str) -> list[dt.date]:
    return Calendars.build().sessions(
        market, dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    )
