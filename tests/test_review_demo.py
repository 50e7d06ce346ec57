"""The demo week's review agrees with the real closes under the window rule."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from sectorweekly.analysis.market import MemberSpec, Window, compute_moves
from sectorweekly.desk.parse import load_desk
from sectorweekly.markets.calendars import Calendars

D = dt.date.fromisoformat
PRICES = Path(__file__).parents[1] / "src/sectorweekly/demo/desk/data/prices"


def closes(symbol: str) -> dict[dt.date, float]:
    path = PRICES / (symbol.replace(".HK", "_HK").lstrip("^") + ".csv")
    with path.open(encoding="utf-8") as f:
        return {D(r["date"]): float(r["close"]) for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def desk():
    return load_desk()


def moves_for(demo_store, desk, start, end):
    specs = [MemberSpec(s, i.market, i.listed) for s, i in desk.instruments.items()]
    con = duckdb.connect(str(demo_store), read_only=True)
    try:
        moves, views = compute_moves(con, Calendars.build(), specs, Window(D(start), D(end)))
    finally:
        con.close()
    return {m.symbol: m for m in moves}, views


def test_every_change_matches_the_csv_closes(demo_store, desk):
    moves, views = moves_for(demo_store, desk, "2024-10-07", "2024-10-09")
    assert len(moves) == len(desk.instruments) == 23
    for symbol, move in moves.items():
        view = views[move.market]
        series = closes(symbol)
        base = series[view.base_date]
        end = series[view.end_date]
        assert move.base_close == base, symbol
        assert move.end_close == end, symbol
        assert move.change_pct == round((end / base - 1) * 100, 2), symbol
    # spot values a reader can check by hand
    assert moves["688256"].change_pct == 28.48  # 289.16 (09-30) -> 371.50 (10-09)
    assert moves["0020.HK"].change_pct == -17.92  # 2.12 (10-04) -> 1.74 (10-09)
    assert moves["NVDA"].change_pct == 6.19  # 124.92 (10-04) -> 132.65 (10-09)
    assert moves["000300"].base_date == D("2024-09-30")
    assert moves["HSI"].base_date == D("2024-10-04")


def test_market_caps_from_shares_never_estimated(demo_store, desk):
    moves, _ = moves_for(demo_store, desk, "2024-10-07", "2024-10-09")
    assert moves["300308"].market_cap == pytest.approx(1121166509 * 166.4)
    assert moves["TSM"].market_cap == pytest.approx(5186600000 * 187.14)
    # 海光信息: 总股本 of 2024-12-31 (nearest within 92 days) x the 10-09 close
    assert moves["688041"].market_cap == pytest.approx(2324338091 * 131.0)
    assert moves["688041"].shares_as_of == D("2024-12-31")
    assert moves["688702"].market_cap == pytest.approx(410000000 * 54.49)
    for unknown in ("688256", "688981", "0981.HK", "0020.HK"):
        assert moves[unknown].market_cap is None


def test_touch_after_two_limit_closes_is_a_touch_streak_of_three(demo_store, desk):
    # 688981 closed at the limit on 09-30 and 10-08 (across National Day), touched it on 10-09
    moves, _ = moves_for(demo_store, desk, "2024-10-07", "2024-10-09")
    smic = moves["688981"]
    assert (smic.limit_up_streak, smic.limit_touch_only) == (3, True)
    assert smic.window_runs == []  # the run is the streak, not a separate event
    # 688256 closed at the limit 09-30 and 10-08 but not 10-09: no streak at the end
    cam = moves["688256"]
    assert cam.limit_up_streak == 0
    assert [(r.start_date, r.end_date, r.sessions) for r in cam.window_runs] == [
        (D("2024-09-30"), D("2024-10-08"), 2)
    ]


def test_streak_spans_the_national_day_holiday(demo_store, desk):
    moves, _ = moves_for(demo_store, desk, "2024-10-07", "2024-10-08")
    assert moves["688256"].limit_up_streak == 2  # 09-30 and 10-08 are consecutive sessions
    assert moves["688256"].limit_touch_only is False
    assert moves["300308"].limit_up_streak == 1  # 09-30 was not at the limit


def test_touch_only_last_session(demo_store, desk):
    # 002837 on 10-08: high 28.62 = limit (26.02 x 1.1), close 28.60
    moves, _ = moves_for(demo_store, desk, "2024-10-07", "2024-10-08")
    m = moves["002837"]
    assert (m.limit_up_streak, m.limit_touch_only) == (1, True)


def test_reversal_and_big_drop(demo_store, desk):
    moves, _ = moves_for(demo_store, desk, "2024-10-07", "2024-10-09")
    st = moves["0020.HK"]  # 2.12 -> week high far above -> 1.74
    assert st.reversal and st.big_drop
    assert not moves["NVDA"].reversal and not moves["NVDA"].big_drop


def test_mainland_closed_week_shows_zero_change(demo_store, desk):
    moves, views = moves_for(demo_store, desk, "2024-10-01", "2024-10-04")
    assert views["CN_A"].closed_all_window
    assert moves["688256"].change_pct == 0.0 and moves["688256"].market_closed
    assert not moves["NVDA"].market_closed
