"""Exchange sessions and the per-market report window (anatomy §2), as one value: ``Calendars``.

Each market is judged on its own exchange calendar: base close = last session strictly before
the window start; end close = last session on or before the window end.

The calendars are exchange_calendars' own, extended by data (``holidays/``): a year the library
does not know yet (Shanghai/Shenzhen past its release) comes from the package's holiday file or
the desk's ``holidays:`` key, and a desk's days for a known year are added to its closures (or,
with ``replace: true``, are the year's whole list; :meth:`Calendars.desk_changes` says what
moved); past every known year, sessions are *provisional* — every weekday — until the notice is
added, and a weekday on which the store holds no row for any stock of the market is declared
closed by inference (:meth:`Calendars.with_inferred`).

A ``Calendars`` is frozen: built once from the library, the package's files, a desk's years and
the closures observed in its store, and handed to whatever asks for sessions. Two desks in one
process each get their own; nothing is read back from exchange_calendars' registry (the
``calendar`` command registers a market's calendar there under ``<CODE>-sectorweekly`` for users
of the library). Exchange calendar objects are cached by the value they are built from.

Long because: the value and the library facts it is built from (which years the
library lists, what the package adds) change together.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

import exchange_calendars as xcals
import numpy as np
import pandas as pd
from exchange_calendars.calendar_utils import _default_calendar_factories
from exchange_calendars.precomputed_exchange_calendar import PrecomputedExchangeCalendar

from .. import clock, holidays
from ..errors import CalendarError, InputError
from . import market


class DeskHolidays(Protocol):
    """What the calendars read of a desk (its ``holidays:`` key and folder): a protocol, so this
    module needs nothing from ``desk``, which asks it to check that key."""

    @property
    def holidays(self) -> Any: ...

    @property
    def root(self) -> Path: ...


CALENDAR_START = pd.Timestamp("2000-01-04")
# provisional sessions run this many years past the later of today and the last known year
PROVISIONAL_YEARS = 1

YearOrigin = Literal["library", "package", "desk", "provisional"]
DeskYears = Mapping[str, Mapping[int, holidays.HolidayYear]]


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
    """A year's closures before the desk: the library's list, else the package's file."""

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


@lru_cache(maxsize=64)
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


def _given_years(
    market_code: str, desk: tuple[holidays.HolidayYear, ...]
) -> dict[int, holidays.HolidayYear]:
    """Years from data: the package's file, then the desk's (which wins), whose days are added
    to the year's known closures (or replace them, with ``replace: true``)."""
    given = dict(holidays.package_years(market_code))
    for entry in desk:
        known = known_year(market_code, entry.year)
        if known is not None and not entry.replace:
            entry = dataclasses.replace(entry, closed=tuple(sorted({*known.closed, *entry.closed})))
        given[entry.year] = entry
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


@dataclass(frozen=True)
class YearSource:
    """Where one market's sessions of one year come from, for the ``calendar`` command."""

    market: str
    year: int
    origin: YearOrigin
    source: str  # the notice, the library version, or why the year is provisional
    closed: tuple[dt.date, ...]  # weekdays closed by the holiday list (or inferred)
    inferred: tuple[dt.date, ...]


def _closed_weekdays(cal: xcals.ExchangeCalendar, year: int) -> tuple[dt.date, ...]:
    """The weekdays of ``year`` (within the calendar's bounds) that are not sessions."""
    lo, hi = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    weekdays = pd.bdate_range(lo, hi)
    sess = set(cal.sessions_in_range(max(lo, cal.first_session), min(hi, cal.last_session)))
    return tuple(d.date() for d in weekdays if d not in sess and cal.first_session <= d)


def _library_label(calendar_code: str) -> str:
    return f"exchange_calendars {getattr(xcals, '__version__', '')} ({calendar_code})"


def calendar_name(market_code: str) -> str:
    """The name :meth:`Calendars.register` gives a market's calendar in exchange_calendars."""
    return f"{market(market_code).calendar}-sectorweekly"


