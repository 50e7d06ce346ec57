"""The series as a whole: which reports folder holds it, publishing an issue, backfilling past
weeks from the store, and the folder's index.html.

A build never writes the data store; what it publishes goes to the archive file beside the
reports (archive.py), so a week can be rebuilt any number of times.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import archive, atomic, clock, store
from .analysis.sources import store_last_dates
from .archive import Recorded
from .calendars import latest_complete_week
from .desk import Desk
from .errors import SectorWeeklyError
from .parts.base import BuildContext
from .report.model import Report

DEFAULT_REPORTS = Path("reports")


def reports_folder(reports: Path | None, out: Path | None) -> Path:
    """``--reports``, else the folder holding ``--out``, else ``reports/`` here."""
    if reports is not None:
        return reports
    if out is not None:
        return out.parent
    return DEFAULT_REPORTS


def publish(reports: Path, report: Report, documents: list[Path]) -> Recorded:
    """Record a built issue with its documents and refresh index.html."""
    done = archive.record(reports, report, "published", documents)
    write_index(reports)
    return done


def write_index(reports: Path) -> Path:
    from .report.index import render_index

    issues = archive.read_archive(reports)
    path = reports / archive.INDEX_FILE
    return atomic.write_text(path, render_index(issues, reports), "cannot write the series index")


def backfill_windows(
    desk: Desk, weeks: int, before: dt.date | None
) -> list[tuple[dt.date, dt.date]]:
    """The last ``weeks`` Monday–Friday windows: published before ``before`` when given, else
    up to the latest complete week the store covers (and never past today)."""
    if weeks < 1:
        raise SectorWeeklyError(f"--weeks {weeks}: expected a number of weeks of at least 1")
    if before is not None:
        last_friday = before - dt.timedelta(days=desk.publication_lag_days + 1)
    else:
        from .workspace import store_path

        path = store_path(desk)  # read only: the command line prepared the store
        markets = sorted({desk.instruments[s].market for s in desk.members()})
        with store.reader(path) as con:
            last = store_last_dates(con, markets)
        _, last_friday = latest_complete_week(last)
        last_friday = min(last_friday, clock.today() - dt.timedelta(days=1))
    friday = last_friday - dt.timedelta(days=(last_friday.weekday() - 4) % 7)
    ends = [friday - dt.timedelta(weeks=k) for k in range(weeks)][::-1]
    return [(e - dt.timedelta(days=4), e) for e in ends]


@dataclass
class BackfillResult:
    recorded: list[tuple[dt.date, Recorded, float]] = field(default_factory=list)  # seconds
    messages: list[str] = field(default_factory=list)
    without_notes: list[dt.date] = field(default_factory=list)  # weeks built without notes


def backfill(
    desk: Desk,
    reports: Path,
    weeks: int,
    before: dt.date | None = None,
    progress: Callable[[dt.date, float, Recorded], None] | None = None,
) -> BackfillResult:
    """Build the report model of each past week (no documents), oldest first, each issue seeing
    the ones recorded before it, and record them as backfilled issues."""
    from .build import build_report

    result = BackfillResult()
    for start, end in backfill_windows(desk, weeks, before):
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
    write_index(reports)
    return result
