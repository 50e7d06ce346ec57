"""Staging price files in DuckDB: one read per header, typed rows checked, errors at a line.

Kept apart from :mod:`csv_prices` (which walks the files and builds the view the writer reads)
because this is where a bad row is found and traced back to its ``FILE:ROW``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .. import textfile
from ..errors import InputError
from ..markets.calendars import Calendars
from .csv_price_sessions import add_sessions
from .csv_price_sql import (
    DATE_CHECKS,
    REQUIRED,
    SYMBOL_FUNCTION,
    csv_source,
    errors_sql,
    parsed_sql,
)

EXPECTED_HEADER = (
    "expected a header symbol,date,close[,open,high,low,volume] "
    "or symbol,market,name,date,close,open,high,low,volume,volume_unit,adjustment,source"
)


# the staged rows' columns, as stage_group makes them (a call of dividend files only)
STAGED_COLUMNS = (
    "fi INTEGER, rec BIGINT, symbol VARCHAR, market VARCHAR, date DATE, open DOUBLE, "
    "high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, volume_unit VARCHAR, "
    "adjustment VARCHAR, source VARCHAR, name VARCHAR, prev_close DOUBLE, adj_factor DOUBLE, "
    "prev_close_source VARCHAR, file_name VARCHAR, err VARCHAR"
)


def read_header(path: Path, utf8: Path) -> list[str]:
    with utf8.open(encoding="utf-8-sig", newline="") as fh:
        try:
            header = next(csv.reader(fh), [])
        except csv.Error as exc:
            raise InputError(path, 1, f"not a well-formed CSV header ({exc})") from None
    names = [h.strip().lower() for h in header]
    for h in names:
        if len(h) > textfile.MAX_FIELD:
            raise InputError(path, 1, f"a field of {len(h)} characters; expected at most "
                             f"{textfile.MAX_FIELD} (is this the right file?)")  # fmt: skip
    if not any(names):
        raise InputError(path, 1, f"empty file; {EXPECTED_HEADER}")
    for col in REQUIRED:
        if col not in names:
            raise InputError(path, 1, f"missing column '{col}'; {EXPECTED_HEADER}")
    for i, name in enumerate(names):
        if not name or names.index(name) != i:
            what = f"column {i + 1} has no name" if not name else f"column '{name}' appears twice"
            raise InputError(path, 1, f"{what}; {EXPECTED_HEADER}")
    return names


def _line_of(f: StagedFile, fields: list[str] | None, fallback: int) -> int:
    """The file line of the first row equal to ``fields`` (messages only; a second pass)."""
    if fields is None:
        return fallback
    want = [("" if v is None else v).strip() for v in fields]
    for line, row in textfile.csv_records(f.path, f.encoding, f.sheet):
        if line > 1 and [c.strip() for c in row] == want:
            return line
    return fallback


def _first_ragged(f: StagedFile, width: int) -> tuple[int, str]:
    for line, row in textfile.csv_records(f.path, f.encoding, f.sheet):
        if len(row) != width:
            return line, f"{len(row)} fields, expected {width} as in the header"
    return 1, "not a well-formed CSV file"


def _unreadable(
    con: duckdb.DuckDBPyConnection, files: list[StagedFile], names: list[str]
) -> tuple[int, InputError]:
    """DuckDB could not read a group of files: the first file it cannot read, and its error
    naming the line."""
    for k, f in enumerate(files):
        try:
            con.execute(f"SELECT count(*) FROM {csv_source([f.utf8], names)}").fetchall()
        except duckdb.Error as exc:
            line, msg = _first_ragged(f, len(names))
            if line == 1:
                msg = f"{msg} ({str(exc).splitlines()[0]})"
            return k, InputError(f.path, line, msg)
    return 0, InputError(files[0].path, 1, "not a well-formed CSV file")


@dataclass(frozen=True)
class StagedFile:
    """One file of an import: its place in the call, its path and the UTF-8 text read."""

    fi: int
    path: Path
    utf8: Path
    encoding: str | None
    sheet: str | None = None  # the workbook's sheet read (None for a text file)


def stage_group(
    con: duckdb.DuckDBPyConnection, files: list[StagedFile], names: list[str]
) -> tuple[int, InputError] | None:
    """Parse the files that share one header in one read (``fi`` names the file, ``rec`` the
    row in it), check their cells and add them to temp table ``_staged``; returns the first bad
    row's error (files in the order given) with its file's place, or None. One read per header,
    not per file: DuckDB plans the checks once, which is most of the cost of a small file; and
    one table for all, so a folder of hundreds of files stays within the memory limit."""
    present = set(names)
    con.execute("CREATE OR REPLACE TEMP TABLE _files (fi INTEGER, utf8 VARCHAR, name VARCHAR)")
    con.executemany(
        "INSERT INTO _files VALUES (?, ?, ?)", [(f.fi, str(f.utf8), f.path.name) for f in files]
    )
    numbered = (
        "SELECT fl.fi, fl.name AS file_name, "
        "n._sw_row - min(n._sw_row) OVER (PARTITION BY n._sw_file) + 1 AS rec, "
        f"n.* EXCLUDE (_sw_row, _sw_file) FROM (SELECT row_number() OVER () AS _sw_row, * "
        f"FROM {csv_source([f.utf8 for f in files], names)}) n "
        "JOIN _files fl ON fl.utf8 = n._sw_file"
    )
    if "market" in present:
        given = "ma.code"
        join_alias = "LEFT JOIN market_alias ma ON ma.alias = upper(trim(r.market)) "
    else:
        given, join_alias = "NULL::VARCHAR", ""
    symbols = (
        f"SELECT r.*, {given} AS _market, {SYMBOL_FUNCTION}(trim(r.symbol), {given}) AS _sym "
        f"FROM ({numbered}) r {join_alias}"
    )
    parsed = (
        f"SELECT r.fi, r.file_name, {parsed_sql(present)} FROM ({symbols}) r "
        "LEFT JOIN known_market km ON km.symbol = r._sym"
    )
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _g AS SELECT p.fi, p.rec, p.symbol, "
            "p.market, p.date, p.open, p.high, p.low, p.close, p.volume, p.volume_unit, "
            "p.adjustment, coalesce(p.source_raw, 'csv:' || p.file_name) AS source, p.name, "
            "p.prev_close, p.adj_factor, CASE WHEN p.prev_close IS NOT NULL THEN "
            "coalesce(p.prev_close_source_raw, 'csv:' || p.file_name) END AS prev_close_source, "
            f"p.file_name, {errors_sql()} AS err FROM ({parsed}) p"
        ).fetchall()
    except duckdb.Error:
        k, error = _unreadable(con, files, names)
        earlier = stage_group(con, files[:k], names) if k else None
        return earlier or (files[k].fi, error)  # a bad row in an earlier file comes first
    counts = dict(con.execute("SELECT fi, count(*) FROM _g GROUP BY fi").fetchall())
    found = con.execute(
        "SELECT fi, rec, err FROM _g WHERE err IS NOT NULL ORDER BY fi, rec LIMIT 1"
    ).fetchall()
    for f in files:
        if found and found[0][0] == f.fi:
            return f.fi, _error_at(con, f, names, int(found[0][1]), found[0][2])
        if not counts.get(f.fi):
            return f.fi, InputError(f.path, 2, "no data rows; expected at least one price row")
    if "adj_factor" in present:
        _reference_from_factors(con, "_g")
    staged = "SELECT count(*) FROM duckdb_tables() WHERE table_name = '_staged'"
    if con.execute(staged).fetchall()[0][0]:
        con.execute("INSERT INTO _staged SELECT * FROM _g")
        con.execute("DROP TABLE _g")
    else:  # the first group (often the only one) becomes the staging table as it is
        con.execute("ALTER TABLE _g RENAME TO _staged")
    return None


def _error_at(
    con: duckdb.DuckDBPyConnection, f: StagedFile, names: list[str], rec: int, message: str
) -> InputError:
    """The InputError for record ``rec`` of file ``f``, at its line in the file."""
    got = con.execute(
        "SELECT * EXCLUDE (_sw_file) FROM (SELECT row_number() OVER () AS rec, * FROM "
        f"{csv_source([f.utf8], names)}) WHERE rec = ?",
        [rec],
    ).fetchall()
    fields = list(got[0][1:]) if got else None
    return InputError(f.path, _line_of(f, fields, rec + 1), message)


def check_dates(
    con: duckdb.DuckDBPyConnection,
    groups: list[tuple[list[StagedFile], list[str]]],
    cals: Calendars,
) -> None:
    """Every staged row's date against its market's sessions, in one pass once the cells are
    good; raises at the first bad row (files in the order given)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _dates AS SELECT fi, rec, market, date FROM _staged"
    ).fetchall()
    add_sessions(con, "_dates", cals)
    dates = " ".join(f"WHEN {c} THEN {m}" for c, m in DATE_CHECKS)
    found = con.execute(
        f"SELECT fi, rec, err FROM (SELECT p.fi, p.rec, CASE {dates} END AS err FROM _dates p "
        "JOIN market_days i ON i.market = p.market "
        "LEFT JOIN sessions s ON s.market = p.market AND s.date = p.date) "
        "WHERE err IS NOT NULL ORDER BY fi, rec LIMIT 1"
    ).fetchall()
    if found:
        fi, rec, message = found[0]
        files, names = next((fs, ns) for fs, ns in groups if any(f.fi == fi for f in fs))
        raise _error_at(con, next(f for f in files if f.fi == fi), names, int(rec), message)


def _reference_from_factors(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Where a row has no prev_close but the factor changed since the symbol's prior row in
    the same file, the reference previous close is prior close × prior factor / factor (how
    terminals chain it)."""
    con.execute(
        f"UPDATE {table} SET prev_close = round(q.prior_close * q.prior_factor / q.adj_factor, 4), "
        "prev_close_source = 'csv:' || q.file_name || ':adj_factor' FROM (SELECT fi, rec, "
        "file_name, adj_factor, lag(close) OVER w AS prior_close, lag(adj_factor) OVER w AS "
        f"prior_factor FROM {table} WINDOW w AS (PARTITION BY fi, symbol ORDER BY date, rec)) q "
        f"WHERE {table}.fi = q.fi AND {table}.rec = q.rec AND {table}.prev_close IS NULL "
        "AND q.adj_factor IS NOT NULL AND q.prior_factor IS NOT NULL "
        "AND q.adj_factor <> q.prior_factor"
    ).fetchall()
