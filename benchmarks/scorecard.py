"""Time the rating scorecard on a synthetic store: 1,000,000 ratings over 5,000 symbols x 5 years.

Run: .venv/bin/python benchmarks/scorecard.py [--symbols N] [--ratings N] [--years N]
     [--runs N] [--store PATH]

The store is built in a temporary DuckDB file (the same schema as a desk's store; ``--store``
keeps it and reuses it next time); the timed call is ``analysis.scorecard.evaluate``, the very
function the CLI and the report use, each run in a new process on a new connection (the
calendar loaded first, as a CLI run has it before it evaluates). Figures are medians of
``--runs`` processes; nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from sectorweekly import store
from sectorweekly.analysis.scorecard import evaluate, summarise
from sectorweekly.desk.parse import Ratings
from sectorweekly.desk.rating_scale import RatingScales
from sectorweekly.markets.calendars import Calendars
from sectorweekly.store import schema

BENCH = "000300"


def build_store(path: Path, n_symbols: int, years: int) -> tuple[int, list[dt.date]]:
    """Synthetic A-share prices on real XSHG sessions; half the symbols carry adj_close."""
    start, end = dt.date(2019, 1, 2), dt.date(2019 + years - 1, 12, 31)
    days = Calendars.build().sessions("CN_A", start, end)
    con = duckdb.connect(str(path))
    schema.create_all(con)
    con.register("sess", pd.DataFrame({"date": days, "i": range(len(days))}))
    con.register("syms", pd.DataFrame({"k": range(n_symbols + 1)}))
    con.execute(
        f"""
        INSERT INTO instruments
        SELECT CASE WHEN k = 0 THEN '{BENCH}' ELSE 'S' || lpad(k::VARCHAR, 5, '0') END,
               'CN_A', NULL, 'CNY' FROM syms
        """
    ).fetchall()
    con.execute(
        f"""
        INSERT INTO prices (symbol, market, date, open, high, low, close, volume, volume_unit,
                            adjustment, adj_close, source, fetched_at)
        SELECT CASE WHEN k = 0 THEN '{BENCH}' ELSE 'S' || lpad(k::VARCHAR, 5, '0') END,
               'CN_A', date, NULL, NULL, NULL,
               20 + 10 * sin(k + i / 40.0) + (hash(k, i) % 100) / 100.0 AS close,
               1000, 'shares', 'none',
               CASE WHEN k % 2 = 1 THEN 0.9 * (20 + 10 * sin(k + i / 40.0)) END,
               'synthetic', NULL
        FROM syms CROSS JOIN sess
        -- a few symbols start late (no data at their earliest ratings)
        WHERE NOT (k % 97 = 3 AND i < 300)
        """
    ).fetchall()
    rows = con.execute("SELECT count(*) FROM prices").fetchall()[0][0]
    con.execute("CHECKPOINT").fetchall()
    con.close()
    return rows, days


def synthetic_ratings(n: int, n_symbols: int, days: list[dt.date], seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = np.datetime64(days[0], "D")
    span = (np.datetime64(days[-1], "D") - first).astype(int)
    names = np.array(["买入", "持有", "中性", "回避", "卖出"])
    return pd.DataFrame(
        {
            "symbol": np.char.add(
                "S", np.char.zfill(rng.integers(1, n_symbols + 1, n).astype(str), 5)
            ),
            "date": first + rng.integers(0, span, n).astype("timedelta64[D]"),
            "rating": names[rng.integers(0, 5, n)],
            "analyst": np.array(["A", "B", "C"])[rng.integers(0, 3, n)],
        }
    )


def measure(path: Path, args: argparse.Namespace, horizons: tuple[int, ...]) -> dict:
    """One run, as a ``ratings evaluate`` process sees it: the calendar loaded (a 1,000-rating
    warm-up), then the million ratings on a new connection; then 3 more on that connection."""
    scales = RatingScales.from_desk(Ratings())
    days = Calendars.build().sessions(
        "CN_A", dt.date(2019, 1, 2), dt.date(2018 + args.years, 12, 31)
    )
    ratings = synthetic_ratings(args.ratings, args.symbols, days)
    bench = {"CN_A": BENCH}
    with store.reader(path) as con:
        evaluate(con, Calendars.build(), ratings.head(1000), scales, bench, None, horizons)
    with store.reader(path) as con:  # a new connection, as each CLI run opens one
        t0 = time.perf_counter()
        out = evaluate(con, Calendars.build(), ratings, scales, bench, None, horizons)
        t_eval = time.perf_counter() - t0
        again = []
        for _ in range(3):  # the same connection, its buffers warm (a report build)
            t0 = time.perf_counter()
            evaluate(con, Calendars.build(), ratings, scales, bench, None, horizons)
            again.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    summary = summarise(out, scales)
    t_sum = time.perf_counter() - t0
    overall = summary[f"{horizons[0]}M"]["overall"]
    return {
        "rows": len(out),
        "new": t_eval,
        "warm": statistics.median(again),
        "summary": t_sum,
        "statuses": {str(k): int(v) for k, v in out["status"].value_counts().items()},
        "hit_rate": overall["hit_rate_pct"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--symbols", type=int, default=5000)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per horizon set")
    parser.add_argument("--store", type=Path, help="keep the synthetic store here (reused)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child run: horizons, e.g. 6,12
    args = parser.parse_args()
    if args.one:
        horizons = tuple(int(h) for h in args.one.split(","))
        print(json.dumps(measure(args.store, args, horizons)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "store.duckdb"
        t0 = time.perf_counter()
        if path.exists():
            print(f"store: {path} (reused)")
        else:
            rows, days = build_store(path, args.symbols, args.years)
            size = path.stat().st_size / 1e6
            print(
                f"store: {args.symbols:,} symbols x {len(days):,} sessions = {rows:,} price rows, "
                f"{size:.0f} MB, built in {time.perf_counter() - t0:.1f} s"
            )
        for horizons in ((6,), (6, 12)):
            label = "+".join(f"{h}M" for h in horizons)
            runs = []
            for _ in range(args.runs):  # a new process each time, as each CLI run is
                load = os.getloadavg()[0]
                child = subprocess.run(
                    [sys.executable, __file__, "--store", str(path), "--one",
                     ",".join(map(str, horizons)), "--symbols", str(args.symbols),
                     "--ratings", str(args.ratings), "--years", str(args.years)],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                runs.append({**json.loads(child.stdout), "load": load})
            new = [r["new"] for r in runs]
            last = runs[-1]
            print(
                f"evaluate {args.ratings:,} ratings, horizon {label}: {last['rows']:,} rows; "
                f"new process and connection: median {statistics.median(new):.2f} s "
                f"(min {min(new):.2f}, max {max(new):.2f}, n={len(new)}); warm connection "
                f"{statistics.median(r['warm'] for r in runs):.2f} s; summary "
                f"{statistics.median(r['summary'] for r in runs):.2f} s; load average "
                f"{min(r['load'] for r in runs):.1f}-{max(r['load'] for r in runs):.1f}; "
                f"statuses {last['statuses']}; {horizons[0]}M hit rate {last['hit_rate']}%"
            )


if __name__ == "__main__":
    main()
