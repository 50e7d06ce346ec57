"""Last week's headline figures of the whole market, for the section's week-over-week words.

The previous issue's figures as it published them (the series archive's ``market_context``)
when the archive holds the issue of last week, so this issue compares with what readers were
told; otherwise last week recomputed from the store. Either way the words say which.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .market_context import MarketWeek


@dataclass(frozen=True)
class PriorWeek:
    """Last week as the comparison sees it."""

    source: Literal["archive", "store"]
    end_date: dt.date
    up: int
    down: int
    limit_up_stocks: int
    top_height: int
    daily_amount: float | None
    published: dt.date | None = None  # the archived issue's publication date


def from_store(week: MarketWeek) -> PriorWeek:
    return PriorWeek(
        source="store",
        end_date=week.view.end_date,
        up=week.up,
        down=week.down,
        limit_up_stocks=week.limit_up_stocks,
        top_height=week.top_height,
        daily_amount=week.daily_amount,
    )


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def from_archive(
    extras: Mapping[str, Any], published: dt.date, end_date: dt.date
) -> PriorWeek | None:
    """The archived issue's week when it is the week ending ``end_date``; None when the issue
    has no market section, another week, or figures this version cannot read."""
    week = (extras.get("market_context") or {}).get("week")
    if not isinstance(week, Mapping) or not week.get("sessions"):
        return None
    try:
        if _day(week["sessions"][-1]) != end_date:
            return None
        ladder = week.get("ladder") or []
        amount = week.get("daily_amount")
        return PriorWeek(
            source="archive",
            end_date=end_date,
            up=int(week["up"]),
            down=int(week["down"]),
            limit_up_stocks=int(week["limit_up_stocks"]),
            top_height=max((int(r["height"]) for r in ladder), default=0),
            daily_amount=None if amount is None else float(amount),
            published=published,
        )
    except (KeyError, TypeError, ValueError):
        return None


def prior_week(
    archived: list[tuple[dt.date, Mapping[str, Any]]], last: MarketWeek | None, end_date: dt.date
) -> PriorWeek | None:
    """Last week from the latest archived issue (publication date, its extras) that covers
    it, else from the store's recomputation ``last``."""
    for published, extras in reversed(archived):
        found = from_archive(extras, published, end_date)
        if found is not None:
            return found
    return None if last is None else from_store(last)
