"""Rating scorecard: every rating judged against its market's benchmark, in one DuckDB query.

For a rating on day D with a horizon of N months:
- start = close of the last session on or before D on the stock's exchange;
- end = close of the last session on or before D + N calendar months (clamped to month end);
- the benchmark is measured over the same dates on its own exchange calendar;
- excess = stock return − benchmark return, in percentage points; the realized rating is the
  band of the excess, and the rating is a hit when that band is the rating given.
A horizon not yet over (its end session beyond the last stored row of the stock or of the
benchmark) is ``pending`` with the interim excess to the last date both series have. Adjusted
closes (``adj_close``) are used where the store has them at both ends, the close otherwise.

Sessions come from a day -> session map built from the exchange calendars (an equi-join);
prices are found with ASOF joins, so a stock suspended at an end date is measured at its last
close before it. The same function serves the CLI, the report and the benchmark script.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .. import calendars
from ..errors import StoreError
from .rating_scale import BAND_DECIMALS, SCALES, RatingScales, band_case_sql

STATUSES = ("hit", "miss", "pending", "no_data", "no_benchmark")
EVALUATED = ("hit", "miss")
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


def _add_months(day: dt.date, months: int) -> dt.date:
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def day_session_map(markets: Sequence[str], lo: dt.date, hi: dt.date) -> pd.DataFrame:
    """For every calendar day in [lo, hi] (within the calendar's bounds), per market, the last
    session on or before it. Days outside the calendar's bounds are absent (unknown)."""
    frames = []
    for mkt in sorted(set(markets)):
        b = calendars.bounds(mkt)
        a, z = max(lo, b.first), min(hi, b.last)
        if a > z:
            continue
        sess = np.array(calendars.sessions(mkt, a, z), dtype="datetime64[D]")
        days = np.arange(np.datetime64(a, "D"), np.datetime64(z, "D") + 1)
        pos = np.searchsorted(sess, days, side="right") - 1
        ok = pos >= 0
        frames.append(pd.DataFrame({"market": mkt, "day": days[ok], "session": sess[pos[ok]]}))
    if not frames:
        return pd.DataFrame(
            {
                "market": pd.Series(dtype=str),
                "day": pd.Series(dtype="datetime64[s]"),
                "session": pd.Series(dtype="datetime64[s]"),
            }
        )
    return pd.concat(frames, ignore_index=True)


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


def _rating_scales(ratings: pd.DataFrame, scales: RatingScales) -> pd.Series:
    names = {n: scales.scale_of(n) for n in ratings["rating"].unique()}
    unknown = [n for n, s in names.items() if s is None]
    if unknown:
        row = ratings[ratings["rating"] == unknown[0]].iloc[0]
        raise StoreError(
            f"rating {unknown[0]!r} ({row['symbol']} {row['date']}) is not on the desk's scales "
            f"({scales.expected_text()}); fix the desk's ratings scale or the rating"
        )
    return ratings["rating"].map(names)


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTPUT_COLUMNS})


