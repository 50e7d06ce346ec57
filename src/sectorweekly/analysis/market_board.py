"""The limit board of the whole market, day by day: every row read (``market_rows``) judged
against its limits, the limit-up runs, and the counts per session.

The limits are the limit engine's, by its own SQL over the rows (``markets.cn_limits``, the
one home of the rule, with the prices as if ST for a stock whose status nobody stated); what
each row did against them, the runs and the counts are array arithmetic over the rows sorted
by stock and date (no window in a query: at this size a query's fixed cost is what it pays
most). Each judged day comes back with its counts and the few names the ladder, 晋级率 and the
week's limit stocks need.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from ..markets import cn_limits
from .market_rows import Rows, as_frame, cents, day_index


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


# the engine's limits of the rows to judge (a registered frame: row id, symbol, day number,
# session ordinal, reference previous close; a NaN previous close reads as NULL: no limit),
# with the prices as if ST
LIMITS_SQL = """
SELECT row_id, up_cents, down_cents, st_up_cents, st_down_cents FROM ({hits})
"""
ROWS_RELATION = (
    "(SELECT row_id, symbol, CAST(DATE '1970-01-01' + CAST(day AS INTEGER) AS DATE) AS date, "
    "session_idx, prev_close FROM mc_judge)"
)


@dataclass(frozen=True)
class Marks:
    """What every row did against its limits (False where it was not judged)."""

    judged: np.ndarray  # a row of a stock of the universe, not a bare prior close
    close_up: np.ndarray
    close_down: np.ndarray
    broken: np.ndarray
    one_price: np.ndarray
    st_ambiguous: np.ndarray
    no_reference: np.ndarray


@dataclass(frozen=True)
class Cents:
    """A row's prices in cents (a missing open, high or low is the close)."""

    close: np.ndarray
    prev: np.ndarray
    high: np.ndarray
    low: np.ndarray
    open: np.ndarray

    @classmethod
    def of(cls, rows: Rows) -> Cents:
        def filled(x: np.ndarray) -> np.ndarray:
            return cents(np.where(np.isnan(x), rows.close, x))

        return cls(
            cents(rows.close), cents(rows.prev_close), filled(rows.high), filled(rows.low),
            filled(rows.open),
        )  # fmt: skip


def limits(
    con: duckdb.DuckDBPyConnection, rows: Rows, mask: np.ndarray, sessions: pd.DatetimeIndex
) -> tuple[np.ndarray, ...]:
    """(up, down, ST up, ST down) in cents per row (NaN where no limit or not asked), by the
    limit engine's SQL over the rows of ``mask``."""
    con.register("mc_judge", as_frame(rows, mask, sessions))
    try:
        sql = LIMITS_SQL.format(hits=cn_limits.limits_select(ROWS_RELATION, as_if_st=True))
        got = con.execute(sql).fetchnumpy()
    finally:
        con.unregister("mc_judge")
    ids = np.asarray(got["row_id"], dtype="int64")
    out = []
    for name in ("up_cents", "down_cents", "st_up_cents", "st_down_cents"):
        col = np.full(rows.size, np.nan)
        col[ids] = np.ma.filled(np.ma.asarray(got[name], dtype="float64"), np.nan)
        out.append(col)
    return tuple(out)


def marks(rows: Rows, p: Cents, limit: tuple[np.ndarray, ...], st_days: np.ndarray) -> Marks:
    """The marks of every row. A ST status is stated when a stored ST list covers the day or
    the store names the stock under ST (then its limit is the ST one already); otherwise a
    close at the ST limit but not the normal one is counted apart, not as a limit."""
    up, down, st_up, st_down = limit
    c, h, lo, o = p.close, p.high, p.low, p.open
    judged = rows.member & ~rows.bare
    st_known = np.isin(rows.date, st_days)
    has_st = ~np.isnan(st_up) & ~np.isnan(up)
    amb = ~st_known & has_st & (st_up != up) & ((c == st_up) | (c == st_down))
    ok = judged & ~amb
    close_up = ok & (c == up)
    return Marks(
        judged=judged,
        close_up=close_up,
        close_down=ok & (c == down),
        broken=ok & (h >= up) & (c < up),
        one_price=close_up & (o == c) & (h == c) & (lo == c),
        st_ambiguous=judged & amb,
        # beyond the limit with no reference price stored: an ex-date judged on the prior close
        no_reference=judged & np.isnan(rows.pre_close) & ((c > up) | (lo < down)),
    )


