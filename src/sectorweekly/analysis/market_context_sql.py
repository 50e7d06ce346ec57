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
import pandas as pd

from ..markets import cn_limits

# each stock's last row in the lookback before the judged rows (aggregated, not windowed)
BEFORE_SQL = """
CREATE OR REPLACE TEMP TABLE mc_before AS
SELECT symbol, arg_max(close, date) AS close, max(date) AS date
FROM cn_bars WHERE date >= $lo AND date < $start GROUP BY symbol
"""

# the judged rows (from ``start``) with the session
# ordinal, the row's number in the stock's rows and the prior row's close (from mc_before for
# the first judged row of the week read)
ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE {rows} AS
SELECT b.symbol, b.date, s.session_idx, b.open, b.high, b.low, b.close, b.amount, b.pre_close,
       CASE WHEN row_number() OVER w = 1 THEN bf.close ELSE lag(b.close) OVER w END
           AS prior_close,
       row_number() OVER w AS rn,
       coalesce(b.pre_close, prior_close) AS prev_close
FROM cn_bars b JOIN mc_sess s ON s.date = b.date
LEFT JOIN mc_before bf ON bf.symbol = b.symbol AND $start > $lo
WHERE b.date BETWEEN $start AND $hi
WINDOW w AS (PARTITION BY b.symbol ORDER BY b.date)
"""


# the lookback rows (from ``lo``, before ``start``) of the stocks whose first judged row closed
# at a limit-up price of any rule there is, so that a limit-up run reaching back is judged over
# the whole lookback in the same pass; numbered up to 0 so that the judged rows' numbers go on
# from 1 (the prior close of the first of those is the last of these already, from mc_before)
BACK_SQL = f"""
INSERT INTO mc_rows BY NAME
SELECT b.symbol, b.date, s.session_idx, b.open, b.high, b.low, b.close, b.amount, b.pre_close,
       lag(b.close) OVER w AS prior_close,
       row_number() OVER w - count(*) OVER (PARTITION BY b.symbol) AS rn,
       coalesce(b.pre_close, prior_close) AS prev_close
