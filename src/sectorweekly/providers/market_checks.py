"""Running the whole-market file rules (``market_specs``) in DuckDB: typing a kind's raw rows,
finding the first broken rule in file order, the sessions bars are checked against, and the
universe read from the codes' shapes when no universe file is given."""

from __future__ import annotations

import duckdb

from .. import clock
from ..errors import InputError
from ..markets import codes
from ..markets.calendars import Calendars
from .market_specs import ORDER, SPECS

__all__ = [
    "ORDER", "SPECS", "add_sessions", "empty", "first_error", "type_rows", "universe_conflicts",
    "universe_from_codes",
]  # fmt: skip


def empty(kind: str) -> str:
    """A query of no rows with the kind's typed columns (a fact file the folder lacks)."""
    spec = SPECS[kind]
    cols = ", ".join(f"{e} AS {_quoted(c)}" for c, e in spec.typed.items())
    raw = ", ".join(f"NULL::VARCHAR AS {_quoted(c)}" for c in spec.columns)
    return (
        f"SELECT NULL::INTEGER AS fi, NULL::BIGINT AS rec, {cols} FROM (SELECT {raw}) r, "
        "(SELECT NULL::VARCHAR AS name) w LIMIT 0"
    )


def _quoted(col: str) -> str:
    return f'"{col}"'


def _stored(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The store's table, or an empty one where the connection has no store (a fetcher's rows
    staged on their own)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?",
        [table],
    ).fetchall()[0][0]
    if found:
        return f"main.{table}"
    return "(SELECT NULL::VARCHAR AS industry_code, NULL::VARCHAR AS symbol LIMIT 0)"


def add_sessions(con: duckdb.DuckDBPyConnection, table: str, calendars: Calendars) -> None:
    """The CN_A sessions between the bars' first and last dates (up to today), for the check."""
    today = clock.today()
    con.execute(f"SET VARIABLE sectorweekly_today = DATE '{today}'").fetchall()
    con.execute("CREATE OR REPLACE TEMP TABLE _mk_sessions (date DATE)").fetchall()
    first, last = con.execute(f"SELECT min(date), max(date) FROM {table}").fetchall()[0]
    if first is None:
        return
    last = min(last, today)
    if first <= last:
        days = calendars.sessions("CN_A", first, last)
        con.executemany("INSERT INTO _mk_sessions VALUES (?)", [(d,) for d in days])


def type_rows(
    con: duckdb.DuckDBPyConnection, kind: str, raw: str, table: str, listed_given: bool
) -> None:
    """The raw rows of ``kind`` (a query) typed into ``table``, their text kept beside
    (``<column>_raw``) for the messages; what the rules look up, made ready."""
    spec = SPECS[kind]
    if kind == "sw-membership":
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _mk_known_codes AS SELECT industry_code FROM _mk_sw_codes "
            f"UNION SELECT industry_code FROM {_stored(con, 'sw_codes')}"
        ).fetchall()
    if kind == "cn-bars" and listed_given:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _mk_listed AS SELECT symbol FROM _mk_cn_universe"
        ).fetchall()
    cols = ", ".join(f"{e} AS {_quoted(c)}" for c, e in spec.typed.items())
    raws = ", ".join(f"nullif(trim(r.{c}), '') AS {c}_raw" for c in spec.columns if c in spec.typed)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT r.fi, r.rec, {cols}, {raws} FROM {raw} r "
        "LEFT JOIN (SELECT fi, regexp_extract(file, '[^/\\\\]+$') AS name FROM _mk_where) w "
        "ON w.fi = r.fi"
    ).fetchall()


def first_error(
    con: duckdb.DuckDBPyConnection, kind: str, table: str, listed_given: bool
) -> tuple[int, int, str] | None:
    """The first broken rule of ``kind``'s typed rows (file, row, message) in file order."""
    spec = SPECS[kind]
    joins = ""
    if kind == "cn-bars":  # the sessions and the listed stocks a bar must be in, as joins
        joins = "LEFT JOIN _mk_sessions _s ON _s.date = p.date " + (
            "LEFT JOIN _mk_listed _l ON _l.symbol = p.symbol"
            if listed_given
            else "CROSS JOIN (SELECT 'any' AS symbol) _l"  # no universe file: every code is
        )
    case = "CASE " + " ".join(f"WHEN {c} THEN {m}" for c, m in spec.rules) + " END"
    found = con.execute(
        f"SELECT fi, rec, err FROM (SELECT p.fi, p.rec, {case} AS err FROM {table} p {joins}) "
        "WHERE err IS NOT NULL ORDER BY fi, rec LIMIT 1"
    ).fetchall()
    if found:
        return int(found[0][0]), int(found[0][1]), str(found[0][2])
    return None


def universe_from_codes(con: duckdb.DuckDBPyConnection, bars: str, table: str) -> None:
    """Without a universe file: each bar stock not yet stored, its exchange and board read from
    its code (source 'code shape'), listing date and registration flag unknown (NULL)."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT min(fi) AS fi, min(rec) AS rec, symbol, "
        f"{codes.exchange_sql('symbol')} AS exchange, {codes.board_sql('symbol')} AS board, "
        "NULL::DATE AS list_date, NULL::DATE AS delist_date, NULL::BOOLEAN AS registration_ipo, "
        "'code shape' AS source, max(date) AS as_of FROM "
        f"{bars} WHERE symbol NOT IN (SELECT symbol FROM {_stored(con, 'cn_universe')}) "
        "GROUP BY symbol"
    ).fetchall()


def universe_conflicts(con: duckdb.DuckDBPyConnection) -> None:
    """Under the writer's lock, after the universe rows were written: a stored listing or
    delisting date, or registration flag, that a file row contradicts is refused (an unknown
    one was filled in instead)."""
    tests = [
        f"(a.{c} IS NOT NULL AND s.{c} IS NOT NULL AND a.{c} <> s.{c})"
        for c in ("list_date", "delist_date", "registration_ipo")
    ]
    bad = con.execute(
        "SELECT a.file, a.line, a.symbol, "
        + ", ".join(f"a.{c}, s.{c}" for c in ("list_date", "delist_date", "registration_ipo"))
        + ", s.source FROM _uniq a JOIN main.cn_universe s ON s.symbol = a.symbol WHERE "
        + " OR ".join(tests)
        + " ORDER BY a._ord LIMIT 1"
    ).fetchall()
    if not bad:
        return
    file, line, symbol, *values, source = bad[0]
    names = ("list_date", "delist_date", "registration_ipo")
    for i, col in enumerate(names):
        given, stored = values[2 * i], values[2 * i + 1]
        if given is not None and stored is not None and given != stored:
            raise InputError(
                file or "universe.csv",
                line,
                f"{symbol} {col} {given} differs from the stored {stored} (stored from "
                f"{source}); expected the same value (stored rows are not overwritten)",
            )
