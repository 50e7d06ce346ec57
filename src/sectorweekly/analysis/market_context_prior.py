"""Last week's figures of the whole market, for the section's week-over-week words and its
上周合计 row (the table, the daily limit chart's last-week cell, ``report.json``).

The previous issue's figures as it published them (the series archive's ``market_context``)
when the archive holds the issue of last week, so this issue compares with what readers were
told; otherwise last week recomputed from the store. Either way the words and the notes say
which. A figure an older archived issue does not hold is taken from the store and named
(``recomputed``), never made up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
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
    # the 上周合计 row: the week's flat count and its sessions' totals (None: not in the issue)
    flat: int | None = None
    limit_up: int | None = None
    one_price: int | None = None
    limit_down: int | None = None
    broken: int | None = None
    prev_up: int | None = None
    promoted: int | None = None
    recomputed: tuple[str, ...] = ()  # row figures the archived issue lacked, from the store

    @property
    def broken_rate(self) -> float | None:
        """炸板率 of the week, as ``MarketWeek.broken_rate``."""
        if self.limit_up is None or self.broken is None or not self.limit_up + self.broken:
            return None
        return self.broken / (self.limit_up + self.broken) * 100

    @property
    def promotion_rate(self) -> float | None:
        """晋级率 of the week, as ``MarketWeek.promotion_rate``."""
        if self.prev_up is None or self.promoted is None or not self.prev_up:
            return None
        return self.promoted / self.prev_up * 100


# the row's figures, in the table's order; the sessions' totals are summed over ``days``
ROW = ("flat", "limit_up", "one_price", "limit_down", "broken", "prev_up", "promoted",
       "daily_amount")  # fmt: skip
TOTALS = ROW[1:-1]
RATES = (("limit_up", "broken"), ("prev_up", "promoted"))  # 炸板率, 晋级率


def from_store(week: MarketWeek) -> PriorWeek:
    return PriorWeek(
        source="store",
        end_date=week.view.end_date,
        up=week.up,
        down=week.down,
        limit_up_stocks=week.limit_up_stocks,
        top_height=week.top_height,
        daily_amount=week.daily_amount,
        flat=week.flat,
        **{name: week.total(name) for name in TOTALS},
    )


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _totals(days: Any) -> dict[str, int | None]:
    """The sessions' totals of an archived week; None for a figure a day does not hold."""
    out: dict[str, int | None] = dict.fromkeys(TOTALS)
    if not isinstance(days, list) or not days or not all(isinstance(d, Mapping) for d in days):
        return out
    for name in TOTALS:
        counts = [_count(d.get(name)) for d in days]
        out[name] = None if None in counts else sum(c for c in counts if c is not None)
    return out


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
            flat=_count(week.get("flat")),
            **_totals(week.get("days")),
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


def with_store(prior: PriorWeek | None, last: MarketWeek | None) -> PriorWeek | None:
    """The 上周合计 row: ``prior``, each row figure an archived issue lacks taken from the
    store's recomputation ``last`` (both parts of a rate, so that no rate mixes the two) and
    named in ``recomputed``; left None without ``last``."""
    if prior is None or prior.source == "store" or last is None:
        return prior
    store = from_store(last)
    lacked = {n for n in ROW if getattr(prior, n) is None and getattr(store, n) is not None}
    for pair in RATES:
        if lacked & set(pair):
            lacked |= set(pair)
    names = tuple(n for n in ROW if n in lacked)
    if not names:
        return prior
    return replace(prior, recomputed=names, **{n: getattr(store, n) for n in names})
