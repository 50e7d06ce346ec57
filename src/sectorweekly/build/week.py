"""The week a report is built for, gathered once and handed, unchanged, to every part.

Everything a part may read about the week comes from here: the window, the publication date,
the desk as it stands this week (the notes' names to watch and risks in place of its own), the
notes parsed once, each name's current rating and its action, the earlier issues of the series,
the store file and the exchange calendars (the desk's holidays and the closures the store
shows). Gathering only reads the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import clock, store
from ..analysis.market import Window
from ..analysis.observed_sessions import observed
from ..desk.rating_scale import RatingScales
from ..analysis.series import rating_actions
from ..analysis.sources import store_last_dates
from ..markets.calendars import Calendars, latest_complete_week
from ..desk.parse import Desk
from ..errors import StoreError
from ..desk.notes import WeekNotes, load_notes, notes_path
from ..desk.watch_notes import english_notes_file, week_watch
from ..desk.paths import store_path
from ..store.ratings import read_ratings

if TYPE_CHECKING:
    from ..series.archive import ArchivedIssue
    from ..report.model import Report


@dataclass(frozen=True)
class CurrentRating:
    """A name's latest rating dated on or before the publication date."""

    rating: str
    sample: bool  # illustrative (示例评级)
    action: str  # initiate/upgrade/downgrade/… when given since the previous issue, else maintain
    date: dt.date | None = None  # the day it was given

    def older_than(self, published: dt.date, months: int) -> bool:
        """Given more than the rating horizon before publication: not to be called current."""
        if self.date is None:
            return False
        cutoff = (pd.Timestamp(published) - pd.DateOffset(months=months)).date()
        return self.date < cutoff


@dataclass(frozen=True)
class Week:
    """The inputs of one issue; parts read it and never change it."""

    window: Window
    published: dt.date
    desk: Desk  # with the week's overrides from the notes
    notes_file: Path
    notes: WeekNotes | None  # None: no notes file for this publication date
    ratings: Mapping[str, CurrentRating]
    archive: tuple[ArchivedIssue, ...]  # issues of the series published before this one
    store: Path
    calendars: Calendars  # every session a part asks for
    messages: tuple[str, ...] = ()  # what gathering said (how the window was chosen)
    lang: str = "zh"  # the edition the parts write: zh, or en (the same facts, other words)

    @property
    def history(self) -> list[Report]:
        """The earlier issues' report models, oldest first."""
        return [i.report for i in self.archive]


def resolve_window(
    desk: Desk, path: Path, start: dt.date | None, end: dt.date | None
) -> tuple[Window, list[str]]:
    """The window asked for, or the store's latest complete Monday–Friday week."""
    if start and end:
        return Window(start, end), []
    if start or end:
        day = start or end
        assert day is not None
        monday = day - dt.timedelta(days=day.weekday())
        return Window(start or monday, end or monday + dt.timedelta(days=4)), []
    messages = []
    markets = sorted({desk.instruments[s].market for s in desk.members()})
    with store.reader(path) as con:
        last = store_last_dates(con, markets)
    missing = [m for m in markets if m not in last]
    if missing:
        messages.append(f"no prices in the store for {', '.join(missing)}")
    if not last:
        raise StoreError(
            f"{path}: the store has no prices for the desk's markets; import prices "
            "(sectorweekly import prices FILE.csv) or run sectorweekly update first"
        )
    s, e = latest_complete_week(last)
    messages.append(f"window: latest complete Monday–Friday week in the store, {s}..{e}")
    return Window(s, e), messages


def refuse_future_window(desk: Desk, window: Window, cals: Calendars) -> None:
    """A window that starts after today has no prices yet: its report would be all 缺失, so
    it is refused like a week before all data (a date past the exchange calendars first
    keeps its own error, exit code 3)."""
    today = clock.today()
    if window.start <= today:
        return
    for market in sorted({desk.instruments[s].market for s in desk.members()}):
        cals.sessions(market, window.start, window.end)  # CalendarError past the calendar
    raise StoreError(
        f"the week {window.start}..{window.end} starts after today ({today}): no prices can "
        "exist for it yet; choose a week that has begun (sectorweekly build without --start "
        "takes the latest complete week in the store)"
    )


def week_desk(desk: Desk, notes: WeekNotes | None, english: WeekNotes | None = None) -> Desk:
    """The desk as it stands for this week: the notes' names to watch (with their English
    themes from the notes or, for the English edition, the English notes) and risks replace its
    own."""
    watch = week_watch(desk, notes, english)
    if notes is None or (watch is None and notes.risks is None):
        return desk
    update: dict[str, object] = {}
    if watch is not None:
        update["watch"] = watch
    if notes.risks is not None:
        update["risks"] = list(notes.risks)
    return desk.model_copy(update=update)


def current_ratings(
    desk: Desk, path: Path, published: dt.date, since: dt.date
) -> dict[str, CurrentRating]:
    """Each name's latest rating dated on or before ``published``, with its action when it was
    given after ``since`` (the previous issue, or the day before the window), else 维持."""
    if not path.exists():
        return {}
    with store.reader(path) as con:
        frame = read_ratings(con, dated_to=published)
    if frame.empty:
        return {}
    scales = RatingScales.from_desk(desk.ratings)
    actions = rating_actions(frame, scales.names("company") + scales.names("industry"))
    latest = frame.sort_values("date").groupby("symbol").tail(1)
    return {
        str(s): CurrentRating(
            rating=str(r),
            sample=bool(x),
            action=actions[(str(s), day)] if day > since else "maintain",
            date=pd.Timestamp(day).date(),
        )
        for s, r, x, day in zip(
            latest["symbol"], latest["rating"], latest["sample"], latest["date"], strict=True
        )
    }


def week_calendars(desk: Desk, path: Path) -> Calendars:
    """The desk's calendars with the closures its store shows in provisional years."""
    markets = sorted({i.market for i in desk.instruments.values()})
    return observed(Calendars.of_desk(desk), path, markets)


def gather(
    desk: Desk,
    start: dt.date | None = None,
    end: dt.date | None = None,
    archive: Iterable[ArchivedIssue] = (),
    lang: str = "zh",
) -> Week:
    """Read the week's inputs once: the window, the notes, the ratings and the earlier issues."""
    from ..series.archive import history_before

    path = store_path(desk)
    window, messages = resolve_window(desk, path, start, end)
    cals = week_calendars(desk, path)
    refuse_future_window(desk, window, cals)
    published = desk.publication_date(window.end)
    notes_file = notes_path(desk.root / desk.notes_dir, published)
    notes = load_notes(notes_file)
    english = load_notes(english_notes_file(notes_file)) if lang == "en" else None
    earlier = tuple(history_before(archive, published, desk.series))
    since = earlier[-1].publication_date if earlier else window.start - dt.timedelta(days=1)
    return Week(
        window=window,
        published=published,
        desk=week_desk(desk, notes, english),
        notes_file=notes_file,
        notes=notes,
        ratings=current_ratings(desk, path, published, since),
        archive=earlier,
        store=path,
        calendars=cals,
        messages=tuple(messages),
        lang=lang,
    )
