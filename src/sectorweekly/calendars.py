"""Exchange sessions and the per-market report window (anatomy §2).

Each market is judged on its own exchange calendar: base close = last session strictly before
the window start; end close = last session on or before the window end.

The calendars are exchange_calendars' own, extended by data (``holidays/``): a year the library
does not know yet (Shanghai/Shenzhen past its release) comes from the package's holiday file or
the desk's ``holidays:`` key, and a desk's days for a known year are added to its closures (or,
with ``replace: true``, are the year's whole list; :func:`desk_changes` says what moved); past
every known year, sessions are *provisional* — every weekday — until the notice is added, and a
weekday on which the store holds no row for any stock of the market is declared closed by
inference (:func:`infer_closures`). The extended calendar is a subclass of the library's,
registered with exchange_calendars as ``<CODE>-sectorweekly``, so windows, imports, the update's
plan and the scorecard all see the same sessions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import exchange_calendars as xcals
import numpy as np
import pandas as pd
from exchange_calendars.calendar_utils import _default_calendar_factories
from exchange_calendars.precomputed_exchange_calendar import PrecomputedExchangeCalendar

from . import clock, holidays
from .errors import CalendarError, InputError
from .markets import market

CALENDAR_START = pd.Timestamp("2000-01-04")
# provisional sessions run this many years past the later of today and the last known year
PROVISIONAL_YEARS = 1

YearOrigin = Literal["library", "package", "desk", "provisional"]


@dataclass
class _Extensions:
    """What the project adds to the library's calendars (set at the edge, read everywhere)."""

    desk: dict[str, dict[int, holidays.HolidayYear]] = field(default_factory=dict)
    inferred: dict[str, frozenset[dt.date]] = field(default_factory=dict)


_EXT = _Extensions()


def use_desk_holidays(
    years: Mapping[str, Mapping[int, holidays.HolidayYear]],
) -> list[YearChange]:
    """Make a desk's holiday years part of every calendar (the desk's ``holidays:`` key).

    Returns how the desk changes the years already known when it newly takes effect (empty
    when the same holidays are already in use), for the console to say once.
    """
    new = {m: dict(y) for m, y in years.items() if y}
    for code, entries in new.items():
        if _library_years(market(code).calendar) is None:
            for entry in entries.values():
                if entry.replace:
                    raise InputError(
                        entry.file,
                        f"holidays.{code}.{entry.year}.replace",
                        f"{code}'s calendar is computed by rule: a desk can only add closures "
                        "to it; leave replace out",
                    )
    if new == _EXT.desk:
        return []
    _EXT.desk = new
    _EXT.inferred = {}
    _changed()
    return [c for code in sorted(new) for c in desk_changes(code)]


def infer_closures(market_code: str, days: Iterable[dt.date]) -> tuple[dt.date, ...]:
    """Treat these weekdays as closed where they are provisional; returns the days taken."""
    code = market(market_code).code
    wanted = frozenset(d for d in days if is_provisional(code, d))
    if wanted != _EXT.inferred.get(code, frozenset()):
        _EXT.inferred = {**_EXT.inferred, code: wanted}
        _changed()
    return tuple(sorted(wanted))


def inferred_closures(market_code: str) -> tuple[dt.date, ...]:
    return tuple(sorted(_EXT.inferred.get(market(market_code).code, ())))


def reset() -> None:
    """Back to the library and the package's holiday files only."""
    if _EXT.desk or _EXT.inferred:
        _EXT.desk, _EXT.inferred = {}, {}
        _changed()


def _changed() -> None:
    _calendar_to.cache_clear()
    _half_days.cache_clear()


# --- which years are known, and from where -------------------------------------------------


def _library_type(calendar_code: str) -> type[xcals.ExchangeCalendar]:
    return _default_calendar_factories[calendar_code]


@lru_cache(maxsize=8)
def _library_years(calendar_code: str) -> range | None:
    """Years whose holidays the library holds as a list; None when it computes them by rule."""
    cls = _library_type(calendar_code)
    if _is_holiday_list(cls):
        return range(cls._earliest_precomputed_year(), cls._latest_precomputed_year() + 1)
    return None


