"""The review's SQL: one named piece per step of the weekly review, and the selects over them.

Kept apart from the engine that runs it so the query reads top to bottom as the review's steps;
the engine registers the tables these pieces name (members, windows, sessions, limits).
"""

from __future__ import annotations

from ..markets import cn_limits


def _cte(name: str, what: str, body: str) -> tuple[str, str, str]:
    return name, what, body


# The review query, one named piece per step; each says what it computes. Every piece reads
# only the pieces above it, so a prefix of the list is a query of its own (see _with).
REVIEW_CTES: tuple[tuple[str, str, str], ...] = (
    # A row off the calendar (a day the desk declares closed after the row was stored) has no
    # session ordinal: it sorts after the sessions in the prior close's order, so no session row
    # takes its close, and QUALIFY drops it once the window is computed. (An inner join on the
    # sessions does the same but lets the planner join them to the prices first: 7% slower on
    # a whole market, benchmarks/full_market.py.)
    _cte(
        "px",
        "every member's stored rows on its market's sessions from its lookback to its end "
        "session, with the session ordinal, the prior session row's close and the stored "
        "reference previous close; a row on a day that is no session moves nothing",
        """
    SELECT p.symbol, m.market, m.board, p.date, p.open, p.high, p.low, p.close, p.volume,
           s.session_idx, w.base_date, w.end_date, w.end_idx, w.first_window_idx,
           lag(p.close) OVER (
               PARTITION BY p.symbol ORDER BY s.session_idx NULLS LAST) AS prior_close,
           {reference} AS ref_close
    FROM prices p
    JOIN lim_members m USING (symbol)
    JOIN windows w ON w.market = m.market
    LEFT JOIN sess s ON s.market = m.market AND s.date = p.date
    WHERE p.date BETWEEN $lo AND $hi AND p.date BETWEEN w.lookback_date AND w.end_date
    QUALIFY s.session_idx IS NOT NULL""",
    ),
    _cte(
        "refd",
        "the previous close each row is judged against (the reference where stored), and "
        "whether the row is an ex-date inside the window (reference ≠ prior close)",
        """
    SELECT px.*,
        coalesce(ref_close, prior_close) AS prev_close,
        (date > base_date AND date <= end_date AND ref_close IS NOT NULL
         AND prior_close IS NOT NULL AND abs(ref_close - prior_close) >= 0.005) AS ex_date
    FROM px""",
    ),
    _cte(
        "chained",
        "the running log of prior close ÷ reference over the ex-dates, to put every price in "
        "the base session's units",
        """
    SELECT refd.*,
        sum(CASE WHEN ex_date THEN ln(prior_close / ref_close) ELSE 0 END) OVER (
            PARTITION BY symbol ORDER BY date ROWS UNBOUNDED PRECEDING) AS cum_ln
    FROM refd""",
    ),
    _cte(
        "hits",
        "the daily limit and its prices for every row, from the one limit engine "
        "(markets.cn_limits)",
        "{limits}",
    ),
    _cte(
        "marked",
        "per row: closed at the up-limit, only touched it, moved beyond a limit with no "
        "reference stored (an ex-date the store cannot price), an idle zero-volume row",
        """
    SELECT *,
        coalesce(CAST(round(close * 100) AS BIGINT) = up_cents, false) AS close_hit,
        coalesce(CAST(round(high * 100) AS BIGINT) = up_cents
                 AND CAST(round(close * 100) AS BIGINT) <> up_cents, false) AS touch_hit,
        coalesce(ref_close IS NULL AND date > base_date AND date <= end_date AND (
            CAST(round(coalesce(low, close) * 100) AS BIGINT) < down_cents
            OR CAST(round(close * 100) AS BIGINT) > up_cents), false) AS unexplained_gap,
        coalesce(volume = 0 AND coalesce(open, close) = close AND coalesce(high, close) = close
                 AND coalesce(low, close) = close
                 AND CAST(round(close * 100) AS BIGINT) = CAST(round(prev_close * 100) AS BIGINT),
                 false) AS idle_row
    FROM hits""",
    ),
    _cte(
        "islands",
        "runs of consecutive sessions closed at the up-limit (a missing row ends a run): "
        "first and last session, length",
        """
    SELECT symbol, min(session_idx) AS s0, max(session_idx) AS s1, count(*) AS n,
           min(date) AS d0, max(date) AS d1
    FROM (
        SELECT symbol, session_idx, date,
               session_idx - row_number() OVER (PARTITION BY symbol ORDER BY session_idx) AS isl
        FROM marked WHERE close_hit
    )
    GROUP BY symbol, isl""",
    ),
    _cte(
        "agg",
        "per member: base and end close, the ex-date chain, the week high in base units, "
        "what happened on the end session",
        """
    SELECT symbol, any_value(market) AS market, any_value(board) AS board,
        arg_max(close, date) FILTER (WHERE date <= base_date) AS base_close,
        arg_max(close, date) FILTER (WHERE date <= end_date) AS end_close,
        arg_max(exp(cum_ln), date) FILTER (WHERE date <= end_date) AS end_factor,
        list(date ORDER BY date) FILTER (WHERE ex_date) AS ex_dates,
        list(prior_close ORDER BY date) FILTER (WHERE ex_date) AS ex_priors,
        list(ref_close ORDER BY date) FILTER (WHERE ex_date) AS ex_refs,
        min(date) FILTER (WHERE unexplained_gap) AS gap_date,
        max(date) FILTER (WHERE date <= end_date) AS last_date,
        max(date) FILTER (WHERE date <= base_date) AS base_row_date,
        max(coalesce(high, close) * exp(cum_ln)) FILTER (WHERE date > base_date) AS week_high,
        bool_or(close_hit) FILTER (WHERE session_idx = end_idx) AS end_close_hit,
        bool_or(touch_hit) FILTER (WHERE session_idx = end_idx) AS end_touch_hit,
        bool_or(idle_row) FILTER (WHERE session_idx = end_idx) AS end_idle,
        max(limit_pct) FILTER (WHERE session_idx = end_idx) AS end_limit_pct,
        any_value(end_idx) AS end_idx, any_value(end_date) AS end_date
    FROM marked GROUP BY symbol""",
    ),
    _cte(
        "caps",
        "the share count nearest to the market's end session, within 92 days",
        """
    SELECT sh.symbol, sh.shares, sh.as_of
    FROM shares sh JOIN lim_members m USING (symbol) JOIN windows w ON w.market = m.market
    WHERE abs(datediff('day', sh.as_of, w.end_date)) <= 92
    QUALIFY row_number() OVER (
        PARTITION BY sh.symbol
        ORDER BY abs(datediff('day', sh.as_of, w.end_date)), sh.as_of) = 1""",
    ),
)

