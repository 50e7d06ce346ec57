"""The week in its market: breadth, the limit board, turnover and the 申万 industries of the whole
A-share market, for the report week and the week before, from the store's ``cn_*``/``sw_*`` rows.

Every figure comes from one bounded read of ``cn_bars`` (``market_context_sql``): the two weeks
and a lookback of sessions for the limit-up runs, whatever the store's length. Limits are the
limit engine's (``markets.cn_limits``); a fact the store does not hold is counted apart and said:
a stock with no stated ST status whose close sits at the ST limit but not the normal one, a
move beyond the limit with no reference price (an ex-date judged on the prior close).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from ..calendars import Calendars, MarketWindow
from ..markets import cn_limits
from ..markets.cn_limits import FAR_PAST, OPEN_END, MemberSpec
from . import market_context_sql as q
from .market_context_industries import (
    IndustryMove,
    industry_moves,
    percentile,
)

MARKET = "CN_A"
LOOKBACK_SESSIONS = 30  # sessions before the earlier week's base that a limit-up run may reach
BUCKETS = ("<-5%", "-5%~-3%", "-3%~-1%", "-1%~0", "0~1%", "1%~3%", "3%~5%", ">5%")
TOP = 5  # best and worst stocks of the desk's industry


def bucket_of(pct: float) -> int:
    """The distribution bucket of a weekly change in percent (0 and +1% fall in 0~1%)."""
    if pct < -5:
        return 0
    if pct < -3:
        return 1
    if pct < -1:
        return 2
    if pct < 0:
        return 3
    if pct <= 1:
        return 4
    if pct <= 3:
        return 5
    if pct <= 5:
        return 6
    return 7


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


def has_market(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store holds the whole market's bars (the section needs them)."""
    from ..store import table_names

    if "cn_bars" not in table_names(con):
        return False
    return bool(
        con.execute("SELECT count(*) > 0 FROM (SELECT 1 FROM cn_bars LIMIT 1)").fetchall()[0][0]
    )


def _register(con: duckdb.DuckDBPyConnection, cals: Calendars, lo: dt.date, hi: dt.date) -> None:
    """Sessions, the universe as the limit engine's members, ST spans and their coverage."""
    sess = cals.all_sessions(MARKET)
    a, b = int(sess.searchsorted(pd.Timestamp(lo))), int(sess.searchsorted(pd.Timestamp(hi)))
    con.register(
        "mc_sess",
        pd.DataFrame({"date": sess[a : b + 1].date, "session_idx": range(a, b + 1)}),
    )
    universe = con.execute("SELECT symbol, list_date FROM cn_universe").fetchall()
    spans: dict[str, list[tuple[dt.date, dt.date | None]]] = {}
    for sym, start, end in con.execute(
        "SELECT symbol, st_start, st_end FROM cn_st_spans"
    ).fetchall():
        spans.setdefault(sym, []).append((start, end))
    specs = [
        MemberSpec(s, MARKET, listed=d, st_periods=tuple(spans.get(s, ()))) for s, d in universe
    ]
    cn_limits.register_tables(con, specs, cals)
    con.register(
        "mc_st_known",
        con.execute(
            'SELECT start, "end" FROM cn_coverage WHERE fact = \'st\' AND "end" >= $lo '
            "AND start <= $hi",
            {"lo": lo, "hi": hi},
        ).df(),
    )


def _judge(con: duckdb.DuckDBPyConnection, params: dict[str, object]) -> None:
    """Every row of the read with its limit (stated ST, and as if ST) and what it did."""
    con.execute(q.ROWS_SQL, params).fetchall()
    con.execute(q.HITS_SQL.format(table="mc_hits")).fetchall()
    actual = con.execute("SELECT * FROM lim_st").df()
    everyone = con.execute("SELECT symbol FROM lim_members").df()
    everyone["st_start"], everyone["st_end"] = FAR_PAST, OPEN_END
    con.unregister("lim_st")
    con.register("lim_st", everyone)
    con.execute(q.HITS_SQL.format(table="mc_hits_st")).fetchall()
    con.unregister("lim_st")
    con.register("lim_st", actual)
    con.execute(q.MARKED_SQL).fetchall()


