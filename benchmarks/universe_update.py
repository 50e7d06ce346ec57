"""Count the requests of ``update --universe CN_A`` and time it over real sockets.

Run:  .venv/bin/python benchmarks/universe_update.py [--stocks 5094] [--fill 500] [--rate 2.0]

Every Eastmoney host is answered by the tests' local HTTPS server (tests/wire_server.py) from the
real market slice (../shared/data/market, tests/market_wire.py), through the installed AKShare.
Three runs, each on a fresh store, stood on 2024-10-11 at 20:00 in Shanghai (after the close):

* daily: the store ends 2024-10-10; the snapshot of ``--stocks`` stocks brings 2024-10-11;
* weekly: the store ends 2024-09-30 for ``--fill`` stocks; each is asked once (10-08..10-11);
* first: an empty store, ``--fill`` stocks from 2024-08-20 (a first fill asks the same one
  request per stock whatever the range).

Printed per run: requests per host, wall seconds at the local server (``--rate`` per host, the
library's own 0.5–1.5 s sleep between list pages included) and the seconds per stock the run
spends besides waiting for its turn (parsing, checks, one commit per stock). The README's
figures for the whole market at the default pacing are computed from these counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from market_wire import Market, load_slice  # noqa: E402
from sectorweekly import store  # noqa: E402
from sectorweekly.markets.calendars import Calendars  # noqa: E402
from sectorweekly.update.run import UpdateOptions  # noqa: E402
from sectorweekly.update.universe import run_universe  # noqa: E402
from wire_server import wire_server  # noqa: E402

D = dt.date
NOW = dt.datetime(2024, 10, 11, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ST = {"002693": "*ST示例"}  # a placeholder of the list's shape: the slice has no ST status


def one(server, bars, through: D | None, since: D | None, rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.duckdb"
        if through is not None:
            seed = bars[bars["date"] <= through].assign(pre_close=None, source="seed")
            store.ingest(path, "cn-bars", seed)
        server.reset(Market(bars, D(2024, 10, 11), st=dict(ST)).faults())
        options = UpdateOptions(rate=rate, workers=4, budget=None, since=since)
        t0 = time.perf_counter()
        summary = run_universe(path, options, Calendars.build(today=NOW.date()), now=NOW)
        wall = time.perf_counter() - t0
        print(f"  {summary.line()}")
        print(f"  requests per host: {server.per_host()}; wall {wall:.1f} s")
        if summary.filled:
            print(f"  per stock asked: {wall / summary.filled:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stocks", type=int, default=5094)
    parser.add_argument("--fill", type=int, default=500)
    parser.add_argument("--rate", type=float, default=2.0)
    args = parser.parse_args()
    everything = load_slice()
    codes = sorted(everything["symbol"].unique())
    with wire_server() as server:
        market = everything[everything["symbol"].isin(codes[: args.stocks])]
        print(f"daily increment, {market['symbol'].nunique()} stocks:")
        one(server, market, D(2024, 10, 10), None, args.rate)
        if not args.fill:
            return
        fill = everything[everything["symbol"].isin(codes[: args.fill])]
        print(f"weekly increment, {args.fill} stocks:")
        one(server, fill, D(2024, 9, 30), None, args.rate)
        print(f"first fill, {args.fill} stocks from 2024-08-20:")
        one(server, fill, None, D(2024, 8, 20), args.rate)


if __name__ == "__main__":
    main()
