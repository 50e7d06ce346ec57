"""When a report week has closed, by the exchange calendars of every market a desk covers, never
by the weekday: a week whose last session is a Thursday closes on Thursday, a 调休 Saturday is
not a session, the US closes (Saturday morning in Shanghai) after Asia, and a closure the desk
declares (an HK typhoon day) moves the market's last session back.

A week runs Monday to Sunday in Shanghai; it closes at the latest close of its last session in
each market, plus the time the sources take to publish the day's bar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..clock import SHANGHAI
from ..markets.calendars import Calendars

SETTLE = dt.timedelta(minutes=30)  # as the update: sources publish a bar some time after close
LOOK_BACK_WEEKS = 3  # a week missed (the machine was off) is still built, up to this far back


@dataclass(frozen=True)
class WeekClose:
    """One report week and when it closed in each market that traded in it."""

    monday: dt.date
    last_sessions: dict[str, dt.date]  # market -> its last session of the week (traded only)
    closes_at: dt.datetime | None  # UTC, settle included; None: no market traded that week
    closing_market: str | None  # the market that closes last

    @property
    def end(self) -> dt.date | None:
        """The window's last day: the latest last session of any market."""
        return max(self.last_sessions.values(), default=None)

    def closed(self, now: dt.datetime) -> bool:
        return self.closes_at is not None and now >= self.closes_at


def week_close(
    cals: Calendars, markets: Iterable[str], monday: dt.date, settle: dt.timedelta = SETTLE
) -> WeekClose:
    last: dict[str, dt.date] = {}
    closes: dict[str, pd.Timestamp] = {}
    for code in sorted(set(markets)):
        sessions = cals.sessions(code, monday, monday + dt.timedelta(days=6))
        if not sessions:
            continue
        last[code] = sessions[-1]
        closes[code] = cals.exchange(code).session_close(pd.Timestamp(sessions[-1]))
    if not closes:
        return WeekClose(monday, last, None, None)
    market = max(closes, key=lambda c: closes[c])
    moment = closes[market].to_pydatetime().astimezone(dt.UTC) + settle
    return WeekClose(monday, last, moment, market)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Decision:
    due: WeekClose | None  # the newest week that has closed and traded
    next: WeekClose  # the current week (closed or not)


def decide(
    cals: Calendars, markets: Iterable[str], now: dt.datetime, settle: dt.timedelta = SETTLE
) -> Decision:
    """The newest closed week that traded (None when none in the last weeks) and this week."""
    codes = sorted(set(markets))
    this = monday_of(now.astimezone(SHANGHAI).date())
    current = week_close(cals, codes, this, settle)
    for back in range(LOOK_BACK_WEEKS + 1):
        week = (
            current
            if back == 0
            else week_close(cals, codes, this - dt.timedelta(weeks=back), settle)
        )
        if week.closed(now):
            return Decision(week, current)
    return Decision(None, current)


def when(moment: dt.datetime) -> str:
    """A UTC moment as the desk reads it: Shanghai time."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") + " Asia/Shanghai"
