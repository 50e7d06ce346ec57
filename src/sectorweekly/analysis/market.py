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
from .market_sql import LATEST_SQL, REVIEW_SELECT, SESSION_LIMITS_SELECT, WINDOW_RUNS_SELECT, _with


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
        behind = [rec for rec in frame if rec["last_date"] is None]
        latest = _latest(con, cals, behind)
        for rec in frame:
            rec["last_any"], rec["close_any"] = latest.get(rec["symbol"], (None, None))
        runs = con.execute(_with(WINDOW_RUNS_SELECT, reference, upto="islands"), params).fetchall()
    return _to_moves(frame, runs, views, cals, thresholds), views


def _latest(
    con: duckdb.DuckDBPyConnection, cals: Calendars, behind: list[dict[str, Any]]
) -> dict[str, tuple[Any, ...]]:
    """Each member with no row since its lookback: its last session row (day, close) at any
    distance, read against every session of its market so that a row on a day the calendar
    closes is passed over here as in the review."""
    if not behind:
        return {}
    markets = sorted({rec["market"] for rec in behind})
    all_sess = pd.concat(
        [pd.DataFrame({"market": m, "date": cals.all_sessions(m).date}) for m in markets],
        ignore_index=True,
    )
    con.register("all_sess", all_sess)
    try:
        symbols = [rec["symbol"] for rec in behind]
        rows = con.execute(LATEST_SQL, {"symbols": symbols}).fetchall()
    finally:
        con.unregister("all_sess")
    return {r[0]: r[1:] for r in rows}


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
    """Every stored row the review reads for ``window`` (rows on sessions only), with the
    limit it applied."""
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
