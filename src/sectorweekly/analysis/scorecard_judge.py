"""The scorecard's rules over arrays: a block of ratings judged at once, per horizon.

The rules themselves (start and end sessions, the benchmark on its own calendar, adjusted
closes where both ends have them, the status) are stated in ``analysis.scorecard``; here they
run as numpy over day numbers and row numbers of ``price_rows``, in steps small enough to read:
the start sessions (``_starts``), the end sessions per horizon (``_ends``), the closes at both
ends (``_closes``), the status (``_status``) and the result's columns (``_columns``). The
per-market session tables, month arithmetic and rounding the rules need live here too, as only
the scorecard uses them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from ..desk.rating_scale import BAND_DECIMALS, RatingScales, band_codes
from ..markets.calendars import Calendars
from . import price_rows
from .price_rows import NO_DAY, day_number, take

STATUSES = ("hit", "miss", "pending", "no_data", "no_benchmark")


def session_table(cals: Calendars, markets: Sequence[str], lo: dt.date, hi: dt.date) -> np.ndarray:
    """Per market (row, in the order given) and calendar day in [lo, hi] (column), the day
    number of the last session on or before it on that market's calendar, ``NO_DAY`` where
    unknown (outside the calendar's bounds, or no session since ``lo``). A last row, all
    ``NO_DAY``, answers for "no market" (row -1)."""
    table = np.full((len(markets) + 1, (hi - lo).days + 1), NO_DAY, dtype=np.int32)
    for k, mkt in enumerate(markets):
        b = cals.bounds(mkt)
        a, z = max(lo, b.first), min(hi, b.last)
        if a > z:
            continue
        sess = np.array(cals.sessions(mkt, a, z), dtype="datetime64[D]").astype(np.int32)
        days = np.arange(day_number(a), day_number(z) + 1, dtype=np.int32)
        pos = np.searchsorted(sess, days, side="right") - 1
        ok = pos >= 0
        row = table[k, (a - lo).days : (z - lo).days + 1]
        row[ok] = sess[pos[ok]]
    return table


def add_months(day: np.ndarray, months: int) -> np.ndarray:
    """Day numbers plus calendar months, a day past the target month's end clamped to it
    (31 Aug + 6 months = 29 Feb), as DuckDB adds an interval of months to a date. Worked out
    once per distinct calendar day in the span of ``day``, then looked up."""
    lo = int(day.min())
    d = np.arange(lo, int(day.max()) + 1, dtype=np.int32).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int32)
    target = month + months
    start = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - start).astype(np.int32)
    shifted = (start + np.minimum(day_of_month, length - 1)).astype(np.int32)
    return shifted[day - lo]


def round_sql(con: duckdb.DuckDBPyConnection, *columns: np.ndarray) -> list[np.ndarray]:
    """DuckDB's ``round(x, BAND_DECIMALS)`` of each array: the exact decimal rounding (ties
    away from zero) that numpy's ``round`` does not reproduce, so DuckDB itself does it."""
    names = [f"c{i}" for i in range(len(columns))]
    con.register("sw_round", pa.table(dict(zip(names, (c.ravel() for c in columns), strict=True))))
    try:
        out = con.sql(
            "SELECT "
            + ", ".join(f"round({c}, {BAND_DECIMALS}) AS {c}" for c in names)
            + " FROM sw_round"
        ).to_arrow_table()
    finally:
        con.unregister("sw_round")
    return [
        out.column(c).to_numpy().reshape(col.shape) for c, col in zip(names, columns, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class _Starts:
    """Per rating: the start sessions on both calendars and how far each series is stored."""

    start: np.ndarray
    bench_start: np.ndarray
    stock_last: np.ndarray
    bench_last: np.ndarray
    has_start: np.ndarray
    has_last: np.ndarray
    has_bench_last: np.ndarray
    s_started: np.ndarray  # the stock has a start session within its stored rows
    started: np.ndarray  # ... and so has the benchmark


@dataclass(frozen=True, slots=True)
class _Ends:
    """Per rating and horizon: the end sessions, whether the horizon is over, the days read."""

    end: np.ndarray
    complete: np.ndarray
    stock_to: np.ndarray
    s1_day: np.ndarray
    b_on: np.ndarray
    b1_day: np.ndarray


@dataclass(frozen=True, slots=True)
class _Closes:
    """The closes at both ends (``*c`` close, ``*a`` adjusted close), with their masks."""

    s0_ok: np.ndarray
    s0c: np.ndarray
    s0a: np.ndarray
    r1: np.ndarray
    s1_ok: np.ndarray
    s1c: np.ndarray
    s1a: np.ndarray
    b0_ok: np.ndarray
    b0c: np.ndarray
    b0a: np.ndarray
    b1_ok: np.ndarray
    b1c: np.ndarray
    b1a: np.ndarray
    s_adj: np.ndarray  # adjusted closes at both ends of the stock
    b_adj: np.ndarray  # ... of the benchmark
    measured: np.ndarray
    b_measured: np.ndarray


def judge(
    con: duckdb.DuckDBPyConnection,
    prices: price_rows.PriceRows,
    sessions: np.ndarray,
    lo: int,
    *,
    day: np.ndarray,
    series: np.ndarray,
    market: np.ndarray,
    bench: np.ndarray,
    bench_market: np.ndarray,
    rating: np.ndarray,
    scale: np.ndarray,
    horizons: Sequence[int],
    scales: RatingScales,
) -> dict[str, np.ndarray]:
    """The rules of ``analysis.scorecard`` over arrays: per rating (1-D inputs, ``series`` and
    ``bench`` index ``prices``' series, the markets ``sessions``' rows, -1 for none) and
    horizon (2-D results, one column per horizon). A missing day is ``NO_DAY``, a missing
    price a False in its ``*_ok`` mask; values under a False mask are meaningless."""
    n, h = len(day), len(horizons)
    s = _starts(prices, sessions, day - lo, series, market, bench, bench_market)
    e = _ends(sessions, lo, day, market, bench_market, horizons, s)
    c = _closes(prices, (n, h), series, bench, s, e)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s_ret = percent_change(c.s1c, c.s0c[:, None], c.s1a, c.s0a[:, None], c.s_adj)
        b_ret = percent_change(c.b1c, c.b0c, c.b1a, c.b0a, c.b_adj)
        s_ret_r, b_ret_r, excess = round_sql(con, s_ret, b_ret, s_ret - b_ret)
    both = c.measured & c.b_measured
    band = band_codes(scales, excess, scale[:, None])
    band[~both] = -1
    status = _status(day, market, bench, rating, band, s, e, c)
    st = {name: i for i, name in enumerate(STATUSES)}
    judged = status <= st["miss"]
    with_excess = (status <= st["pending"]) & both
    returns = {
        "stock_return_pct": np.where(c.measured, s_ret_r, np.nan),
        "benchmark_return_pct": np.where(c.b_measured, b_ret_r, np.nan),
        "excess_pct": np.where(with_excess, excess, np.nan),
        "realized": np.where(judged, band, -1),
        "status": status,
    }
    return _columns(prices, s, e, c, returns)


def _starts(
    prices: price_rows.PriceRows,
    sessions: np.ndarray,
    col: np.ndarray,
    series: np.ndarray,
    market: np.ndarray,
    bench: np.ndarray,
    bench_market: np.ndarray,
) -> _Starts:
    """The start sessions (``col``: each rating's day as a column of ``sessions``), and how far
    each series is stored."""
    start = sessions[market, col]
    bench_start = sessions[bench_market, col]
    stock_last = prices.last[series]
    bench_last = np.where(bench >= 0, prices.last[bench], NO_DAY)
    has_start, has_last = start != NO_DAY, stock_last != NO_DAY
    has_bench_last = bench_last != NO_DAY
    s_started = has_start & has_last & (start <= stock_last)
    b_started = (bench_start != NO_DAY) & has_bench_last & (bench_start <= bench_last)
    return _Starts(
        start, bench_start, stock_last, bench_last, has_start, has_last, has_bench_last,
        s_started, s_started & b_started,
    )  # fmt: skip


def _ends(
    sessions: np.ndarray,
    lo: int,
    day: np.ndarray,
    market: np.ndarray,
    bench_market: np.ndarray,
    horizons: Sequence[int],
    s: _Starts,
) -> _Ends:
    """Per horizon: the calendar end date and its sessions on both calendars, whether both are
    stored (the horizon is over), and the last days to measure: the end sessions, or the
    stored ends if pending."""
    target = np.stack([add_months(day, m) for m in horizons], axis=1) - lo
    end = sessions[market[:, None], target]
    bench_end = sessions[bench_market[:, None], target]
    sl, bl = s.stock_last[:, None], s.bench_last[:, None]
    complete = (
        (end != NO_DAY)
        & s.has_last[:, None]
        & (end <= sl)
        & (bench_end != NO_DAY)
        & s.has_bench_last[:, None]
        & (bench_end <= bl)
    )
    # (the stored ends are only read where the stock has started, i.e. stock_last is known)
    bl_or_sl = np.where(s.has_bench_last, s.bench_last, s.stock_last)[:, None]
    stock_to = np.where(
        complete, end, np.minimum(np.minimum(np.where(end != NO_DAY, end, sl), sl), bl_or_sl)
    )
    bench_to = np.where(
        complete,
        bench_end,
        np.minimum(np.minimum(np.where(bench_end != NO_DAY, bench_end, bl), bl), sl),
    )
    reach = stock_to >= s.start[:, None]
    s1_day = np.where(s.s_started[:, None] & reach, stock_to, NO_DAY)
    b_on = s.started[:, None] & reach
    b1_day = np.where(b_on & (bench_to >= s.bench_start[:, None]), bench_to, NO_DAY)
    return _Ends(end, complete, stock_to, s1_day, b_on, b1_day)


def _closes(
    prices: price_rows.PriceRows,
    shape: tuple[int, int],
    series: np.ndarray,
    bench: np.ndarray,
    s: _Starts,
    e: _Ends,
) -> _Closes:
    """The closes at the start and end days: the last row on or before each."""
    r0 = prices.at_or_before(np.where(s.s_started, series, -1), s.start)
    s0_ok = r0 >= 0
    s0c = take(prices.close, r0)
    s0a, s0a_ok = prices.adj_close.at(r0)
    r1 = prices.at_or_before(np.broadcast_to(series[:, None], shape), e.s1_day)
    b0 = prices.at_or_before(np.where(s.started, bench, -1), s.bench_start)
    b1 = prices.at_or_before(np.broadcast_to(bench[:, None], shape), e.b1_day)
    s1_ok = r1 >= 0
    s1c = take(prices.close, r1)
    s1a, s1a_ok = prices.adj_close.at(r1)
    b0_ok = e.b_on & (b0 >= 0)[:, None]  # the benchmark's start close counts where b_on
    b0c = take(prices.close, b0)[:, None]
    b0a, b0a_ok = prices.adj_close.at(b0)
    b0a, b0a_ok = b0a[:, None], b0a_ok[:, None] & e.b_on
    b1_ok = b1 >= 0
    b1c = take(prices.close, b1)
    b1a, b1a_ok = prices.adj_close.at(b1)
    return _Closes(
        s0_ok, s0c, s0a, r1, s1_ok, s1c, s1a, b0_ok, b0c, b0a, b1_ok, b1c, b1a,
        s_adj=s0a_ok[:, None] & s1a_ok,
        b_adj=b0a_ok & b1a_ok,
        measured=(e.s1_day != NO_DAY) & s0_ok[:, None],
        b_measured=(e.b1_day != NO_DAY) & b0_ok & s0_ok[:, None],
    )  # fmt: skip


def _status(
    day: np.ndarray,
    market: np.ndarray,
    bench: np.ndarray,
    rating: np.ndarray,
    band: np.ndarray,
    s: _Starts,
    e: _Ends,
    c: _Closes,
) -> np.ndarray:
    """Each rating and horizon's code in ``STATUSES``: the first rule that applies."""
    n, h = band.shape
    st = {name: i for i, name in enumerate(STATUSES)}
    status = np.full((n, h), st["miss"], dtype=np.int8)
    rules = [  # first applies first: assigned last
        ((market < 0) | ~s.has_last, st["no_data"]),
        ((bench < 0) | ~s.has_bench_last, st["no_benchmark"]),
        (~s.s_started & ~s.has_start & s.has_last & (day <= s.stock_last), st["no_data"]),
        (~s.started, st["pending"]),
        (~c.s0_ok, st["no_data"]),
        (~c.b0_ok, st["no_benchmark"]),
        (~e.complete, st["pending"]),
        (band == rating[:, None], st["hit"]),
    ]
    for cond, code in reversed(rules):
        status[np.broadcast_to(cond[:, None] if cond.ndim == 1 else cond, (n, h))] = code
    return status


def _columns(
    prices: price_rows.PriceRows,
    s: _Starts,
    e: _Ends,
    c: _Closes,
    returns: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """The result's columns (2-D, one per horizon), meaningless values masked out."""
    n, h = e.end.shape
    measured, r1, nan = c.measured, c.r1, np.nan
    end_close_day = np.where(measured & c.s1_ok, take(prices.day, r1), NO_DAY)
    zero_volume = c.s1_ok & take(prices.no_volume, r1)
    # suspended at the end: True, False or unknown (2)
    suspended = np.where(zero_volume, 1, np.where(c.s1_ok, end_close_day < e.stock_to, 2))
    return {
        "start_date": np.broadcast_to(s.start[:, None], (n, h)),
        "end_date": e.end,
        "as_of_date": np.where(measured, e.stock_to, NO_DAY),
        "start_close": np.where(c.s_adj, c.s0a[:, None], np.where(c.s0_ok, c.s0c, nan)[:, None]),
        "end_close": np.where(
            measured, np.where(c.s_adj, c.s1a, np.where(c.s1_ok, c.s1c, nan)), nan
        ),
        "end_close_date": end_close_day,
        "suspended_at_end": np.where(measured, suspended, 2).astype(np.int8),
        "stock_return_pct": returns["stock_return_pct"],
        "benchmark_start_close": np.where(c.b_adj, c.b0a, np.where(c.b0_ok, c.b0c, nan)),
        "benchmark_end_close": np.where(
            c.b_measured, np.where(c.b_adj, c.b1a, np.where(c.b1_ok, c.b1c, nan)), nan
        ),
        "benchmark_return_pct": returns["benchmark_return_pct"],
        "excess_pct": returns["excess_pct"],
        "realized": returns["realized"],
        "status": returns["status"],
        "price_basis": np.where(measured, (~c.s_adj).view(np.int8), np.int8(-1)),
        "adjustment_row": np.where(measured & c.s1_ok, r1, price_rows.NO_ROW),
    }


def percent_change(
    close_to: np.ndarray,
    close_from: np.ndarray,
    adj_to: np.ndarray,
    adj_from: np.ndarray,
    adjusted: np.ndarray,
) -> np.ndarray:
    """(to / from - 1) * 100 on adjusted closes where ``adjusted``, else on closes; the same
    three floating-point steps as the SQL it replaces, so the same bits."""
    out = np.divide(close_to, close_from)
    np.divide(adj_to, adj_from, out=out, where=adjusted)
    out -= 1
    out *= 100
    return out
