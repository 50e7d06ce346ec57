"""The release record: who released which published issue, when, and the sha256 of each of its
documents, in ``<reports>/releases.jsonl`` beside the series archive (never in the data store).

Only a released issue may be sent, and only while its documents are the ones released: a
rebuild after the release changes a digest, and the send names the changed file. The file only
grows (a release again adds a line); it is written whole under a lock, so a reader never sees
half a line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from filelock import FileLock, Timeout
from pydantic import BaseModel, ValidationError

from .. import atomic, clock
from ..errors import InputError, SectorWeeklyError
from ..series.archive import ArchivedIssue, ArchiveError, read_archive

RELEASES_FILE = "releases.jsonl"
LOCK_TIMEOUT_S = 30.0


class NotReleased(SectorWeeklyError):
    """The issue is not published, not released, or changed since its release."""

    exit_code = 2


class Release(BaseModel):
    publication_date: dt.date
    title: str
    released_at: dt.datetime
    by: str
    digests: dict[str, str]  # document path (relative to the reports folder) -> sha256


def releases_path(reports: Path) -> Path:
    return reports / RELEASES_FILE


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_releases(reports: Path) -> list[Release]:
    path = releases_path(reports)
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                out.append(Release.model_validate_json(line))
            except ValidationError as exc:
                err = exc.errors()[0]
                key = ".".join(str(p) for p in err["loc"]) or "(line)"
                raise InputError(
                    path, n, f"not a release record ({key}: {err['msg']}); restore it from a backup"
                ) from None
    return out


def published_issue(reports: Path, day: dt.date) -> ArchivedIssue:
    """The published issue of ``day`` with its documents, or one line saying what is missing."""
    found = next((i for i in read_archive(reports) if i.publication_date == day), None)
    where = reports / "archive.jsonl"
    if found is None:
        raise NotReleased(f"{day}: no issue of that date in {where}; build it with --publish first")
    if found.kind != "published" or not found.documents:
        raise NotReleased(
            f"{day}: the issue in {where} is a {found.kind} without documents; build it with "
            "--publish first"
        )
    return found


def current_digests(reports: Path, issue: ArchivedIssue) -> dict[str, str]:
    """sha256 of each document of the issue as it is on disk now."""
    out = {}
    for rel in issue.documents:
        path = reports / rel
        if not path.is_file():
            raise NotReleased(
                f"{path}: a document of the {issue.publication_date} issue is missing; "
                "rebuild it with --publish"
            )
        out[rel] = sha256(path)
    return out


def release(reports: Path, day: dt.date, by: str) -> tuple[Release, Release | None]:
    """Record the release of the published issue of ``day``; the new record and the previous
    one of that issue, if any."""
    issue = published_issue(reports, day)
    entry = Release(
        publication_date=day,
        title=issue.title,
        released_at=clock.now_utc().replace(microsecond=0),
        by=by,
        digests=current_digests(reports, issue),
    )
    path = releases_path(reports)
    lock = FileLock(str(path) + ".lock")
    try:
        lock.acquire(timeout=LOCK_TIMEOUT_S)
    except Timeout:
        raise ArchiveError(
            f"{path}: another sectorweekly process is writing the release record; wait for it"
        ) from None
    try:
        old = read_releases(reports)
        before = next((r for r in reversed(old) if r.publication_date == day), None)
        atomic.write_lines(
            path,
            (r.model_dump_json() + "\n" for r in [*old, entry]),
            "cannot write the release record",
        )
    finally:
        lock.release()
    return entry, before


def released(reports: Path, day: dt.date) -> tuple[ArchivedIssue, Release]:
    """The published issue of ``day`` and its latest release, checked against the documents on
    disk: a document changed (or added) since the release is refused, naming the file."""
    issue = published_issue(reports, day)
    record = next((r for r in reversed(read_releases(reports)) if r.publication_date == day), None)
    if record is None:
        raise NotReleased(
            f"{day}: the issue is published but not released; run sectorweekly release {day}"
        )
    now = current_digests(reports, issue)
    for rel, digest in now.items():
        if record.digests.get(rel) != digest:
            what = "changed" if rel in record.digests else "was added"
            raise NotReleased(
                f"{reports / rel}: {what} after the release of {day} at "
                f"{record.released_at:%Y-%m-%d %H:%M} UTC; run sectorweekly release {day} again"
            )
    return issue, record
