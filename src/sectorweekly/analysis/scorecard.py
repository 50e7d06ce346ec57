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
rules above then run over numpy arrays, a block of ratings at a time (``scorecard_judge``),
and DuckDB's own ``round`` rounds the returns (its decimal rounding, halves away from zero, is
not numpy's); ``scorecard_frame`` turns the arrays into the frame's columns. The same function
serves the CLI, the report and the benchmark script.

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

from ..desk.rating_scale import SCALES, RatingScales
from ..errors import StoreError
from ..markets.calendars import Calendars
from . import price_rows
from .price_rows import day_number
from .scorecard_frame import columns_of, datetimes
from .scorecard_judge import judge, session_table
from .series import add_months as date_add_months

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
        got = judge(
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
                v = datetimes(v)
            if k not in cols:
                cols[k] = np.empty((len(day), len(horizons)), dtype=v.dtype)
            cols[k][part] = v
    adjustment = prices.adjustment_at(cols.pop("adjustment_row").ravel())
    labels = [horizon_label(m) for m in horizons]
    columns = columns_of(
        cols, ratings, dates, symbols, sm, rating_code, scale_idx, labels, scales, adjustment
    )
    return pd.DataFrame(columns, columns=OUTPUT_COLUMNS, copy=False)


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