# --- the extended exchange calendar, cached by what it is built from ------------------------


def _last_known_year(market_code: str, desk: tuple[holidays.HolidayYear, ...]) -> int | None:
    mkt = market(market_code)
    lib = _library_years(mkt.calendar)
    if lib is None:
        return None
    return max([lib[-1], *holidays.package_years(mkt.code), *(e.year for e in desk)])


def _extended_type(
    market_code: str,
    desk: tuple[holidays.HolidayYear, ...],
    inferred: tuple[dt.date, ...],
    horizon: pd.Timestamp,
) -> type[xcals.ExchangeCalendar]:
    mkt = market(market_code)
    base = _library_type(mkt.calendar)
    given = _given_years(mkt.code, desk)
    added = [d for entry in given.values() for d in entry.closed] + list(inferred)
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


@lru_cache(maxsize=16)
def _exchange(
    market_code: str,
    desk: tuple[holidays.HolidayYear, ...],
    inferred: tuple[dt.date, ...],
    end: pd.Timestamp,
) -> xcals.ExchangeCalendar:
    """The extended calendar built from exactly these inputs (a cache keyed by value)."""
    cls = _extended_type(market_code, desk, inferred, end)
    if cls.bound_max() is not None:
        end = min(end, cls.bound_max())
    return cls(start=CALENDAR_START, end=end)


@lru_cache(maxsize=16)
def _early_closes(
    market_code: str,
    desk: tuple[holidays.HolidayYear, ...],
    inferred: tuple[dt.date, ...],
    end: pd.Timestamp,
) -> frozenset[dt.date]:
    cal = _exchange(market_code, desk, inferred, end)
    return frozenset(ts.date() for ts in cal.early_closes)


@dataclass(frozen=True)
class CalendarBounds:
    first: dt.date
    last: dt.date


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


def check_desk_years(years: DeskYears) -> None:
    """A calendar computed by rule takes only added closures: ``replace`` is refused."""
    for code, entries in years.items():
        if _library_years(market(code).calendar) is None:
            for entry in entries.values():
                if entry.replace:
                    raise InputError(
                        entry.file,
                        f"holidays.{code}.{entry.year}.replace",
                        f"{code}'s calendar is computed by rule: a desk can only add closures "
                        "to it; leave replace out",
                    )


