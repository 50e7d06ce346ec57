"""Rating scorecard: every rating judged against its market's benchmark, a million at a time.

For a rating on day D with a horizon of N months:
- start = close of the last session on or before D on the stock's exchange;
- end = close of the last session on or before D + N calendar months (clamped to month end);
- the benchmark is measured over the same dates on its own exchange calendar;
- excess = stock return − benchmark return, in percentage points; the realized rating is the
  band of the excess, and the rating is a hit when that band is the rating given.
A horizon not yet over (its end session beyond the last stored row of the stock or of the
benchmark) is ``pending`` with the interim excess to the last date both series have. Adjusted
closes (``adj_close``) are used where the store has them at both ends, the close otherwise.

How it runs (``evaluate``): the wanted series' price rows are read in one scan of ``prices``
(``price_rows``: a day grid per series answers "the last row on or before day D" with an array
lookup, so a stock suspended at an end date is measured at its last close); each calendar day
maps to its last session through a per-market table built from the exchange calendars; the
rules above then run over numpy arrays, a block of ratings at a time, and DuckDB's own
``round`` rounds the returns (its decimal rounding, halves away from zero, is not numpy's).
The same function serves the CLI, the report and the benchmark script.

Measured with ``benchmarks/scorecard.py`` (1,000,000 ratings, 5,000 symbols x 5 years, 6.06M
price rows; each run a new process on a new connection; 2026-11-27, 2-core machine, load
average 1.1-1.4): horizons 6M and 12M, 2,000,000 rows, median 1.65 s (was 4.63 s with one SQL
query of hash joins on (symbol, date) and an Arrow reorder of its result); 6M alone 1.60 s
(was 2.31 s). Of a run: reading and indexing the rows 0.35-0.7 s, the rules 0.75-1.15 s, the
frame 0.1-0.2 s; most of the spread is the machine's cost of touching fresh memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..desk.rating_scale import BAND_DECIMALS, SCALES, RatingScales, band_codes
from ..errors import StoreError
from ..markets.calendars import Calendars
from . import price_rows
from .price_rows import NO_DAY, day_number, take
from .series import add_months as date_add_months

STATUSES = ("hit", "miss", "pending", "no_data", "no_benchmark")
EVALUATED = ("hit", "miss")
BLOCK = 1 << 17  # ratings judged at a time
DATE_COLUMNS = ("start_date", "end_date", "as_of_date", "end_close_date")
OUTPUT_COLUMNS = [
    "symbol",
    "market",
    "date",
    "rating",
    "scale",
    "analyst",
    "horizon",
    "start_date",
    "end_date",
    "as_of_date",
    "start_close",
    "end_close",
    "end_close_date",
    "suspended_at_end",
    "stock_return_pct",
    "benchmark",
    "benchmark_start_close",
    "benchmark_end_close",
    "benchmark_return_pct",
    "excess_pct",
    "realized_rating",
    "status",
    "price_basis",
    "adjustment",
    "sample",
]


def horizon_label(months: int) -> str:
    return f"{months}M"


def parse_horizons(text: str) -> list[int]:
    """``6M``, ``12M`` or ``both`` (6M and 12M); raises ValueError otherwise."""
    t = text.strip().upper()
    if t == "BOTH":
        return [6, 12]
    if t.endswith("M") and t[:-1].isdigit() and int(t[:-1]) > 0:
        return [int(t[:-1])]
    raise ValueError(f"horizon {text!r}; expected 6M, 12M or both")


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


def _symbol_frame(
    con: duckdb.DuckDBPyConnection,
    symbols: Sequence[str],
    markets: Mapping[str, str],
    benchmarks: Mapping[str, str],
) -> pd.DataFrame:
    """symbol -> market (desk first, then the store), benchmark and the benchmark's market."""
    wanted = sorted(set(symbols) | set(benchmarks.values()))
    con.register("sw_wanted", pd.DataFrame({"symbol": wanted}))
    try:
        stored = dict(
            con.execute(
                "SELECT i.symbol, i.market FROM instruments i JOIN sw_wanted USING (symbol)"
            ).fetchall()
        )
    finally:
        con.unregister("sw_wanted")
    market_of = {s: markets.get(s) or stored.get(s) for s in wanted}
    rows = []
    for s in sorted(set(symbols)):
        mkt = market_of.get(s)
        bench = benchmarks.get(mkt) if mkt else None
        bench_mkt = (market_of.get(bench) or mkt) if bench else None
        rows.append({"symbol": s, "market": mkt, "bench": bench, "bench_market": bench_mkt})
    return pd.DataFrame(rows, columns=["symbol", "market", "bench", "bench_market"])


