"""The whole-market week against figures recomputed without the package's code (golden files)
and against published facts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from market_store import MARKET_DIR
from sectorweekly.analysis.market_context import BUCKETS, MarketContext, market_context
from sectorweekly.markets.calendars import Calendars

GOLDEN = Path(__file__).parent / "golden" / "market_context"
pytestmark = pytest.mark.skipif(not MARKET_DIR.is_dir(), reason="no shared market slice")


def _context(path: Path, start: str, end: str) -> MarketContext:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return market_context(
            con,
            Calendars.build(),
            dt.date.fromisoformat(start),
            dt.date.fromisoformat(end),
            "电子",
            ["688256", "688981", "601138", "002693"],
        )
    finally:
        con.close()


@pytest.mark.parametrize(
    "start,end",
    [("2024-10-07", "2024-10-09"), ("2024-10-07", "2024-10-11"), ("2024-09-30", "2024-10-04")],
)
def test_every_figure_matches_the_independent_recomputation(
    market_store: Path, start: str, end: str
) -> None:
    gold = json.loads((GOLDEN / f"week_{start}_{end}.json").read_text(encoding="utf-8"))
    got = _context(market_store, start, end)
    w = got.week
    assert [d.isoformat() for d in w.view.sessions] == gold["sessions"]
    assert w.view.base_date.isoformat() == gold["base"]
    assert (w.up, w.flat, w.down, w.suspended, w.no_base) == (
        gold["up"],
        gold["flat"],
        gold["down"],
        gold["suspended"],
        gold["no_base"],
    )
    assert (w.limit_up_stocks, w.limit_down_stocks) == (
        gold["limit_up_stocks"],
        gold["limit_down_stocks"],
    )
    assert dict(zip(BUCKETS, w.buckets, strict=True)) == gold["buckets"]
    assert sum(w.buckets) == w.counted
    names = [
        "up",
        "flat",
        "down",
        "limit_up",
        "one_price",
        "limit_down",
        "broken",
        "st_ambiguous",
        "prev_up",
        "promoted",
    ]
    for day, g in zip(w.days, gold["days"], strict=True):
        assert day.date.isoformat() == g["date"]
        assert {n: getattr(day, n) for n in names} == {n: g[n] for n in names}, day.date
        assert day.amount == pytest.approx(g["amount"], rel=1e-12)
    assert {str(r.height): sorted(r.symbols) for r in w.ladder} == gold["ladder"]
    assert {
        m.name: {"change_pct": round(m.change_pct, 6), "stocks": m.stocks}
        for m in got.industries
        if m.stocks
    } == gold["industries"]
    assert len(got.industries) == 31
    assert {
        m.name: {"change_pct": round(m.change_pct, 6), "stocks": m.stocks}
        for m in got.sub_industries
        if m.stocks
    } == gold["electronics_level2"]
    assert [[s, round(c, 6)] for s, c in got.best] == gold["electronics_best"]
    assert [[s, round(c, 6)] for s, c in got.worst] == gold["electronics_worst"]
    for sym, change in gold["changes_sample"].items():
        assert round(w.changes[sym], 6) == change
    assert got.method == "equal"


def test_published_facts(market_store: Path) -> None:
    demo = _context(market_store, "2024-10-07", "2024-10-09")
    turnover = {d.date.isoformat(): round(d.amount / 1e12, 2) for d in demo.week.days}
    assert demo.last is not None
    assert round(demo.last.days[0].amount / 1e12, 2) == 2.59  # 2024-09-30, published 2.59 tn
    assert turnover == {"2024-10-08": 3.45, "2024-10-09": 2.94}
    assert demo.last.days[0].down == 8  # 9-30: eight decliners
    oct9 = demo.week.days[-1]
    assert (oct9.up, oct9.down, oct9.flat) == (279, 4802, 1)  # published 278 / 4,803 / 1
    assert demo.week.ladder[0].height == 14 and demo.week.ladder[0].symbols == ("002693",)
    assert demo.last.ladder[0].height == 12 and "002693" in demo.last.ladder[0].symbols
    oct8 = _context(market_store, "2024-10-08", "2024-10-08")
    assert oct8.week.ladder[0].height == 13 and oct8.week.ladder[0].symbols == ("002693",)
    # the watchlist in its market: 中芯国际 above 99% of the market, 寒武纪 in 电子's top 5%
    assert demo.places["688981"][0] > 99 and demo.places["688256"][1] > 95
    assert demo.industries[0].name == "电子"
    # nothing stated about ST: closes at the ST limit only are counted apart, not as limits
    assert not demo.st_known and oct9.st_ambiguous == 84
