"""The series as a whole: which reports folder holds it, publishing an issue, backfilling past
weeks from the store, and the folder's index.html (and index.en.html, the English one).

A build never writes the data store; what it publishes goes to the archive file beside the
reports (archive.py), so a week can be rebuilt any number of times.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import atomic, clock, store
from ..analysis.sources import store_last_dates
from ..desk.parse import Desk
from ..errors import SectorWeeklyError, StoreError
from ..markets.calendars import latest_complete_week
from ..parts.base import BuildContext
from ..report.model import Report
from ..wording import counted
from . import archive
from .archive import Recorded

DEFAULT_REPORTS = Path("reports")


def reports_folder(reports: Path | None, out: Path | None) -> Path:
    """``--reports``, else the folder holding ``--out``, else ``reports/`` here."""
    if reports is not None:
        return reports
    if out is not None:
        return out.parent
    return DEFAULT_REPORTS


def publish(
    reports: Path,
    report: Report,
    documents: list[Path],
    editions: Mapping[str, tuple[Report, list[Path]]] | None = None,
) -> Recorded:
    """Record a built issue with its documents (and its other editions') and refresh the
    indexes; what they say for the console is in the result's ``messages``."""
    done = archive.record(reports, report, "published", documents, editions)
    done.messages = write_index(reports)
    return done


def write_index(reports: Path) -> list[str]:
    """Write index.html and, when an issue has an English edition, index.en.html beside it
    (the English first, so the Chinese never links to a page not there yet; with no English
    edition left, an earlier English index is removed). Returns the console's lines."""
    from ..report.index import render_index
    from ..report.index_en import english_index

    issues = archive.read_archive(reports)
    english = english_index(issues, reports, archive.INDEX_FILE)
    en_path = reports / archive.INDEX_EN_FILE
    if english is not None:
        atomic.write_text(en_path, english.html, "cannot write the series' English index")
    else:
        with contextlib.suppress(FileNotFoundError):
            en_path.unlink()
    page = render_index(issues, reports, archive.INDEX_EN_FILE if english else None)
    atomic.write_text(reports / archive.INDEX_FILE, page, "cannot write the series index")
    return english.message() if english is not None else []


def _stored_span(desk: Desk) -> tuple[dt.date, dt.date] | None:
    """First and last stored price day of the desk's names (None: the store has none)."""
    from ..desk.paths import store_path

    path = store_path(desk)  # read only: the command line prepared the store
    symbols = list(dict.fromkeys(desk.members() + desk.benchmark_symbols()))
    markets = sorted({desk.instruments[s].market for s in desk.members()})
    with store.reader(path) as con:
        last = store_last_dates(con, markets)
        first = con.execute(
            "SELECT min(date) FROM prices WHERE list_contains(?, symbol)", [symbols]
        ).fetchall()[0][0]
    if first is None or not last:
        return None
    _, last_friday = latest_complete_week(last)
    return first, last_friday


@dataclass(frozen=True)
class Windows:
    """The weeks a backfill builds, and how many were asked for."""

    weeks: list[tuple[dt.date, dt.date]]
    asked: int
    first_stored: dt.date | None = None  # the store's first price day, when it cut the weeks

    @property
    def note(self) -> str | None:
        """What the console says when the store holds fewer weeks than asked for."""
        if self.first_stored is None:
            return None
        return (
            f"--weeks {self.asked}: the store's prices start on {self.first_stored}, so "
            f"{counted(len(self.weeks), 'week')} ({self.weeks[0][0]}..{self.weeks[-1][1]}) "
            "can be backfilled; backfilling those"
        )


def backfill_windows(desk: Desk, weeks: int, before: dt.date | None) -> Windows:
    """The last ``weeks`` Monday–Friday windows: published before ``before`` when given, else
    up to the latest complete week the store covers (and never past today); never a week
    before the store's first price, so asking for more weeks than it holds backfills them all."""
    if weeks < 1:
        raise SectorWeeklyError(f"--weeks {weeks}: expected a number of weeks of at least 1")
    span = _stored_span(desk)
    if span is None:
        raise StoreError(
            "the store has no prices for the desk's names; import prices "
            "(sectorweekly import prices FILE.csv) or run sectorweekly update first"
        )
    first, last_friday = span
    if before is not None:
        last_friday = before - dt.timedelta(days=desk.publication_lag_days + 1)
    last_friday = min(last_friday, clock.today() - dt.timedelta(days=1))
    friday = last_friday - dt.timedelta(days=(last_friday.weekday() - 4) % 7)
    first_friday = first + dt.timedelta(days=(4 - first.weekday()) % 7)
    if friday < first_friday:
        raise StoreError(
            f"--before {before}: the store's prices start on {first}, so no week published "
            "before that date can be built; choose a later date"
        )
    held = (friday - first_friday).days // 7 + 1
    ends = [friday - dt.timedelta(weeks=k) for k in range(min(weeks, held))][::-1]
    windows = [(e - dt.timedelta(days=4), e) for e in ends]
    return Windows(windows, weeks, first if weeks > held else None)


@dataclass
class BackfillResult:
    recorded: list[tuple[dt.date, Recorded, float]] = field(default_factory=list)  # seconds
    messages: list[str] = field(default_factory=list)
    without_notes: list[dt.date] = field(default_factory=list)  # weeks built without notes
    note: str | None = None  # fewer weeks built than asked for, and why


def backfill(
    desk: Desk,
    reports: Path,
    weeks: int,
    before: dt.date | None = None,
    progress: Callable[[dt.date, float, Recorded], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> BackfillResult:
    """Build the report model of each past week (no documents), oldest first, each issue seeing
    the ones recorded before it, and record them as backfilled issues. A week that fails
    stops the run; the weeks recorded before it stay, and the index lists them."""
    result = BackfillResult()
    windows = backfill_windows(desk, weeks, before)
    result.note = windows.note
    if windows.note and notice:
        notice(windows.note)
    try:
        for start, end in windows.weeks:
            _backfill_week(desk, reports, start, end, result, progress)
    except BaseException:
        if result.recorded:  # the weeks recorded stay in the archive: the index lists them
            _index_after_failure(reports)
        raise
    result.messages += write_index(reports)
    return result


def _backfill_week(
    desk: Desk,
    reports: Path,
    start: dt.date,
    end: dt.date,
    result: BackfillResult,
    progress: Callable[[dt.date, float, Recorded], None] | None,
) -> None:
    """Build one week's model and record it (one whole rewrite of the archive)."""
    from ..build.flow import build_report

    t0 = time.perf_counter()
    ctx = BuildContext(history=archive.read_archive(reports))
    report = build_report(desk, start, end, ctx)
    done = archive.record(reports, report, "backfill")
    elapsed = time.perf_counter() - t0
    result.recorded.append((report.front.publication_date, done, elapsed))
    for m in ctx.messages:
        if m.startswith("no notes for"):
            result.without_notes.append(report.front.publication_date)
        elif m not in result.messages:
            result.messages.append(m)
    if progress:
        progress(report.front.publication_date, elapsed, done)


def _index_after_failure(reports: Path) -> None:
    """Refresh the index while a failure is on its way out: the failure is the one line the
    user reads, so an index that cannot be written (the same full disk) does not replace it."""
    with contextlib.suppress(SectorWeeklyError, OSError):
        write_index(reports)
