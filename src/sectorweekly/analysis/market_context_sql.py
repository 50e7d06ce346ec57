"""The whole-market week in DuckDB SQL: every stock's rows of a bounded read, judged once.

The pieces read ``cn_bars`` between a lookback date and the window's end (nothing older, so a
store of twenty years costs what a store of one does), the session table ``mc_sess`` and the
limit engine's ``lim_*`` tables (``markets.cn_limits``: the one home of the limit rule). Each
row gets its previous close (the stored reference, else the prior row's close), its limit
prices, what it did against them and the length of the limit-up run it ends.
"""

from __future__ import annotations

from ..markets import cn_limits

# rows of the read with the prior row's close and the session ordinal
ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE mc_rows AS
SELECT b.symbol, b.date, s.session_idx, b.open, b.high, b.low, b.close, b.amount, b.pre_close,
       lag(b.close) OVER (PARTITION BY b.symbol ORDER BY b.date) AS prior_close,
       coalesce(b.pre_close, lag(b.close) OVER (PARTITION BY b.symbol ORDER BY b.date))
           AS prev_close
FROM cn_bars b JOIN mc_sess s ON s.date = b.date
WHERE b.date BETWEEN $lo AND $hi
"""

# the limit of every row, twice: under the stored ST spans, and as if every stock were ST
# (the prices a close of a stock with unknown ST status is compared with)
HITS_SQL = "CREATE OR REPLACE TEMP TABLE {table} AS " + cn_limits.limits_select("mc_rows")

MARKED_SQL = """
CREATE OR REPLACE TEMP TABLE mc_marked AS
WITH j AS (
    SELECT h.*, a.up_cents AS st_up_cents, a.down_cents AS st_down_cents,
        CAST(round(h.close * 100) AS BIGINT) AS c_cents,
        CAST(round(coalesce(h.high, h.close) * 100) AS BIGINT) AS h_cents,
        CAST(round(coalesce(h.low, h.close) * 100) AS BIGINT) AS l_cents,
        CAST(round(coalesce(h.open, h.close) * 100) AS BIGINT) AS o_cents,
        CAST(round(h.prev_close * 100) AS BIGINT) AS p_cents,
        EXISTS (SELECT 1 FROM mc_st_known k WHERE h.date BETWEEN k.start AND k."end")
            AS st_known
    FROM mc_hits h LEFT JOIN mc_hits_st a ON a.symbol = h.symbol AND a.date = h.date
), m AS (
    SELECT *,
        coalesce(c_cents = up_cents, false) AS close_up,
        coalesce(c_cents = down_cents, false) AS close_down,
        coalesce(h_cents >= up_cents AND c_cents < up_cents, false) AS broken,
        coalesce(c_cents = up_cents AND o_cents = c_cents AND h_cents = c_cents
                 AND l_cents = c_cents, false) AS one_price,
        -- an ST status nobody stated, and a close at the ST limit that is not the normal one
        coalesce(NOT st_known AND NOT EXISTS (
                     SELECT 1 FROM lim_st st WHERE st.symbol = j.symbol
                     AND j.date BETWEEN st.st_start AND st.st_end)
                 AND st_up_cents <> up_cents
                 AND (c_cents = st_up_cents OR c_cents = st_down_cents), false) AS st_ambiguous,
        -- beyond the limit with no reference price stored: an ex-date judged on the prior close
        coalesce(pre_close IS NULL AND (c_cents > up_cents OR l_cents < down_cents), false)
            AS no_reference
    FROM j
)
SELECT *,
    CASE WHEN close_up AND NOT st_ambiguous THEN
        row_number() OVER (
            PARTITION BY symbol, close_up AND NOT st_ambiguous, isl ORDER BY date) END AS streak
FROM (
    SELECT *, row_number() OVER (PARTITION BY symbol ORDER BY date)
        - row_number() OVER (PARTITION BY symbol, close_up AND NOT st_ambiguous ORDER BY date)
        AS isl
    FROM m
)
"""

# per day of the two weeks: breadth, limit board, turnover
DAILY_SQL = """
SELECT m.date,
    count(*) FILTER (WHERE p_cents IS NOT NULL AND c_cents > p_cents) AS up,
    count(*) FILTER (WHERE p_cents IS NOT NULL AND c_cents = p_cents) AS flat,
    count(*) FILTER (WHERE p_cents IS NOT NULL AND c_cents < p_cents) AS down,
    count(*) FILTER (WHERE p_cents IS NULL) AS no_prev,
    count(*) FILTER (WHERE close_up AND NOT st_ambiguous) AS limit_up,
    count(*) FILTER (WHERE close_up AND one_price AND NOT st_ambiguous) AS one_price,
    count(*) FILTER (WHERE close_down AND NOT st_ambiguous) AS limit_down,
    count(*) FILTER (WHERE broken AND NOT st_ambiguous) AS broken,
    count(*) FILTER (WHERE st_ambiguous) AS st_ambiguous,
    count(*) FILTER (WHERE no_reference) AS no_reference,
    count(*) FILTER (WHERE prev_up) AS prev_up,
    count(*) FILTER (WHERE prev_up AND close_up AND NOT st_ambiguous) AS promoted,
    sum(amount) AS amount
FROM (
    SELECT *, coalesce(lag(close_up AND NOT st_ambiguous) OVER (
        PARTITION BY symbol ORDER BY date), false) AS prev_up
    FROM mc_marked
) m
WHERE list_contains($days, m.date)
GROUP BY m.date ORDER BY m.date
"""

# stocks (not stock-days) that closed at the up-limit / the down-limit on some day of the week
WEEK_STOCKS_SQL = """
SELECT count(DISTINCT symbol) FILTER (WHERE close_up AND NOT st_ambiguous),
       count(DISTINCT symbol) FILTER (WHERE close_down AND NOT st_ambiguous)
FROM mc_marked WHERE list_contains($days, date)
"""

# per stock and week: base close (last on or before the base session), end close (last in the
# window), the reference chain through stored ex-dates
MOVES_SQL = """
SELECT symbol,
    arg_max(close, date) FILTER (WHERE date <= $base) AS base_close,
    arg_max(close, date) FILTER (WHERE date > $base AND date <= $end) AS end_close,
    exp(coalesce(sum(ln(prior_close / pre_close)) FILTER (
        WHERE date > $base AND date <= $end AND pre_close IS NOT NULL
        AND prior_close IS NOT NULL), 0)) AS factor
FROM mc_marked WHERE date <= $end
GROUP BY symbol
"""

# the ladder on a day: each stock closed at the up-limit with its run's length
LADDER_SQL = """
SELECT symbol, streak FROM mc_marked
WHERE date = $day AND streak IS NOT NULL ORDER BY streak DESC, symbol
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
