"""Exchange holidays as data: closed weekdays by year, each year with the notice it comes from.

The installed exchange_calendars knows the Shanghai/Shenzhen holidays only up to the year of its
release; the State Council publishes the next year's schedule in November or December. So the
closed days live in data that an analyst can extend the day a notice comes out: one YAML file
per market shipped with the package (``holidays/<MARKET>.yaml``) and, on top of it, the desk's
``holidays:`` key in ``desk.yaml``. A year given by the desk adds its days to the closures the
package or the library already know for that year (a notice they lack, a mourning day); only
``replace: true`` makes the desk's list the whole year. ``calendars`` builds the sessions from
the result.

Data only, read by ``markets.calendars``; imports nothing of the package.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from ..errors import InputError

Origin = Literal["package", "desk"]
FOLDER = Path(__file__).parent


@dataclass(frozen=True)
class HolidayYear:
    """The weekdays one market is closed in one year, and where that list comes from."""

    market: str
    year: int
    closed: tuple[dt.date, ...]
    origin: Origin
    source: str  # the notice cited (may be empty for a desk entry written in one line)
    file: str  # the file it was read from
    replace: bool = False  # the list is the whole year, not days added to the known closures


def _date(value: Any, file: str, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(file, key, f"{value!r} is not a date; expected YYYY-MM-DD") from None


def parse_year(
    market: str, year: Any, entry: Any, *, origin: Origin, file: str, key: str
) -> HolidayYear:
    """One year's entry: a list of dates, or ``{source: …, closed: [dates], replace: bool}``."""
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise InputError(file, key, f"{year!r} is not a year; expected e.g. 2027") from None
    if isinstance(entry, Mapping):
        unknown = set(entry) - {"source", "closed", "replace"}
        if unknown:
            raise InputError(
                file,
                f"{key}.{sorted(map(str, unknown))[0]}",
                "unknown key; expected source, closed or replace",
            )
        source = str(entry.get("source") or "")
        days = entry.get("closed")
        replace = entry.get("replace", False)
        if not isinstance(replace, bool):
            raise InputError(
                file,
                f"{key}.replace",
                f"{replace!r} is not true or false; replace: true makes the list the whole "
                "year's closures, leave it out to add the days to the known ones",
            )
    else:
        source, days, replace = "", entry, False
    if not isinstance(days, list):
        raise InputError(
            file, key, "expected a list of closed weekdays, e.g. [2027-01-01, 2027-02-08]"
        )
    closed: list[dt.date] = []
    for i, raw in enumerate(days):
        day = _date(raw, file, f"{key}[{i}]")
        if day.year != y:
            raise InputError(file, f"{key}[{i}]", f"{day} is not in {y}; list it under {day.year}")
        if day.weekday() >= 5:
            raise InputError(
                file,
                f"{key}[{i}]",
                f"{day} is a {day:%A}; list only weekdays (weekends are never sessions)",
            )
        closed.append(day)
    if len(set(closed)) != len(closed):
        dup = next(d for d in closed if closed.count(d) > 1)
        raise InputError(file, key, f"{dup} is listed twice")
    return HolidayYear(market, y, tuple(sorted(closed)), origin, source, file, replace)


def parse_market(
    market: str, years: Any, *, origin: Origin, file: str, key: str
) -> dict[int, HolidayYear]:
    if not isinstance(years, Mapping):
        raise InputError(file, key, "expected a mapping of year -> closed weekdays")
    out = {}
    for year, entry in years.items():
        parsed = parse_year(market, year, entry, origin=origin, file=file, key=f"{key}.{year}")
        out[parsed.year] = parsed
    return out


@lru_cache(maxsize=8)
def package_years(market: str) -> dict[int, HolidayYear]:
    """The years shipped with the package for ``market`` (empty when it ships none)."""
    path = FOLDER / f"{market}.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse_market(
        market, data.get("years", {}), origin="package", file=str(path), key="years"
    )


def desk_years(holidays: Mapping[str, Any], file: str) -> dict[str, dict[int, HolidayYear]]:
    """The desk's ``holidays:`` key, by market; errors name the key path in ``desk.yaml``."""
    from ..markets import MARKETS

    out: dict[str, dict[int, HolidayYear]] = {}
    for market, years in holidays.items():
        if market not in MARKETS:
            raise InputError(
                file, f"holidays.{market}", f"unknown market, expected one of {', '.join(MARKETS)}"
            )
        out[market] = parse_market(
            market, years, origin="desk", file=file, key=f"holidays.{market}"
        )
    return out
