"""The send ledger, ``<reports>/send-ledger.csv`` beside the archive: one row per message (or per
refused attempt), never changed once written, the record of release a broker keeps.

Columns: ``issue`` (publication date), ``digests`` (``document=sha256`` of each released
document, ``;``-separated), ``channel``, ``target``, ``piece`` (what the message was), ``bytes``
(its size as the channel counts it), ``time`` (UTC, ISO 8601), ``result`` (``sent``,
``failed``, ``partial``: some recipients refused, ``not sent``: after a failure of an earlier
piece, ``refused``: the send was refused before any message), ``message_id`` and ``error``.
Each row is added by rewriting the file whole (atomic) under a lock: a reader never sees half a
row, and a crash mid-send keeps every row written before it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from filelock import FileLock, Timeout

from .. import atomic, clock
from ..errors import InputError
from ..series.archive import ArchiveError

LEDGER_FILE = "send-ledger.csv"
COLUMNS = (
    "issue", "digests", "channel", "target", "piece", "bytes", "time", "result", "message_id",
    "error",
)  # fmt: skip
RESULTS = ("sent", "failed", "partial", "not sent", "refused")


@dataclass(frozen=True)
class Row:
    issue: str
    digests: str
    channel: str
    target: str
    piece: str
    bytes: str
    time: str
    result: str
    message_id: str
    error: str


def ledger_path(reports: Path) -> Path:
    return reports / LEDGER_FILE


def digest_text(digests: dict[str, str]) -> str:
    return ";".join(f"{name}={sha}" for name, sha in sorted(digests.items()))


def row(
    issue: dt.date,
    digests: dict[str, str],
    channel: str,
    target: str,
    piece: str,
    size: int | None,
    result: str,
    message_id: str | None = None,
    error: str = "",
) -> Row:
    if result not in RESULTS:
        raise ValueError(f"unknown ledger result {result!r}")
    return Row(
        issue.isoformat(), digest_text(digests), channel, target, piece,
        "" if size is None else str(size),
        clock.now_utc().replace(microsecond=0).isoformat(), result, message_id or "",
        " ".join(error.split()),
    )  # fmt: skip


def read_ledger(reports: Path) -> list[Row]:
    path = ledger_path(reports)
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise InputError(
                path, 1, f"not a send ledger; expected the columns {','.join(COLUMNS)}"
            )
        return [Row(**{f.name: r.get(f.name) or "" for f in fields(Row)}) for r in reader]


def append(reports: Path, rows: list[Row]) -> Path:
    """Add ``rows`` after every row already written."""
    path = ledger_path(reports)
    atomic.make_folder(reports, "cannot create the reports folder")
    lock = FileLock(str(path) + ".lock")
    try:
        lock.acquire(timeout=30)
    except Timeout:
        raise ArchiveError(f"{path}: another sectorweekly process is writing the ledger") from None
    try:
        old = read_ledger(reports)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in [*old, *rows]:
            writer.writerow(asdict(r))
        return atomic.write_text(path, buf.getvalue(), "cannot write the send ledger")
    finally:
        lock.release()


def sent_before(reports: Path, issue: dt.date, digests: dict[str, str], target: str) -> Row | None:
    """The last row that sent this release of the issue to ``target``, if any."""
    text = digest_text(digests)
    return next(
        (
            r
            for r in reversed(read_ledger(reports))
            if r.issue == issue.isoformat()
            and r.target == target
            and r.digests == text
            and r.result in ("sent", "partial")
        ),
        None,
    )
