"""The series archive: every published (or backfilled) issue, kept beside the reports.

A build never writes the data store: the store is a record of the market, the archive a record
of what was published. The archive is one JSON-lines file, ``<reports folder>/archive.jsonl``,
one issue per line (publication date, window, title, kind, documents, the whole report model,
and what the English index lists of its English edition), so it travels with the reports it
describes, reads with any tool, and rebuilding a week only replaces that week's line. Writes
take a file lock and replace the file atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from filelock import FileLock, Timeout
from pydantic import BaseModel, ValidationError

from .. import atomic, clock
from ..errors import InputError, SectorWeeklyError, machine_error
from ..report.model import Report

ARCHIVE_FILE = "archive.jsonl"
INDEX_FILE = "index.html"
INDEX_EN_FILE = "index.en.html"  # the English index, beside the Chinese one
LOCK_TIMEOUT_S = 30.0


class ArchiveError(SectorWeeklyError):
    """The archive cannot be written (locked by another process, or another series)."""

    exit_code = 4


class ArchivedEdition(BaseModel):
    """Another edition of an issue (the English one, ``build --lang zh,en --publish``): only
    what its index lists, so the archive keeps one report model per issue, the Chinese one."""

    title: str
    series: str
    up: str = "green"  # the colour of a rise in that edition
    documents: list[str] = []  # paths relative to the reports folder
    names: dict[str, str] = {}  # symbol -> the edition's name of each name the review shows


class ArchivedIssue(BaseModel):
    """One issue of the series as it was published (or backfilled, without documents)."""

    publication_date: dt.date
    start: dt.date
    end: dt.date
    title: str
    series: str
    kind: Literal["published", "backfill"]
    recorded_at: dt.datetime
    documents: list[str] = []  # paths relative to the reports folder
    report: Report
    editions: dict[str, ArchivedEdition] = {}  # by language: "en"


def archive_path(reports: Path) -> Path:
    return reports / ARCHIVE_FILE


def read_archive(reports: Path) -> list[ArchivedIssue]:
    """Every archived issue, oldest first; no file is an empty archive."""
    path = archive_path(reports)
    if not path.is_file():
        return []
    issues = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                issues.append(ArchivedIssue.model_validate_json(line))
            except ValidationError as exc:
                err = exc.errors()[0]
                key = ".".join(str(p) for p in err["loc"]) or "(line)"
                raise InputError(
                    path,
                    n,
                    f"not an archived issue ({key}: {err['msg']}); "
                    "restore the line from a backup or delete it and rebuild that week",
                ) from None
    return sorted(issues, key=lambda i: i.publication_date)


def history_before(
    issues: Iterable[ArchivedIssue], day: dt.date, series: str
) -> list[ArchivedIssue]:
    """The issues of ``series`` published before ``day``: what that issue could know."""
    return [i for i in issues if i.series == series and i.publication_date < day]


@dataclass
class Recorded:
    """What recording an issue did: the archive file and whether it replaced an entry."""

    path: Path
    replaced: ArchivedIssue | None
    skipped: bool = False  # a backfill never replaces a published issue
    messages: list[str] = field(default_factory=list)  # what writing the indexes said


def _lock(path: Path) -> FileLock:
    return FileLock(str(path) + ".lock")


def record(
    reports: Path,
    report: Report,
    kind: Literal["published", "backfill"],
    documents: Iterable[Path] = (),
    editions: Mapping[str, tuple[Report, Iterable[Path]]] | None = None,
) -> Recorded:
    """Add the issue to the archive, replacing the entry of the same publication date;
    ``editions`` are its other editions by language, each report with its documents."""
    path = archive_path(reports)
    made = not reports.exists()
    atomic.make_folder(reports, "cannot create the reports folder")
    entry = ArchivedIssue(
        publication_date=report.front.publication_date,
        start=report.review.window.start,
        end=report.review.window.end,
        title=report.front.title,
        series=report.front.series,
        kind=kind,
        recorded_at=clock.now_utc().replace(microsecond=0),
        documents=[_relative(p, reports) for p in documents],
        report=report,
        editions={
            lang: edition(other, docs, reports) for lang, (other, docs) in (editions or {}).items()
        },
    )
    lock = _lock(path)
    try:
        lock.acquire(timeout=LOCK_TIMEOUT_S)
    except Timeout:  # before OSError: filelock's Timeout is a TimeoutError, an OSError
        raise ArchiveError(
            f"{path}: another sectorweekly process is writing the archive "
            f"(lock {lock.lock_file} held for {LOCK_TIMEOUT_S:.0f}s); wait for it to finish"
        ) from None
    except OSError as exc:  # the lock file cannot be made: a read-only or full folder
        raise machine_error(exc, lock.lock_file, "cannot write the archive's lock") from None
    try:
        issues = read_archive(reports)
        others = {i.series for i in issues} - {entry.series}
        if others:
            raise ArchiveError(
                f"{path}: holds the series {'、'.join(sorted(others))}, not {entry.series}; "
                "give this desk its own reports folder (--reports)"
            )
        old = next((i for i in issues if i.publication_date == entry.publication_date), None)
        if old is not None and old.kind == "published" and kind == "backfill":
            return Recorded(path, old, skipped=True)
        kept = [i for i in issues if i.publication_date != entry.publication_date]
        _write(path, sorted([*kept, entry], key=lambda i: i.publication_date))
        return Recorded(path, old)
    finally:
        _release(lock, path, reports if made else None)


def _release(lock: FileLock, path: Path, made: Path | None) -> None:
    """Release the archive's lock; a refused first write leaves no lock file, nor the reports
    folder it made (if still empty). The file goes while still held: a process that opened
    it meanwhile finds it removed when it locks it, and takes the lock afresh."""
    try:
        if not path.exists():
            with contextlib.suppress(OSError):
                Path(lock.lock_file).unlink(missing_ok=True)
    finally:
        lock.release()
    if made is not None and not path.exists():
        with contextlib.suppress(OSError):
            made.rmdir()


def edition(report: Report, documents: Iterable[Path], reports: Path) -> ArchivedEdition:
    """What the index of ``report``'s edition lists: its title, documents and names."""
    review = report.review
    members = [m for b in review.boards for m in b.members]
    members += [m for t in review.watch for m in t.members] + review.benchmarks
    return ArchivedEdition(
        title=report.front.title,
        series=report.front.series,
        up=report.up,
        documents=[_relative(p, reports) for p in documents],
        names={m.symbol: m.name for m in members},
    )


