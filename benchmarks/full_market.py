"""Time the weekly review on a synthetic full market (~14,000 symbols, CN_A + HK + US).

Run:  .venv/bin/python benchmarks/full_market.py [--years 1 20] [--symbols 14000]

For each history length it builds a synthetic DuckDB store with the project's own schema
(rows appended date by date, as weekly updates append them), then times:
  * the review engine (`analysis.market.compute_moves`) for the week 2024-10-07..10-09;
  * a plain pandas per-symbol loop doing the same work (base/end close, change, week high,
    limit-up flags and the streak at the window end) on the same rows, for the ratio.
Prices are synthetic and labelled so; the timings are what matters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from sectorweekly import store
from sectorweekly.analysis.market import MemberSpec, Window, compute_moves
from sectorweekly.markets.calendars import Calendars
from sectorweekly.markets.cn_limits import LIMIT_RULES, board_of

WINDOW = Window(dt.date(2024, 10, 7), dt.date(2024, 10, 9))
SPLIT = {"CN_A": 0.38, "HK": 0.19, "US": 0.43}


def symbols(total: int) -> pd.DataFrame:
    n_cn = int(total * SPLIT["CN_A"])
    n_hk = int(total * SPLIT["HK"])
    n_us = total - n_cn - n_hk
    prefixes = ["600", "601", "603", "000", "002", "300", "688"]
    cn = [f"{prefixes[i % len(prefixes)]}{i // len(prefixes):03d}" for i in range(n_cn)]
    hk = [f"{i + 1:04d}.HK" for i in range(n_hk)]
    us = [f"US{i:05d}" for i in range(n_us)]
    return pd.DataFrame(
        {"symbol": cn + hk + us, "market": ["CN_A"] * n_cn + ["HK"] * n_hk + ["US"] * n_us}
    )


def build_store(path: Path, syms: pd.DataFrame, years: int) -> int:
    """Append synthetic bars year by year, date-major, through the project's schema."""
    con = duckdb.connect(str(path))
    store._init(con)
    con.register("syms", syms.assign(sid=range(len(syms))))
    end = WINDOW.end + dt.timedelta(days=7)
    start = dt.date(end.year - years, end.month, 1)
    rows = 0
    for year in range(start.year, end.year + 1):
        lo, hi = max(start, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31))
        frames = [
            pd.DataFrame({"market": m, "date": Calendars.build().sessions(m, lo, hi)})
            for m in SPLIT
        ]
        sess = pd.concat(frames, ignore_index=True)
        sess["t"] = (pd.to_datetime(sess["date"]) - pd.Timestamp("2000-01-01")).dt.days
        con.register("sess", sess)
        # a smooth path per symbol plus hashed noise; some A-share days land on +10%/+20%
        con.execute(
            """
            INSERT INTO prices (symbol, market, date, open, high, low, close, volume,
                                volume_unit, adjustment, adj_close, source)
            SELECT symbol, market, date,
                   round(c * 0.995, 2) AS open, round(c * 1.01, 2) AS high,
                   round(c * 0.985, 2) AS low, c AS close, 1e6 AS volume, 'shares',
                   'synthetic', NULL, 'synthetic benchmark data'
            FROM (
                SELECT s.symbol, s.market, d.date,
                       round(10 + 5 * sin(d.t / 40.0 + s.sid)
                             + (hash(s.sid, d.t) % 100) / 100.0, 2) AS c
                FROM syms s JOIN sess d USING (market)
            ) ORDER BY date, symbol
            """
        ).fetchall()
        rows += con.execute("SELECT count(*) FROM prices WHERE year(date) = ?", [year]).fetchall()[
            0
        ][0]
        con.unregister("sess")
    con.execute("CHECKPOINT").fetchall()
    con.close()
    return rows


def limit_pct(board: str, day: dt.date) -> int:
    """The baseline's own lookup of the non-ST limit (the package has it once, in SQL)."""
    for r in LIMIT_RULES:
        if r.board == board and not r.st and r.start <= day and (r.end is None or day < r.end):
            return r.pct
    return 0


def limit_up(prev_close: float, pct: int) -> float:
    """prev × (1 + pct%) rounded half-up to the cent, as the baseline computes it."""
    return ((round(prev_close * 100) * (100 + pct) + 50) // 100) / 100


def pandas_loop(con: duckdb.DuckDBPyConnection, syms: pd.DataFrame) -> int:
    """The same work done the plain way: one pandas frame per symbol, Python per row."""
    views = {m: Calendars.build().market_window(m, WINDOW.start, WINDOW.end) for m in SPLIT}
    lo = min(Calendars.build().sessions_back(m, v.base_date, 30) for m, v in views.items())
    frame = con.execute(
        "SELECT symbol, market, date, high, close FROM prices WHERE date BETWEEN ? AND ?",
        [lo, WINDOW.end],
    ).df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    done = 0
    for symbol, g in frame.groupby("symbol", sort=False):
        g = g.sort_values("date")
        view = views[g["market"].iloc[0]]
        base = g.loc[g["date"] <= view.base_date, "close"].iloc[-1]
        endc = g.loc[g["date"] <= view.end_date, "close"].iloc[-1]
        _change = round((endc / base - 1) * 100, 2)
        _high = g.loc[g["date"] > view.base_date, "high"].max()
        board = board_of(str(symbol))
        streak = 0
        if board:
            closes, highs, dates = g["close"].tolist(), g["high"].tolist(), g["date"].tolist()
            hits = []
            for i in range(1, len(closes)):
                up = limit_up(closes[i - 1], limit_pct(board, dates[i]))
                hits.append(closes[i] == up or highs[i] == up)
            for hit in reversed(hits):
                if not hit:
                    break
                streak += 1
        done += 1
    return done


def time_it(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--symbols", type=int, default=14000)
    parser.add_argument(
        "--context",
        action="store_true",
        help="time 全市场周度复盘 instead (full_market_context.py)",
    )
    args = parser.parse_args()
    if args.context:
        from full_market_context import main as context_main

        context_main(["--years", *map(str, args.years)])
        return
    syms = symbols(args.symbols)
    specs = [MemberSpec(s, m) for s, m in zip(syms["symbol"], syms["market"], strict=True)]
    for market in SPLIT:  # the calendars built before anything is timed
        Calendars.build().all_sessions(market)
    print(
        f"symbols: {len(syms)} ({', '.join(f'{m} {int((syms.market == m).sum())}' for m in SPLIT)})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for years in args.years:
            path = Path(tmp) / f"market_{years}y.duckdb"
            t0 = time.perf_counter()
            rows = build_store(path, syms, years)
            built = time.perf_counter() - t0
            size = path.stat().st_size / 2**20
            con = duckdb.connect(str(path), read_only=True)
            engine, (moves, _) = time_it(
                lambda c=con: compute_moves(c, Calendars.build(), specs, WINDOW)
            )
            loop, n_loop = time_it(lambda c=con: pandas_loop(c, syms), repeat=1)
            con.close()
            assert len(moves) == len(syms) == n_loop
            print(
                f"{years:>2} y history: {rows:>11,} rows, store {size:,.0f} MiB (built in {built:.0f}s) | "
                f"review engine {engine:.3f}s (median of 5) | pandas per-symbol loop {loop:.2f}s | "
                f"ratio {loop / engine:.0f}x"
            )


if __name__ == "__main__":
    main()