def evaluate(
    con: duckdb.DuckDBPyConnection,
    ratings: pd.DataFrame,
    scales: RatingScales,
    benchmarks: Mapping[str, str],
    markets: Mapping[str, str] | None = None,
    horizons: Sequence[int] = (6, 12),
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """One row per rating and horizon (columns ``OUTPUT_COLUMNS``), oldest rating first.

    ``ratings`` has columns symbol, date, rating (canonical name) and optionally analyst and
    sample; ``benchmarks`` maps market -> benchmark symbol; ``markets`` maps symbol -> market
    ahead of the store's instruments table; ``as_of`` hides prices after that day.
    """
    if ratings.empty:
        return empty_rows()
    rq = pd.DataFrame(
        {
            "symbol": ratings["symbol"].astype(str).to_numpy(),
            "date": pd.to_datetime(ratings["date"]).to_numpy(dtype="datetime64[s]"),
            "rating": ratings["rating"].to_numpy(),
            "scale": _rating_scales(ratings, scales).to_numpy(),
            "analyst": ratings["analyst"].to_numpy() if "analyst" in ratings else None,
            "sample": ratings["sample"].fillna(False).astype(bool).to_numpy()
            if "sample" in ratings
            else False,
        }
    )
    sm = _symbol_frame(con, rq["symbol"].unique().tolist(), markets or {}, benchmarks)
    first = pd.Timestamp(rq["date"].min()).date()
    last = pd.Timestamp(rq["date"].max()).date()
    daymap = day_session_map(
        [m for m in [*sm["market"], *sm["bench_market"]] if m],
        first - dt.timedelta(days=31),
        _add_months(last, max(horizons)) + dt.timedelta(days=1),
    )
    hz = pd.DataFrame({"horizon": list(horizons)})
    names = {"sw_rq": rq, "sw_sm": sm, "sw_daymap": daymap, "sw_hz": hz}
    for name, frame in names.items():
        con.register(name, frame)
    try:
        out = con.execute(_query(scales), [as_of or dt.date(9999, 12, 31)]).df()
    finally:
        for name in names:
            con.unregister(name)
    return _tidy(out)


def _query(scales: RatingScales) -> str:
    band = band_case_sql(scales, "excess_pct", "scale")
    return f"""
WITH px AS MATERIALIZED (
    SELECT symbol, date, close, adj_close, volume, adjustment FROM prices
    WHERE date <= $1
      AND symbol IN (SELECT symbol FROM sw_sm UNION SELECT bench FROM sw_sm)
),
last AS (SELECT symbol, max(date) AS last_date FROM px GROUP BY symbol),
base AS (
    SELECT r.symbol, CAST(r.date AS DATE) AS rating_date, r.rating, r.scale, r.analyst,
           r.sample, h.horizon, sm.market, sm.bench, sm.bench_market,
           CAST(CAST(r.date AS DATE) + to_months(h.horizon) AS DATE) AS target_end
    FROM sw_rq r CROSS JOIN sw_hz h LEFT JOIN sw_sm sm USING (symbol)
),
dm AS (SELECT market, CAST(day AS DATE) AS day, CAST(session AS DATE) AS session
       FROM sw_daymap),
sess AS (
    SELECT b.*, cs.session AS start_date, ce.session AS end_date,
           bs.session AS bench_start, be.session AS bench_end,
           ls.last_date AS stock_last, lb.last_date AS bench_last
    FROM base b
    LEFT JOIN dm cs ON cs.market = b.market AND cs.day = b.rating_date
    LEFT JOIN dm ce ON ce.market = b.market AND ce.day = b.target_end
    LEFT JOIN dm bs ON bs.market = b.bench_market AND bs.day = b.rating_date
    LEFT JOIN dm be ON be.market = b.bench_market AND be.day = b.target_end
    LEFT JOIN last ls ON ls.symbol = b.symbol
    LEFT JOIN last lb ON lb.symbol = b.bench
),
flags AS (
    SELECT *,
        coalesce(end_date <= stock_last AND bench_end <= bench_last, false) AS complete,
        coalesce(start_date <= stock_last, false) AS s_started,
        coalesce(bench_start <= bench_last, false) AS b_started
    FROM sess
),
measure AS (
    SELECT *,
        CASE WHEN complete THEN end_date
             ELSE least(coalesce(end_date, stock_last), stock_last,
                        coalesce(bench_last, stock_last)) END AS stock_to,
        s_started AND b_started AS started,
        CASE WHEN complete THEN bench_end
             ELSE least(coalesce(bench_end, bench_last), bench_last, stock_last) END AS bench_to
    FROM flags
),
priced AS (
    SELECT m.*,
        p0.close AS s0c, p0.adj_close AS s0a,
        p1.close AS s1c, p1.adj_close AS s1a, p1.date AS end_close_date,
        p1.volume AS s1v, p1.adjustment AS adjustment,
        b0.close AS b0c, b0.adj_close AS b0a, b1.close AS b1c, b1.adj_close AS b1a
    FROM measure m
    ASOF LEFT JOIN px p0 ON p0.symbol = m.symbol AND m.start_date >= p0.date
    ASOF LEFT JOIN px p1 ON p1.symbol = m.symbol AND m.stock_to >= p1.date
    ASOF LEFT JOIN px b0 ON b0.symbol = m.bench AND m.bench_start >= b0.date
    ASOF LEFT JOIN px b1 ON b1.symbol = m.bench AND m.bench_to >= b1.date
),
returns AS (
    SELECT *,
        (s0a IS NOT NULL AND s1a IS NOT NULL) AS s_adj,
        (b0a IS NOT NULL AND b1a IS NOT NULL) AS b_adj,
        s_started AND stock_to >= start_date AS measured,
        s_started AND b_started AND stock_to >= start_date AND bench_to >= bench_start
            AS b_measured
    FROM priced
),
pct AS (
    SELECT *,
        CASE WHEN measured THEN
            (CASE WHEN s_adj THEN s1a / s0a ELSE s1c / s0c END - 1) * 100 END AS s_ret,
        CASE WHEN b_measured THEN
            (CASE WHEN b_adj THEN b1a / b0a ELSE b1c / b0c END - 1) * 100 END AS b_ret
    FROM returns
),
excess AS (
    SELECT *, round(s_ret - b_ret, {BAND_DECIMALS}) AS excess_pct FROM pct
),
judged AS (
    SELECT *,
        CASE
            WHEN market IS NULL OR stock_last IS NULL THEN 'no_data'
            WHEN bench IS NULL OR bench_last IS NULL THEN 'no_benchmark'
            WHEN NOT started AND start_date IS NULL AND rating_date <= stock_last
                THEN 'no_data'
            WHEN NOT started THEN 'pending'
            WHEN s0c IS NULL THEN 'no_data'
            WHEN b0c IS NULL THEN 'no_benchmark'
            WHEN NOT complete THEN 'pending'
            WHEN ({band}) = rating THEN 'hit'
            ELSE 'miss'
        END AS status
    FROM excess
)
SELECT symbol, market, rating_date AS date, rating, scale, analyst, horizon,
    start_date, end_date,
    CASE WHEN measured THEN stock_to END AS as_of_date,
    CASE WHEN s0c IS NOT NULL THEN CASE WHEN s_adj THEN s0a ELSE s0c END END AS start_close,
    CASE WHEN measured AND s0c IS NOT NULL THEN CASE WHEN s_adj THEN s1a ELSE s1c END END
        AS end_close,
    CASE WHEN measured AND s0c IS NOT NULL THEN end_close_date END AS end_close_date,
    CASE WHEN measured AND s0c IS NOT NULL
         THEN end_close_date < stock_to OR coalesce(s1v = 0, false) END AS suspended_at_end,
    round(s_ret, {BAND_DECIMALS}) AS stock_return_pct,
    bench AS benchmark,
    CASE WHEN b0c IS NOT NULL THEN CASE WHEN b_adj THEN b0a ELSE b0c END END
        AS benchmark_start_close,
    CASE WHEN b_measured AND b0c IS NOT NULL THEN CASE WHEN b_adj THEN b1a ELSE b1c END END
        AS benchmark_end_close,
    round(b_ret, {BAND_DECIMALS}) AS benchmark_return_pct,
    CASE WHEN status IN ('hit', 'miss', 'pending') THEN excess_pct END AS excess_pct,
    CASE WHEN status IN ('hit', 'miss') THEN {band} END AS realized_rating,
    status,
    CASE WHEN s_ret IS NULL THEN NULL WHEN s_adj THEN 'adjusted' ELSE 'unadjusted' END
        AS price_basis,
    CASE WHEN measured AND s0c IS NOT NULL THEN adjustment END AS adjustment,
    sample
FROM judged
ORDER BY date, symbol, horizon
"""


def _tidy(out: pd.DataFrame) -> pd.DataFrame:
    out["horizon"] = [horizon_label(int(h)) for h in out["horizon"]]
    for col in ("date", "start_date", "end_date", "as_of_date", "end_close_date"):
        out[col] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in out[col]]
    return out[OUTPUT_COLUMNS]


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
