"""Now and today as inputs: ``SECTORWEEKLY_TODAY`` stands the whole tool on another day.

Tests (and an analyst rebuilding an old week) can stand in 2027 by setting the variable to a date
(``2027-03-01``, read as the end of that day in Shanghai) or an ISO timestamp with a zone. Every
rule that depends on the present — "no prices from the future", an update's last closed session,
the calendar's provisional horizon, "ratings dated after today" — asks this module, never the
system clock directly, so the rule stays strict for users and testable for everyone.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

ENV = "SECTORWEEKLY_TODAY"
SHANGHAI = ZoneInfo("Asia/Shanghai")


class ClockError(ValueError):
    """``SECTORWEEKLY_TODAY`` holds something that is not a date or a timestamp."""


def now_utc() -> dt.datetime:
    """The present moment (timezone-aware, UTC)."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return dt.datetime.now(dt.UTC)
    try:
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            moment = dt.datetime.combine(day, dt.time(23, 59, 59), SHANGHAI)
        else:
            moment = dt.datetime.fromisoformat(raw)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=SHANGHAI)
    except ValueError:
        raise ClockError(
            f"{ENV}={raw!r}: expected a date (2027-03-01) or an ISO timestamp "
            "(2027-03-01T16:00+08:00)"
        ) from None
    return moment.astimezone(dt.UTC)


def today() -> dt.date:
    """Today's date in Shanghai, where the desk's publication day is counted."""
    return now_utc().astimezone(SHANGHAI).date()
