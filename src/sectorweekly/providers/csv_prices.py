"""Price and share-count CSV files -> the store's standard rows, checked set-wise in DuckDB.

Prices come in the shared ``data/prices`` layout or a minimal ``symbol,date,close`` one. DuckDB
reads each file (UTF-8, or GB18030 transcoded first), parses and checks every row in SQL —
numbers, dates, markets, high/low, sessions of the market's exchange, no date after the last
closed session — and streams the typed rows to a Parquet staging file; the store's one writer
then checks duplicates and conflicts and inserts them in one statement. A 2-million-row file
takes seconds (``benchmarks/import.py``). Errors name ``FILE:ROW`` and what was expected.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
from duckdb.sqltypes import VARCHAR

from .. import clock, textfile
from ..errors import CalendarError, InputError
from ..markets import MARKET_ALIASES, MARKETS, codes
from ..markets.calendars import Calendars
from . import dividends
from .columns import SHARES, header_index, parse_row

FULL_LAYOUT = [
    "symbol", "market", "name", "date", "close", "open", "high", "low", "volume",
    "volume_unit", "adjustment", "source",
]  # fmt: skip
REQUIRED = ["symbol", "date", "close"]
OPTIONAL_NUMERIC = ["open", "high", "low", "volume"]
# Optional in either layout: the exchange's reference previous close of a row (除权除息参考价)
# with where it came from, or a cumulative adjustment factor from which it follows.
REFERENCE_NUMERIC = ["prev_close", "adj_factor"]
EXPECTED_HEADER = (
    "expected a header symbol,date,close[,open,high,low,volume] "
    "or symbol,market,name,date,close,open,high,low,volume,volume_unit,adjustment,source"
)
Progress = Callable[[str], None]
# A workbook's sheet of prices: the first whose header has these (without --sheet)
KNOWN_HEADER = textfile.either(textfile.requires(*REQUIRED), dividends.is_dividend_header)
SHARES_HEADER = textfile.requires("symbol", "as_of", "shares")
# the staged rows' columns, as _stage_group makes them (a call of dividend files only)
STAGED_COLUMNS = (
    "fi INTEGER, rec BIGINT, symbol VARCHAR, market VARCHAR, date DATE, open DOUBLE, "
    "high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, volume_unit VARCHAR, "
    "adjustment VARCHAR, source VARCHAR, name VARCHAR, prev_close DOUBLE, adj_factor DOUBLE, "
    "prev_close_source VARCHAR, file_name VARCHAR, err VARCHAR"
)


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _raw(col: str, present: set[str]) -> str:
    return f"r.{col}" if col in present else "NULL::VARCHAR"


def _number(col: str, present: set[str]) -> str:
    """A cell as a number: DuckDB's own cast, then once more without thousands separators."""
    if col not in present:
        return "NULL::DOUBLE"
    return f"coalesce(TRY_CAST(r.{col} AS DOUBLE), TRY_CAST(replace(r.{col}, ',', '') AS DOUBLE))"


def _given(col: str) -> str:
    """SQL true when the raw cell has text (evaluated only where the typed value is NULL)."""
    return f"coalesce(trim(p.{col}_raw), '') <> ''"


