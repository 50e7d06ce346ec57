"""Time the 全市场周度复盘 (``analysis.market_context``) for one week over the whole A-share market.

Run:  .venv/bin/python benchmarks/full_market_context.py [--years 1 20] [--stocks 5100]
(also ``benchmarks/full_market.py --context``)

It times, side by side in one run and on the same rows:
  * the section's figures from the store (``market_context``: breadth, limit board, ladder,
    turnover, industries, for the week 2024-10-07..10-09 and the week before);
  * a plain vectorised pandas version of the same rules (groupby-shift previous close, rounded
    limit prices in integer cents, cumulative limit-up runs, groupby counts), reading the same
    window of rows.
First on the real slice (../shared/data/market, when present: the two must agree figure for
figure), then on synthetic stores of ``--stocks`` codes with 1 and 20 years of bars appended
date by date (prices labelled synthetic; the timings are what matters).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from sectorweekly import store
from sectorweekly.analysis.market_context import LOOKBACK_SESSIONS, market_context
from sectorweekly.markets.calendars import Calendars
from sectorweekly.markets.codes import a_share_exchange, board_of

START, END = dt.date(2024, 10, 7), dt.date(2024, 10, 9)
MARKET_DIR = Path("/work/shared/data/market")
PREFIXES = ["600", "601", "603", "605", "000", "001", "002", "300", "301", "688"]


def pandas_context(con: duckdb.DuckDBPyConnection, cals: Calendars) -> dict[str, object]:
    """The same figures the plain way: one frame, vectorised pandas, the same read."""
    view = cals.market_window("CN_A", START, END)
    last = cals.market_window("CN_A", START - dt.timedelta(7), END - dt.timedelta(7))
    lo = cals.sessions_back("CN_A", last.base_date, LOOKBACK_SESSIONS)
    f = con.execute(
        "SELECT symbol, date, open, high, low, close, amount FROM cn_bars "
        "WHERE date BETWEEN ? AND ?",
        [lo, view.end_date],
    ).df()
    boards = con.execute("SELECT symbol, board FROM cn_universe").df()
    f = f.merge(boards, on="symbol").sort_values(["symbol", "date"], ignore_index=True)
    f["prev"] = f.groupby("symbol")["close"].shift(1)
    pct = np.where(f["board"].isin(["star", "chinext"]), 20, 10)
    p = np.round(f["prev"].to_numpy() * 100)
    c, h = np.round(f["close"] * 100), np.round(f["high"] * 100)
    o, lw = np.round(f["open"] * 100), np.round(f["low"] * 100)
    up, dn = (p * (100 + pct) + 50) // 100, (p * (100 - pct) + 50) // 100
    st_up, st_dn = (p * 105 + 50) // 100, (p * 95 + 50) // 100
    amb = (pct == 10) & ((c == st_up) | (c == st_dn))
    f["up"] = (c == up) & ~amb
    f["down"] = (c == dn) & ~amb
    f["broken"] = (h >= up) & (c < up) & ~amb
    f["one"] = f["up"] & (o == c) & (h == c) & (lw == c)
    f["amb"] = amb
    f["rise"], f["fall"], f["same"] = c > p, c < p, c == p
    run = (~f["up"]).groupby(f["symbol"]).cumsum()
    f["streak"] = f.groupby([f["symbol"], run])["up"].cumsum().where(f["up"], 0)
    f["prev_up"] = f.groupby("symbol")["up"].shift(1, fill_value=False)
    f["promoted"] = f["prev_up"] & f["up"]
    out: dict[str, object] = {}
    for name, v in (("week", view), ("last", last)):
        days = f[f["date"].isin(pd.to_datetime(list(v.sessions)))]
        daily = days.groupby("date")[
            ["rise", "same", "fall", "up", "one", "down", "broken", "amb", "prev_up", "promoted"]
        ].sum()
        daily["amount"] = days.groupby("date")["amount"].sum()
        upto = f[f["date"] <= pd.Timestamp(v.end_date)]
        before = upto["date"] <= pd.Timestamp(v.base_date)
        base = upto[before].groupby("symbol")["close"].last()
        end = upto[~before].groupby("symbol")["close"].last()
        change = ((end / base).dropna() - 1) * 100
        buckets = np.bincount(
            np.select(
                [
                    change < -5,
                    change < -3,
                    change < -1,
                    change < 0,
                    change <= 1,
                    change <= 3,
                    change <= 5,
                ],
                range(7),
                7,
            ),
            minlength=8,
        )
        top = f[(f["date"] == pd.Timestamp(v.end_date)) & (f["streak"] > 0)]
        out[name] = {
            "daily": daily.astype(float).round(2).to_numpy().tolist(),
            "up": int((change > 0).sum()),
            "down": int((change < 0).sum()),
            "buckets": buckets.tolist(),
            "ladder": top.groupby("streak")["symbol"].apply(sorted).to_dict(),
            "change": change,
        }
    day = pd.Timestamp(view.end_date)
    sw = con.execute(
        "SELECT symbol, arg_max(industry_code, included_on) AS code FROM sw_membership "
        "WHERE included_on <= ? GROUP BY symbol",
        [day.date()],
    ).df()
    ch = out["week"]["change"].rename("chg").reset_index()  # type: ignore[index]
    ch = ch.merge(sw, on="symbol")
    out["industries"] = ch.groupby(ch["code"].str[:2])["chg"].mean().sort_values().to_dict()
    return out


def engine(con: duckdb.DuckDBPyConnection, cals: Calendars):
    return market_context(con, cals, START, END, "电子", ["688256", "688981", "601138"])


def agree(ctx, pandas: dict) -> None:
    """The two agree on every count (the check that they do the same work)."""
    for name, w in (("week", ctx.week), ("last", ctx.last)):
        mine = [
            [d.up, d.flat, d.down, d.limit_up, d.one_price, d.limit_down, d.broken,
             d.st_ambiguous, d.prev_up, d.promoted, round(d.amount, 2)]
            for d in w.days
        ]  # fmt: skip
        assert mine == pandas[name]["daily"], (name, mine, pandas[name]["daily"])
        assert w.buckets == pandas[name]["buckets"] and w.up == pandas[name]["up"]
        ladder = {r.height: sorted(r.symbols) for r in w.ladder}
        assert ladder == pandas[name]["ladder"], name


def interleaved(fns: list, repeat: int = 7) -> list[tuple[float, object]]:
    """Median seconds of each function, run in turns (a shared machine's load falls on both)."""
    times: list[list[float]] = [[] for _ in fns]
    results: list[object] = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            results[i] = fn()
            times[i].append(time.perf_counter() - t0)
    return [(statistics.median(t), r) for t, r in zip(times, results, strict=True)]


def side_by_side(path: Path, label: str, check: bool) -> None:
    cals = Calendars.build()
    cals.all_sessions("CN_A")
    con = duckdb.connect(str(path), read_only=True)
    try:
        (t_engine, ctx), (t_pandas, pd_out) = interleaved(
            [lambda: engine(con, cals), lambda: pandas_context(con, cals)]
        )
    finally:
        con.close()
    if check:
        agree(ctx, pd_out)  # type: ignore[arg-type]
    stocks = ctx.week.counted + ctx.week.suspended + ctx.week.no_base  # type: ignore[attr-defined]
    print(
        f"{label}: {stocks:,} stocks | section {t_engine:.3f}s | pandas {t_pandas:.3f}s "
        f"(medians of 7, in turns) | pandas/section {t_pandas / t_engine:.1f}x"
        + (" | figures agree" if check else "")
    )


def synthetic_store(path: Path, stocks: int, years: int) -> int:
    """Bars appended year by year, date-major, as weekly updates append them."""
    syms = [f"{PREFIXES[i % len(PREFIXES)]}{i // len(PREFIXES):03d}" for i in range(stocks)]
    con = duckdb.connect(str(path))
    store._init(con)
    uni = pd.DataFrame({"symbol": syms, "exchange": [a_share_exchange(s) for s in syms],
                        "board": [board_of(s) for s in syms]})  # fmt: skip
    con.register("uni", uni.assign(sid=range(len(uni))))
    con.execute(
        "INSERT INTO cn_universe (symbol, exchange, board, source, as_of) "
        "SELECT symbol, exchange, board, 'synthetic', DATE '2024-10-11' FROM uni"
    ).fetchall()
    level1 = [f"{i:02d}0000" for i in range(11, 42)]
    con.execute(
        "INSERT INTO sw_codes (industry_code, level1, source) "
        "SELECT code, 'industry ' || code, 'synthetic' FROM unnest($c) t(code)",
        {"c": level1},
    ).fetchall()
    con.execute(
        "INSERT INTO sw_membership (symbol, included_on, industry_code, source) "
        "SELECT symbol, DATE '2000-01-01', $c[1 + sid % 31], 'synthetic' FROM uni",
        {"c": level1},
    ).fetchall()
    end = END + dt.timedelta(days=7)
    rows = 0
    for year in range(end.year - years, end.year + 1):
        lo = max(dt.date(end.year - years, end.month, 1), dt.date(year, 1, 1))
        hi = min(end, dt.date(year, 12, 31))
        sess = pd.DataFrame({"date": Calendars.build().sessions("CN_A", lo, hi)})
        sess["t"] = (pd.to_datetime(sess["date"]) - pd.Timestamp("2000-01-01")).dt.days
        con.register("sess", sess)
        con.execute(
            """
            INSERT INTO cn_bars (symbol, date, open, high, low, close, volume, amount, source)
            SELECT symbol, date, round(c * 0.995, 2), round(c * 1.01, 2), round(c * 0.985, 2),
                   c, 1e6, c * 1e6, 'synthetic benchmark data'
            FROM (SELECT u.symbol, d.date,
                         round(10 + 5 * sin(d.t / 40.0 + u.sid) + (hash(u.sid, d.t) % 100) / 100.0,
                               2) AS c
                  FROM uni u CROSS JOIN sess d) ORDER BY date, symbol
            """
        ).fetchall()
        con.unregister("sess")
    rows = con.execute("SELECT count(*) FROM cn_bars").fetchall()[0][0]
    con.execute("CHECKPOINT").fetchall()
    con.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--stocks", type=int, default=5100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if MARKET_DIR.is_dir():
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            from market_store import fill_market_store

            real = fill_market_store(Path(tmp) / "slice.duckdb")
            side_by_side(real, "real slice 2024-08-20..10-11", check=True)
        for years in args.years:
            path = Path(tmp) / f"synthetic_{years}y.duckdb"
            t0 = time.perf_counter()
            rows = synthetic_store(path, args.stocks, years)
            built = time.perf_counter() - t0
            size = path.stat().st_size / 2**20
            side_by_side(
                path,
                f"synthetic {years:>2} y ({rows:,} rows, {size:,.0f} MiB, built {built:.0f}s)",
                check=True,
            )


if __name__ == "__main__":
    main()