FROM cn_bars b JOIN mc_sess s ON s.date = b.date
WHERE b.date >= $lo AND b.date < $start AND b.symbol IN (
    SELECT symbol FROM (
        SELECT symbol, CAST(round(close * 100) AS BIGINT) AS c,
               CAST(round(prev_close * 100) AS BIGINT) AS p
        FROM mc_rows WHERE rn = 1)
    WHERE list_contains(list_transform({list(cn_limits.LIMIT_PCTS)}, lambda x: (p * (100 + x) + 50) // 100), c))
WINDOW w AS (PARTITION BY b.symbol ORDER BY b.date)
"""


# what every row did against its limits; a ST status is stated when the store covers the day
# (mc_st_days) or names the stock under ST (then its limit is the ST one already)
MARKED_SQL = """
CREATE OR REPLACE TEMP TABLE {marked} AS
WITH j AS (
    SELECT h.*,
        CAST(round(h.close * 100) AS BIGINT) AS c_cents,
        CAST(round(coalesce(h.high, h.close) * 100) AS BIGINT) AS h_cents,
        CAST(round(coalesce(h.low, h.close) * 100) AS BIGINT) AS l_cents,
        CAST(round(coalesce(h.open, h.close) * 100) AS BIGINT) AS o_cents,
        CAST(round(h.prev_close * 100) AS BIGINT) AS p_cents,
        h.date IN (SELECT date FROM mc_st_days) AS st_known
    FROM mc_hits h
), m AS (
    SELECT *,
        coalesce(NOT st_known AND st_up_cents <> up_cents
                 AND (c_cents = st_up_cents OR c_cents = st_down_cents), false) AS st_ambiguous
    FROM j
), f AS (
    -- only what the counts read: the window below sorts every column it carries
    SELECT symbol, date, rn, amount, p_cents, c_cents, st_ambiguous,
        coalesce(c_cents = up_cents AND NOT st_ambiguous, false) AS close_up,
        coalesce(c_cents = down_cents AND NOT st_ambiguous, false) AS close_down,
        coalesce(h_cents >= up_cents AND c_cents < up_cents AND NOT st_ambiguous, false)
            AS broken,
        coalesce(c_cents = up_cents AND o_cents = c_cents AND h_cents = c_cents
                 AND l_cents = c_cents AND NOT st_ambiguous, false) AS one_price,
        -- beyond the limit with no reference price stored: an ex-date judged on the prior close
        coalesce(pre_close IS NULL AND (c_cents > up_cents OR l_cents < down_cents), false)
            AS no_reference
    FROM m
)
-- the limit-up run each row ends (rows closed at the up-limit in a row) and whether it reaches
-- the read's first row (then it is at least that long); the previous row's too, for 晋级: one
-- window pass, no self-join
SELECT * EXCLUDE (brk, prev_brk, prev_close_up),
    CASE WHEN close_up THEN rn - coalesce(brk, 0) ELSE 0 END AS streak,
    close_up AND brk IS NULL AS capped,
    CASE WHEN prev_close_up THEN rn - 1 - coalesce(prev_brk, 0) ELSE 0 END AS prev_streak,
    coalesce(prev_close_up AND prev_brk IS NULL, false) AS prev_capped
FROM (
    -- the last row not closed at the up-limit, up to this row and up to the previous one (ROWS
    -- frames over one sort: rn is unique in a stock's rows)
    SELECT *,
        max(CASE WHEN NOT close_up THEN rn END) OVER (s ROWS UNBOUNDED PRECEDING) AS brk,
        max(CASE WHEN NOT close_up THEN rn END) OVER (
            s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_brk,
        lag(close_up) OVER s AS prev_close_up
    FROM f
    WINDOW s AS (PARTITION BY symbol ORDER BY rn)
)
"""

# per day of the two weeks: breadth, limit board, turnover
DAILY_SQL = """
SELECT m.date,
    count(*) FILTER (WHERE p_cents IS NOT NULL AND c_cents > p_cents) AS up,
    count(*) FILTER (WHERE p_cents IS NOT NULL AND c_cents = p_cents) AS flat,
    count(*) FILTER (WHERE p_cents IS NOT NULL AND c_cents < p_cents) AS down,
    count(*) FILTER (WHERE p_cents IS NULL) AS no_prev,
    count(*) FILTER (WHERE close_up) AS limit_up,
    count(*) FILTER (WHERE one_price) AS one_price,
    count(*) FILTER (WHERE close_down) AS limit_down,
    count(*) FILTER (WHERE broken) AS broken,
    count(*) FILTER (WHERE st_ambiguous) AS st_ambiguous,
    count(*) FILTER (WHERE no_reference) AS no_reference,
    count(*) FILTER (WHERE prev_up) AS prev_up,
    count(*) FILTER (WHERE prev_up AND close_up) AS promoted,
    sum(amount) AS amount
FROM (SELECT *, prev_streak > 0 AS prev_up FROM mc_marked WHERE list_contains($days, date)) m
GROUP BY m.date ORDER BY m.date
"""

# stocks (not stock-days) that closed at the up-limit / the down-limit on some day of each week
WEEK_STOCKS_SQL = """
SELECT count(*) FILTER (WHERE up_a), count(*) FILTER (WHERE down_a),
       count(*) FILTER (WHERE up_b), count(*) FILTER (WHERE down_b)
FROM (
    SELECT bool_or(close_up AND list_contains($a, date)) AS up_a,
           bool_or(close_down AND list_contains($a, date)) AS down_a,
           bool_or(close_up AND list_contains($b, date)) AS up_b,
           bool_or(close_down AND list_contains($b, date)) AS down_b
    FROM mc_marked WHERE date >= $first AND (close_up OR close_down) GROUP BY symbol
)
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
        Moves(got["symbol"], floats(f"base_close{i}"), floats(f"end_close{i}"), floats(f"factor{i}"))
        for i in range(len(weeks))
    ]


# the ladder on a day: each stock closed at the up-limit with the length of its run of rows
# closed there (a suspension skips days, it does not end a run), and whether the run reaches
# the first row of the read (then it is at least that long)
LADDER_SQL = """
SELECT symbol, streak, capped FROM mc_marked WHERE date = $day AND close_up
ORDER BY streak DESC, symbol
"""

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


def judge_sql(rows: str, marked: str) -> str:
    """One statement: the limits of ``rows`` (the engine's SQL, with the prices as if ST) and
    what every row did, into ``marked``."""
    hits = cn_limits.limits_select(rows, as_if_st=True)
    return (
        f"CREATE OR REPLACE TEMP TABLE {marked} AS\nWITH mc_hits AS ({hits}),\n"
        + (MARKED_SQL.split("WITH ", 1)[1])
    )


# per judged day and height N: the stocks whose previous row ended an N-board run (base) and
# how many of them closed at the up-limit again (made N+1)
HEIGHTS_SQL = """
SELECT date, prev_streak AS height, count(*) AS base,
       count(*) FILTER (WHERE close_up) AS promoted
FROM mc_marked WHERE prev_streak > 0 AND list_contains($days, date)
GROUP BY ALL ORDER BY date, height
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


def heights(con: duckdb.DuckDBPyConnection, days: list[dt.date]) -> dict:
    """Per judged day, (N, base, promoted) per height N."""
    acc: dict[dt.date, list[tuple[int, int, int]]] = {}
    for day, n, base, up in con.execute(HEIGHTS_SQL, {"days": days}).fetchall():
        acc.setdefault(day, []).append((int(n), int(base), int(up)))
    return {d: tuple(h) for d, h in acc.items()}


def table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame | str) -> None:
    """``name`` as a view over a temporary DuckDB table of ``frame`` (a pandas frame, or SQL):
    the queries scan it many times, and a registered frame is converted at every scan."""
    if isinstance(frame, pd.DataFrame):
        con.register("mc_frame", frame)
        frame = "SELECT * FROM mc_frame"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_t AS {frame}").fetchall()
    with contextlib.suppress(duckdb.Error):
        con.unregister("mc_frame")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}_t").fetchall()
