"""The window rule of anatomy §2 on holiday weeks, per market."""

from __future__ import annotations

import datetime as dt

import pytest

from sectorweekly.errors import CalendarError
from sectorweekly.markets.calendars import Calendars

D = dt.date.fromisoformat


def market_window(market: str, start: dt.date, end: dt.date):
    return Calendars.build().market_window(market, start, end)


@pytest.mark.parametrize(
    ("start", "end", "market", "base", "last", "n_sessions"),
    [
        # National Day week: mainland closed 10-01..10-07, HK closed 10-01 only, US open.
        ("2024-09-30", "2024-10-04", "CN_A", "2024-09-27", "2024-09-30", 1),
        ("2024-09-30", "2024-10-04", "HK", "2024-09-27", "2024-10-04", 4),
        ("2024-09-30", "2024-10-04", "US", "2024-09-27", "2024-10-04", 5),
        # The demo week: A-share base is the 09-30 close, HK and US the 10-04 close.
        ("2024-10-07", "2024-10-09", "CN_A", "2024-09-30", "2024-10-09", 2),
        ("2024-10-07", "2024-10-09", "HK", "2024-10-04", "2024-10-09", 3),
        ("2024-10-07", "2024-10-09", "US", "2024-10-04", "2024-10-09", 3),
        # HK closed 10-11 (Chung Yeung): its end close is the 10-10 close.
        ("2024-10-07", "2024-10-11", "CN_A", "2024-09-30", "2024-10-11", 4),
        ("2024-10-07", "2024-10-11", "HK", "2024-10-04", "2024-10-10", 4),
        ("2024-10-07", "2024-10-11", "US", "2024-10-04", "2024-10-11", 5),
    ],
)
def test_base_and_end_sessions(start, end, market, base, last, n_sessions):
    view = market_window(market, D(start), D(end))
    assert view.base_date == D(base)
    assert view.end_date == D(last)
    assert len(view.sessions) == n_sessions


def test_market_with_no_session_in_window():
    view = market_window("CN_A", D("2024-10-01"), D("2024-10-04"))
    assert view.closed_all_window
    assert view.base_date == view.end_date == D("2024-09-30")


def test_window_end_before_start_is_an_error():
    with pytest.raises(CalendarError, match="before its start"):
        market_window("US", D("2024-10-09"), D("2024-10-07"))


def test_date_beyond_calendar_says_upgrade():
    with pytest.raises(CalendarError, match="upgrade exchange-calendars"):
        market_window("CN_A", D("2031-01-06"), D("2031-01-10"))
