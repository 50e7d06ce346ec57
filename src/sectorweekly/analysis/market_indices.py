"""The main indices every 全市场周度复盘 shows, whatever the desk's benchmarks: each one's weekly
change from its stored closes on its own exchange's calendar, or a row marked missing (never a
figure from elsewhere) so that the reader sees what the store lacks and the console says how to
add it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from ..markets.calendars import Calendars


@dataclass(frozen=True)
class MainIndex:
    """An index as the store spells it (the update's and ``import prices``' symbol)."""

    symbol: str
    name: str
    market: str
    name_en: str = ""
    only_if_listed: bool = False  # shown only where the desk lists it (费城半导体)


MAIN_INDICES: tuple[MainIndex, ...] = (
    MainIndex("000001", "上证指数", "CN_A", "SSE Composite"),
    MainIndex("399001", "深证成指", "CN_A", "SZSE Component"),
    MainIndex("399006", "创业板指", "CN_A", "ChiNext"),
    MainIndex("000688", "科创50", "CN_A", "STAR 50"),
    MainIndex("000300", "沪深300", "CN_A", "CSI 300"),
    MainIndex("HSI", "恒生指数", "HK", "Hang Seng"),
    MainIndex("HSTECH", "恒生科技", "HK", "Hang Seng TECH"),
    MainIndex("^IXIC", "纳斯达克", "US", "Nasdaq Composite"),
    MainIndex("^GSPC", "标普500", "US", "S&P 500"),
    MainIndex("^SOX", "费城半导体", "US", "PHLX Semiconductor", only_if_listed=True),
)


@dataclass(frozen=True)
class IndexMove:
    """One row of 主要指数周涨跌幅; ``change_pct`` None when the store lacks a close."""

    symbol: str
    name: str
    market: str
    name_en: str
    base_date: dt.date
    end_date: dt.date
    base_close: float | None
    end_close: float | None

    @property
    def change_pct(self) -> float | None:
        if self.base_close is None or self.end_close is None or self.base_close == 0:
            return None
        return (self.end_close / self.base_close - 1) * 100


CLOSES_SQL = """
SELECT symbol, market, date, close FROM prices
WHERE list_contains($symbols, symbol) AND list_contains($dates, date)
"""


def index_moves(
    con: duckdb.DuckDBPyConnection,
    cals: Calendars,
    start: dt.date,
    end: dt.date,
    listed: dict[str, str],
    stocks: set[str],
) -> list[IndexMove]:
    """The main indices (and ``listed``: the desk's other benchmarks, symbol -> name, with
    their market looked up in the store), in the table's order. A symbol the desk holds as a
    stock (``stocks``: 000001 is also 平安银行) is not read as the index."""
    shown = [i for i in MAIN_INDICES if not i.only_if_listed or i.symbol in listed]
    known = {i.symbol for i in shown}
    extra = [s for s in listed if s not in known and s not in {i.symbol for i in MAIN_INDICES}]
    markets = dict(
        con.execute(
            "SELECT DISTINCT symbol, market FROM prices WHERE list_contains($s, symbol)",
            {"s": extra},
        ).fetchall()
        if extra
        else []
    )
    wanted = [*shown, *(MainIndex(s, listed[s], markets[s]) for s in extra if s in markets)]
    wanted = [i for i in wanted if i.symbol not in stocks]
    windows = {i.market: cals.market_window(i.market, start, end) for i in wanted}
    dates = sorted({d for w in windows.values() for d in (w.base_date, w.end_date)})
    closes = {
        (s, m, d): c
        for s, m, d, c in con.execute(
            CLOSES_SQL, {"symbols": [i.symbol for i in wanted], "dates": dates}
        ).fetchall()
    }
    out = []
    for i in wanted:
        w = windows[i.market]
        out.append(
            IndexMove(
                symbol=i.symbol,
                name=i.name,
                market=i.market,
                name_en=i.name_en or i.symbol,
                base_date=w.base_date,
                end_date=w.end_date,
                base_close=closes.get((i.symbol, i.market, w.base_date)),
                end_close=closes.get((i.symbol, i.market, w.end_date)),
            )
        )
    return out