def _is_holiday_list(cls: type[xcals.ExchangeCalendar]) -> bool:
    """A calendar whose holidays are one hard-coded list of days (XSHG), not rules (XHKG's
    precomputed lunar dates feed rules, so it counts as computed by rule)."""
    return issubclass(cls, PrecomputedExchangeCalendar) and isinstance(
        cls.precomputed_holidays(), pd.DatetimeIndex
    )


@lru_cache(maxsize=64)
def _library_closed(calendar_code: str, year: int) -> tuple[dt.date, ...] | None:
    """The weekdays the library's holiday list closes in ``year``; None if it has no list."""
    years = _library_years(calendar_code)
    if years is None or year not in years:
        return None
    listed = pd.DatetimeIndex(_library_type(calendar_code).precomputed_holidays())
    return tuple(sorted(t.date() for t in listed if t.year == year and t.weekday() < 5))


@dataclass(frozen=True)
class KnownYear:
    """A year's closures before the desk: the package's file, else the library's list."""

    closed: tuple[dt.date, ...]
    label: str  # what they come from, for the console


def known_year(market_code: str, year: int) -> KnownYear | None:
    mkt = market(market_code)
    package = holidays.package_years(mkt.code)
    lib = _library_closed(mkt.calendar, year)
    if lib is not None:
        return KnownYear(lib, _library_label(mkt.calendar))
    if year in package:
        return KnownYear(package[year].closed, f"the package holiday file {mkt.code}.yaml")
    return None


def _before_desk(market_code: str, year: int) -> KnownYear | None:
    """A year's closures without the desk: the known list, or for a calendar computed by rule
    the library's own sessions of that year."""
    mkt = market(market_code)
    known = known_year(mkt.code, year)
    if known is not None or _library_years(mkt.calendar) is not None:
        return known
    hi = pd.Timestamp(year, 12, 31)
    # from the year before, so that a holiday on the year's first weekday is inside the bounds
    start = max(pd.Timestamp(year - 1, 1, 1), CALENDAR_START)
    cal = _library_type(mkt.calendar)(start=start, end=hi)
    return KnownYear(_closed_weekdays(cal, year), _library_label(mkt.calendar))


def _given_years(market_code: str) -> dict[int, holidays.HolidayYear]:
    """Years from data: the package's file, then the desk's, whose days are added to the year's
    known closures (or replace them, with ``replace: true``)."""
    given = dict(holidays.package_years(market_code))
    for year, entry in _EXT.desk.get(market_code, {}).items():
        known = known_year(market_code, year)
        if known is not None and not entry.replace:
            entry = dataclasses.replace(entry, closed=tuple(sorted({*known.closed, *entry.closed})))
        given[year] = entry
    return given


@dataclass(frozen=True)
class YearChange:
    """How a desk's ``holidays:`` year differs from what the library (or package) knew."""

    market: str
    year: int
    file: str
    replace: bool
    against: str
    known: int  # weekdays closed before the desk
    closed: int  # weekdays closed with the desk
    added: tuple[dt.date, ...]
    removed: tuple[dt.date, ...]

    def line(self) -> str:
        """One console line: the year's difference, added and removed days listed."""
        verb = "replaces (replace: true)" if self.replace else "adds to"
        diff = [f"+{d}" for d in self.added] + [f"-{d}" for d in self.removed]
        return (
            f"{self.file}: holidays.{self.market}.{self.year} {verb} the {self.known} closed "
            f"weekdays of {self.against}: {', '.join(diff)} ({self.closed} closed)"
        )


def desk_changes(market_code: str) -> list[YearChange]:
    """The desk's years that change a known year's closures, with the days added and removed."""
    mkt = market(market_code)
    code, by_rule = mkt.code, _library_years(mkt.calendar) is None
    given = _given_years(code)
    out = []
    for year, entry in sorted(_EXT.desk.get(code, {}).items()):
        known = _before_desk(code, year)
        if known is None:
            continue
        before = set(known.closed)
        now = set(given[year].closed) | (before if by_rule else set())
        if now == before:
            continue
        out.append(
            YearChange(
                code,
                year,
                entry.file,
                entry.replace,
                known.label,
                len(before),
                len(now),
                tuple(sorted(now - before)),
                tuple(sorted(before - now)),
            )
        )
    return out


