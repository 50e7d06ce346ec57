"""The desk's DuckDB store: schema, read connections, and the one writer.

Writes go through :func:`writer`, which holds a file lock (one writer per store) and a single
transaction; callers validate everything *before* opening it so that a failed import never
touches the file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock, Timeout

from .errors import StoreError

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS instruments (
    symbol VARCHAR PRIMARY KEY, market VARCHAR NOT NULL, name VARCHAR, currency VARCHAR
);
CREATE TABLE IF NOT EXISTS prices (
    symbol VARCHAR NOT NULL,
    market VARCHAR NOT NULL,
    date DATE NOT NULL,
    open DOUBLE, high DOUBLE, low DOUBLE,
    close DOUBLE NOT NULL,
    volume DOUBLE,
    volume_unit VARCHAR,
    adjustment VARCHAR,
    adj_close DOUBLE,
    source VARCHAR NOT NULL,
    fetched_at TIMESTAMP,
    prev_close DOUBLE,
    prev_close_source VARCHAR,
    PRIMARY KEY (symbol, date)
);
CREATE TABLE IF NOT EXISTS shares (
    symbol VARCHAR NOT NULL, as_of DATE NOT NULL, shares DOUBLE NOT NULL,
    source VARCHAR, note VARCHAR, PRIMARY KEY (symbol, as_of)
);
"""

PRICE_COLUMNS = [
    "symbol",
    "market",
    "date",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "volume_unit",
    "adjustment",
    "adj_close",
    "source",
    "fetched_at",
    "prev_close",  # the exchange's reference previous close (除权除息参考价); NULL = prior close
    "prev_close_source",
]

# Columns added after the first release, for stores made before them (appended, so the
# positional inserts above line up with old and new tables alike).
MIGRATIONS = (
    "ALTER TABLE prices ADD COLUMN IF NOT EXISTS prev_close DOUBLE",
    "ALTER TABLE prices ADD COLUMN IF NOT EXISTS prev_close_source VARCHAR",
)

LOCK_TIMEOUT_S = 30.0


def _lock(path: Path) -> FileLock:
    return FileLock(str(path) + ".lock")


def _init(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA).fetchall()
    for statement in MIGRATIONS:
        con.execute(statement).fetchall()
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
        [str(SCHEMA_VERSION)],
    ).fetchall()


@contextlib.contextmanager
def reader(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; an absent store is an in-memory empty one (nothing is created)."""
    if not path.exists():
        con = duckdb.connect(":memory:")
        _init(con)
    else:
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            raise StoreError(f"{path}: cannot open the store ({exc})") from None
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def held_lock(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the one-writer lock; a long job (an update) keeps it across several transactions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(path)
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise StoreError(
            f"{path}: another sectorweekly process is writing to this store "
            f"(lock {lock.lock_file} held for {timeout:.0f}s); wait for it to finish"
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def transaction(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction, committed only if the block succeeds; the caller holds the lock."""
    con = duckdb.connect(str(path))
    try:
        _init(con)
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise
        con.execute("COMMIT").fetchall()
        con.execute("CHECKPOINT").fetchall()
    finally:
        con.close()


@contextlib.contextmanager
def writer(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writer: file lock + one transaction, committed only if the block succeeds."""
    with held_lock(path, timeout), transaction(path) as con:
        yield con


def existing_prices(path: Path, keys: pd.DataFrame) -> pd.DataFrame:
    """Stored rows matching the (symbol, date) pairs of ``keys``; for duplicate checks."""
    with reader(path) as con:
        con.register("k", keys[["symbol", "date"]])
        found = con.execute(
            "SELECT p.symbol, p.date, p.open, p.high, p.low, p.close, p.volume "
            "FROM prices p JOIN k USING (symbol, date)"
        ).df()
        con.unregister("k")
    found["date"] = pd.to_datetime(found["date"]).dt.date
    return found


@contextlib.contextmanager
def registered(
    con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A pandas frame visible to SQL as ``name`` for the block, and gone after it."""
    con.register(name, frame)
    try:
        yield con
    finally:
        con.unregister(name)


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def insert_new(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    select: str,
    key: str | None = None,
) -> int:
    """``INSERT INTO table SELECT select FROM frame``, skipping stored keys; returns rows added."""
    with registered(con, "incoming", frame):
        before = count_rows(con, table)
        conflict = f" ON CONFLICT ({key}) DO NOTHING" if key else ""
        con.execute(f"INSERT INTO {table} SELECT {select} FROM incoming{conflict}").fetchall()
        return count_rows(con, table) - before


def insert_prices(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> int:
    """Insert validated rows not already stored (and their instruments); returns how many were new."""
    frame = rows.reindex(columns=[*PRICE_COLUMNS, "name", "currency"])
    added = insert_new(con, "prices", frame, ", ".join(PRICE_COLUMNS), "symbol, date")
    with registered(con, "incoming", frame):
        con.execute(
            "INSERT INTO instruments SELECT symbol, any_value(market), any_value(name), "
            "any_value(currency) FROM incoming GROUP BY symbol ON CONFLICT (symbol) DO NOTHING"
        ).fetchall()
    return added


def replace_prices(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> int:
    """Overwrite stored rows with ``rows`` (same keys); only for an explicit ``--force``."""
    frame = rows.reindex(columns=PRICE_COLUMNS)
    con.register("replacing", frame)
    try:
        con.execute(
            "DELETE FROM prices USING replacing r "
            "WHERE prices.symbol = r.symbol AND prices.date = r.date"
        ).fetchall()
        con.execute(
            f"INSERT INTO prices SELECT {', '.join(PRICE_COLUMNS)} FROM replacing"
        ).fetchall()
    finally:
        con.unregister("replacing")
    return len(frame)


def fingerprint(path: Path) -> str:
    """A digest of the store file, for tests and for 'unchanged' checks."""
    import hashlib

    if not path.exists():
        return "absent"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def meta_value(path: Path, key: str) -> str | None:
    """A value of the store's meta table (e.g. a seed digest); None when absent."""
    if not path.exists():
        return None
    with reader(path) as con:
        rows = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Inside a writer: remember a value, so a later run can tell what was done."""
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value]).fetchall()
