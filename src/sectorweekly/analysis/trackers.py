"""Tracker analysis: period-on-period change, runs of rises and falls, trend codes, GPU levels.

Returns codes and numbers only; ``narrative.trackers_zh`` turns them into words. A change is
computed only between adjacent periods (a gap means no 环比), and unfinished periods never enter
a trend: they are reported beside it, flagged, so a half month is not read as a collapse.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..desk.rules import DEFAULT_TREND_RULES, TrendRules
from ..store.series import GpuRow, SeriesRow

EPS = 1e-9  # ratios such as 120/100 - 1 land a hair off 0.20; a boundary value counts as met
TrendCode = Literal["surge", "rise", "flat", "pullback", "fall", "drop", "no_change"]
StreakCode = Literal["climbing", "sliding"]


@dataclass(frozen=True)
class Point:
    period_start: dt.date
    period_end: dt.date
    value: float
    partial: bool = False

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days + 1


@dataclass(frozen=True)
class Trend:
    code: TrendCode
    change: float | None  # latest period-on-period change (fraction)
    previous_change: float | None
    run: int  # +n consecutive rises ending at the latest period, -n falls, 0 otherwise
    streak: StreakCode | None  # set when |run| reaches the rules' streak length


def adjacent(a: Point, b: Point) -> bool:
    """``b`` starts the day after ``a`` ends (consecutive weeks or months)."""
    return b.period_start == a.period_end + dt.timedelta(days=1)


def changes(points: Sequence[Point]) -> list[float | None]:
    """Change of each period against the one before it; None without an adjacent, positive base."""
    out: list[float | None] = [None]
    for prev, cur in itertools.pairwise(points):
        ok = adjacent(prev, cur) and prev.value > 0
        out.append(cur.value / prev.value - 1 if ok else None)
    return out[: len(points)]


def run_length(chg: Sequence[float | None]) -> int:
    """Consecutive rises (+n) or falls (-n) ending at the last change; any strict move counts."""
    run = 0
    for c in reversed(chg):
        if c is None or abs(c) < EPS:
            break
        step = 1 if c > 0 else -1
        if run and (run > 0) != (step > 0):
            break
        run += step
    return run


def classify(chg: Sequence[float | None], rules: TrendRules = DEFAULT_TREND_RULES) -> Trend:
    """Trend code of the latest change, with the run that ends there.

    surge: change ≥ significant; rise: rise ≤ change < significant; flat: -flat < change <
    rise; a fall (change ≤ -flat) is drop at or below -significant, pullback right after a rise,
    fall otherwise. ``streak`` marks runs of at least ``rules.streak`` rises or falls.
    """
    last = chg[-1] if chg else None
    prev = chg[-2] if len(chg) >= 2 else None
    if last is None:
        return Trend("no_change", None, prev, 0, None)
    run = run_length(chg)
    streak: StreakCode | None = None
    if run >= rules.streak:
        streak = "climbing"
    elif run <= -rules.streak:
        streak = "sliding"
    code: TrendCode
    if last >= rules.significant - EPS:
        code = "surge"
    elif last >= rules.rise - EPS:
        code = "rise"
    elif last > -rules.flat + EPS:
        code = "flat"
    elif last <= -rules.significant + EPS:
        code = "drop"
    elif prev is not None and prev > 0:
        code = "pullback"
    else:
        code = "fall"
    return Trend(code, last, prev, run, streak)


@dataclass
class TrackerSeries:
    """One site or app as the report shows it (an app's former name merged into its history)."""

    category: str
    name: str
    group: str
    unit: str
    alias_of: str | None
    points: list[Point]
    sources: list[str]
    sample: bool


@dataclass
class SeriesSummary:
    series: TrackerSeries
    complete: list[Point]  # finished periods, oldest first
    latest: Point | None  # last finished period
    previous: Point | None  # the one before it, when adjacent
    trend: Trend
    unfinished: Point | None  # an unfinished period after ``latest``, if any
    history: list[Point] = field(default_factory=list)  # every period shown (incl. unfinished)


def load_series(rows: Sequence[SeriesRow], until: dt.date) -> list[TrackerSeries]:
    """Group rows into series known at ``until``: finished periods that ended by then, and
    unfinished ones already started. A renamed series absorbs its former name's history."""
    by_name: dict[tuple[str, str], list[SeriesRow]] = {}
    for r in rows:
        known = r.period_end <= until or (r.partial and r.period_start <= until)
        if known:
            by_name.setdefault((r.category, r.series), []).append(r)
    absorbed: set[tuple[str, str]] = set()
    out = []
    for (category, name), own in by_name.items():
        alias = next((r.alias_of for r in own if r.alias_of), None)
        merged = list(own)
        if alias and (category, alias) in by_name:
            first = min(r.period_start for r in own)
            merged += [r for r in by_name[(category, alias)] if r.period_end < first]
            absorbed.add((category, alias))
        merged.sort(key=lambda r: r.period_start)
        out.append(
            TrackerSeries(
                category=category,
                name=name,
                group=own[-1].group,
                unit=own[-1].unit,
                alias_of=alias,
                points=[Point(r.period_start, r.period_end, r.value, r.partial) for r in merged],
                sources=sorted({r.source for r in merged}),
                sample=any(r.sample for r in merged),
            )
        )
    return [s for s in out if (s.category, s.name) not in absorbed]


def summarise(series: TrackerSeries, rules: TrendRules = DEFAULT_TREND_RULES) -> SeriesSummary:
    complete = [p for p in series.points if not p.partial]
    trend = classify(changes(complete), rules)
    latest = complete[-1] if complete else None
    previous = complete[-2] if len(complete) >= 2 and adjacent(complete[-2], complete[-1]) else None
    later = [
        p
        for p in series.points
        if p.partial and (latest is None or p.period_start > latest.period_end)
    ]
    return SeriesSummary(
        series=series,
        complete=complete,
        latest=latest,
        previous=previous,
        trend=trend,
        unfinished=later[-1] if later else None,
        history=list(series.points),
    )


def last_periods(summaries: Sequence[SeriesSummary], n: int) -> list[tuple[dt.date, dt.date]]:
    """The last ``n`` distinct periods across series (for a chart), oldest first."""
    spans = sorted({(p.period_start, p.period_end) for s in summaries for p in s.history})
    return spans[-n:] if n > 0 else []


# --- GPU prices ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GpuLevel:
    model: str
    condition: str  # new | used
    currency: str
    date: dt.date
    price: float
    base_date: dt.date | None  # the observation ``weeks`` before (within a week of it)
    base_price: float | None
    change: float | None
    weeks: int
    history: tuple[tuple[dt.date, float], ...]
    sources: tuple[str, ...]
    sample: bool


def gpu_levels(rows: Sequence[GpuRow], until: dt.date, weeks: int = 4) -> list[GpuLevel]:
    """Latest price per model and condition on or before ``until`` and its change over
    ``weeks``: the base is the last price on or before that day, if no more than 7 days older."""
    groups: dict[tuple[str, str], list[GpuRow]] = {}
    for r in rows:
        if r.date <= until:
            groups.setdefault((r.model, r.condition), []).append(r)
    out = []
    for (model, condition), rs in groups.items():
        rs.sort(key=lambda r: r.date)
        last = rs[-1]
        target = last.date - dt.timedelta(weeks=weeks)
        before = [r for r in rs if r.date <= target]
        base = before[-1] if before else None
        if base is not None and ((target - base.date).days > 7 or base.currency != last.currency):
            base = None
        out.append(
            GpuLevel(
                model=model,
                condition=condition,
                currency=last.currency,
                date=last.date,
                price=last.price,
                base_date=base.date if base else None,
                base_price=base.price if base else None,
                change=last.price / base.price - 1 if base else None,
                weeks=weeks,
                history=tuple((r.date, r.price) for r in rs if r.currency == last.currency),
                sources=tuple(sorted({r.source for r in rs})),
                sample=any(r.sample for r in rs),
            )
        )
    return out


WEEK_DAYS = 7
MONTH_DAYS = 31


def is_stale(last_day: dt.date, cadence_days: int, window_start: dt.date) -> bool:
    """True when the latest observation ends more than one cadence before the window starts.

    A weekly series whose last week ended 4 days before the window is this week's news; one
    that ended a year before is not, and the report must date it instead of saying 本周.
    """
    return last_day + dt.timedelta(days=cadence_days) < window_start
