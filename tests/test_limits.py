"""A-share limit rules by board and date, and limit prices in exact cents: the engine's SQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from helpers import limit_prices
from sectorweekly.markets.calendars import Calendars
from sectorweekly.markets.cn_limits import (
    BSE,
    CHINEXT,
    MAIN,
    STAR,
    MemberSpec,
    board_of,
    day_limits,
)

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("symbol", "board"),
    [
        ("600519", MAIN),
        ("601138", MAIN),
        ("000001", MAIN),
        ("002130", MAIN),
        ("003816", MAIN),
        ("688256", STAR),
        ("689009", STAR),
        ("300308", CHINEXT),
        ("301269", CHINEXT),
        ("830799", BSE),
        ("430047", BSE),
        ("920002", BSE),
        ("NVDA", None),
        ("0981.HK", None),
        ("000300x", None),
    ],
)
def test_board_from_code(symbol, board):
    assert board_of(symbol) == board


@pytest.mark.parametrize(
    ("board", "day", "st", "pct"),
    [
        (MAIN, "2024-10-08", False, 10),
        (MAIN, "2024-10-08", True, 5),
        (MAIN, "2025-07-07", True, 10),  # main-board ST widened to 10% from 2025-07-07
        (STAR, "2024-10-08", False, 20),
        (STAR, "2024-10-08", True, 20),
        (CHINEXT, "2020-08-21", False, 10),  # last day of the old ChiNext rule
        (CHINEXT, "2020-08-24", False, 20),  # first day of the registration reform
        (CHINEXT, "2020-08-21", True, 5),
        (BSE, "2024-10-08", False, 30),
        (STAR, "2019-07-19", False, None),  # before STAR existed
    ],
)
def test_limit_by_board_and_date(board, day, st, pct):
    symbol = {MAIN: "600519", STAR: "688256", CHINEXT: "300308", BSE: "830799"}[board]
    spec = MemberSpec(symbol, "CN_A", st_periods=((D(day), D(day)),) if st else ())
    rows = pd.DataFrame({"symbol": [symbol], "date": [D(day)], "prev_close": [10.0]})
    got = day_limits(rows, [spec], Calendars.build())["limit_pct"].iloc[0]
    assert (None if pd.isna(got) else got) == pct


@pytest.mark.parametrize(
    ("prev", "pct", "up", "down"),
    [
        (240.97, 20, 289.16, 192.78),  # 688256 on 2024-09-30 (real close at the limit)
        (289.16, 20, 346.99, 231.33),  # 688256 on 2024-10-08
        (26.02, 10, 28.62, 23.42),  # 002837 on 2024-10-08: high 28.62 touched the limit
        (10.05, 10, 11.06, 9.05),  # 11.055 rounds half-up, not to float's 11.05
        (4.45, 5, 4.67, 4.23),  # ST: 4.6725 -> 4.67, 4.2275 -> 4.23
        (12.35, 30, 16.06, 8.65),  # BSE: 16.055 -> 16.06 half-up
    ],
)
def test_limit_prices_round_half_up_to_the_cent(prev, pct, up, down):
    assert limit_prices(prev, pct) == (up, down)
