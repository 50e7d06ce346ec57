"""The desk's DuckDB store: schema (every table, a version), the one writer, and reads.

Every write goes through :func:`ingest` (lock, checks, one transaction, meta bookkeeping);
readers open the file read-only and wait while a writer is inside.

May import ``desk``, ``markets`` and the core modules only; every stage above reads through it
and only ``update`` writes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from .connect import (
    LOCK_TIMEOUT_S,
    held_lock,
    holds_lock,
    lock_file,
    reader,
    shared_reader,
    transaction,
    writer,
)
from .ingest import IngestResult, ingest
from .kinds import KINDS, PRICE_TYPES
from .schema import SCHEMA_VERSION, create_all, table_names

__all__ = [
    "KINDS",
    "LOCK_TIMEOUT_S",
    "PRICE_COLUMNS",
    "SCHEMA_VERSION",
    "IngestResult",
    "create_all",
    "fingerprint",
    "held_lock",
    "holds_lock",
    "ingest",
    "lock_file",
    "meta_value",
    "reader",
    "set_meta",
    "shared_reader",
    "table_names",
    "transaction",
    "writer",
]

PRICE_COLUMNS = [
    *(c for c in PRICE_TYPES if not c.startswith("prev_close")),
    "fetched_at",
    "prev_close",  # the exchange's reference previous close (除权除息参考价); NULL = prior close
    "prev_close_source",
]

_init = create_all  # test helpers build in-memory stores with it


def fingerprint(path: Path) -> str:
    """A digest of the store file, for tests and for 'unchanged' checks."""
    if not path.exists():
        return "absent"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def meta_value(path: Path, key: str) -> str | None:
    """A value of the store's meta table (e.g. a seed digest); None when absent."""
    if not path.exists():
        return None
    with reader(path) as con:
        if "meta" not in table_names(con):
            return None
        rows = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Inside a writer: remember a value, so a later run can tell what was done."""
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value]).fetchall()
