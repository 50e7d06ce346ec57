"""The analysis's parameter and result types that the desk and the report use as they are.

The desk's ``review:`` and ``trackers:`` keys are these models (``desk.TrackerRules`` adds the
chart layout to :class:`TrendRules`), and the report's list of sources is :class:`SeriesSource`:
one type per idea, so a threshold or a field is declared, defaulted and checked in one place.
Kept free of heavy imports: the desk and the report model read this module.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Rules):
    """Thresholds of the review's event words (fractions, not percent); desk key ``review``."""

    reversal_high_gain: float = 0.08  # 冲高: week high at least this above the base close
    reversal_pullback: float = 0.08  # 回落: week close at least this below the week high
    big_drop: float = 0.10  # 出现大幅回调: weekly change at or below minus this
    streak_lookback_sessions: int = 30  # sessions before the base the limit streak may reach


class TrendRules(_Rules):
    """Trend-word thresholds as fractions (0.20 = 20%); desk key ``trackers`` adds its charts."""

    significant: float = 0.20  # 增幅显著: latest period-on-period change at or above this
    rise: float = 0.05  # 有所提高: from this up to ``significant``
    flat: float = 0.05  # 基本持平: strictly inside ±this
    streak: int = 3  # 持续攀升 / 持续下滑: at least this many consecutive rises / falls

    @model_validator(mode="after")
    def _ordered(self) -> TrendRules:
        if not 0 <= self.flat <= self.rise <= self.significant:
            raise ValueError("expected 0 ≤ flat ≤ rise ≤ significant (fractions, e.g. 0.05)")
        if self.streak < 2:
            raise ValueError("streak: expected at least 2 consecutive periods")
        return self


# A member's state in the week, as the review judges it and report.json names it.
MemberStatus = Literal[
    "ok", "suspended", "data_behind", "no_base", "no_data", "market_closed", "no_reference"
]


class SeriesSource(BaseModel):
    """Where one price series used by a report came from (per symbol and source)."""

    symbol: str
    source: str
    adjustment: str | None
    rows: int
    first_date: dt.date | None
    last_date: dt.date | None
    fetched_at: dt.datetime | None = None


DEFAULT_THRESHOLDS = Thresholds()
DEFAULT_TREND_RULES = TrendRules()