def _errors_sql() -> str:
    """One CASE naming the first thing wrong with a row, worded as ``what; expected``.

    Each test looks at the typed value first, so a good row costs a few comparisons and the
    raw text is touched only for rows that are wrong.
    """
    markets = ", ".join(MARKETS)
    checks: list[tuple[str, str]] = [
        (
            f"length({raw}) > {textfile.MAX_FIELD}",
            f"'a field of ' || length({raw}) || ' characters ({col}); expected at most "
            f"{textfile.MAX_FIELD} (is this the right file?)'",
        )
        for col, raw in _TEXT_CELLS.items()
    ]
    checks += [
        ("coalesce(p.symbol, '') = ''", "'empty symbol; expected a code such as 688256 or NVDA'"),
        ("starts_with(p.symbol, '!')", "substr(p.symbol, 2)"),
        (
            f"p.market IS NULL AND {_given('market')}",
            f"'unknown market ''' || trim(p.market_raw) || '''; expected one of {markets}'",
        ),
        (
            "p.market IS NULL",
            f"'unknown market for ''' || p.symbol || '''; add a market column ({markets}) "
            "or list the symbol under the desk''s instruments'",
        ),
        (
            "p.date IS NULL",
            "'date ''' || coalesce(trim(p.date_raw), '') || ''' is not a date; "
            "expected YYYY-MM-DD'",
        ),
        (
            f"p.close IS NULL AND NOT {_given('close')}",
            "'close is empty; expected a positive price'",
        ),
    ]
    for col in ["close", *OPTIONAL_NUMERIC, *REFERENCE_NUMERIC]:
        checks.append((
            f"(p.{col} IS NULL AND {_given(col)}) OR NOT isfinite(p.{col})",
            f"'{col} ''' || trim(p.{col}_raw) || ''' is not a number; expected a decimal such "
            "as 12.34'",
        ))  # fmt: skip
    for col in ["close", "open", "high", "low", *REFERENCE_NUMERIC]:
        checks.append((
            f"p.{col} <= 0",
            f"'{col} ' || trim(p.{col}_raw) || ' is not positive; expected a price > 0'",
        ))  # fmt: skip
    checks += [
        ("p.volume < 0", "'volume ' || trim(p.volume_raw) || ' is negative; expected ≥ 0'"),
        (
            "p.high < greatest(p.open, p.close)",
            "'high ' || trim(p.high_raw) || ' is below open/close; expected high ≥ ' || "
            "CAST(greatest(p.open, p.close) AS VARCHAR)",
        ),
        (
            "p.low > least(p.open, p.close)",
            "'low ' || trim(p.low_raw) || ' is above open/close; expected low ≤ ' || "
            "CAST(least(p.open, p.close) AS VARCHAR)",
        ),
    ]
    return "CASE " + " ".join(f"WHEN {c} THEN {m}" for c, m in checks) + " END"


# Text cells a row stores or reads (column -> its raw text in the parsed row), each held to
# the field limit: a 5,000-character symbol or source is a broken file, never a stored row.
_TEXT_CELLS = {
    "symbol": "p.symbol_raw",
    "market": "p.market_raw",
    "name": "p.name",
    "date": "p.date_raw",
    "volume_unit": "p.volume_unit",
    "adjustment": "p.adjustment",
    "source": "p.source_raw",
    "prev_close_source": "p.prev_close_source_raw",
    **{c: f"p.{c}_raw" for c in ["close", *OPTIONAL_NUMERIC, *REFERENCE_NUMERIC]},
}
SYMBOL_FUNCTION = "sectorweekly_symbol"


def _symbols(symbols: pa.Array, markets: pa.Array) -> pa.Array:
    """The canonical form of each symbol cell (``!`` and the message when it has none), for
    DuckDB to call on a file's column: one rule (``markets.codes``) for every reader."""
    return pa.array(
        [None if s is None else _canonical(s, m) for s, m in zip(
            symbols.to_pylist(), markets.to_pylist(), strict=True)],
        pa.string(),
    )  # fmt: skip


@functools.lru_cache(maxsize=65536)
def _canonical(symbol: str, market: str | None) -> str:
    return codes.symbol_or_error(symbol, market)


def _register_symbols(con: duckdb.DuckDBPyConnection) -> None:
    known = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = ?", [SYMBOL_FUNCTION]
    ).fetchall()[0][0]
    if not known:
        con.create_function(
            SYMBOL_FUNCTION, _symbols, [VARCHAR, VARCHAR], VARCHAR, type="arrow",
            null_handling="special", side_effects=False,
        )  # fmt: skip


def _parsed_sql(present: set[str]) -> str:
    symbol = "r._sym"
    guess = f"coalesce(km.market, {codes.guess_market_sql(symbol)})"
    market = (
        f"CASE WHEN coalesce(trim(r.market), '') <> '' THEN r._market ELSE {guess} END"
        if "market" in present
        else guess
    )
    cols = {
        "rec": "r.rec",  # the row's place in the file (joins do not keep the order)
        "symbol": symbol,
        "symbol_raw": "trim(r.symbol)",
        "market": market,
        "name": f"nullif(trim({_raw('name', present)}), '')",
        "date": f"coalesce(TRY_CAST({_raw('date', present)} AS DATE), "
        f"try_strptime(trim({_raw('date', present)}), '%Y%m%d')::DATE)",
        "volume_unit": f"nullif(trim({_raw('volume_unit', present)}), '')",
        "adjustment": f"coalesce(nullif(trim({_raw('adjustment', present)}), ''), 'none')",
        "source_raw": f"nullif(trim({_raw('source', present)}), '')",
        "prev_close_source_raw": f"nullif(trim({_raw('prev_close_source', present)}), '')",
        "market_raw": _raw("market", present),
        "date_raw": _raw("date", present),
    }
    for col in ["close", *OPTIONAL_NUMERIC, *REFERENCE_NUMERIC]:
        cols[f"{col}_raw"] = _raw(col, present)
        cols[col] = _number(col, present)
    return ", ".join(f"{expr} AS {name}" for name, expr in cols.items())


