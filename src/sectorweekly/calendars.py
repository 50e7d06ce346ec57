"""Exchange sessions and the per-market report window (anatomy §2).

Each market is judged on its own exchange calendar: base close = last session strictly before
the window start; end close = last session on or before the window end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import exchange_calendars as xcals
import pandas as pd

from .errors import CalendarError
from .markets import market

CALENDAR_START = pd.Timestamp("2000-01-04")


@lru_cache(maxsize=8)
def _calendar(code: str) -> xcals.ExchangeCalendar:
    return xcals.get_calendar(code, start=CALENDAR_START)


@dataclass(frozen=True)
class CalendarBounds:
    first: dt.date
    last: dt.date


def bounds(market_code: str) -> CalendarBounds:
    cal = _calendar(market(market_code).calendar)
    return CalendarBounds(cal.first_session.date(), cal.last_session.date())


def _check(market_code: str, *days: dt.date) -> xcals.ExchangeCalendar:
    mkt = market(market_code)
    cal = _calendar(mkt.calendar)
    first, last = cal.first_session.date(), cal.last_session.date()
    for day in days:
        if day > last:
            raise CalendarError(
                f"{day} is after the last session exchange_calendars knows for {mkt.calendar} "
                f"({last}); upgrade exchange-calendars (pip install -U exchange-calendars)"
            )
        if day < first:
            raise CalendarError(
                f"{day} is before the first session loaded for {mkt.calendar} ({first})"
            )
    return cal


def sessions(market_code: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """Sessions of the market's exchange in [start, end]."""
    cal = _check(market_code, start, end)
    return [ts.date() for ts in cal.sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))]


def previous_session(market_code: str, day: dt.date, *, strictly: bool) -> dt.date:
    """Last session before ``day`` (strictly) or on or before it."""
    probe = day - dt.timedelta(days=1) if strictly else day
    cal = _check(market_code, probe)
    return cal.date_to_session(pd.Timestamp(probe), direction="previous").date()


def sessions_back(market_code: str, day: dt.date, count: int) -> dt.date:
    """The session ``count`` sessions before the last session on or before ``day``."""
    cal = _check(market_code, day)
    end = cal.date_to_session(pd.Timestamp(day), direction="previous")
    idx = cal.sessions.get_loc(end)
    return cal.sessions[max(0, idx - count)].date()


@dataclass(frozen=True)
class MarketWindow:
    """One market's view of the report window."""

    market: str
    base_date: dt.date  # last session strictly before start
    end_date: dt.date  # last session on or before end
    sessions: tuple[dt.date, ...]  # sessions inside [start, end]

    @property
    def closed_all_window(self) -> bool:
        return not self.sessions


def market_window(market_code: str, start: dt.date, end: dt.date) -> MarketWindow:
    if end < start:
        raise CalendarError(f"window end {end} is before its start {start}")
    inside = tuple(sessions(market_code, start, end))
    return MarketWindow(
        market=market(market_code).code,
        base_date=previous_session(market_code, start, strictly=True),
        end_date=previous_session(market_code, end, strictly=False),
        sessions=inside,
    )


def latest_complete_week(last_dates: dict[str, dt.date]) -> tuple[dt.date, dt.date]:
    """The latest Monday–Friday week that the store covers in every market.

    The week ending on the last Friday on or before the earliest of the markets' last stored
    dates: every market then has its rows up to its last session of that week.
    """
    if not last_dates:
        raise CalendarError("the store has no prices; import or update first")
    horizon = min(last_dates.values())
    friday = horizon - dt.timedelta(days=(horizon.weekday() - 4) % 7)
    return friday - dt.timedelta(days=4), friday


@lru_cache(maxsize=8)
def all_sessions(market_code: str) -> pd.DatetimeIndex:
    """Every session the calendar knows, for turning dates into session ordinals."""
    return _calendar(market(market_code).calendar).sessions


def last_closed_session(
    market_code: str, now: dt.datetime, settle: dt.timedelta = dt.timedelta(0)
) -> dt.date:
    """The last session whose close is at or before ``now - settle`` (``now`` timezone-aware).

    A session still trading (or closed less than ``settle`` ago, before sources publish its
    bar) is not complete yet, so an update does not ask for it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    mkt = market(market_code)
    moment = pd.Timestamp(now - settle).tz_convert("UTC")
    cal = _check(market_code, moment.date())
    try:
        return cal.minute_to_past_session(moment).date()
    except (ValueError, xcals.errors.MinuteOutOfBounds) as exc:
        raise CalendarError(
            f"{moment:%Y-%m-%d %H:%M} UTC is outside what exchange_calendars knows for "
            f"{mkt.calendar} ({exc}); upgrade exchange-calendars (pip install -U exchange-calendars)"
        ) from None