def _rating_codes(ratings: pd.DataFrame, scales: RatingScales) -> tuple[np.ndarray, np.ndarray]:
    """Each rating's code (position in ``scales.flat()``) and its scale's index in SCALES."""
    flat = scales.flat()
    code_of = {name: i for i, (name, _) in enumerate(flat)}
    cat = pd.Categorical(ratings["rating"])
    cat_codes = np.array([code_of.get(str(c), -1) for c in cat.categories], dtype=np.int64)
    unknown = [str(c) for c, k in zip(cat.categories, cat_codes, strict=True) if k < 0]
    if unknown or (cat.codes < 0).any():
        bad = unknown[0] if unknown else "(empty)"
        row = ratings[(ratings["rating"] == bad) | ratings["rating"].isna()].iloc[0]
        raise StoreError(
            f"rating {bad!r} ({row['symbol']} {row['date']}) is not on the desk's scales "
            f"({scales.expected_text()}); fix the desk's ratings scale or the rating"
        )
    codes = cat_codes[cat.codes]
    scale_idx = np.array([SCALES.index(scale) for _, scale in flat], dtype=np.int64)
    return codes, scale_idx[codes]


def _categorical(values: Sequence[Any]) -> pd.Categorical:
    return pd.Categorical([v if isinstance(v, str) else None for v in values])


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTPUT_COLUMNS})


