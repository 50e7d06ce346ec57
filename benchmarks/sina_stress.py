"""Sina index histories from several threads: ``runs`` runs of ``workers`` threads, no crash.

AKShare decodes Sina's scripts in a V8 isolate (py-mini-racer); the provider serialises every
use of an isolate with one lock (not the HTTP request around it). The recorded payloads under tests/fixtures/providers/wire are served
through the real requests stack (``responses``); nothing leaves the machine.

    python benchmarks/sina_stress.py [--runs 20] [--workers 4] [--calls 8] [--no-lock]

Exit code 0 and a summary line when every run finished; a crash ends the process (the
caller sees the signal, e.g. -11 for a segfault). ``--no-lock`` shows what the lock prevents.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from sectorweekly.providers import akshare as ak_provider
from sectorweekly.providers.base import PriceQuery
from wire_replay import akshare_wire

QUERIES = [
    PriceQuery("HSI", "HK", dt.date(2025, 6, 3), dt.date(2025, 6, 30), "index"),
    PriceQuery("^GSPC", "US", dt.date(2025, 6, 3), dt.date(2025, 6, 30), "index"),
    PriceQuery("^IXIC", "US", dt.date(2025, 6, 3), dt.date(2025, 6, 30), "index"),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--calls", type=int, default=8, help="Sina calls per run")
    parser.add_argument("--no-lock", action="store_true")
    args = parser.parse_args()
    if args.no_lock:
        ak_provider.serialise_v8 = lambda: None  # type: ignore[assignment]
    provider = ak_provider.AkshareProvider()
    started = time.perf_counter()
    rows = 0
    with akshare_wire():
        for _ in range(args.runs):
            with ThreadPoolExecutor(args.workers) as pool:
                jobs = [QUERIES[i % len(QUERIES)] for i in range(args.calls)]
                for frame in pool.map(provider.prices, jobs):
                    rows += len(frame)
    seconds = time.perf_counter() - started
    print(
        f"{args.runs} runs x {args.workers} workers x {args.calls} Sina calls: "
        f"{rows} rows, no crash, {seconds:.1f} s ({'no lock' if args.no_lock else 'V8 lock'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
