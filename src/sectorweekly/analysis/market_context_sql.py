"""The whole-market week in DuckDB SQL: every stock's rows of a bounded read, judged once.

The pieces read ``cn_bars`` between a lookback date and the window's end (nothing older, so a
store of twenty years costs what a store of one does), the session table ``mc_sess`` and the
limit engine's ``lim_*`` tables (``markets.cn_limits``: the one home of the limit rule). Each
row gets its previous close (the stored reference, else the prior row's close), its limit
prices, what it did against them and the length of the limit-up run it ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import numpy as np

from ..markets import cn_limits

# each stock's last row in the lookback before the judged rows (aggregated, not windowed)
BEFORE_SQL = """
CREATE OR REPLACE TEMP TABLE mc_before AS
SELECT symbol, arg_max(close, date) AS close, max(date) AS date
FROM cn_bars WHERE date >= $lo AND date < $start GROUP BY symbol
"""

# the rows read: every stock's from ``start`` to ``hi``, numbered from 1, with the prior row's
# close (from mc_before for the first); and the lookback rows (from ``lo``, before ``start``),
# numbered up to 0, of the stocks whose first row closed at a limit-up price of any rule there
# is, so that a limit-up run reaching back is judged over the whole lookback in the same pass
ROWS_SQL = f"""
CREATE OR REPLACE TEMP TABLE mc_rows AS
WITH main AS (
    SELECT b.symbol, b.date, s.session_idx, b.open, b.high, b.low, b.close, b.amount,
           b.pre_close,
           CASE WHEN row_number() OVER w = 1 THEN bf.close ELSE lag(b.close) OVER w END
               AS prior_close,
           row_number() OVER w AS rn,
           coalesce(b.pre_close, prior_close) AS prev_close
    FROM cn_bars b JOIN mc_sess s ON s.date = b.date
    LEFT JOIN mc_before bf ON bf.symbol = b.symbol AND $start > $lo
    WHERE b.date BETWEEN $start AND $hi
    WINDOW w AS (PARTITION BY b.symbol ORDER BY b.date)
), candidates AS (
    SELECT symbol FROM (
        SELECT symbol, CAST(round(close * 100) AS BIGINT) AS c,
               CAST(round(prev_close * 100) AS BIGINT) AS p
        FROM main WHERE rn = 1)
    WHERE list_contains(
        list_transform({list(cn_limits.LIMIT_PCTS)}, lambda x: (p * (100 + x) + 50) // 100), c)
)
SELECT * FROM main
UNION ALL BY NAME
SELECT b.symbol, b.date, s.session_idx, b.open, b.high, b.low, b.close, b.amount, b.pre_close,
       lag(b.close) OVER w AS prior_close,
       row_number() OVER w - count(*) OVER (PARTITION BY b.symbol) AS rn,
       coalesce(b.pre_close, prior_close) AS prev_close
FROM cn_bars b JOIN mc_sess s ON s.date = b.date
WHERE b.date >= $lo AND b.date < $start AND b.symbol IN (SELECT symbol FROM candidates)
WINDOW w AS (PARTITION BY b.symbol ORDER BY b.date)
"""


# per stock and week (suffix 0: the report week, 1: the week before): base close (last on or
# before the base session), end close (last in the window), the reference chain through stored
# ex-dates; both weeks in one pass over the rows
MOVES_SQL = """
SELECT symbol,{columns}
FROM (
    SELECT symbol, date, close, prior_close, pre_close FROM mc_rows
    UNION ALL SELECT symbol, date, close, NULL, NULL FROM mc_before
) WHERE date <= $end0
GROUP BY symbol
"""

MOVES_COLUMNS = """
    arg_max(close, date) FILTER (WHERE date <= $base{i}) AS base_close{i},
    arg_max(close, date) FILTER (WHERE date > $base{i} AND date <= $end{i}) AS end_close{i},
    exp(coalesce(sum(ln(prior_close / pre_close)) FILTER (
        WHERE date > $base{i} AND date <= $end{i} AND pre_close IS NOT NULL
        AND prior_close IS NOT NULL), 0)) AS factor{i}"""


@dataclass(frozen=True)
class Moves:
    """One week's stocks: base close (NaN: none on or before the base session), end close (NaN:
    no row in the week) and the reference factor of the week's ex-dates."""

    symbols: np.ndarray
    base: np.ndarray
    end: np.ndarray
    factor: np.ndarray


def moves(con: duckdb.DuckDBPyConnection, weeks: list[tuple[dt.date, dt.date]]) -> list[Moves]:
    """Per week (base, end session; the first the latest) its stocks' moves, from one pass over
    the rows."""
    if not weeks:
        return []
    sql = MOVES_SQL.format(columns=",".join(MOVES_COLUMNS.format(i=i) for i in range(len(weeks))))
    params = {f"{k}{i}": d for i, (b, e) in enumerate(weeks) for k, d in (("base", b), ("end", e))}
    got = con.execute(sql, params).fetchnumpy()

    def floats(name: str) -> np.ndarray:
        return np.ma.filled(np.ma.asarray(got[name], dtype="float64"), np.nan)

    return [
        Moves(
            got["symbol"], floats(f"base_close{i}"), floats(f"end_close{i}"), floats(f"factor{i}")
        )
        for i in range(len(weeks))
    ]


# each stock's 申万 industry code on a day (the membership row with the latest included_on)
INDUSTRY_SQL = """
SELECT symbol, arg_max(industry_code, included_on) AS industry_code
FROM sw_membership WHERE included_on <= $day GROUP BY symbol
"""

# names as of a day (never a later name)
NAMES_SQL = """
SELECT symbol, arg_max(name, start) AS name FROM cn_names
WHERE start <= $day AND coalesce("end", $day) >= $day AND list_contains($symbols, symbol)
GROUP BY symbol
"""

# official 申万 index closes by name, on the base and end sessions
SW_INDEX_SQL = """
SELECT name, level,
    arg_max(close, date) FILTER (WHERE date <= $base) AS base_close,
    arg_max(close, date) FILTER (WHERE date > $base AND date <= $end) AS end_close
FROM sw_index_closes WHERE date BETWEEN $lo AND $end AND name IS NOT NULL
GROUP BY name, level
"""

# share counts within 92 days of the end session (for cap weights)
SHARES_SQL = """
SELECT symbol, arg_min(shares, abs(datediff('day', as_of, $end))) AS shares
FROM shares WHERE abs(datediff('day', as_of, $end)) <= 92 GROUP BY symbol
"""


@contextlib.contextmanager
def one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB on one thread for the section's reads, then as it was: each statement reads a few
    tens of thousands of rows, and starting and joining threads costs more than they save
    (measured 2x on a busy 2-core machine, ``benchmarks/full_market_context.py``)."""
    (was,) = con.execute("SELECT current_setting('threads')").fetchall()[0]
    con.execute("SET threads = 1").fetchall()
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(was)}").fetchall()
