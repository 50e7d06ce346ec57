"""The weekly market review, computed in one vectorised DuckDB query.

For every instrument: base and end close under each market's window rule, weekly change,
market cap, week high, limit-up flags per session, the limit-up streak ending at the window's
last session, and limit events earlier in the window. On an ex-rights date the stored reference
previous close (除权除息参考价) replaces the prior close, both in the chained weekly change and in
that day's limit price. The same engine serves a 20-member desk and a 14,000-symbol full
market: it reads only the rows between the lookback start and the window end (plus, for a member
with none there, its last row), so its cost does not grow with the length of history.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
import pandas as pd

from ..desk.rules import DEFAULT_THRESHOLDS, MemberStatus, Thresholds
from ..markets import cn_limits
from ..markets.calendars import Calendars, MarketWindow
from ..markets.cn_limits import MemberSpec


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.start:%m%d}-{self.end:%m%d}"


@dataclass(frozen=True)
class LimitRun:
    start_date: dt.date
    end_date: dt.date
    sessions: int
    touch_only: bool  # the last session of the run only touched the limit


@dataclass
class MemberMove:
    symbol: str
    market: str
    base_date: dt.date  # the market's base session
    end_date: dt.date  # the market's end session
    base_close: float | None
    end_close: float | None
    last_date: dt.date | None  # the stock's own last row on or before end_date
    base_row_date: dt.date | None  # the row the base close came from (earlier if rows are missing)
    change_pct: float | None
    week_high: float | None  # highest high in the window, in base-session units (ex-rights chained)
    market_cap: float | None
    shares_as_of: dt.date | None
    limit_board: str | None
    limit_pct: int | None  # limit in force on the last session (A-shares)
    limit_up_streak: int = 0
    limit_touch_only: bool = False
    suspended: bool = False  # 停牌 on the market's end session (see _suspended_on)
    data_behind: bool = False  # the store has no row on the market's end session
    no_base: bool = False
    market_closed: bool = False  # no session of this market inside the window
    reversal: bool = False  # 冲高回落
    big_drop: bool = False  # 出现大幅回调
    window_runs: list[LimitRun] = field(default_factory=list)
    # Ex-rights (除权除息) inside the window: sessions whose stored reference previous close
    # differs from the prior close; the change is chained through them (basis "reference").
    ex_dates: list[dt.date] = field(default_factory=list)
    basis: str = "close"  # "close": end / base − 1; "reference": chained through ex_dates
    # A session inside the window that moved beyond the daily limit with no reference stored:
    # an ex-date the store cannot price, so the change is withheld rather than shown as a loss.
    reference_missing: dt.date | None = None

    @property
    def status(self) -> MemberStatus:
        """What report.json calls the member: the first of these that holds."""
        if self.end_close is None:
            return "no_data"
        if self.market_closed:  # closed all window wins over the zero-volume row before it
            return "market_closed"
        if self.suspended:
            return "suspended"
        if self.data_behind:
            return "data_behind"
        if self.no_base:
            return "no_base"
        if self.reference_missing is not None:  # an ex-date the store has no reference for
            return "no_reference"
        return "ok"


def _windows_frame(
    cals: Calendars, markets: Iterable[str], window: Window, lookback: int
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, MarketWindow]]:
    rows, sess_frames, views = [], [], {}
    for mkt in sorted(set(markets)):
        view = cals.market_window(mkt, window.start, window.end)
        views[mkt] = view
        lookback_date = cals.sessions_back(mkt, view.base_date, lookback)
        all_sess = cals.all_sessions(mkt)
        lo = int(all_sess.searchsorted(pd.Timestamp(lookback_date)))
        hi = int(all_sess.searchsorted(pd.Timestamp(view.end_date)))
        sess_frames.append(
            pd.DataFrame(
                {
                    "market": mkt,
                    "date": all_sess[lo : hi + 1].date,
                    "session_idx": range(lo, hi + 1),
                }
            )
        )
        rows.append(
            {
                "market": mkt,
                "base_date": view.base_date,
                "end_date": view.end_date,
                "lookback_date": lookback_date,
                "end_idx": hi,
                "first_window_idx": hi - len(view.sessions) + 1,
                "n_sessions": len(view.sessions),
            }
        )
    return pd.DataFrame(rows), pd.concat(sess_frames, ignore_index=True), views


def _cte(name: str, what: str, body: str) -> tuple[str, str, str]:
    return name, what, body


# The review query, one named piece per step; each says what it computes. Every piece reads
# only the pieces above it, so a prefix of the list is a query of its own (see _with).
REVIEW_CTES: tuple[tuple[str, str, str], ...] = (
    _cte(
        "px",
        "every member's stored rows from its lookback to its market's end session, with the "
        "session ordinal, the prior row's close and the stored reference previous close",
        """
    SELECT p.symbol, m.market, m.board, p.date, p.open, p.high, p.low, p.close, p.volume,
           s.session_idx, w.base_date, w.end_date, w.end_idx, w.first_window_idx,
           lag(p.close) OVER (PARTITION BY p.symbol ORDER BY p.date) AS prior_close,
           {reference} AS ref_close
    FROM prices p
    JOIN lim_members m USING (symbol)
    JOIN windows w ON w.market = m.market
    LEFT JOIN sess s ON s.market = m.market AND s.date = p.date
    WHERE p.date BETWEEN $lo AND $hi AND p.date BETWEEN w.lookback_date AND w.end_date""",
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
        FROM marked WHERE close_hit AND session_idx IS NOT NULL
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
# for those members, so an ordinary week still reads nothing older than its lookback.
LATEST_SQL = """
SELECT p.symbol, max(p.date) AS last_any, arg_max(p.close, p.date) AS close_any
FROM prices p JOIN lim_members m USING (symbol) JOIN windows w ON w.market = m.market
WHERE list_contains($symbols, p.symbol) AND p.date <= w.end_date
GROUP BY p.symbol
"""


def compute_moves(
    con: duckdb.DuckDBPyConnection,
    cals: Calendars,
    specs: Iterable[MemberSpec],
    window: Window,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> tuple[list[MemberMove], dict[str, MarketWindow]]:
    """Every member's weekly move; the markets' windows as judged by their calendars."""
    with _review_inputs(con, cals, specs, window, thresholds) as (params, views):
        reference = _reference_column(con)
        cur = con.execute(_with(REVIEW_SELECT, reference), params)
        columns = [d[0] for d in cur.description]
        frame = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
        behind = [rec["symbol"] for rec in frame if rec["last_date"] is None]
        latest = (
            {r[0]: r[1:] for r in con.execute(LATEST_SQL, {"symbols": behind}).fetchall()}
            if behind
            else {}
        )
        for rec in frame:
            rec["last_any"], rec["close_any"] = latest.get(rec["symbol"], (None, None))
        runs = con.execute(_with(WINDOW_RUNS_SELECT, reference, upto="islands"), params).fetchall()
    return _to_moves(frame, runs, views, cals, thresholds), views


@contextlib.contextmanager
def _review_inputs(
    con: duckdb.DuckDBPyConnection,
    cals: Calendars,
    specs: Iterable[MemberSpec],
    window: Window,
    thresholds: Thresholds,
) -> Iterator[tuple[dict[str, Any], dict[str, MarketWindow]]]:
    """The members, their limit rules and each market's window and sessions, visible to the
    review SQL for the block; yields the query's date bounds and the markets' windows."""
    specs = list(specs)
    members = cn_limits.members_frame(specs, cals)
    windows, sess, views = _windows_frame(
        cals, members["market"], window, thresholds.streak_lookback_sessions
    )
    cn_limits.register_tables(con, specs, cals)
    con.register("windows", windows)
    con.register("sess", sess)
    try:
        yield {"lo": windows["lookback_date"].min(), "hi": windows["end_date"].max()}, views
    finally:
        cn_limits.unregister_tables(con)
        con.unregister("windows")
        con.unregister("sess")


@dataclass(frozen=True)
class SessionLimit:
    """A row's daily limit as the review judged it (None where no limit applies)."""

    symbol: str
    date: dt.date
    prev_close: float | None
    limit_pct: int | None
    up: float | None
    down: float | None
    close_hit: bool
    touch_hit: bool