def _header(path: Path, utf8: Path) -> list[str]:
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


def _calendar_tables(con: duckdb.DuckDBPyConnection, known: Mapping[str, str]) -> None:
    """Markets by alias and by the desk's instruments, and (empty) session tables that
    :func:`_add_sessions` fills for the markets and dates a file actually has."""
    _register_symbols(con)
    aliases = {**{m: m for m in MARKETS}, **MARKET_ALIASES}
    con.execute("CREATE OR REPLACE TEMP TABLE market_alias (alias VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO market_alias VALUES (?, ?)", list(aliases.items()))
    con.execute("CREATE OR REPLACE TEMP TABLE known_market (symbol VARCHAR, market VARCHAR)")
    if known:
        con.executemany("INSERT INTO known_market VALUES (?, ?)", list(known.items()))
    con.execute("CREATE OR REPLACE TEMP TABLE market_info (market VARCHAR, currency VARCHAR)")
    con.executemany(
        "INSERT INTO market_info VALUES (?, ?)", [(m.code, m.currency) for m in MARKETS.values()]
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE market_days (market VARCHAR, calendar VARCHAR, "
        "first DATE, last DATE, closed DATE, today DATE, lo DATE, hi DATE)"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE sessions (market VARCHAR, date DATE, open BOOLEAN)")


def _add_sessions(con: duckdb.DuckDBPyConnection, table: str, cals: Calendars) -> None:
    """Sessions of every market in ``table`` over its dates (exchange calendars are built only
    for the markets a file has: building one takes about half a second)."""
    spans = con.execute(
        f"SELECT market, min(date), max(date) FROM {table} GROUP BY market ORDER BY market"
    ).fetchall()
    have = {m: (lo, hi) for m, lo, hi in con.execute(
        "SELECT market, lo, hi FROM market_days").fetchall()}  # fmt: skip
    for market, lo, hi in spans:
        old = have.get(market)
        if old is not None and old[0] <= lo and hi <= old[1]:
            continue
        lo, hi = (min(lo, old[0]), max(hi, old[1])) if old else (lo, hi)
        b = cals.bounds(market)
        con.execute("DELETE FROM market_days WHERE market = ?", [market]).fetchall()
        con.execute("DELETE FROM sessions WHERE market = ?", [market]).fetchall()
        con.execute(
            "INSERT INTO market_days VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [market, MARKETS[market].calendar, b.first, b.last, _last_closed(cals, market),
             clock.today(), lo, hi],
        ).fetchall()  # fmt: skip
        start, end = max(lo, b.first), min(hi, b.last)
        if start > end:
            continue
        days = pd.DataFrame({"date": pd.to_datetime(cals.sessions(market, start, end))})
        con.register("_days", days)
        con.execute(
            "INSERT INTO sessions SELECT ?, CAST(date AS DATE), true FROM _days", [market]
        ).fetchall()
        con.unregister("_days")


def _last_closed(cals: Calendars, market: str) -> dt.date:
    try:
        return cals.last_closed_session(market, clock.now_utc())
    except CalendarError:
        return clock.today()


_DATE_CHECKS = [
    (
        "p.date > i.closed",
        "CAST(p.date AS VARCHAR) || ' is after the last closed ' || p.market || ' session ' || "
        "CAST(i.closed AS VARCHAR) || ' (today is ' || CAST(i.today AS VARCHAR) || '); "
        "expected no prices from the future'",
    ),
    (
        "p.date > i.last",
        "CAST(p.date AS VARCHAR) || ' is after the last session exchange_calendars knows for ' "
        "|| i.calendar || ' (' || CAST(i.last AS VARCHAR) || '); upgrade exchange-calendars'",
    ),
    (
        "p.date < i.first",
        "CAST(p.date AS VARCHAR) || ' is before the first session loaded for ' || i.calendar "
        "|| ' (' || CAST(i.first AS VARCHAR) || ')'",
    ),
    (
        "s.open IS NULL",
        "CAST(p.date AS VARCHAR) || ' is not a ' || p.market || ' (' || i.calendar || ') "
        "trading session; expected a trading day'",
    ),
]


def _csv_source(utf8: list[Path], names: list[str]) -> str:
    """DuckDB's reader of UTF-8 CSV files with one header, every column as text (typed and
    checked later); ``_sw_file`` names each row's file."""
    columns = "{" + ", ".join(f"{_q(n)}: 'VARCHAR'" for n in names) + "}"
    files = "[" + ", ".join(_q(str(u)) for u in utf8) + "]"
    return (
        f"read_csv({files}, header = true, columns = {columns}, delim = ',', "
        "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        "auto_detect = false, filename = '_sw_file')"
    )