# One row per member: the pieces above joined with the streak ending on the end session (or,
# when the end session only touched the limit, the run ending the session before).
REVIEW_SELECT = """
SELECT m.symbol, m.market, m.board, a.base_close, a.end_close, a.last_date, a.base_row_date,
    a.week_high, a.end_factor, a.ex_dates, a.ex_priors, a.ex_refs, a.gap_date,
    coalesce(a.end_close_hit, false) AS end_close_hit,
    coalesce(a.end_touch_hit, false) AS end_touch_hit,
    coalesce(a.end_idle, false) AS end_idle,
    a.end_limit_pct,
    i_end.n AS run_to_end,
    i_prev.n AS run_to_prev,
    c.shares, c.as_of AS shares_as_of
FROM lim_members m
LEFT JOIN agg a USING (symbol)
LEFT JOIN islands i_end ON i_end.symbol = m.symbol AND i_end.s1 = a.end_idx
LEFT JOIN islands i_prev ON i_prev.symbol = m.symbol AND i_prev.s1 = a.end_idx - 1
LEFT JOIN caps c ON c.symbol = m.symbol
"""

# Earlier limit events inside the window: runs closed at the limit that ended before the end
# session (not the one the end session's touch continues), and single touches.
WINDOW_RUNS_SELECT = """
SELECT i.symbol, i.d0, i.d1, i.n, i.s1 FROM islands i
JOIN lim_members m USING (symbol) JOIN windows w ON w.market = m.market
WHERE i.s1 >= w.first_window_idx AND i.s1 < w.end_idx
  AND NOT (i.s1 = w.end_idx - 1 AND EXISTS (
      SELECT 1 FROM marked mk WHERE mk.symbol = i.symbol
      AND mk.session_idx = w.end_idx AND mk.touch_hit))
UNION ALL
SELECT symbol, date, date, 0, session_idx FROM marked
WHERE touch_hit AND session_idx >= first_window_idx AND session_idx < end_idx
ORDER BY 1, 5
"""

# Every row's limit as the review judged it (for checks that compare engines and rows).
SESSION_LIMITS_SELECT = """
SELECT symbol, date, prev_close, limit_pct, up_cents, down_cents, close_hit, touch_hit
FROM marked ORDER BY symbol, date
"""


def _with(select: str, reference: str, upto: str | None = None) -> str:
    """The review's pieces (up to and including ``upto``) followed by ``select``."""
    pieces = []
    for name, what, body in REVIEW_CTES:
        body = body.replace("{reference}", reference)
        body = body.replace("{limits}", cn_limits.limits_select("chained"))
        pieces.append(f"-- {name}: {what}\n{name} AS ({body}\n)")
        if name == upto:
            break
    return "WITH " + ",\n".join(pieces) + "\n" + select


# Where the data stop for members with no row since the lookback, at any distance: asked only
# for those members, so an ordinary week still reads nothing older than its lookback. Only rows
# on sessions count (``all_sess``: every session of the members' markets), as in the review.
LATEST_SQL = """
SELECT p.symbol, max(p.date) AS last_any, arg_max(p.close, p.date) AS close_any
FROM prices p JOIN lim_members m USING (symbol) JOIN windows w ON w.market = m.market
JOIN all_sess s ON s.market = m.market AND s.date = p.date
WHERE list_contains($symbols, p.symbol) AND p.date <= w.end_date
GROUP BY p.symbol
"""
