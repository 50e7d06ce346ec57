"""Several kinds of rows in one transaction: a folder of market files is stored whole or not at all.

The universe import writes eight kinds (universe, names, ST spans, coverage, bars, 申万 codes,
membership, index closes). Each part goes through the same steps as :func:`ingest` (staged,
repeats inside the call refused, stored keys with other values refused, new rows inserted),
but all parts share one lock, one connection and one transaction: a refusal in the last part
leaves the store byte for byte as it was, like a refusal in the first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .. import clock
from . import schema
from .connect import LOCK_TIMEOUT_S
from .ingest import (
    IngestResult,
    Progress,
    _check_call,
    _check_store,
    _stage,
    _write,
    finish,
    writing,
)
from .kinds import kind as kind_of


@dataclass(frozen=True)
class Part:
    """One kind's rows of a batch, in the order written (a kind a later part checks against,
    e.g. the 申万 codes before the membership, comes first); ``check(con)`` runs under the
    lock after the part's rows are written, against the stored rows and the new ones."""

    kind: str
    rows: Any
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None


def _one(con: duckdb.DuckDBPyConnection, part: Part, tmp: Path, now: Any) -> IngestResult:
    k = kind_of(part.kind)
    cols, n = _stage(con, k, part.rows, tmp)
    _check_call(con, k)
    _check_store(con, k, False)
    added, replaced = _write(con, k, cols, False, now) if n else (0, 0)
    if part.check is not None:
        part.check(con)
    return IngestResult(n, added, replaced, n - added - replaced)


def ingest_all(
    path: Path,
    parts: Sequence[Part],
    *,
    wait: float = LOCK_TIMEOUT_S,
    meta: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> dict[str, IngestResult]:
    """Write every part in one transaction, all or nothing; the result of each kind.

    Raises InputError (exit 2) at the first bad or conflicting row of any part, StoreError
    (exit 4) when the store stays busy for ``wait`` seconds.
    """
    say = progress or (lambda _msg: None)
    results: dict[str, IngestResult] = {}
    with writing(path, wait) as (con, tmp):
        con.execute("BEGIN TRANSACTION").fetchall()
        migrated = schema.ensure(con, path)
        now = clock.now_utc().replace(tzinfo=None, microsecond=0)
        for part in parts:
            say(f"checking and writing {part.kind}")
            results[part.kind] = _one(con, part, tmp, now)
        changed = any(r.added or r.replaced for r in results.values())
        stamps = {f"last_ingest.{k}": now.isoformat() for k, r in results.items() if r.read}
        finish(con, changed or bool(meta) or migrated, {**(meta or {}), **stamps})
    return results