def _unreadable(
    con: duckdb.DuckDBPyConnection, files: list[StagedFile], names: list[str]
) -> tuple[int, InputError]:
    """DuckDB could not read a group of files: the first file it cannot read, and its error
    naming the line."""
    for k, f in enumerate(files):
        try:
            con.execute(f"SELECT count(*) FROM {_csv_source([f.utf8], names)}").fetchall()
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


def _stage_group(
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
        f"FROM {_csv_source([f.utf8 for f in files], names)}) n "
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
        f"SELECT r.fi, r.file_name, {_parsed_sql(present)} FROM ({symbols}) r "
        "LEFT JOIN known_market km ON km.symbol = r._sym"
    )
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _g AS SELECT p.fi, p.rec, p.symbol, "
            "p.market, p.date, p.open, p.high, p.low, p.close, p.volume, p.volume_unit, "
            "p.adjustment, coalesce(p.source_raw, 'csv:' || p.file_name) AS source, p.name, "
            "p.prev_close, p.adj_factor, CASE WHEN p.prev_close IS NOT NULL THEN "
            "coalesce(p.prev_close_source_raw, 'csv:' || p.file_name) END AS prev_close_source, "
            f"p.file_name, {_errors_sql()} AS err FROM ({parsed}) p"
        ).fetchall()
    except duckdb.Error:
        k, error = _unreadable(con, files, names)
        earlier = _stage_group(con, files[:k], names) if k else None
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
        f"{_csv_source([f.utf8], names)}) WHERE rec = ?",
        [rec],
    ).fetchall()
    fields = list(got[0][1:]) if got else None
    return InputError(f.path, _line_of(f, fields, rec + 1), message)