def session_limits(
    con: duckdb.DuckDBPyConnection,
    cals: Calendars,
    specs: Iterable[MemberSpec],
    window: Window,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[SessionLimit]:
    """Every stored row the review reads for ``window``, with the limit it applied."""
    with _review_inputs(con, cals, specs, window, thresholds) as (params, _):
        sql = _with(SESSION_LIMITS_SELECT, _reference_column(con), upto="marked")
        rows = con.execute(sql, params).fetchall()
    return [
        SessionLimit(
            sym,
            day,
            prev,
            pct,
            None if up is None else up / 100,
            None if down is None else down / 100,
            bool(ch),
            bool(th),
        )
        for sym, day, prev, pct, up, down, ch, th in rows
    ]


def change_pct(base: float, end: float, references: Iterable[tuple[float, float]] = ()) -> float:
    """end / base − 1 in percent, chained through each (prior close, reference previous close) of
    an ex-date, rounded half-up to 2 decimals in decimal arithmetic (4.225 is 4.23, as quoted)."""
    ratio = Decimal(repr(end)) / Decimal(repr(base))
    for prior, reference in references:
        ratio *= Decimal(repr(prior)) / Decimal(repr(reference))
    return float(((ratio - 1) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _reference_column(con: duckdb.DuckDBPyConnection) -> str:
    """The stored reference previous close; a store made before that column reads as none."""
    found = con.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'prices' AND column_name = 'prev_close'"
    ).fetchall()[0][0]
    return "p.prev_close" if found else "CAST(NULL AS DOUBLE)"


def _suspended_on(cals: Calendars, market_code: str, day: dt.date, idle_row: bool) -> bool:
    """停牌 needs more than a zero volume, which some sources write on half days for stocks that
    traded: a zero-volume row whose price did not move at all (open = high = low = close = the
    previous close) on a full session. A session with no row is missing data, not a suspension."""
    return idle_row and day not in cals.half_days(market_code)


def _dec(x: float) -> Decimal:
    return Decimal(repr(x))


def _week_events(base: float, end: float, high: float, th: Thresholds) -> tuple[bool, bool]:
    """(冲高回落, 出现大幅回调) from the base close, the end close and the week high (both in the
    base session's units), in decimal arithmetic so that a move exactly at a threshold (10.00
    to a high of 10.80 against 8%) meets it, as the README's ``≥`` and ``≤`` say."""
    gain = _dec(high) / _dec(base) - 1
    pullback = _dec(end) / _dec(high) - 1
    change = _dec(end) / _dec(base) - 1
    reversal = gain >= _dec(th.reversal_high_gain) and pullback <= -_dec(th.reversal_pullback)
    return reversal, change <= -_dec(th.big_drop)


def _to_moves(
    frame: list[dict[str, Any]],
    runs: list[tuple[Any, ...]],
    views: dict[str, MarketWindow],
    cals: Calendars,
    th: Thresholds,
) -> list[MemberMove]:
    runs_by_symbol: dict[str, list[LimitRun]] = {}
    for symbol, d0, d1, n, _ in runs:
        runs_by_symbol.setdefault(symbol, []).append(
            LimitRun(d0, d1, max(int(n), 1), touch_only=n == 0)
        )
    out = []
    for rec in frame:
        view = views[rec["market"]]
        base, end, last = rec["base_close"], rec["end_close"], rec["last_date"]
        base_row = rec["base_row_date"]
        if last is None and rec["last_any"] is not None:  # the data stop before the lookback
            last, end = rec["last_any"], rec["close_any"]
            base, base_row = end, last
        no_rows_in_window = bool(view.sessions) and (last is None or last <= view.base_date)
        factor = rec["end_factor"] or 1.0
        ex_dates = list(rec["ex_dates"] or [])
        gap = rec["gap_date"]
        change = (
            None
            if base is None or end is None or no_rows_in_window or gap is not None
            else change_pct(
                base, end, zip(rec["ex_priors"] or [], rec["ex_refs"] or [], strict=True)
            )
        )
        streak, touch = 0, False
        # a market closed all window has no streak: its end session lies before the window
        if view.sessions and rec["end_close_hit"]:
            streak = int(rec["run_to_end"])
        elif view.sessions and rec["end_touch_hit"]:
            streak = int(rec["run_to_prev"] or 0) + 1
            touch = True
        high = rec["week_high"]
        reversal = big_drop = False
        if base and end and high and view.sessions and gap is None:
            reversal, big_drop = _week_events(base, end * factor, high, th)
        shares = rec["shares"]
        out.append(
            MemberMove(
                symbol=rec["symbol"],
                market=rec["market"],
                base_date=view.base_date,
                end_date=view.end_date,
                base_close=base,
                end_close=end,
                last_date=last,
                base_row_date=base_row,
                change_pct=change,
                week_high=high,
                market_cap=None if shares is None or end is None else shares * end,
                shares_as_of=rec["shares_as_of"],
                limit_board=rec["board"],
                limit_pct=rec["end_limit_pct"],
                limit_up_streak=streak,
                limit_touch_only=touch,
                suspended=bool(view.sessions)
                and _suspended_on(cals, rec["market"], view.end_date, bool(rec["end_idle"])),
                data_behind=last is not None and last < view.end_date,
                no_base=base is None,
                market_closed=not view.sessions,
                reversal=reversal,
                big_drop=big_drop,
                window_runs=runs_by_symbol.get(rec["symbol"], []),
                ex_dates=ex_dates,
                basis="reference" if ex_dates else "close",
                reference_missing=gap,
            )
        )
    return out
