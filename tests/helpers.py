"""Small builders for synthetic stores used by the analysis tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from sectorweekly import store
from sectorweekly.markets.calendars import Calendars


@contextlib.contextmanager
def home_as(home: Path | str) -> Iterator[None]:
    """SECTORWEEKLY_HOME set to ``home`` for the block (a session fixture cannot monkeypatch),
    then as it was."""
    old = os.environ.get("SECTORWEEKLY_HOME")
    os.environ["SECTORWEEKLY_HOME"] = str(home)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SECTORWEEKLY_HOME", None)
        else:
            os.environ["SECTORWEEKLY_HOME"] = old


def build_demo_week(home: Path, out: Path, lang: str = "zh") -> tuple[Any, Path, list[str]]:
    """The demo desk's week 2024-10-07..09 built from ``home``'s store and written into ``out``
    in every format: (report, out, console messages)."""
    from sectorweekly.build.flow import BuildContext, build_report
    from sectorweekly.desk.parse import load_desk
    from sectorweekly.report.render import write_all

    with home_as(home):
        ctx = BuildContext()
        report = build_report(load_desk(), dt.date(2024, 10, 7), dt.date(2024, 10, 9), ctx, lang)
        write_all(report, out)
    return report, out, ctx.messages


def market_home(demo_store: Path, home: Path) -> Path:
    """``home`` holding a copy of the demo store with the whole-market slice added."""
    import shutil

    from market_store import fill_market_store

    (home / "demo").mkdir()
    shutil.copyfile(demo_store, home / "demo" / "store.duckdb")
    fill_market_store(home / "demo" / "store.duckdb")
    return home


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