def desk_closed_days(market_code: str) -> tuple[dt.date, ...]:
    """The days the desk's ``holidays:`` key itself lists as closed for ``market_code``."""
    years = _EXT.desk.get(market(market_code).code, {})
    return tuple(sorted(d for entry in years.values() for d in entry.closed))


def last_known_year(market_code: str) -> int | None:
    """The last year whose holidays are known; None for a calendar computed by rule."""
    mkt = market(market_code)
    lib = _library_years(mkt.calendar)
    if lib is None:
        return None
    return max([lib[-1], *holidays.package_years(mkt.code), *_EXT.desk.get(mkt.code, {})])


def is_provisional(market_code: str, day: dt.date) -> bool:
    """True past every known holiday list: the day's sessions are weekdays, not a notice."""
    last = last_known_year(market_code)
    return last is not None and day.year > last


def provisional_days(market_code: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """Provisional weekdays in [start, end] (closed by inference or not)."""
    if end < start:
        return []
    days = pd.bdate_range(start, end)
    return [d.date() for d in days if is_provisional(market_code, d.date())]


@dataclass(frozen=True)
class YearSource:
    """Where one market's sessions of one year come from, for the ``calendar`` command."""

    market: str
    year: int
    origin: YearOrigin
    source: str  # the notice, the library version, or why the year is provisional
    closed: tuple[dt.date, ...]  # weekdays closed by the holiday list (or inferred)
    inferred: tuple[dt.date, ...]


def year_source(market_code: str, year: int) -> YearSource:
    mkt = market(market_code)
    given = _given_years(mkt.code)
    inferred = tuple(d for d in inferred_closures(mkt.code) if d.year == year)
    if year in given:
        entry = given[year]
        source = f"{entry.source or '(no notice cited)'} [{entry.file}]"
        known = _before_desk(mkt.code, year) if entry.origin == "desk" else None
        if known is not None:
            how = "replacing" if entry.replace else "added to"
            source += f", {how} the closures of {known.label}"
        closed = entry.closed
        if _library_years(mkt.calendar) is None:  # computed by rule: the desk's days are extra
            closed = _closed_weekdays(_calendar(mkt.code), year)
        return YearSource(mkt.code, year, entry.origin, source, closed, ())
    if is_provisional(mkt.code, dt.date(year, 1, 1)):
        why = (
            f"no holiday list for {year} yet (library, package and desk end in "
            f"{last_known_year(mkt.code)}): every weekday counts as a session"
        )
        return YearSource(mkt.code, year, "provisional", why, (), inferred)
    closed = _closed_weekdays(_calendar(mkt.code), year)
    return YearSource(mkt.code, year, "library", _library_label(mkt.calendar), closed, ())


def _closed_weekdays(cal: xcals.ExchangeCalendar, year: int) -> tuple[dt.date, ...]:
    """The weekdays of ``year`` (within the calendar's bounds) that are not sessions."""
    lo, hi = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    weekdays = pd.bdate_range(lo, hi)
    sess = set(cal.sessions_in_range(max(lo, cal.first_session), min(hi, cal.last_session)))
    return tuple(d.date() for d in weekdays if d not in sess and cal.first_session <= d)


def _library_label(calendar_code: str) -> str:
    return f"exchange_calendars {getattr(xcals, '__version__', '')} ({calendar_code})"


# --- the extended calendar ------------------------------------------------------------------


def _horizon(market_code: str) -> pd.Timestamp:
    """Last day a calendar is built to: provisional years reach a year past today."""
    today = clock.today()
    last = last_known_year(market_code)
    year = max(last or 0, today.year) + PROVISIONAL_YEARS
    return pd.Timestamp(year, 12, 31)


def _extended_type(market_code: str) -> type[xcals.ExchangeCalendar]:
    mkt = market(market_code)
    base = _library_type(mkt.calendar)
    given = _given_years(mkt.code)
    added = [d for entry in given.values() for d in entry.closed]
    added += list(_EXT.inferred.get(mkt.code, ()))
    horizon = _horizon(mkt.code)
    if _is_holiday_list(base):
        kept = [t for t in pd.DatetimeIndex(base.precomputed_holidays()) if t.year not in given]
        days = pd.DatetimeIndex(sorted({*kept, *(pd.Timestamp(d) for d in added)}))
        attrs: dict[str, object] = {
            "precomputed_holidays": classmethod(lambda cls: days),
            "bound_max": classmethod(lambda cls: horizon),
        }
    else:  # a calendar computed by rule: data only adds closures (typhoons, mourning days)
        extra = [pd.Timestamp(d) for d in added]
        parent = base.adhoc_holidays

        def adhoc(self: xcals.ExchangeCalendar) -> list[pd.Timestamp]:
            return [*parent.fget(self), *extra]  # type: ignore[attr-defined]

        attrs = {"adhoc_holidays": property(adhoc)}
    return type(f"{base.__name__}Extended", (base,), attrs)


def calendar_name(market_code: str) -> str:
    """The name the project's calendar of a market is registered under in exchange_calendars."""
    return f"{market(market_code).calendar}-sectorweekly"


def _calendar(market_code: str) -> xcals.ExchangeCalendar:
    return _calendar_to(market_code, _horizon(market_code))


@lru_cache(maxsize=8)
def _calendar_to(market_code: str, end: pd.Timestamp) -> xcals.ExchangeCalendar:
    cls = _extended_type(market_code)
    if cls.bound_max() is not None:
        end = min(end, cls.bound_max())
    cal = cls(start=CALENDAR_START, end=end)
    xcals.register_calendar(calendar_name(market_code), cal, force=True)
    return cal


@dataclass(frozen=True)
class CalendarBounds:
    first: dt.date
    last: dt.date


def bounds(market_code: str) -> CalendarBounds:
    cal = _calendar(market(market_code).code)
    return CalendarBounds(cal.first_session.date(), cal.last_session.date())


def _check(market_code: str, *days: dt.date) -> xcals.ExchangeCalendar:
    mkt = market(market_code)
    cal = _calendar(mkt.code)
    first, last = cal.first_session.date(), cal.last_session.date()
    for day in days:
        if day > last:
            raise CalendarError(
                f"{day} is after the last session known for {mkt.code} ({mkt.calendar}, "
                f"{last}, provisional sessions included); add the year's holidays under "
                f"`holidays:` in desk.yaml or upgrade exchange-calendars"
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


def all_sessions(market_code: str) -> pd.DatetimeIndex:
    """Every session the calendar knows, for turning dates into session ordinals."""
    return _calendar(market(market_code).code).sessions


def half_days(market_code: str) -> frozenset[dt.date]:
    """Sessions that close early (HK: Christmas Eve, New Year's Eve, Lunar New Year's Eve)."""
    return _half_days(market(market_code).code, _horizon(market_code))


@lru_cache(maxsize=8)
def _half_days(market_code: str, end: pd.Timestamp) -> frozenset[dt.date]:
    return frozenset(ts.date() for ts in _calendar_to(market_code, end).early_closes)


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
    # the library's minute_to_past_session, from the session bounds alone: it would build the
    # calendar's every trading minute first (half a second per market)
    first, last = cal.first_minutes_nanos, cal.last_minutes_nanos
    if moment.value < first[0] or moment.value > last[-1]:
        raise CalendarError(
            f"{moment:%Y-%m-%d %H:%M} UTC is outside what the calendar knows for "
            f"{mkt.calendar} ({pd.Timestamp(first[0], tz='UTC'):%Y-%m-%d %H:%M} to "
            f"{pd.Timestamp(last[-1], tz='UTC'):%Y-%m-%d %H:%M} UTC)"
        )
    # sessions whose last trading minute is strictly before the moment have closed
    done = int(np.searchsorted(last, moment.value, side="left"))
    if done == 0:
        raise CalendarError(
            f"{moment:%Y-%m-%d %H:%M} UTC is before the first close {mkt.calendar} knows"
        )
    return cal.sessions[done - 1].date()
