"""The week in its market: breadth, the limit board, turnover and the 申万 industries of the whole
A-share market, for the report week and the week before, from the store's ``cn_*``/``sw_*`` rows.

Every figure comes from one bounded read of ``cn_bars`` (``market_rows``): the two weeks and a
lookback of sessions for the limit-up runs, whatever the store's length, judged day by day
(``market_board``). Limits are the limit engine's (``markets.cn_limits``); the industries are
``market_context_industries``. A fact the store does not hold is counted apart and said:
a stock with no stated ST status whose close sits at the ST limit but not the normal one, a
move beyond the limit with no reference price (an ex-date judged on the prior close).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import numpy as np

from ..markets.calendars import Calendars, MarketWindow
from . import market_context_sql as q
from . import market_context_tables as tables
from . import market_rows
from .market_board import DayBoard, JudgedDay, Rung, judge_days, ladder
from .market_context_industries import (
    IndustryMove,
    industry_moves,
    percentile,
)
from .market_rows import Moves

MARKET = "CN_A"
LOOKBACK_SESSIONS = 30  # sessions before the earlier week's base that a limit-up run may reach
BUCKETS = ("<-5%", "-5%~-3%", "-3%~-1%", "-1%~0", "0~1%", "1%~3%", "3%~5%", ">5%")
TOP = 5  # best and worst stocks of the desk's industry


def buckets_of(pcts: np.ndarray) -> np.ndarray:
    """The distribution bucket of each weekly change in percent: below 0 the bucket's lower
    bound belongs to it (-5% falls in -5%~-3%), from 0 the upper one (0 and +1% fall in 0~1%)."""
    below = np.searchsorted(np.array([-5.0, -3.0, -1.0]), pcts, side="right")
    above = 4 + np.searchsorted(np.array([1.0, 3.0, 5.0]), pcts, side="left")
    return np.where(pcts < 0, below, above)


@dataclass
class MarketWeek:
    """The whole market over one report week."""

    view: MarketWindow
    days: list[DayBoard]
    up: int = 0
    flat: int = 0
    down: int = 0
    limit_up_stocks: int = 0  # stocks closed at the up-limit on at least one session
    limit_down_stocks: int = 0
    suspended: int = 0  # a base close, no row in the window
    no_base: int = 0  # rows in the window, none on or before the base session (new listings)
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    ladder: list[Rung] = field(default_factory=list)
    changes: dict[str, float] = field(default_factory=dict)  # symbol -> weekly change, %

    @property
    def counted(self) -> int:
        return self.up + self.flat + self.down

    def total(self, name: str) -> int:
        return sum(getattr(d, name) for d in self.days)

    @property
    def amount(self) -> float:
        return sum(d.amount for d in self.days)

    @property
    def daily_amount(self) -> float | None:
        return self.amount / len(self.days) if self.days else None

    @property
    def broken_rate(self) -> float | None:
        total = self.total("limit_up") + self.total("broken")
        return None if total == 0 else self.total("broken") / total * 100

    @property
    def promotion_rate(self) -> float | None:
        prev = self.total("prev_up")
        return None if prev == 0 else self.total("promoted") / prev * 100

    def by_height(self, last_only: bool = False) -> dict[int, tuple[int, int]]:
        """晋级率's parts per board height N over the week (or its last session): N-board names
        the row before, and how many made N+1."""
        out: dict[int, tuple[int, int]] = {}
        for d in self.days[-1:] if last_only else self.days:
            for n, base, promoted in d.by_height:
                b, p = out.get(n, (0, 0))
                out[n] = (b + base, p + promoted)
        return dict(sorted(out.items()))

    @property
    def top_height(self) -> int:
        return self.ladder[0].height if self.ladder else 0


@dataclass
class MarketContext:
    """This week and last week of the whole market, the industries, the watchlist's places."""

    week: MarketWeek
    last: MarketWeek | None
    industries: list[IndustryMove]  # 申万 level 1, best first
    sub_industries: list[IndustryMove]  # the desk industry's level 2, best first
    industry: str  # the desk's industry (a level-1 name)
    best: list[tuple[str, float]]  # the desk industry's best stocks (symbol, change %)
    worst: list[tuple[str, float]]
    places: dict[str, tuple[float | None, float | None]]  # member -> (market, industry) pct-ile
    names: dict[str, str]  # symbol -> name on the week's last session (where the store has it)
    method: str  # official | cap | equal (how the industries' changes were made)
    st_known: bool  # the store states every stock's ST status over the weeks
    lookback_start: dt.date


