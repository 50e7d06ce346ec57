"""A day the desk declares closed moves nothing in the weekly review, whatever the store holds
for it: the review reads only rows on sessions of the desk's calendar, in every market, so its
figures are those of a store without the day's rows."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import add_bars, limit_prices, memory_store
from sectorweekly import store
from sectorweekly.analysis.market import (
    MemberMove,
    MemberSpec,
    Window,
    compute_moves,
    session_limits,
)
from sectorweekly.desk.parse import load_desk
from sectorweekly.holidays import desk_years
from sectorweekly.markets.calendars import Calendars
from test_cli_bad_inputs import world  # noqa: F401  (the seeded demo desk, made once)

D = dt.date.fromisoformat


def _closing(market: str, *days: str) -> Calendars:
    """The library's calendars with ``days`` declared closed by a desk."""
    by_year: dict[int, list[dt.date]] = {}
    for day in map(D, days):
        by_year.setdefault(day.year, []).append(day)
    return Calendars.build(desk_years({market: by_year}, "desk.yaml"))


def _one(
    con: duckdb.DuckDBPyConnection, cals: Calendars, spec: MemberSpec, w: Window
) -> MemberMove:
    moves, _ = compute_moves(con, cals, [spec], w)
    return moves[0]


def test_a_limit_up_run_goes_over_a_declared_closed_day():
    """600000 closes at the limit on 09-26, 09-27 and 10-08; the store also holds a 09-30 row
    (a drop to 9.00 with a high of 20.00) on a day the desk declares closed."""
    con = memory_store()
    cals = _closing("CN_A", "2024-09-30")
    days = cals.sessions("CN_A", D("2024-08-01"), D("2024-09-25"))
    up_26 = limit_prices(10.0, 10)[0]  # 11.00
    up_27 = limit_prices(up_26, 10)[0]  # 12.10
    up_08 = limit_prices(up_27, 10)[0]  # 13.31, judged against 09-27's close
    bars = [(d, 10.0, None, None) for d in days]
    bars += [(D("2024-09-26"), up_26, None, None), (D("2024-09-27"), up_27, None, None)]
    bars += [(D("2024-09-30"), 9.0, 20.0, 9.0), (D("2024-10-08"), up_08, None, None)]
    add_bars(con, "600000", "CN_A", bars)
    spec, week = MemberSpec("600000", "CN_A"), Window(D("2024-10-07"), D("2024-10-08"))
    m = _one(con, cals, spec, week)
    assert (up_26, up_27, up_08) == (11.0, 12.1, 13.31)
    assert (m.base_date, m.base_row_date, m.base_close) == (D("2024-09-27"),) * 2 + (12.1,)
    assert m.end_close == 13.31 and m.change_pct == 10.0  # 13.31 / 12.10 − 1
    assert m.limit_up_streak == 3 and not m.limit_touch_only  # 09-26, 09-27, 10-08
    assert m.week_high == 13.31  # not the closed day's 20.00
    assert m.reference_missing is None and m.status == "ok"
    limits = {r.date: r for r in session_limits(con, cals, [spec], week)}
    assert D("2024-09-30") not in limits
    assert (limits[D("2024-10-08")].prev_close, limits[D("2024-10-08")].up) == (12.1, 13.31)
    assert limits[D("2024-10-08")].close_hit
    # the library's calendar (09-30 a session) reads the row: 13.31 after 9.00 is past the limit
    plain = _one(con, Calendars.build(), spec, week)
    assert plain.base_close == 9.0 and plain.reference_missing == D("2024-10-08")


def test_a_declared_closure_in_new_york_is_passed_over():
    """AAPL has a row on 2024-10-09 (close 300.00, high 310.00), a day the desk closes."""
    con = memory_store()
    cals = _closing("US", "2024-10-09")
    days = Calendars.build().sessions("US", D("2024-09-02"), D("2024-10-11"))
    closes = {D("2024-10-04"): 226.80, D("2024-10-08"): 225.77, D("2024-10-10"): 229.04}
    closes |= {D("2024-10-09"): 300.0, D("2024-10-11"): 227.55}
    bars = [(d, closes.get(d, 220.0), 310.0 if d == D("2024-10-09") else None, None) for d in days]
    add_bars(con, "AAPL", "US", bars)
    spec = MemberSpec("AAPL", "US")
    m = _one(con, cals, spec, Window(D("2024-10-07"), D("2024-10-11")))
    assert (m.base_close, m.end_close) == (226.80, 227.55)
    assert m.change_pct == 0.33  # 227.55 / 226.80 − 1 = 0.3307 %
    assert m.week_high == 229.04  # 10-10's close, not the closed day's 310.00
    # a week ending on the closed day ends on the session before it
    m = _one(con, cals, spec, Window(D("2024-10-07"), D("2024-10-09")))
    assert (m.end_date, m.end_close, m.last_date) == (D("2024-10-08"), 225.77, D("2024-10-08"))
    assert m.change_pct == -0.45 and not m.data_behind  # 225.77 / 226.80 − 1 = −0.4541 %