def _week(con: duckdb.DuckDBPyConnection, view: MarketWindow, read_from: dt.date) -> MarketWeek:
    days = [
        DayBoard(*row) for row in con.execute(q.DAILY_SQL, {"days": list(view.sessions)}).fetchall()
    ]
    week = MarketWeek(view=view, days=days)
    if not view.sessions:
        return week
    week.limit_up_stocks, week.limit_down_stocks = con.execute(
        q.WEEK_STOCKS_SQL, {"days": list(view.sessions)}
    ).fetchall()[0]
    moves = con.execute(q.MOVES_SQL, {"base": view.base_date, "end": view.end_date}).fetchall()
    for symbol, base, end, factor in moves:
        if end is None:
            week.suspended += base is not None
            continue
        if base is None:
            week.no_base += 1
            continue
        ratio = end * factor / base
        pct = (ratio - 1) * 100
        week.changes[symbol] = pct
        if ratio > 1 + 1e-12:
            week.up += 1
        elif ratio < 1 - 1e-12:
            week.down += 1
        else:
            week.flat += 1
        week.buckets[bucket_of(pct)] += 1
    rows = con.execute(q.LADDER_SQL, {"day": view.end_date}).fetchall()
    first = con.execute(
        "SELECT min(session_idx) FROM mc_sess WHERE date >= $d", {"d": read_from}
    ).fetchall()[0][0]
    end_idx = con.execute(
        "SELECT session_idx FROM mc_sess WHERE date = $d", {"d": view.end_date}
    ).fetchall()[0][0]
    heights: dict[int, list[str]] = {}
    for sym, n in rows:
        heights.setdefault(int(n), []).append(sym)
    week.ladder = [
        Rung(h, tuple(s), capped=end_idx - h + 1 <= first) for h, s in sorted(heights.items())[::-1]
    ]
    return week


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
    _register(con, cals, lo, view.end_date)
    try:
        _judge(con, {"lo": lo, "hi": view.end_date})
        week = _week(con, view, lo)
        last = _week(con, last_view, lo) if last_view.sessions else None
        industries, subs, method, by_symbol = industry_moves(con, week.changes, view, industry)
    finally:
        cn_limits.unregister_tables(con)
        for name in ("mc_sess", "mc_st_known"):
            con.unregister(name)
    own = sorted(
        ((s, c) for s, c in week.changes.items() if by_symbol.get(s) == industry),
        key=lambda sc: (-sc[1], sc[0]),
    )
    best, worst = own[:TOP], own[::-1][:TOP]
    ladder_syms = [s for r in week.ladder for s in r.symbols]
    wanted = sorted({*ladder_syms, *(s for s, _ in best + worst), *members})
    names = dict(con.execute(q.NAMES_SQL, {"day": view.end_date, "symbols": wanted}).fetchall())
    places: dict[str, tuple[float | None, float | None]] = {}
    all_changes = list(week.changes.values())
    for sym in members:
        mine = week.changes.get(sym)
        peers = [c for s, c in week.changes.items() if by_symbol.get(s) == by_symbol.get(sym)]
        places[sym] = (percentile(mine, all_changes), percentile(mine, peers))
    st_rows = con.execute(
        "SELECT count(*) FROM cn_coverage WHERE fact = 'st' AND start <= $a AND \"end\" >= $b",
        {"a": last_view.base_date, "b": view.end_date},
    ).fetchall()[0][0]
    return MarketContext(
        week=week,
        last=last,
        industries=industries,
        sub_industries=subs,
        industry=industry,
        best=best,
        worst=worst,
        places=places,
        names=names,
        method=method,
        st_known=bool(st_rows),
        lookback_start=lo,
    )
