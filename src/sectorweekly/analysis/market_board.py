"""The limit board of the whole market, day by day: every row read (``mc_rows``) judged against
its limits and counted per session in one DuckDB statement.

The limits are the limit engine's (``markets.cn_limits.limits_select``, with the prices as if
ST for a stock whose status nobody stated). A limit-up run is the rows closed at the up-limit
in a row (a suspension skips days, it does not end a run); it is counted only for the stocks
that closed at the up-limit at all in the read, the rest have none. Each judged day comes back
with its counts and the few names the ladder, 晋级率 and the week's limit stocks need.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import duckdb

from ..markets import cn_limits


@dataclass(frozen=True)
class DayBoard:
    """One session of the whole market."""

    date: dt.date
    up: int
    flat: int
    down: int
    no_prev: int  # rows with no previous close in the read (first row after a long suspension)
    limit_up: int  # closed at the up-limit (one-price included)
    one_price: int  # 一字: opened, traded and closed at the up-limit
    limit_down: int
    broken: int  # 炸板: touched the up-limit, closed below
    st_ambiguous: int  # ST status unknown and the close at the ST limit only: counted apart
    no_reference: int  # beyond the limit with no reference price stored
    prev_up: int  # names closed at the up-limit on their previous row, trading today
    promoted: int  # of those, closed at the up-limit again
    amount: float  # 成交额, yuan
    by_height: tuple[tuple[int, int, int], ...] = ()  # (N, N-board names the row before, made N+1)

    @property
    def broken_rate(self) -> float | None:
        total = self.limit_up + self.broken
        return None if total == 0 else self.broken / total * 100

    @property
    def promotion_rate(self) -> float | None:
        return None if self.prev_up == 0 else self.promoted / self.prev_up * 100


@dataclass(frozen=True)
class Rung:
    """One height of the 连板天梯 on the week's last session."""

    height: int
    symbols: tuple[str, ...]
    capped: bool = False  # the run reaches the start of the read: at least this high


@dataclass(frozen=True)
class JudgedDay:
    """A day's board with the names behind it."""

    board: DayBoard
    runs: tuple[tuple[str, int, bool], ...]  # (symbol, run length, run reaches the read's start)
    limit_down: frozenset[str]

    @property
    def limit_up(self) -> frozenset[str]:
        return frozenset(s for s, _, _ in self.runs)


# what every row did against its limits; a ST status is stated when the store covers the day
# (mc_st_days) or names the stock under ST (then its limit is the ST one already)
MARKS = """
j AS (
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
)"""

# the limit-up run each row ends and whether it reaches the read's first row (then it is at
# least that long), and the previous row's, for 晋级: one window pass over the rows of the
# stocks that closed at the up-limit in the read (the others end no run)
RUNS = """
ups AS (SELECT DISTINCT symbol FROM f WHERE close_up),
runs AS (
    SELECT * EXCLUDE (brk, prev_brk, prev_close_up),
        CASE WHEN close_up THEN rn - coalesce(brk, 0) ELSE 0 END AS streak,
        close_up AND brk IS NULL AS capped,
        CASE WHEN prev_close_up THEN rn - 1 - coalesce(prev_brk, 0) ELSE 0 END AS prev_streak
    FROM (
        -- the last row not closed at the up-limit, up to this row and up to the previous one
        SELECT *,
            max(CASE WHEN NOT close_up THEN rn END) OVER (s ROWS UNBOUNDED PRECEDING) AS brk,
            max(CASE WHEN NOT close_up THEN rn END) OVER (
                s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_brk,
            lag(close_up) OVER s AS prev_close_up
        FROM f WHERE symbol IN (SELECT symbol FROM ups)
        WINDOW s AS (PARTITION BY symbol ORDER BY rn)
    )
),
marked AS (
    SELECT * FROM runs WHERE list_contains($days, date)
    UNION ALL BY NAME
    SELECT *, 0 AS streak, false AS capped, 0 AS prev_streak
    FROM f WHERE list_contains($days, date) AND symbol NOT IN (SELECT symbol FROM ups)
)"""

# per judged day: breadth, limit board, turnover, and the names behind the limit counts
DAYS = """
SELECT date,
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
    count(*) FILTER (WHERE prev_streak > 0) AS prev_up,
    count(*) FILTER (WHERE prev_streak > 0 AND close_up) AS promoted,
    sum(amount) AS amount,
    list((symbol, streak, capped)) FILTER (WHERE close_up) AS runs,
    list(symbol) FILTER (WHERE close_down) AS downs,
    list((prev_streak, close_up)) FILTER (WHERE prev_streak > 0) AS heights
FROM marked GROUP BY date ORDER BY date
"""


def judge_sql() -> str:
    """The one statement: the engine's limits of ``mc_rows``, the marks, the runs, the days."""
    hits = cn_limits.limits_select("mc_rows", as_if_st=True)
    return f"WITH mc_hits AS ({hits}),\n{MARKS},\n{RUNS}\n{DAYS}"


def _heights(pairs: list[tuple[int, bool]] | None) -> tuple[tuple[int, int, int], ...]:
    """(N, N-board names the row before, how many made N+1) per height N."""
    base: Counter[int] = Counter()
    made: Counter[int] = Counter()
    for n, up in pairs or ():
        base[n] += 1
        made[n] += bool(up)
    return tuple((n, base[n], made[n]) for n in sorted(base))


def judge_days(con: duckdb.DuckDBPyConnection, days: list[dt.date]) -> dict[dt.date, JudgedDay]:
    """Every judged day of ``days`` that has rows in ``mc_rows``."""
    out: dict[dt.date, JudgedDay] = {}
    for row in con.execute(judge_sql(), {"days": days}).fetchall():
        *counts, runs, downs, heights = row
        board = DayBoard(*counts, by_height=_heights(heights))
        runs = tuple((s, int(n), bool(c)) for s, n, c in runs or ())
        out[board.date] = JudgedDay(board, runs, frozenset(downs or ()))
    return out


def ladder(runs: tuple[tuple[str, int, bool], ...]) -> list[Rung]:
    """The 连板天梯 of a day's runs, highest first."""
    heights: dict[tuple[int, bool], list[str]] = {}
    for sym, n, capped in runs:
        heights.setdefault((n, capped), []).append(sym)
    return [Rung(h, tuple(sorted(s)), capped=c) for (h, c), s in sorted(heights.items())[::-1]]