def _week(view: MarketWindow, judged: dict[dt.date, JudgedDay], moves: Moves | None) -> MarketWeek:
    """One week from its judged days and its stocks' moves (each asked once for both weeks)."""
    mine = [judged[d] for d in view.sessions if d in judged]
    week = MarketWeek(view=view, days=[j.board for j in mine])
    if not view.sessions or moves is None:
        return week
    week.limit_up_stocks = len(frozenset().union(*(j.limit_up for j in mine)))
    week.limit_down_stocks = len(frozenset().union(*(j.limit_down for j in mine)))
    has_base, has_end = ~np.isnan(moves.base), ~np.isnan(moves.end)
    week.suspended = int((has_base & ~has_end).sum())
    week.no_base = int((has_end & ~has_base).sum())
    both = has_base & has_end
    ratio = moves.end[both] * moves.factor[both] / moves.base[both]
    pcts = (ratio - 1) * 100
    week.up = int((ratio > 1 + 1e-12).sum())
    week.down = int((ratio < 1 - 1e-12).sum())
    week.flat = int(both.sum()) - week.up - week.down
    week.buckets = np.bincount(buckets_of(pcts), minlength=len(BUCKETS)).tolist()
    week.changes = dict(zip(moves.symbols[both].tolist(), pcts.tolist(), strict=True))
    last_day = judged.get(view.end_date)
    week.ladder = ladder(last_day.runs) if last_day else []
    return week


def _last_closes(moves: Moves | None) -> dict[str, float]:
    """Each stock's last close up to the week's end (for cap weights)."""
    if moves is None:
        return {}
    last_close = np.where(np.isnan(moves.end), moves.base, moves.end)
    return dict(zip(moves.symbols.tolist(), last_close.tolist(), strict=True))


def market_context(
    con: duckdb.DuckDBPyConnection,
    cals: Calendars,
    start: dt.date,
    end: dt.date,
    industry: str,
    members: list[str],
) -> MarketContext:
    """The whole market of the week ``start..end`` and the week before it (A-share sessions)."""
    view = cals.market_window(MARKET, start, end)
    last_view = cals.market_window(MARKET, start - dt.timedelta(days=7), end - dt.timedelta(days=7))
    lo = cals.sessions_back(MARKET, last_view.base_date, LOOKBACK_SESSIONS)
    sessions = cals.all_sessions(MARKET)
    st_days = tables.register(con, cals, lo, view.end_date)
    try:
        start = cals.sessions_back(MARKET, last_view.base_date, 1)
        rows = market_rows.read(con, lo, start, view.end_date, sessions)
        judged = judge_days(con, rows, [*last_view.sessions, *view.sessions], sessions, st_days)
    finally:
        tables.drop(con)
    now = market_rows.moves(rows, view.base_date, view.end_date) if view.sessions else None
    week = _week(view, judged, now)
    last = None
    if last_view.sessions:
        then = market_rows.moves(rows, last_view.base_date, last_view.end_date)
        last = _week(last_view, judged, then)
    if last is not None and not last.days:  # the store's bars begin after it
        last = None
    ind = industry_moves(con, week.changes, view, industry, lambda: _last_closes(now))
    symbols = list(week.changes)
    pcts = np.fromiter(week.changes.values(), dtype="float64", count=len(symbols))
    sector = np.array([ind.of.get(s) for s in symbols], dtype=object)
    own = sorted(
        zip(np.array(symbols, dtype=object)[sector == industry].tolist(),
            pcts[sector == industry].tolist(), strict=True),
        key=lambda sc: (-sc[1], sc[0]),
    )  # fmt: skip
    best, worst = own[:TOP], own[::-1][:TOP]
    ladder_syms = [s for r in week.ladder for s in r.symbols]
    wanted = sorted({*ladder_syms, *(s for s, _ in best + worst), *members})
    names = dict(con.execute(q.NAMES_SQL, {"day": view.end_date, "symbols": wanted}).fetchall())
    population = np.sort(pcts)  # the whole market, classified or not
    places: dict[str, tuple[float | None, float | None]] = {}
    for sym in members:
        mine, home = week.changes.get(sym), ind.of.get(sym)
        peers = np.sort(pcts[sector == home]) if home is not None else population[:0]
        places[sym] = (percentile(mine, population), percentile(mine, peers))
    st_rows = con.execute(
        "SELECT count(*) FROM cn_coverage WHERE fact = 'st' AND start <= $a AND \"end\" >= $b",
        {"a": last_view.base_date, "b": view.end_date},
    ).fetchall()[0][0]
    return MarketContext(
        week=week,
        last=last,
        industries=ind.level1,
        sub_industries=ind.level2,
        industry=industry,
        best=best,
        worst=worst,
        places=places,
        names=names,
        method=ind.method,
        st_known=bool(st_rows),
        lookback_start=lo,
    )