# --- the value --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendars:
    """Every market's sessions as one desk and one store see them, on one day.

    ``desk``: the desk's holiday years; ``inferred``: closures observed in the store, by
    market; ``today``: where provisional sessions end (a year past it). Equal values answer
    equally, so the value itself keys anything computed from sessions.
    """

    today: dt.date
    desk: tuple[holidays.HolidayYear, ...] = ()
    inferred: tuple[tuple[str, tuple[dt.date, ...]], ...] = ()

    @classmethod
    def build(cls, desk_years: DeskYears | None = None, today: dt.date | None = None) -> Calendars:
        """The library's calendars, the package's holiday files and a desk's years."""
        years = {m: dict(y) for m, y in (desk_years or {}).items() if y}
        check_desk_years(years)
        entries = tuple(
            dataclasses.replace(e, market=market(code).code)
            for code in sorted(years)
            for _, e in sorted(years[code].items())
        )
        return cls(today or clock.today(), entries)

    @classmethod
    def of_desk(cls, desk: DeskHolidays) -> Calendars:
        """The calendars as a desk's ``holidays:`` key extends them (no store observed yet)."""
        return cls.build(holidays.desk_years(desk.holidays, str(desk.root / "desk.yaml")))

    def with_inferred(self, market_code: str, days: Iterable[dt.date]) -> Calendars:
        """A copy whose ``market_code`` also closes these weekdays, where they are provisional."""
        code = market(market_code).code
        wanted = tuple(sorted({d for d in days if self.is_provisional(code, d)}))
        rest = [(m, d) for m, d in self.inferred if m != code]
        inferred = tuple(sorted([*rest, (code, wanted)] if wanted else rest))
        return dataclasses.replace(self, inferred=inferred)

    def key(self) -> str:
        """Text that differs whenever any session may differ, for cache keys."""
        desk = [(e.market, e.year, e.replace, e.closed) for e in self.desk]
        return f"{self.today} {desk!r} {self.inferred!r}"

    # --- inputs, by market

    def _desk_of(self, code: str) -> tuple[holidays.HolidayYear, ...]:
        return tuple(e for e in self.desk if e.market == code)

    def inferred_closures(self, market_code: str) -> tuple[dt.date, ...]:
        code = market(market_code).code
        return next((days for m, days in self.inferred if m == code), ())

    def desk_closed_days(self, market_code: str) -> tuple[dt.date, ...]:
        """The days the desk's ``holidays:`` key itself lists as closed for ``market_code``."""
        code = market(market_code).code
        return tuple(sorted(d for e in self._desk_of(code) for d in e.closed))

    def last_known_year(self, market_code: str) -> int | None:
        """The last year whose holidays are known; None for a calendar computed by rule."""
        code = market(market_code).code
        return _last_known_year(code, self._desk_of(code))

    def is_provisional(self, market_code: str, day: dt.date) -> bool:
        """True past every known holiday list: the day's sessions are weekdays, not a notice."""
        last = self.last_known_year(market_code)
        return last is not None and day.year > last

    def provisional_days(self, market_code: str, start: dt.date, end: dt.date) -> list[dt.date]:
        """Provisional weekdays in [start, end] (closed by inference or not)."""
        if end < start:
            return []
        days = pd.bdate_range(start, end)
        return [d.date() for d in days if self.is_provisional(market_code, d.date())]

    def desk_changes(self) -> list[YearChange]:
        """The desk's years that change a known year's closures, with the days added and
        removed, every market in turn (what a command says on the console)."""
        out = []
        for code in sorted({e.market for e in self.desk}):
            by_rule = _library_years(market(code).calendar) is None
            desk = self._desk_of(code)
            given = _given_years(code, desk)
            for entry in desk:
                known = _before_desk(code, entry.year)
                if known is None:
                    continue
                before = set(known.closed)
                now = set(given[entry.year].closed) | (before if by_rule else set())
                if now == before:
                    continue
                out.append(
                    YearChange(
                        code,
                        entry.year,
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

    def year_source(self, market_code: str, year: int) -> YearSource:
        mkt = market(market_code)
        given = _given_years(mkt.code, self._desk_of(mkt.code))
        inferred = tuple(d for d in self.inferred_closures(mkt.code) if d.year == year)
        if year in given:
            entry = given[year]
            source = f"{entry.source or '(no notice cited)'} [{entry.file}]"
            known = _before_desk(mkt.code, year) if entry.origin == "desk" else None
            if known is not None:
                how = "replacing" if entry.replace else "added to"
                source += f", {how} the closures of {known.label}"
            closed = entry.closed
            if _library_years(mkt.calendar) is None:  # computed by rule: the desk's are extra
                closed = _closed_weekdays(self.exchange(mkt.code), year)
            return YearSource(mkt.code, year, entry.origin, source, closed, ())
        if self.is_provisional(mkt.code, dt.date(year, 1, 1)):
            why = (
                f"no holiday list for {year} yet (library, package and desk end in "
                f"{self.last_known_year(mkt.code)}): every weekday counts as a session"
            )
            return YearSource(mkt.code, year, "provisional", why, (), inferred)
        closed = _closed_weekdays(self.exchange(mkt.code), year)
        return YearSource(mkt.code, year, "library", _library_label(mkt.calendar), closed, ())

    # --- the exchange calendar and what it answers

    def _horizon(self, code: str) -> pd.Timestamp:
        """Last day a calendar is built to: provisional years reach a year past today."""
        year = max(self.last_known_year(code) or 0, self.today.year) + PROVISIONAL_YEARS
        return pd.Timestamp(year, 12, 31)

    def exchange(self, market_code: str) -> xcals.ExchangeCalendar:
        """The market's extended exchange_calendars calendar."""
        code = market(market_code).code
        return _exchange(
            code, self._desk_of(code), self.inferred_closures(code), self._horizon(code)
        )

    def register(self, market_code: str) -> str:
        """Register the market's calendar with exchange_calendars (for users of the library;
        the project reads nothing back from there) and return the name it is under."""
        name = calendar_name(market_code)
        xcals.register_calendar(name, self.exchange(market_code), force=True)
        return name

    def bounds(self, market_code: str) -> CalendarBounds:
        cal = self.exchange(market_code)
        return CalendarBounds(cal.first_session.date(), cal.last_session.date())

    def _check(self, market_code: str, *days: dt.date) -> xcals.ExchangeCalendar:
        mkt = market(market_code)
        cal = self.exchange(mkt.code)
        first, last = cal.first_session.date(), cal.last_session.date()
        for day in days:
            if day > last:
                raise CalendarError(
                    f"{day} is after the last session known for {mkt.code} "
                    f"({mkt.calendar}, {last}, provisional sessions included); add the year's "
                    "holidays under `holidays:` in desk.yaml or upgrade exchange-calendars"
                )
            if day < first:
                raise CalendarError(
                    f"{day} is before the first session loaded for {mkt.calendar} ({first})"
                )
        return cal

    def sessions(self, market_code: str, start: dt.date, end: dt.date) -> list[dt.date]:
        """Sessions of the market's exchange in [start, end]."""
        cal = self._check(market_code, start, end)
        span = cal.sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))
        return [ts.date() for ts in span]

    def previous_session(self, market_code: str, day: dt.date, *, strictly: bool) -> dt.date:
        """Last session before ``day`` (strictly) or on or before it."""
        probe = day - dt.timedelta(days=1) if strictly else day
        cal = self._check(market_code, probe)
        return cal.date_to_session(pd.Timestamp(probe), direction="previous").date()

    def sessions_back(self, market_code: str, day: dt.date, count: int) -> dt.date:
        """The session ``count`` sessions before the last session on or before ``day``."""
        cal = self._check(market_code, day)
        end = cal.date_to_session(pd.Timestamp(day), direction="previous")
        idx = cal.sessions.get_loc(end)
        return cal.sessions[max(0, idx - count)].date()

    def market_window(self, market_code: str, start: dt.date, end: dt.date) -> MarketWindow:
        if end < start:
            raise CalendarError(f"window end {end} is before its start {start}")
        inside = tuple(self.sessions(market_code, start, end))
        return MarketWindow(
            market=market(market_code).code,
            base_date=self.previous_session(market_code, start, strictly=True),
            end_date=self.previous_session(market_code, end, strictly=False),
            sessions=inside,
        )

    def all_sessions(self, market_code: str) -> pd.DatetimeIndex:
        """Every session the calendar knows, for turning dates into session ordinals."""
        return self.exchange(market_code).sessions

    def half_days(self, market_code: str) -> frozenset[dt.date]:
        """Sessions that close early (HK: Christmas Eve, New Year's Eve, Lunar New Year's Eve)."""
        code = market(market_code).code
        return _early_closes(
            code, self._desk_of(code), self.inferred_closures(code), self._horizon(code)
        )

    def last_closed_session(
        self, market_code: str, now: dt.datetime, settle: dt.timedelta = dt.timedelta(0)
    ) -> dt.date:
        """The last session whose close is at or before ``now - settle`` (timezone-aware).

        A session still trading (or closed less than ``settle`` ago, before sources publish
        its bar) is not complete yet, so an update does not ask for it.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        mkt = market(market_code)
        moment = pd.Timestamp(now - settle).tz_convert("UTC")
        cal = self._check(market_code, moment.date())
        # the library's minute_to_past_session, from the session bounds alone: it would build
        # the calendar's every trading minute first (half a second per market)
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
