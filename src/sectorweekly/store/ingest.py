"""The one writer: every kind of row reaches the store through :func:`ingest`.

For every kind and every source (file reader, desk seed, online update) it holds the one-writer
lock for the whole transaction, checks the rows set-wise in DuckDB (a key repeated inside the
call with another value, a stored key with another value: refused with ``FILE:ROW`` and the
stored row's origin), inserts what is new in one statement, and records its bookkeeping in the
store's meta table in the same transaction. A refused call leaves the store file byte for byte
as it was (an absent store stays absent).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .. import clock
from ..errors import InputError, store_unwritable
from . import migrate, schema
from .connect import LOCK_TIMEOUT_S, connect, held_lock, remove_new_store
from .kinds import Kind
from .kinds import kind as kind_of

Progress = Callable[[str], None]
EAGER_REPEAT_CHECK = 100_000  # rows; above it, repeated keys are looked for only if there are any
MEMORY_LIMIT = "256MB"  # DuckDB spills to a temporary folder beyond it (2M price rows fit)


@dataclass(frozen=True)
class IngestResult:
    read: int  # rows given
    added: int  # new rows written
    replaced: int  # stored rows replaced (unfinished periods, or --force)
    unchanged: int  # already stored with the same values (or repeated inside the call)


def _differs(col: str, numeric: bool, a: str = "a", b: str = "b") -> str:
    x, y = f'{a}."{col}"', f'{b}."{col}"'
    if numeric:
        return (
            f"(({x} IS NULL) <> ({y} IS NULL) OR abs({x} - {y}) > 1e-9 * greatest(1.0, abs({x})))"
        )
    return f"({x} IS DISTINCT FROM {y})"


def _which(k: Kind, a: str = "a", b: str = "b") -> tuple[str, str]:
    """(SQL naming the first differing compared column, SQL true when any differs)."""
    tests = [(c, _differs(c, c in k.numeric, a, b)) for c in k.compared]
    case = "CASE " + " ".join(f"WHEN {t} THEN '{c}'" for c, t in tests) + " END"
    return case, "(" + " OR ".join(t for _, t in tests) + ")"


def _show(value: object) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return f"'{value}'"


_SHOWN = {"series_group": "group"}  # stored column -> the name users write in their files


def _label(k: Kind, row: Mapping[str, Any]) -> str:
    return " ".join(_show(row[c]).strip("'") for c in k.label)


def _where(row: Mapping[str, Any]) -> tuple[str, int | None]:
    file = row.get("file")
    return (str(file), row.get("line")) if file else (str(row.get("source") or "rows"), None)


def _fetch_one(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any] | None:
    cur = con.execute(sql)
    rows = cur.fetchall()
    if not rows:
        return None
    return dict(zip([d[0] for d in cur.description], rows[0], strict=True))


def _stage(con: duckdb.DuckDBPyConnection, k: Kind, rows: Any, tmp: Path) -> tuple[list[str], int]:
    """Make the rows visible as ``_in`` (typed like the store, with ``file``, ``line`` and their
    order ``_ord``); returns (stored columns given, row count).

    ``rows`` is a pandas DataFrame or Arrow table, or a stager (``rows.stage(con, tmp)`` creates
    a view ``_rows`` with an ``_ord`` column): big files are read and checked by DuckDB inside
    this connection and never pass through Python.
    """
    staged = hasattr(rows, "stage")
    if staged:
        rows.stage(con, tmp)
    else:
        con.register("_given", rows)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _rows AS SELECT *, row_number() OVER () AS _ord "
            "FROM _given"
        ).fetchall()
        con.unregister("_given")
    given = [d[0] for d in con.execute("SELECT * FROM _rows LIMIT 0").description]
    cols = [c for c in k.types if c in given]
    skip = {"file", "line", "_ord"}
    extra = [c for c in given if c not in k.types and c not in skip]
    select = [f'CAST("{c}" AS {k.types[c]}) AS "{c}"' for c in cols]
    if {"volume", "volume_unit"} <= set(cols):  # the store holds volumes in shares only
        volume, unit = migrate.volume_in_shares_sql("CAST(volume AS DOUBLE)", "volume_unit")
        select[cols.index("volume")] = f"{volume} AS volume"
        select[cols.index("volume_unit")] = f"CAST({unit} AS VARCHAR) AS volume_unit"
    select += [f'"{c}"' for c in extra]  # nullable columns a later schema may store
    select.append("CAST(file AS VARCHAR) AS file" if "file" in given else "NULL::VARCHAR AS file")
    select.append("CAST(line AS BIGINT) AS line" if "line" in given else "NULL::BIGINT AS line")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW _in AS SELECT {', '.join(select)}, _ord FROM _rows"
    ).fetchall()
    n = int(con.execute("SELECT count(*) FROM _rows").fetchall()[0][0])
    return [*cols, *extra], n


def _check_call(con: duckdb.DuckDBPyConnection, k: Kind) -> int:
    """Refuse a key repeated inside the call with other values; keep the first of identical ones
    (``_uniq``); returns how many repeats were dropped. Run only when the insert found one."""
    keys = ", ".join(k.key)
    n, distinct = con.execute(f"SELECT count(*), count(DISTINCT ({keys})) FROM _in").fetchall()[0]
    if n == distinct:
        con.execute("CREATE OR REPLACE TEMP VIEW _uniq AS SELECT * FROM _in").fetchall()
        return 0
    case, any_diff = _which(k)
    on = " AND ".join(f"a.{c} = b.{c}" for c in k.key)
    bad = _fetch_one(
        con,
        f"SELECT a.*, {case} AS _col, "
        + ", ".join(f'b."{c}" AS _prev_{c}' for c in k.compared)
        + ", b.file AS _prev_file, b.line AS _prev_line "
        f"FROM _in a JOIN _in b ON {on} AND b._ord < a._ord WHERE {any_diff} "
        "ORDER BY a._ord, b._ord LIMIT 1",
    )
    if bad is not None:
        col = bad["_col"]
        prev_where = f"{Path(str(bad['_prev_file'])).name}:{bad['_prev_line']}"
        file, line = _where(bad)
        raise InputError(
            file,
            line,
            f"duplicate {_label(k, bad)} with {_SHOWN.get(col, col)} {_show(bad[col])} (already "
            f"{_show(bad['_prev_' + col])} at {prev_where}); expected one value per "
            f"{' and '.join(k.key)}",
        )
    con.execute("DROP VIEW IF EXISTS _uniq").fetchall()
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _uniq AS SELECT * FROM _in "
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _ord) = 1"
    ).fetchall()
    return int(n) - int(distinct)


def _check_store(con: duckdb.DuckDBPyConnection, k: Kind, replace: bool) -> None:
    """Refuse a row whose key is stored with another value (the store is never overwritten)."""
    if replace or k.table not in schema.table_names(con):
        return
    stored_cols = schema.table_columns(con, k.table)
    origin = "coalesce(s.origin, s.source)" if "origin" in stored_cols else "s.source"
    case, any_diff = _which(k, "a", "s")
    on = " AND ".join(f"a.{c} = s.{c}" for c in k.key)
    keep_partial = " AND NOT s.partial" if k.replace_partial else ""
    stamp = f", s.{k.time_column} AS _stamp" if k.time_column in stored_cols else ""
    bad = _fetch_one(
        con,
        f"SELECT a.*, {case} AS _col, "
        + ", ".join(f's."{c}" AS _stored_{c}' for c in k.compared)
        + f", {origin} AS _origin{stamp} FROM _uniq a JOIN main.{k.table} s ON {on} "
        f"WHERE {any_diff}{keep_partial} ORDER BY a._ord LIMIT 1",
    )
    if bad is None:
        return
    col = bad["_col"]
    when = f", {bad['_stamp']:%Y-%m-%d %H:%M} UTC" if bad.get("_stamp") else ""
    file, line = _where(bad)
    raise InputError(
        file,
        line,
        f"{_label(k, bad)} {_SHOWN.get(col, col)} {_show(bad[col])} differs from the stored "
        f"{_show(bad['_stored_' + col])} (stored from {bad['_origin']}{when}); expected the same "
        "value (stored rows are not overwritten)",
    )


def _write(
    con: duckdb.DuckDBPyConnection, k: Kind, cols: list[str], replace: bool, now: dt.datetime
) -> tuple[int, int]:
    """Insert new rows (replacing differing stored ones where allowed); (added, replaced)."""
    on = " AND ".join(f"a.{c} = s.{c}" for c in k.key)
    _, any_diff = _which(k, "a", "s")
    table_cols = set(schema.table_columns(con, k.table))
    where = "" if replace else (" AND s.partial" if k.replace_partial else " AND false")
    replaced = 0
    if replace or k.replace_partial:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _gone AS SELECT a._ord FROM _uniq a "
            f"JOIN main.{k.table} s ON {on} WHERE {any_diff}{where}"
        ).fetchall()
        replaced = int(con.execute("SELECT count(*) FROM _gone").fetchall()[0][0])  # type: ignore[index]
        if replaced:
            keys = ", ".join(k.key)
            con.execute(
                f"DELETE FROM main.{k.table} WHERE ({keys}) IN "
                f"(SELECT ({keys}) FROM _uniq WHERE _ord IN (SELECT _ord FROM _gone))"
            ).fetchall()
    insert = [f'"{c}"' for c in cols if c in table_cols and c not in (k.time_column, "origin")]
    values = list(insert)
    if k.time_column and k.time_column in table_cols:
        insert.append(k.time_column)
        values.append(f"TIMESTAMP '{now:%Y-%m-%d %H:%M:%S}'")
    insert.append("origin")
    values.append("coalesce(a.file, a.source)")
    before = int(con.execute(f"SELECT count(*) FROM main.{k.table}").fetchall()[0][0])  # type: ignore[index]
    con.execute(
        f"INSERT INTO main.{k.table} ({', '.join(insert)}) "
        f"SELECT {', '.join(v if v.startswith(('TIMESTAMP', 'coalesce')) else 'a.' + v for v in values)} "
        f"FROM _uniq a WHERE NOT EXISTS (SELECT 1 FROM main.{k.table} s WHERE {on})"
    ).fetchall()
    after = int(con.execute(f"SELECT count(*) FROM main.{k.table}").fetchall()[0][0])  # type: ignore[index]
    if k.name == "prices":
        _instruments(con)
    filled = _fill(con, k, cols, on)
    return after - before - replaced, replaced + filled


def _fill(con: duckdb.DuckDBPyConnection, k: Kind, cols: list[str], on: str) -> int:
    """Give stored rows the values of ``k.fill`` they lack (e.g. a reference previous close
    for a store seeded before the column); a stored value is never overwritten."""
    if not k.fill or k.fill[0] not in cols:
        return 0
    first = k.fill[0]
    if not con.execute(
        f"SELECT count(*) FROM (FROM _uniq WHERE {first} IS NOT NULL LIMIT 1)"
    ).fetchall()[0][0]:
        return 0  # nothing to fill: no join with the stored rows
    sets = ", ".join(f"{c} = a.{c}" for c in k.fill if c in cols)
    where = on.replace("s.", f"main.{k.table}.")
    rows = con.execute(
        f"UPDATE main.{k.table} SET {sets} FROM _uniq a WHERE {where} "
        f"AND main.{k.table}.{first} IS NULL AND a.{first} IS NOT NULL"
    ).fetchall()
    return int(rows[0][0]) if rows else 0


def _instruments(con: duckdb.DuckDBPyConnection) -> None:
    cols = {d[0] for d in con.execute("SELECT * FROM _uniq LIMIT 0").description}
    name = "any_value(name)" if "name" in cols else "NULL"
    currency = "any_value(currency)" if "currency" in cols else "NULL"
    con.execute(
        f"INSERT INTO instruments SELECT symbol, any_value(market), {name}, {currency} "
        "FROM _uniq GROUP BY symbol ON CONFLICT (symbol) DO NOTHING"
    ).fetchall()


def ingest(
    path: Path,
    kind: str,
    rows: Any,
    *,
    wait: float = LOCK_TIMEOUT_S,
    meta: Mapping[str, str] | None = None,
    replace: bool = False,
    progress: Progress | None = None,
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> IngestResult:
    """Write ``rows`` (a pandas DataFrame or Arrow table of the kind's columns, with ``file``
    and ``line`` naming each row's origin) into the store, all or nothing.

    ``replace`` overwrites stored rows that differ (only ``update --force``); ``meta`` entries
    are written in the same transaction; ``check(con)`` is a kind's own rule over stored rows,
    run under the lock after the conflict checks (tracker series: one group and unit, no
    overlapping periods). Raises InputError (exit 2) on a conflict and
    StoreError (exit 4) when the store stays busy for ``wait`` seconds.
    """
    k = kind_of(kind)
    say = progress or (lambda _msg: None)
    with writing(path, wait) as (con, tmp):
        # staged outside the transaction (temp tables, the store file is not touched), so
        # that a retry after a repeated key keeps them
        cols, n = _stage(con, k, rows, tmp)
        say(f"checking {n:,} rows against the store")
        if n <= EAGER_REPEAT_CHECK:
            _check_call(con, k)  # repeats inside the call are named before any conflict
        else:  # a big file: the table's key finds repeats during the insert, if any
            con.execute("CREATE OR REPLACE TEMP VIEW _uniq AS SELECT * FROM _in").fetchall()
        for attempt in (1, 2):
            con.execute("BEGIN TRANSACTION").fetchall()
            try:
                # an older store is migrated first: rows are compared in today's form
                migrated = schema.ensure(con, path)
                _check_store(con, k, replace)
                if check is not None:
                    check(con)
                say("writing")
                now = clock.now_utc().replace(tzinfo=None, microsecond=0)
                added, replaced = _write(con, k, cols, replace, now) if n else (0, 0)
                break
            except duckdb.ConstraintException:
                # a key repeated inside the call (the table's key refused it): find it,
                # refuse it if its values differ, else keep the first and try again
                con.execute("ROLLBACK").fetchall()
                if attempt == 2 or n <= EAGER_REPEAT_CHECK or not _check_call(con, k):
                    raise
        stamps = {f"last_ingest.{k.name}": now.isoformat()}
        finish(con, bool(added or replaced or meta or migrated), {**(meta or {}), **stamps})
    return IngestResult(n, added, replaced, n - added - replaced)


@contextlib.contextmanager
def writing(path: Path, wait: float) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path]]:
    """The one writer's connection and a temporary folder, under the lock; the block ends
    with :func:`finish`. Anything raised inside rolls back, and the store file stays byte for
    byte as it was (an absent store stays absent)."""
    with held_lock(path, wait), tempfile.TemporaryDirectory(prefix="sectorweekly-") as tmp:
        existed = path.exists()  # under the lock: another writer may have just created it
        con = connect(path, read_only=False, wait=wait)
        committed = False
        try:
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'").fetchall()
            con.execute("SET temp_directory = ?", [tmp]).fetchall()
            con.execute("SET enable_progress_bar = false").fetchall()
            schema.check_readable(con, path)
            yield con, Path(tmp)
            committed = True
        except BaseException as exc:
            with _quiet():
                con.execute("ROLLBACK").fetchall()
            full = store_unwritable(exc, path) if isinstance(exc, duckdb.Error) else None
            if full is not None:
                raise full from None
            raise
        finally:
            con.close()
            if not committed and not existed:
                remove_new_store(path)
            if not committed:
                _remove_empty_wal(path)


def finish(con: duckdb.DuckDBPyConnection, changed: bool, meta: Mapping[str, str]) -> None:
    """Commit the open transaction with its ``meta`` entries when it changed anything (and
    checkpoint, so the file alone holds the store), else roll it back."""
    if not changed:
        con.execute("ROLLBACK").fetchall()
        return
    for key, value in meta.items():
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value]).fetchall()
    con.execute("COMMIT").fetchall()
    con.execute("CHECKPOINT").fetchall()


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is not None and issubclass(exc[0], duckdb.Error)  # type: ignore[arg-type]


def _remove_empty_wal(path: Path) -> None:
    """A write refused by a full disk leaves an empty WAL file: not part of the store."""
    wal = Path(str(path) + ".wal")
    with contextlib.suppress(OSError):
        if wal.stat().st_size == 0:
            wal.unlink()
