"""Limit streaks, listing rules, suspension and missing data on hand-made stores."""

from __future__ import annotations

import datetime as dt

from helpers import add_bars, memory_store, sessions
from sectorweekly.analysis.market import MemberSpec, Window, compute_moves
from sectorweekly.markets.calendars import Calendars

D = dt.date.fromisoformat


def test_suspended_stock_shows_its_last_close():
    con = memory_store()
    days = sessions("CN_A", "2024-09-02", "2024-10-09")
    bars = [(d, 10.0, None, None) for d in days if d < D("2024-10-08")]
    add_bars(con, "600000", "CN_A", bars)
    # zero-volume rows on the window's sessions: the source marks the stock as suspended
    add_bars(
        con,
        "600000",
        "CN_A",
        [(D("2024-10-08"), 10.0, None, None), (D("2024-10-09"), 10.0, None, None)],
        volume=0,
    )
    moves, _ = compute_moves(
        con,
        Calendars.build(),
        [MemberSpec("600000", "CN_A")],
        Window(D("2024-10-07"), D("2024-10-09")),
    )
    m = moves[0]
    assert m.suspended and m.end_close == 10.0 and m.change_pct == 0.0
    assert m.limit_up_streak == 0


def test_missing_rows_are_data_behind_not_suspension():
    con = memory_store()
    days = sessions("CN_A", "2024-09-02", "2024-10-08")
    add_bars(con, "600001", "CN_A", [(d, 10.0 + i * 0.01, None, None) for i, d in enumerate(days)])
    moves, _ = compute_moves(
        con,
        Calendars.build(),
        [MemberSpec("600001", "CN_A")],
        Window(D("2024-10-07"), D("2024-10-09")),
    )
    m = moves[0]
    assert m.data_behind and not m.suspended
    assert m.last_date == D("2024-10-08")


def test_no_history_before_the_window_has_no_change():
    con = memory_store()
    add_bars(
        con,
        "600002",
        "CN_A",
        [(D("2024-10-08"), 10.0, None, None), (D("2024-10-09"), 11.0, None, None)],
    )
    moves, _ = compute_moves(
        con,
        Calendars.build(),
        [MemberSpec("600002", "CN_A")],
        Window(D("2024-10-07"), D("2024-10-09")),
    )
    assert moves[0].no_base and moves[0].change_pct is None


def _limit_path(
    start: float, days: list[dt.date], pct: int
) -> list[tuple[dt.date, float, None, None]]:
    from helpers import limit_prices

    price, bars = start, []
    for d in days:
        price = limit_prices(price, pct)[0]
        bars.append((d, price, None, None))
    return bars


def test_first_five_sessions_after_listing_have_no_limit():
    con = memory_store()
    listed = D("2024-09-23")
    days = sessions("CN_A", "2024-09-23", "2024-10-09")  # 09-23..09-30, 10-08, 10-09: 8 sessions
    # a STAR stock that gains exactly 20% a day: the first five sessions are not limit-ups
    add_bars(con, "688999", "CN_A", _limit_path(10.0, days, 20))
    spec = MemberSpec("688999", "CN_A", listed=listed)
    moves, _ = compute_moves(
        con, Calendars.build(), [spec], Window(D("2024-10-07"), D("2024-10-09"))
    )
    # sessions 6, 7 and 8 after listing (09-30, 10-08, 10-09) count; 09-23..09-27 do not
    assert moves[0].limit_up_streak == 3
    # without a listing date the same path would be a longer streak
    moves, _ = compute_moves(
        con,
        Calendars.build(),
        [MemberSpec("688999", "CN_A")],
        Window(D("2024-10-07"), D("2024-10-09")),
    )
    assert moves[0].limit_up_streak == 7  # the first row has no previous close


def test_st_stock_uses_five_percent_limit():
    con = memory_store()
    days = sessions("CN_A", "2024-09-23", "2024-10-09")
    add_bars(con, "600003", "CN_A", [(days[0], 4.0, None, None), *_limit_path(4.0, days[1:], 5)])
    st = MemberSpec("600003", "CN_A", st_periods=((D("2024-01-01"), None),))
    moves, _ = compute_moves(con, Calendars.build(), [st], Window(D("2024-10-07"), D("2024-10-09")))
    assert moves[0].limit_up_streak == 7  # every session after the first closed at +5%
    plain = MemberSpec("600003", "CN_A")
    moves, _ = compute_moves(
        con, Calendars.build(), [plain], Window(D("2024-10-07"), D("2024-10-09"))
    )
    assert moves[0].limit_up_streak == 0  # +5% is not a main-board limit-up


def test_chinext_limit_changed_on_2020_08_24():
    con = memory_store()
    days = sessions("CN_A", "2020-08-17", "2020-08-21")
    add_bars(con, "300001", "CN_A", [(days[0], 10.0, None, None), *_limit_path(10.0, days[1:], 10)])
    moves, _ = compute_moves(
        con,
        Calendars.build(),
        [MemberSpec("300001", "CN_A")],
        Window(D("2020-08-17"), D("2020-08-21")),
    )
    assert moves[0].limit_up_streak == 4  # +10% was the ChiNext limit then
    con2 = memory_store()
    days = sessions("CN_A", "2020-08-24", "2020-08-28")
    add_bars(
        con2, "300001", "CN_A", [(days[0], 10.0, None, None), *_limit_path(10.0, days[1:], 10)]
    )
    moves, _ = compute_moves(
        con2,
        Calendars.build(),
        [MemberSpec("300001", "CN_A")],
        Window(D("2020-08-24"), D("2020-08-28")),
    )
    assert moves[0].limit_up_streak == 0  # +10% is no longer a ChiNext limit-up


def test_hong_kong_and_us_have_no_limits():
    con = memory_store()
    days = sessions("HK", "2024-09-23", "2024-10-09")
    add_bars(con, "0001.HK", "HK", _limit_path(10.0, days, 10))
    moves, _ = compute_moves(
        con,
        Calendars.build(),
        [MemberSpec("0001.HK", "HK")],
        Window(D("2024-10-07"), D("2024-10-09")),
    )
    assert moves[0].limit_up_streak == 0 and moves[0].limit_board is None