def evaluate(
    con: duckdb.DuckDBPyConnection,
    cals: Calendars,
    ratings: pd.DataFrame,
    scales: RatingScales,
    benchmarks: Mapping[str, str],
    markets: Mapping[str, str] | None = None,
    horizons: Sequence[int] = (6, 12),
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """One row per rating and horizon (columns ``OUTPUT_COLUMNS``), in the order of
    ``ratings``, shorter horizon first.

    ``ratings`` has columns symbol, date, rating (canonical name) and optionally analyst and
    sample; ``benchmarks`` maps market -> benchmark symbol; ``markets`` maps symbol -> market
    ahead of the store's instruments table; ``as_of`` hides prices after that day. Text
    columns come back as pandas categoricals (cheap at a million rows).
    """
    if ratings.empty:
        return empty_rows()
    rating_code, scale_idx = _rating_codes(ratings, scales)
    symbols = pd.Categorical(ratings["symbol"].astype(str))
    dates = pd.to_datetime(ratings["date"]).to_numpy(dtype="datetime64[s]")
    sm = _symbol_frame(con, list(symbols.categories), markets or {}, benchmarks)
    stocks = list(sm["symbol"])  # = symbols.categories: a stock's series is its code
    known = set(stocks)
    extra = [b for b in dict.fromkeys(sm["bench"]) if isinstance(b, str) and b not in known]
    series_of = {s: i for i, s in enumerate([*stocks, *extra])}
    market_names = sorted({m for m in [*sm["market"], *sm["bench_market"]] if isinstance(m, str)})
    market_of = {m: i for i, m in enumerate(market_names)}

    def codes(values: Sequence[Any], of: Mapping[str, int]) -> np.ndarray:
        return np.array([of[v] if isinstance(v, str) else -1 for v in values], dtype=np.int64)

    sid = symbols.codes.astype(np.int64)
    day = dates.astype("datetime64[D]").astype(np.int32)
    epoch = dt.date(1970, 1, 1)
    lo = epoch + dt.timedelta(days=int(day.min()) - 31)
    hi = date_add_months(epoch + dt.timedelta(days=int(day.max())), max(horizons))
    hi += dt.timedelta(days=1)
    prices = price_rows.load(con, list(series_of), lo, as_of or dt.date(9999, 12, 31))
    sessions = session_table(cals, market_names, lo, hi)
    per_rating = {
        "day": day,
        "series": sid,
        "market": codes(sm["market"], market_of)[sid],
        "bench": codes(sm["bench"], series_of)[sid],
        "bench_market": codes(sm["bench_market"], market_of)[sid],
        "rating": rating_code,
        "scale": scale_idx,
    }
    # in blocks of ratings: each block's intermediate arrays are small enough for the
    # allocator to hand the same memory to the next block (fresh memory is slow to touch)
    cols: dict[str, np.ndarray] = {}
    for a in range(0, len(day), BLOCK):
        part = slice(a, a + BLOCK)
        got = _judge(
            con,
            prices,
            sessions,
            day_number(lo),
            **{k: v[part] for k, v in per_rating.items()},
            horizons=horizons,
            scales=scales,
        )
        for k, v in got.items():
            if k in DATE_COLUMNS:
                v = _datetimes(v)
            if k not in cols:
                cols[k] = np.empty((len(day), len(horizons)), dtype=v.dtype)
            cols[k][part] = v
    adjustment = prices.adjustment_at(cols.pop("adjustment_row").ravel())
    return _assemble(
        cols, ratings, dates, symbols, sm, rating_code, scale_idx, horizons, scales, adjustment
    )


def _judge(
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
    """The rules of the module docstring over arrays: per rating (1-D inputs, ``series`` and
    ``bench`` index ``prices``' series, the markets ``sessions``' rows, -1 for none) and
    horizon (2-D results, one column per horizon). A missing day is ``NO_DAY``, a missing
    price a False in its ``*_ok`` mask; values under a False mask are meaningless."""
    n, h = len(day), len(horizons)
    col = day - lo
    # the start sessions, and how far each series is stored
    start = sessions[market, col]
    bench_start = sessions[bench_market, col]
    stock_last = prices.last[series]
    bench_last = np.where(bench >= 0, prices.last[bench], NO_DAY)
    has_start, has_last = start != NO_DAY, stock_last != NO_DAY
    has_bench_last = bench_last != NO_DAY
    s_started = has_start & has_last & (start <= stock_last)
    b_started = (bench_start != NO_DAY) & has_bench_last & (bench_start <= bench_last)
    started = s_started & b_started
    # the start closes: the last row on or before the start session
    r0 = prices.at_or_before(np.where(s_started, series, -1), start)
    s0_ok = r0 >= 0
    s0c = take(prices.close, r0)
    s0a, s0a_ok = prices.adj_close.at(r0)
    # per horizon: the calendar end date and its sessions on both calendars
    target = np.stack([add_months(day, m) for m in horizons], axis=1) - lo
    end = sessions[market[:, None], target]
    bench_end = sessions[bench_market[:, None], target]
    sl, bl = stock_last[:, None], bench_last[:, None]
    complete = (
        (end != NO_DAY)
        & has_last[:, None]
        & (end <= sl)
        & (bench_end != NO_DAY)
        & has_bench_last[:, None]
        & (bench_end <= bl)
    )
    # the last days to measure: the end sessions, or the stored ends if pending (only read
    # where the stock has started, i.e. where stock_last is known)
    bl_or_sl = np.where(has_bench_last, bench_last, stock_last)[:, None]
    stock_to = np.where(
        complete, end, np.minimum(np.minimum(np.where(end != NO_DAY, end, sl), sl), bl_or_sl)
    )
    bench_to = np.where(
        complete,
        bench_end,
        np.minimum(np.minimum(np.where(bench_end != NO_DAY, bench_end, bl), bl), sl),
    )
    reach = stock_to >= start[:, None]
    s1_day = np.where(s_started[:, None] & reach, stock_to, NO_DAY)
    b_on = started[:, None] & reach
    b1_day = np.where(b_on & (bench_to >= bench_start[:, None]), bench_to, NO_DAY)
    # the closes at those days: the last row on or before each
    r1 = prices.at_or_before(np.broadcast_to(series[:, None], (n, h)), s1_day)
    b0 = prices.at_or_before(np.where(started, bench, -1), bench_start)
    b1 = prices.at_or_before(np.broadcast_to(bench[:, None], (n, h)), b1_day)
    s1_ok = r1 >= 0
    s1c = take(prices.close, r1)
    s1a, s1a_ok = prices.adj_close.at(r1)
    b0_ok = b_on & (b0 >= 0)[:, None]  # the benchmark's start close counts where b_on
    b0c = take(prices.close, b0)[:, None]
    b0a, b0a_ok = prices.adj_close.at(b0)
    b0a, b0a_ok = b0a[:, None], b0a_ok[:, None] & b_on
    b1_ok = b1 >= 0
    b1c = take(prices.close, b1)
    b1a, b1a_ok = prices.adj_close.at(b1)
    # adjusted closes where both ends have them; returns in percent
    s_adj = s0a_ok[:, None] & s1a_ok
    b_adj = b0a_ok & b1a_ok
    measured = (s1_day != NO_DAY) & s0_ok[:, None]
    b_measured = (b1_day != NO_DAY) & b0_ok & s0_ok[:, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s_ret = _percent_change(s1c, s0c[:, None], s1a, s0a[:, None], s_adj)
        b_ret = _percent_change(b1c, b0c, b1a, b0a, b_adj)
        s_ret_r, b_ret_r, excess = round_sql(con, s_ret, b_ret, s_ret - b_ret)
    both = measured & b_measured
    band = band_codes(scales, excess, scale[:, None])
    band[~both] = -1
    # the status: the first rule that applies
    st = {name: i for i, name in enumerate(STATUSES)}
    status = np.full((n, h), st["miss"], dtype=np.int8)
    rules = [  # first applies first: assigned last
        ((market < 0) | ~has_last, st["no_data"]),
        ((bench < 0) | ~has_bench_last, st["no_benchmark"]),
        (~s_started & ~has_start & has_last & (day <= stock_last), st["no_data"]),
        (~started, st["pending"]),
        (~s0_ok, st["no_data"]),
        (~b0_ok, st["no_benchmark"]),
        (~complete, st["pending"]),
        (band == rating[:, None], st["hit"]),
    ]
    for cond, code in reversed(rules):
        status[np.broadcast_to(cond[:, None] if cond.ndim == 1 else cond, (n, h))] = code
    judged = status <= st["miss"]
    with_excess = status <= st["pending"]
    end_close_day = np.where(measured & s1_ok, take(prices.day, r1), NO_DAY)
    zero_volume = s1_ok & take(prices.no_volume, r1)
    # suspended at the end: True, False or unknown (2)
    suspended = np.where(zero_volume, 1, np.where(s1_ok, end_close_day < stock_to, 2))
    nan = np.nan
    return {
        "start_date": np.broadcast_to(start[:, None], (n, h)),
        "end_date": end,
        "as_of_date": np.where(measured, stock_to, NO_DAY),
        "start_close": np.where(s_adj, s0a[:, None], np.where(s0_ok, s0c, nan)[:, None]),
        "end_close": np.where(measured, np.where(s_adj, s1a, np.where(s1_ok, s1c, nan)), nan),
        "end_close_date": end_close_day,
        "suspended_at_end": np.where(measured, suspended, 2).astype(np.int8),
        "stock_return_pct": np.where(measured, s_ret_r, nan),
        "benchmark_start_close": np.where(b_adj, b0a, np.where(b0_ok, b0c, nan)),
        "benchmark_end_close": np.where(
            b_measured, np.where(b_adj, b1a, np.where(b1_ok, b1c, nan)), nan
        ),
        "benchmark_return_pct": np.where(b_measured, b_ret_r, nan),
        "excess_pct": np.where(with_excess & both, excess, nan),
        "realized": np.where(judged, band, -1),
        "status": status,
        "price_basis": np.where(measured, (~s_adj).view(np.int8), np.int8(-1)),
        "adjustment_row": np.where(measured & s1_ok, r1, price_rows.NO_ROW),
    }


def _percent_change(
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


def _assemble(
    cols: dict[str, np.ndarray],
    ratings: pd.DataFrame,
    dates: np.ndarray,
    symbols: pd.Categorical,
    sm: pd.DataFrame,
    rating_code: np.ndarray,
    scale_idx: np.ndarray,
    horizons: Sequence[int],
    scales: RatingScales,
    adjustment: pd.Series,
) -> pd.DataFrame:
    """Per-rating columns repeated per horizon, codes turned into categoricals."""
    n, h = len(ratings), len(horizons)
    sid = np.repeat(symbols.codes, h)
    flat_names = [name for name, _ in scales.flat()]
    market = _categorical(sm["market"].to_list())
    bench = _categorical(sm["bench"].to_list())
    analyst = (
        pd.Categorical(ratings["analyst"])
        if "analyst" in ratings
        else pd.Categorical([None] * len(ratings))
    )
    sample = (
        ratings["sample"].fillna(False).astype(bool).to_numpy()
        if "sample" in ratings
        else np.zeros(len(ratings), dtype=bool)
    )
    suspended = cols["suspended_at_end"].ravel()
    columns = {
        "symbol": pd.Categorical.from_codes(sid, symbols.categories),
        "market": pd.Categorical.from_codes(market.codes[sid], market.categories),
        "date": np.repeat(dates, h),
        "rating": pd.Categorical.from_codes(np.repeat(rating_code, h), flat_names),
        "scale": pd.Categorical.from_codes(np.repeat(scale_idx, h), list(SCALES)),
        "analyst": pd.Categorical.from_codes(np.repeat(analyst.codes, h), analyst.categories),
        "horizon": pd.Categorical.from_codes(
            np.tile(np.arange(h, dtype=np.int8), n), [horizon_label(m) for m in horizons]
        ),
        **{c: cols[c].ravel() for c in ("start_date", "end_date", "as_of_date")},
        "start_close": cols["start_close"].ravel(),
        "end_close": cols["end_close"].ravel(),
        "end_close_date": cols["end_close_date"].ravel(),
        # True/False, or None where not measured (an object column then, as a nullable
        # boolean comes out of the store)
        "suspended_at_end": (
            np.array([False, True, None], dtype=object)[suspended]
            if (suspended == 2).any()
            else suspended.astype(bool)
        ),
        "stock_return_pct": cols["stock_return_pct"].ravel(),
        "benchmark": pd.Categorical.from_codes(bench.codes[sid], bench.categories),
        **{
            c: cols[c].ravel()
            for c in (
                "benchmark_start_close",
                "benchmark_end_close",
                "benchmark_return_pct",
                "excess_pct",
            )
        },
        "realized_rating": pd.Categorical.from_codes(cols["realized"].ravel(), flat_names),
        "status": pd.Categorical.from_codes(cols["status"].ravel(), STATUSES),
        "price_basis": pd.Categorical.from_codes(
            cols["price_basis"].ravel(), ["adjusted", "unadjusted"]
        ),
        "adjustment": adjustment,
        "sample": np.repeat(sample, h),
    }
    return pd.DataFrame(columns, columns=OUTPUT_COLUMNS, copy=False)


def _datetimes(days: np.ndarray) -> np.ndarray:
    """Day numbers as datetime64[ms] (the unit dates come from the store in), NaT for
    ``NO_DAY``."""
    ms = days.astype(np.int64)
    ms *= 86_400_000
    ms[days == NO_DAY] = np.iinfo(np.int64).min
    return ms.view("datetime64[ms]")


# --- summary ---------------------------------------------------------------------------------


def _stats(rows: pd.DataFrame) -> dict[str, Any]:
    status = rows["status"]
    done = rows[status.isin(EVALUATED)]
    hits = int((status == "hit").sum())
    return {
        "ratings": len(rows),
        "evaluated": len(done),
        "hits": hits,
        "hit_rate_pct": round(hits / len(done) * 100, 2) if len(done) else None,
        "mean_excess_pct": round(float(done["excess_pct"].mean()), 4) if len(done) else None,
        "pending": int((status == "pending").sum()),
        "no_data": int(status.isin(["no_data", "no_benchmark"]).sum()),
    }


def summarise(rows: pd.DataFrame, scales: RatingScales) -> dict[str, Any]:
    """Per horizon: hit rate and mean excess per rating and overall, the confusion matrix (rating
    given x realized band, per scale) and the same figures per analyst when analysts are given."""
    out: dict[str, Any] = {}
    for horizon in dict.fromkeys(rows["horizon"]):
        part = rows[rows["horizon"] == horizon]
        by_rating = {}
        confusion: dict[str, dict[str, dict[str, int]]] = {}
        for scale in SCALES:
            present = [n for n in scales.names(scale) if (part["rating"] == n).any()]
            if not present:
                continue
            for name in present:
                by_rating[name] = _stats(part[part["rating"] == name])
            done = part[(part["scale"] == scale) & part["status"].isin(EVALUATED)]
            columns = scales.names(scale)
            confusion[scale] = {
                given: {
                    real: int(((done["rating"] == given) & (done["realized_rating"] == real)).sum())
                    for real in columns
                }
                for given in present
            }
        analysts = part["analyst"].dropna()
        by_analyst = (
            {a: _stats(part[part["analyst"] == a]) for a in sorted(set(analysts))}
            if len(analysts)
            else {}
        )
        out[horizon] = {
            "overall": _stats(part),
            "by_rating": by_rating,
            "confusion": confusion,
            "by_analyst": by_analyst,
        }
    return out
