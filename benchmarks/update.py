"""The weekly update of 20 symbols over real sockets, with and without each fault on the wire.

Every host (Eastmoney, Sina, Yahoo) is answered by the local HTTPS server of the tests
(tests/wire_server.py) through a CONNECT proxy: the installed AKShare and yfinance send real
requests, paced at the update's default rate, with real backoff sleeps. Each scenario starts
from the demo desk cut at 2025-06-20 and asks for the week to 2025-06-30; nothing leaves the
machine.

    python benchmarks/update.py [--rate 2.0] [--deadline 30] [--budget 300] [--only NAME ...]

Prints, per scenario, the wall time, the symbols delivered / failed / skipped / incomplete, the
rows stored and the requests each host received.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import yfinance as yf  # noqa: E402

from sectorweekly import store  # noqa: E402
from sectorweekly.desk.parse import load_desk  # noqa: E402
from sectorweekly.desk.paths import store_path  # noqa: E402
from sectorweekly.providers.akshare import AkshareProvider  # noqa: E402
from sectorweekly.providers.yfinance import YfinanceProvider  # noqa: E402
from sectorweekly.update.run import UpdateOptions, run_update  # noqa: E402
from sectorweekly.update.workspace import prepare  # noqa: E402
from wire_server import (  # noqa: E402
    PORTAL,
    THROTTLED,
    Fault,
    gzip_corrupt,
    reset,
    trickle,
    truncated,
    wire_server,
    yahoo_session,
)

DEMO = ROOT / "src" / "sectorweekly" / "demo" / "desk"
CUT = dt.date(2025, 6, 20)
NOW = dt.datetime(2025, 6, 30, 23, 0, tzinfo=dt.UTC)
SYMBOLS = (
    "688256", "688047", "688981", "688702", "300308", "601138", "300502", "002837", "002463",
    "300476", "0981.HK", "0020.HK", "NVDA", "INTC", "AMD", "TSM", "000300", "HSI", "^GSPC",
    "^IXIC",
)  # fmt: skip
SCENARIOS: dict[str, tuple[str, dict[str, Fault], dict[str, float]]] = {
    "clean": ("recorded answers", {}, {}),
    "truncated": ("688256's body cut short on every host", {"1.688256": truncated, "688256.SS": truncated}, {}),
    "gzip": ("NVDA's gzip stream corrupt on every host", {"105.NVDA": gzip_corrupt, "NVDA": gzip_corrupt}, {}),
    "trickle": ("CSI 300's answer at 1 byte/s", {"1.000300": trickle(1.0)}, {}),
    "429": ("HTTP 429 from every Eastmoney host", {"eastmoney.com": THROTTLED}, {}),
    "portal": ("an HTML login page on every host", {"*": PORTAL}, {}),
    "no-yahoo": ("Yahoo unreachable (connections closed)", {"yahoo.com": reset}, {}),
    "budget": (
        "four answers at 1 byte/s, --budget 10",
        {k: trickle(1.0) for k in ("1.000300", "1.688256", "0.300308", "105.NVDA")},
        {"budget": 10.0},
    ),
}  # fmt: skip


def seeded_desk(folder: Path) -> Path:
    root = folder / "desk"
    shutil.copytree(DEMO, root)
    for path in (root / "data" / "prices").glob("*.csv"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [lines[0]] + [ln for ln in lines[1:] if ln.split(",")[3] <= CUT.isoformat()]
        path.write_text("".join(kept), encoding="utf-8")
    prepare(load_desk(root))
    return root


def one(seed: Path, name: str, args: argparse.Namespace, folder: Path) -> dict[str, object]:
    what, faults, extra = SCENARIOS[name]
    root = folder / name
    shutil.copytree(seed, root)
    desk = load_desk(root)
    yf.set_tz_cache_location(str(folder / f"yf-{name}"))
    yf.data.YfData.cache_get.cache_clear()
    options = UpdateOptions(
        symbols=SYMBOLS,
        rate=args.rate,
        deadline=args.deadline,
        budget=extra.get("budget", args.budget),
    )
    with wire_server(faults) as server:
        chain = [AkshareProvider(), YfinanceProvider(session=yahoo_session())]
        started = time.perf_counter()
        summary = run_update(desk, store_path(desk), options, providers=chain, now=NOW)
        seconds = time.perf_counter() - started
        hosts = server.per_host()
    with store.reader(store_path(desk)) as con:
        rows = con.execute("SELECT count(*) FROM prices WHERE date > ?", [CUT]).fetchone()[0]
    delivered = sum(1 for r in summary.results if r.source)
    return {
        "name": name,
        "what": what,
        "seconds": seconds,
        "ok": delivered,
        "failed": len(summary.failed),
        "skipped": len(summary.skipped),
        "incomplete": len(summary.incomplete),
        "rows": rows,
        "hosts": hosts,
        "exit": 0 if summary.ok else 5,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=2.0, help="requests per second and host")
    parser.add_argument("--deadline", type=float, default=30.0)
    parser.add_argument("--budget", type=float, default=300.0)
    parser.add_argument("--only", nargs="*", choices=sorted(SCENARIOS), default=None)
    args = parser.parse_args()
    names = args.only or list(SCENARIOS)
    with tempfile.TemporaryDirectory(prefix="sw-bench-update-") as tmp:
        folder = Path(tmp)
        seed = seeded_desk(folder / "seed")
        print(
            f"update of {len(SYMBOLS)} symbols over the local server: rate {args.rate:g}/s per "
            f"host, deadline {args.deadline:g} s, budget {args.budget:g} s unless said"
        )
        print("| scenario | wall s | delivered | failed | skipped | incomplete | rows | exit |"
              " requests per host |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for name in names:
            r = one(seed, name, args, folder)
            hosts = r["hosts"]
            assert isinstance(hosts, dict)
            per_host = ", ".join(
                f"{h.replace('.eastmoney.com', '.em').replace('.finance.yahoo.com', '.yahoo')} {n}"
                for h, n in sorted(hosts.items())
            )
            print(
                f"| {r['name']}: {r['what']} | {r['seconds']:.1f} | {r['ok']} | {r['failed']} | "
                f"{r['skipped']} | {r['incomplete']} | {r['rows']} | {r['exit']} | {per_host} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
