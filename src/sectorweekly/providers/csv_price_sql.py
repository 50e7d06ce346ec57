"""The SQL that types a price file's text cells and names the first thing wrong with a row.

Every check runs inside DuckDB over the whole file at once (a per-row Python loop would make a
2-million-row import minutes, not seconds); the messages are built in SQL so a bad row costs
nothing until it is found.
"""

from __future__ import annotations

import functools
from pathlib import Path

import duckdb
import pyarrow as pa
from duckdb.sqltypes import VARCHAR

from .. import textfile
from ..markets import MARKETS, codes

REQUIRED = ["symbol", "date", "close"]


OPTIONAL_NUMERIC = ["open", "high", "low", "volume"]


# Optional in either layout: the exchange's reference previous close of a row (除权除息参考价)
# with where it came from, or a cumulative adjustment factor from which it follows.
REFERENCE_NUMERIC = ["prev_close", "adj_factor"]


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


def errors_sql() -> str:
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


def register_symbols(con: duckdb.DuckDBPyConnection) -> None:
    known = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = ?", [SYMBOL_FUNCTION]
    ).fetchall()[0][0]
    if not known:
        con.create_function(
            SYMBOL_FUNCTION, _symbols, [VARCHAR, VARCHAR], VARCHAR, type="arrow",
            null_handling="special", side_effects=False,
        )  # fmt: skip


def parsed_sql(present: set[str]) -> str:
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


DATE_CHECKS = [
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


def csv_source(utf8: list[Path], names: list[str]) -> str:
    """DuckDB's reader of UTF-8 CSV files with one header, every column as text (typed and
    checked later); ``_sw_file`` names each row's file."""
    columns = "{" + ", ".join(f"{_q(n)}: 'VARCHAR'" for n in names) + "}"
    files = "[" + ", ".join(_q(str(u)) for u in utf8) + "]"
    return (
        f"read_csv({files}, header = true, columns = {columns}, delim = ',', "
        "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        "auto_detect = false, filename = '_sw_file')"
    )