def runs(rows: Rows, close_up: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(run, capped, previous run) per row: the limit-up run each row ends (rows closed at the
    up-limit in a row: a suspension skips days, it does not end a run), whether it reaches the
    stock's first row read (then it is at least that long), and the run the row before ended."""
    i = np.arange(rows.size)
    first = rows.first
    brk = np.maximum.accumulate(np.where(close_up, np.where(i == first, first - 1, -1), i))
    run = np.where(close_up, i - brk, 0)
    capped = close_up & (brk == first - 1)
    prev = np.zeros(rows.size, dtype=run.dtype)
    prev[1:] = run[:-1]
    prev[i == first] = 0
    return run, capped, prev


def _board(
    day: dt.date, sel: np.ndarray, rows: Rows, prices: Cents, m: Marks, prev: np.ndarray
) -> DayBoard:
    c, p = prices.close[sel], prices.prev[sel]
    has_p, ups, before = ~np.isnan(p), m.close_up[sel], prev[sel] > 0
    return DayBoard(
        date=day,
        up=int((has_p & (c > p)).sum()),
        flat=int((has_p & (c == p)).sum()),
        down=int((has_p & (c < p)).sum()),
        no_prev=int((~has_p).sum()),
        limit_up=int(ups.sum()),
        one_price=int(m.one_price[sel].sum()),
        limit_down=int(m.close_down[sel].sum()),
        broken=int(m.broken[sel].sum()),
        st_ambiguous=int(m.st_ambiguous[sel].sum()),
        no_reference=int(m.no_reference[sel].sum()),
        prev_up=int(before.sum()),
        promoted=int((before & ups).sum()),
        amount=float(np.nansum(rows.amount[sel])),
        by_height=_heights(zip(prev[sel][before].tolist(), ups[before].tolist(), strict=True)),
    )


def judge_days(
    con: duckdb.DuckDBPyConnection,
    rows: Rows,
    days: list[dt.date],
    sessions: pd.DatetimeIndex,
    st_days: list[dt.date],
) -> dict[dt.date, JudgedDay]:
    """Every day of ``days`` that has judged rows: its counts, runs and limit-down names."""
    if not rows.size or not days:
        return {}
    p = Cents.of(rows)
    # only a row that reached a limit price of some rule can do anything against its limit
    asked = rows.member & ~rows.bare & cn_limits.reaches_a_limit(p.prev, p.high, p.low)
    m = marks(rows, p, limits(con, rows, asked, sessions), np.array(st_days, "datetime64[D]"))
    run, capped, prev = runs(rows, m.close_up)
    k = day_index(rows.date, days)
    out: dict[dt.date, JudgedDay] = {}
    for j, day in enumerate(sorted(days)):
        sel = np.flatnonzero((k == j) & m.judged)
        if not len(sel):
            continue
        at = sel[m.close_up[sel]]
        day_runs = zip(rows.symbol[at].tolist(), run[at].tolist(), capped[at].tolist(), strict=True)
        downs = frozenset(rows.symbol[sel[m.close_down[sel]]].tolist())
        out[day] = JudgedDay(_board(day, sel, rows, p, m, prev), tuple(day_runs), downs)
    return out


def _heights(pairs: Iterable[tuple[int, bool]]) -> tuple[tuple[int, int, int], ...]:
    """(N, N-board names the row before, how many made N+1) per height N."""
    base: Counter[int] = Counter()
    made: Counter[int] = Counter()
    for n, up in pairs:
        base[n] += 1
        made[n] += bool(up)
    return tuple((n, base[n], made[n]) for n in sorted(base))


def ladder(runs: tuple[tuple[str, int, bool], ...]) -> list[Rung]:
    """The 连板天梯 of a day's runs, highest first."""
    heights: dict[tuple[int, bool], list[str]] = {}
    for sym, n, capped in runs:
        heights.setdefault((n, capped), []).append(sym)
    return [Rung(h, tuple(sorted(s)), capped=c) for (h, c), s in sorted(heights.items())[::-1]]