def _relative(path: Path, reports: Path) -> str:
    try:
        return path.resolve().relative_to(reports.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _write(path: Path, issues: list[ArchivedIssue]) -> None:
    atomic.write_lines(
        path, (issue.model_dump_json() + "\n" for issue in issues), "cannot write the archive"
    )


def week_moves(issue: ArchivedIssue) -> list[tuple[str, str, float]]:
    """Every name's change of the week (symbol, name, change), best first: the boards' names,
    then the names to watch on no board."""
    review = issue.report.review
    members = [m for b in review.boards for m in b.members]
    members += [m for t in review.watch for m in t.members]
    moves: dict[str, tuple[str, str, float]] = {}
    for m in members:
        if m.change_pct is not None and m.symbol not in moves:
            moves[m.symbol] = (m.symbol, m.name, m.change_pct)
    return sorted(moves.values(), key=lambda m: -m[2])


def summary(issue: ArchivedIssue) -> dict[str, Any]:
    """The line `archive list` prints and index.html shows: best and worst names of the week."""
    moves = [(name, change) for _, name, change in week_moves(issue)]
    return {
        "publication_date": issue.publication_date,
        "window": f"{issue.start}..{issue.end}",
        "title": issue.title,
        "kind": issue.kind,
        "best": moves[0] if moves else None,
        "worst": moves[-1] if moves else None,
        "documents": issue.documents,
    }
