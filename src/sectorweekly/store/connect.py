"""Opening the store: the one-writer file lock, and connections that wait instead of failing.

DuckDB lets one process hold a file read-write, or several hold it read-only, never both. A
writer therefore takes the file lock (one writer at a time) and then waits for readers to let
go; a reader that finds a writer inside waits too. Both wait up to ``wait`` seconds and then
stop with one line that says what to do, never a DuckDB traceback.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from ..errors import StoreError, os_reason, store_unwritable
from . import schema

LOCK_TIMEOUT_S = 30.0
_held: dict[str, int] = {}  # lock files this process holds (an update holds it across writes)
_held_guard = threading.Lock()


def lock_file(path: Path) -> Path:
    return Path(str(path) + ".lock")


def _busy(path: Path, wait: float, writing: bool) -> StoreError:
    what = "reads or writes" if writing else "writes"
    return StoreError(
        f"{path}: the store is busy (another sectorweekly process {what} it) and stayed busy "
        f"for {wait:g}s; try again when it has finished, or give more time with --wait"
    )


def connect(path: Path, *, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """A connection to an existing (or, read-write, a new) store file, retrying while locked."""
    deadline = time.monotonic() + max(0.0, wait)
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise StoreError(
                    f"{path}: cannot open the store ({text.splitlines()[0]})"
                ) from None
            if time.monotonic() >= deadline:
                raise _busy(path, wait, not read_only) from None
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(f"{path}: not a readable sectorweekly store ({first})") from None
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


_shared = threading.local()  # per thread: store path -> the connection shared_reader opened


@contextlib.contextmanager
def reader(path: Path, wait: float = LOCK_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; an absent store is an in-memory empty one (nothing is created).
    Inside ``shared_reader(path)`` on the same thread, that block's connection."""
    shared = getattr(_shared, "cons", {}).get(str(path))
    if shared is not None:
        yield shared
        return
    if not path.exists():
        con = duckdb.connect(":memory:")
        schema.create_all(con)
    else:
        con = connect(path, read_only=True, wait=wait)
        try:
            schema.check_readable(con, path)
        except BaseException:
            con.close()
            raise
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def shared_reader(path: Path, wait: float = LOCK_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """One read-only connection for every ``reader(path)`` inside the block on this thread: a
    build reads the store a dozen times, and opening the file costs 15-20 ms each time. The
    block is short (one build), so writers wait no longer than they would for its readers."""
    with reader(path, wait) as con:
        cons = _shared.__dict__.setdefault("cons", {})
        if str(path) in cons:
            yield con
            return
        cons[str(path)] = con
        try:
            yield con
        finally:
            cons.pop(str(path), None)


def holds_lock(path: Path) -> bool:
    with _held_guard:
        return _held.get(str(lock_file(path)), 0) > 0


@contextlib.contextmanager
def held_lock(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the one-writer lock; re-entrant within a process (an update writes many times)."""
    key = str(lock_file(path))
    if holds_lock(path):
        with _held_guard:
            _held[key] += 1
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    lock = FileLock(key)
    made = _missing_folders(path.parent)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=max(0.0, timeout))
    except Timeout:  # before OSError: filelock's Timeout is a TimeoutError, an OSError
        raise StoreError(
            f"{path}: another sectorweekly process is writing to this store and did not finish "
            f"within {timeout:g}s; try again later, or wait longer with --wait"
        ) from None
    except OSError as exc:  # a read-only or full folder: the store cannot be written there
        raise StoreError(f"{path}: cannot write the store: {os_reason(exc)}") from None
    with _held_guard:
        _held[key] = 1
    try:
        yield
    finally:
        with _held_guard:
            _held.pop(key, None)
        try:
            if not path.exists():  # a refused first write: leave the folder as it was
                _remove_lock_file(key, made)
        finally:
            lock.release()


def _missing_folders(folder: Path) -> list[Path]:
    """The folders (deepest first) that taking the lock would create."""
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_lock_file(key: str, made: list[Path]) -> None:
    """Remove the lock file (and the empty folders the lock created) when no store came of the
    write. Done while the lock is still held: a process that meanwhile opened the file and
    locks it after the release finds it removed and takes the lock again on a new file
    (filelock checks the link count), and DuckDB's own file lock admits one writer anyway."""
    with contextlib.suppress(OSError):
        Path(key).unlink(missing_ok=True)
    for folder in made:
        try:
            folder.rmdir()  # only if empty: another process may have written there
        except OSError:
            break


@contextlib.contextmanager
def transaction(path: Path, wait: float = LOCK_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction on the current schema, committed only if the block succeeds.

    The caller holds the lock (``held_lock``); the connection waits for readers to let go.
    A block that fails on a store that did not exist leaves none.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    con = connect(path, read_only=False, wait=wait)
    committed = False
    try:
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            schema.ensure(con, path)
            yield con
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise
        con.execute("COMMIT").fetchall()
        con.execute("CHECKPOINT").fetchall()
        committed = True
    except duckdb.Error as exc:
        full = store_unwritable(exc, path)
        if full is None:
            raise
        raise full from None
    finally:
        con.close()
        if not committed and not existed:
            remove_new_store(path)


def remove_new_store(path: Path) -> None:
    """A refused first write leaves no store behind (absent stays absent)."""
    for p in (path, Path(str(path) + ".wal")):
        for _ in range(3):
            try:
                p.unlink(missing_ok=True)
                break
            except OSError:
                time.sleep(0.05)


@contextlib.contextmanager
def writer(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """File lock + one transaction (for meta bookkeeping and tests; data goes through ingest)."""
    with held_lock(path, timeout), transaction(path, timeout) as con:
        yield con