def _check_dates(
    con: duckdb.DuckDBPyConnection,
    groups: list[tuple[list[StagedFile], list[str]]],
    cals: Calendars,
) -> None:
    """Every staged row's date against its market's sessions, in one pass once the cells are
    good; raises at the first bad row (files in the order given)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _dates AS SELECT fi, rec, market, date FROM _staged"
    ).fetchall()
    _add_sessions(con, "_dates", cals)
    dates = " ".join(f"WHEN {c} THEN {m}" for c, m in _DATE_CHECKS)
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


class PriceFiles:
    """Price CSV files staged for the store's writer: parsed and checked in its connection."""

    def __init__(
        self,
        paths: Iterable[Path],
        known: Mapping[str, str],
        encoding: str | None = None,
        progress: Progress | None = None,
        sheet: str | None = None,
        *,
        calendars: Calendars,
    ) -> None:
        self.paths = list(paths)
        self.known = known
        self.calendars = calendars
        self.encoding = encoding
        self.sheet = sheet
        self.say = progress or (lambda _m: None)

    def stage(self, con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        """Create the temp view ``_rows``: typed rows of every file, ``file``/``line`` naming
        each, ``_ord`` their order; raises InputError at the first bad row (a file with a
        wrong header is named before any row is read; then files in the order given)."""
        _calendar_tables(con, self.known)
        by_header: dict[tuple[str, ...], list[StagedFile]] = {}
        sheets: dict[str, str | None] = {}
        events: list[dividends.Event] = []
        for i, path in enumerate(self.paths):
            self.say(f"reading {path.name}")
            folder = tmp / f"f{i}"
            folder.mkdir()
            sheet = textfile.choose_sheet(path, self.sheet, KNOWN_HEADER)
            sheets[str(path)] = sheet
            with textfile.naming_sheet(path, sheet):
                utf8 = textfile.as_utf8(path, self.encoding, folder, sheet)
                if dividends.is_dividend_header(dividends.header_names(utf8)):
                    events += dividends.read_events(i, path, self.encoding, self.known, sheet)
                    continue
                names = tuple(_header(path, utf8))
            staged = StagedFile(i, path, utf8, self.encoding, sheet)
            by_header.setdefault(names, []).append(staged)
        groups = [(files, list(names)) for names, files in by_header.items()]
        try:
            self._check(con, groups)
        except InputError as exc:  # a workbook's row: name its sheet
            sheet = sheets.get(exc.path)
            if sheet:
                raise InputError(textfile.sheet_label(Path(exc.path), sheet), exc.where,
                                 exc.message) from None  # fmt: skip
            raise
        if events:
            self.say(f"computing the reference prices of {len(events)} dividend event(s)")
            dividends.apply_events(con, events, self.calendars)
        con.execute("CREATE OR REPLACE TEMP TABLE _paths (fi INTEGER, file VARCHAR)")
        con.executemany("INSERT INTO _paths VALUES (?, ?)", [
            (i, textfile.sheet_label(p, sheets.get(str(p)))) for i, p in enumerate(self.paths)
        ])  # fmt: skip
        con.execute(
            "CREATE OR REPLACE TEMP VIEW _rows AS "
            "SELECT symbol, f.market, date, open, high, low, close, volume, volume_unit, "
            "adjustment, NULL::DOUBLE AS adj_close, source, prev_close, prev_close_source, "
            "name, i.currency, fp.file, rec + 1 AS line, f.fi * 10000000000 + rec AS _ord "
            "FROM _staged f JOIN market_info i ON i.market = f.market "
            "JOIN _paths fp ON fp.fi = f.fi"
        )

    def _check(
        self, con: duckdb.DuckDBPyConnection, groups: list[tuple[list[StagedFile], list[str]]]
    ) -> None:
        errors = []
        con.execute("DROP TABLE IF EXISTS _staged")
        for files, names in groups:
            self.say(f"checking {len(files)} file(s) with the columns {','.join(names)}")
            found = _stage_group(con, files, names)
            if found is not None:
                errors.append(found)
        if errors:
            raise min(errors, key=lambda e: e[0])[1]  # the first bad file in the order given
        if not groups:
            con.execute(f"CREATE TEMP TABLE _staged ({STAGED_COLUMNS})")
        self.say("checking the dates against each market's sessions")
        _check_dates(con, groups, self.calendars)


def read_price_files(
    paths: list[Path],
    known_markets: Mapping[str, str],
    encoding: str | None = None,
    *,
    calendars: Calendars,
) -> pd.DataFrame:
    """The checked rows of files read together as a frame (the CSV provider of ``update
    --source csv``): a dividend file among them gives its ex-dates their reference."""
    with textfile.temp_folder() as tmp, duckdb.connect(":memory:") as con:
        PriceFiles(paths, known_markets, encoding, calendars=calendars).stage(con, Path(tmp))
        frame = con.execute("SELECT * EXCLUDE (file, _ord) FROM _rows ORDER BY _ord").df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def read_shares_file(
    path: Path, encoding: str | None = None, sheet: str | None = None
) -> pd.DataFrame:
    """Shares outstanding: symbol,as_of,shares[,source,note] (shares in units of the quote)."""
    sheet = textfile.choose_sheet(path, sheet, SHARES_HEADER)
    with textfile.naming_sheet(path, sheet):
        records = textfile.csv_records(path, encoding, sheet)
        first = next(records, None)
        idx = header_index(path, first[1] if first else [], SHARES)
        out = []
        for line, cells in records:
            row = parse_row(path, line, cells, idx, SHARES)
            row["source"] = row["source"] or f"csv:{path.name}"
            out.append({**row, "file": textfile.sheet_label(path, sheet), "line": line})
        if not out:
            raise InputError(path, 2, "no data rows; expected symbol,as_of,shares rows")
    return pd.DataFrame.from_records(out)