def test_a_member_long_without_rows_ends_on_its_last_session_row():
    """600003's rows stop on 2024-09-30, a day the desk closes, months before the week."""
    con = memory_store()
    cals = _closing("CN_A", "2024-09-30")
    closes = {D("2024-09-26"): 8.0, D("2024-09-27"): 8.5, D("2024-09-30"): 9.0}
    add_bars(con, "600003", "CN_A", [(d, c, None, None) for d, c in closes.items()])
    m = _one(con, cals, MemberSpec("600003", "CN_A"), Window(D("2025-03-03"), D("2025-03-07")))
    assert (m.last_date, m.end_close, m.base_close) == (D("2024-09-27"), 8.5, 8.5)
    assert m.data_behind and m.status == "data_behind"


@pytest.fixture(scope="module")
def closed_desk(world: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The seeded demo desk declaring 2024-09-30 closed for CN_A (its store still holds it)."""
    desk = tmp_path_factory.mktemp("declared") / "desk"
    shutil.copytree(world["desk"], desk)
    with (desk / "desk.yaml").open("a", encoding="utf-8") as f:
        f.write("\nholidays:\n  CN_A:\n    2024: [2024-09-30]\n")
    return desk


def _demo_moves(desk: Path, w: Window) -> dict[str, MemberMove]:
    d = load_desk(desk)
    specs = [MemberSpec.of(s, i) for s, i in d.instruments.items()]
    with store.reader(desk / "store.duckdb") as con:
        moves, _ = compute_moves(con, Calendars.of_desk(d), specs, w, d.review)
    return {m.symbol: m for m in moves}


def test_the_demo_week_after_a_declared_closed_day(closed_desk, tmp_path):
    """The demo's files: 601138 closes 23.00 on 09-27, 25.19 on 09-30, 27.71 on 10-08 (a 10%
    board); 沪深300 closes 3703.68 on 09-27 and 3887.17 on 10-11."""
    week = Window(D("2024-10-07"), D("2024-10-11"))
    moves = _demo_moves(closed_desk, week)
    hs300, ind = moves["000300"], moves["601138"]
    assert (hs300.base_date, hs300.base_close, hs300.end_close) == (
        D("2024-09-27"),
        3703.68,
        3887.17,
    )
    assert hs300.change_pct == 4.95  # 3887.17 / 3703.68 − 1 = 4.954 %
    # 10-08 is judged against 09-27: 27.71 / 23.00 − 1 = +20.48 %, past the 10% limit (25.30)
    # with no reference price stored, so the change is withheld; no limit-up on 10-08
    assert (ind.base_close, ind.end_close) == (23.0, 24.59)
    assert ind.reference_missing == D("2024-10-08") and ind.change_pct is None
    assert ind.limit_up_streak == 0 and ind.window_runs == []
    d = load_desk(closed_desk)
    with store.reader(closed_desk / "store.duckdb") as con:
        rows = session_limits(
            con, Calendars.of_desk(d), [MemberSpec.of("601138", d.instruments["601138"])], week
        )
    by_day = {r.date: r for r in rows}
    assert D("2024-09-30") not in by_day
    assert (by_day[D("2024-10-08")].prev_close, by_day[D("2024-10-08")].up) == (23.0, 25.3)
    # the week before: no A-share session left in it, so the week ends on 09-27's close
    before = _demo_moves(closed_desk, Window(D("2024-09-30"), D("2024-10-04")))["601138"]
    assert (before.end_date, before.end_close, before.status) == (
        D("2024-09-27"),
        23.0,
        "market_closed",
    )
    # every member's figures are those of the same store without the day's rows
    bare = tmp_path / "bare"
    shutil.copytree(closed_desk, bare)
    con = duckdb.connect(str(bare / "store.duckdb"))
    try:
        con.execute("DELETE FROM prices WHERE market = 'CN_A' AND date = '2024-09-30'")
    finally:
        con.close()
    for w in (week, Window(D("2024-09-30"), D("2024-10-04"))):
        assert _demo_moves(closed_desk, w) == _demo_moves(bare, w)


def test_the_series_reads_no_row_on_a_declared_closed_day(closed_desk):
    """The basket chart and the names to watch since first listed read the same rows as the
    review: the sector's relative performance has no point on 2024-09-30 (沪深300, the basket's
    benchmark, has a stored row that day), and its points are those of the store without it."""
    from sectorweekly.analysis import series as an

    d = load_desk(closed_desk)
    cals = Calendars.of_desk(d)
    closed = {"CN_A": list(cals.desk_closed_days("CN_A"))}
    members = {s: i.market for s, i in d.instruments.items() if i.market == "CN_A"}
    with store.reader(closed_desk / "store.duckdb") as con:
        every = an.basket_index(con, members, "000300", D("2024-10-11"), 3)
        kept = an.basket_index(con, members, "000300", D("2024-10-11"), 3, closed=closed)
    assert D("2024-09-30") in every.dates and D("2024-09-30") not in kept.dates
    assert len(kept.dates) == len(every.dates) - 1
    # the day after: its return is measured from 09-27, as the review's is
    at = kept.dates.index(D("2024-10-08"))
    assert kept.dates[at - 1] == D("2024-09-27")
