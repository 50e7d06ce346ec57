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
        # 晋级率 per board height: N-board names the row before and those that made N+1
        assert {str(n): [b, p] for n, b, p in day.by_height} == g["by_height"], day.date
        assert sum(b for _, b, _ in day.by_height) == day.prev_up
        assert sum(p for _, _, p in day.by_height) == day.promoted
    week_heights: dict[str, list[int]] = {}
    for g in gold["days"]:
        for n, (b, p) in g["by_height"].items():
            week_heights[n] = [
                week_heights.get(n, [0, 0])[0] + b,
                week_heights.get(n, [0, 0])[1] + p,
            ]
    assert {str(n): list(bp) for n, bp in w.by_height().items()} == week_heights
    assert {str(n): list(bp) for n, bp in w.by_height(last_only=True).items()} == gold["days"][-1][
        "by_height"
    ]
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


def test_last_week_comes_from_the_archived_issue_when_there_is_one(market_store: Path) -> None:
    """An archived issue covering last week is what the words compare with (its figures as
    published, even where a rebuild of the store would differ), and the words say so."""
    from sectorweekly.analysis.market_context_prior import prior_week
    from sectorweekly.narrative import market_context_zh as mz

    last_end = dt.date(2024, 9, 30)
    week = {  # report.json's market_context.week as the archive reads it back (dates as text)
        "base_date": "2024-09-27", "sessions": ["2024-09-30"], "up": 5000, "flat": 17,
        "down": 60, "limit_up_stocks": 800, "daily_amount": 2.6e12,
        "ladder": [{"height": 11, "symbols": ["600000"], "at_least": False},
                   {"height": 2, "symbols": ["600001"], "at_least": False}],
    }  # fmt: skip
    archived = {"market_context": {"week": week}}
    prior = prior_week([(dt.date(2024, 10, 1), archived)], None, last_end)
    assert prior is not None and prior.source == "archive"
    assert (prior.up, prior.limit_up_stocks, prior.top_height) == (5000, 800, 11)
    # an issue of another week, or one without the section, is passed over
    assert prior_week([(dt.date(2024, 10, 1), archived)], None, dt.date(2024, 9, 27)) is None
    assert prior_week([(dt.date(2024, 10, 1), {"trackers": {}})], None, last_end) is None
    ctx = _context(market_store, "2024-10-07", "2024-10-09")
    point = mz.key_point(ctx, prior)
    assert point is not None and point.endswith(
        "；较上周，上涨家数减少3719家，涨停家数减少7家，最高板由11连板升至14连板"
        "（上周数字取自10月1日发布的上期报告）"
    )
    lead = mz.lead(ctx, prior)
    assert lead.endswith(
        "（上周800只），最高14连板（上周最高11连板）。上周数字取自10月1日发布的上期报告。"
    )
    # without an archived issue: the store's recomputation, said as such
    assert prior_week([], ctx.last, last_end).source == "store"
    assert mz.key_point(ctx).endswith("（上周数字按本地数据库重算）")
