"""The weekly update over the demo desk, on recorded HTTP answers through the real libraries.

The demo desk is copied with its prices cut at 2025-06-20; the update then asks for the week
2025-06-23..30, and the replayed answers (tests/wire_replay.py) carry the demo's own prices for
it, so every stored row can be checked against the demo files. Sleeps are recorded, not slept.
"""

from __future__ import annotations

import _thread
import csv
import datetime as dt
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yfinance as yf

from sectorweekly import store
from sectorweekly.desk.parse import Desk, load_desk
from sectorweekly.desk.paths import store_path
from sectorweekly.providers.akshare import AkshareProvider
from sectorweekly.providers.yfinance import YfinanceProvider
from sectorweekly.update.resilience import RetryPolicy
from sectorweekly.update.run import UpdateOptions, UpdateSummary, run_update
from sectorweekly.update.workspace import prepare
from wire_replay import (
    FORBIDDEN,
    HTML_200,
    THROTTLED,
    ReplaySession,
    Wire,
    akshare_wire,
    closed_port,
    curl_refused,
    stalled,
    stalled_server,
)

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "src" / "sectorweekly" / "demo" / "desk"
CUT = dt.date(2025, 6, 20)
NOW = dt.datetime(2025, 6, 30, 23, 0, tzinfo=dt.UTC)  # Shanghai, Hong Kong, New York closed
# demo instruments whose files run to 2025-06-30 (688041, 300394, 002130 stop 2025-05-23)
SYMBOLS = (
    "688256", "688047", "688981", "688702", "300308", "601138", "300502", "002837", "002463",
    "300476", "0981.HK", "0020.HK", "NVDA", "INTC", "AMD", "TSM", "000300", "HSI", "^GSPC",
    "^IXIC",
)  # fmt: skip
STEM = {"0981.HK": "0981_HK", "0020.HK": "0020_HK", "^GSPC": "GSPC", "^IXIC": "IXIC"}


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def demo_closes(symbol: str) -> dict[dt.date, float]:
    with (DEMO / "data" / "prices" / f"{STEM.get(symbol, symbol)}.csv").open(
        encoding="utf-8"
    ) as fh:
        return {
            dt.date.fromisoformat(r["date"]): float(r["close"])
            for r in csv.DictReader(fh)
            if dt.date.fromisoformat(r["date"]) > CUT
        }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo desk cut at 2025-06-20, seeded once for the module."""
    root = tmp_path_factory.mktemp("wire") / "desk"
    shutil.copytree(DEMO, root)
    for path in (root / "data" / "prices").glob("*.csv"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [lines[0]] + [ln for ln in lines[1:] if ln.split(",")[3] <= CUT.isoformat()]
        path.write_text("".join(kept), encoding="utf-8")
    prepare(load_desk(root))
    return root


@pytest.fixture
def desk(seeded: Path, tmp_path: Path) -> Desk:
    root = tmp_path / "desk"
    shutil.copytree(seeded, root)
    yf.set_tz_cache_location(str(tmp_path / "yf"))
    yf.data.YfData.cache_get.cache_clear()
    return load_desk(root)


def update(
    desk: Desk, faults=None, yahoo=None, *, timeout: float = 15.0, sleeps=None, **options
) -> tuple[UpdateSummary, Wire, ReplaySession]:
    options.setdefault("symbols", SYMBOLS)
    options.setdefault("workers", 4)
    options.setdefault("rate", 1000.0)
    session = ReplaySession(yahoo)
    with akshare_wire(faults) as wire:
        chain = [AkshareProvider(timeout=timeout), YfinanceProvider(session=session)]
        if options.get("source") == "akshare":
            chain = chain[:1]
        summary = run_update(
            desk,
            store_path(desk),
            UpdateOptions(**options),
            providers=chain,
            now=NOW,
            sleep=sleeps if sleeps is not None else Sleeps(),
        )
    return summary, wire, session


def stored(desk: Desk) -> pd.DataFrame:
    with store.reader(store_path(desk)) as con:
        frame = con.execute(
            "SELECT symbol, date, close, source FROM prices WHERE date > ? ORDER BY symbol, date",
            [CUT],
        ).df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def test_an_html_page_from_one_endpoint_leaves_every_other_symbol_fetched(desk: Desk) -> None:
    summary, wire, _ = update(desk, {"0.300502": HTML_200})
    by = {r.symbol: r for r in summary.results}
    assert summary.ok and not summary.failed
    # the page is "malformed" (the symbol's, not the host's): retried once, AKShare stays on
    assert [(e.source, e.kind) for e in by["300502"].errors] == [("akshare", "malformed")]
    assert "an HTML page where data was expected" in by["300502"].errors[0].detail
    assert wire.count("secid=0.300502") == 2
    assert by["300502"].source == "yfinance"
    assert {s for s, r in by.items() if r.source != "akshare"} == {"300502"}
    # HSI: Sina lags two sessions; the tail came from Yahoo
    assert by["HSI"].tail_source == "yfinance" and by["HSI"].missing == []
    rows = stored(desk)
    for symbol in SYMBOLS:
        got = rows[rows["symbol"] == symbol].set_index("date")["close"].to_dict()
        assert got == pytest.approx(demo_closes(symbol)), symbol
    hsi = rows[rows["symbol"] == "HSI"].set_index("date")["source"]
    assert hsi[dt.date(2025, 6, 26)] == "akshare:stock_hk_index_daily_sina"
    assert hsi[dt.date(2025, 6, 30)] == "yfinance:Ticker.history"
    # the CSI 300 is asked by its exchange id, without Eastmoney's index list
    assert "80.push2.eastmoney.com" not in summary.requests and wire.count("clist") == 0
    assert wire.count(r"secid=1\.000300") == 1


def test_without_yahoo_the_hk_index_is_stored_incomplete_and_yahoo_given_up(desk: Desk) -> None:
    """A mainland desk with no route to Yahoo: Sina's lagging HSI is kept, its gap shown."""
    summary, _, session = update(
        desk,
        {"116.00981": HTML_200},
        {"*": curl_refused(closed_port())},
        symbols=("HSI", "0981.HK", "0020.HK"),
        workers=1,
    )
    by = {r.symbol: r for r in summary.results}
    assert by["HSI"].source == "akshare" and by["HSI"].added == 4
    assert by["HSI"].missing == [dt.date(2025, 6, 27), dt.date(2025, 6, 30)]
    assert any(f.kind == "missing_sessions" for f in by["HSI"].flags)
    assert [(e.source, e.kind) for e in by["0981.HK"].errors] == [
        ("akshare", "malformed"),
        ("yfinance", "offline"),
    ]
    assert by["0020.HK"].source == "akshare"  # same Eastmoney host, unaffected by the page
    assert "query2.finance.yahoo.com" in summary.given_up
    charts = [u for u in session.asked if "/v8/finance/chart/" in u]
    assert len(charts) == 3  # HSI's tail: three tries, refused each time …
    assert summary.requests["query2.finance.yahoo.com"] == 3  # … then given up for the run


def test_a_blocking_host_is_given_up_and_the_other_hosts_still_asked(desk: Desk) -> None:
    a_shares = ("688256", "300502", "300308", "000300")
    blocked = {f"{1 if s.startswith(('6', '000')) else 0}.{s}": FORBIDDEN for s in a_shares}
    others = ("0981.HK", "0020.HK", "NVDA", "TSM", "HSI", "^GSPC")
    summary, wire, _ = update(desk, blocked, workers=1, symbols=a_shares + others)
    by = {r.symbol: r for r in summary.results}
    assert summary.ok  # every A-share came from Yahoo instead
    # two 403s in a row from push2his.eastmoney.com, then it is not asked again in this run
    assert wire.count(r"//push2his\.eastmoney\.com/") == 2
    assert "push2his.eastmoney.com" in summary.given_up
    for symbol in others:
        assert by[symbol].source == "akshare", symbol  # other hosts: untouched
    assert by["688256"].errors[0].kind == "blocked"


def test_indices_are_asked_by_their_exchange_id_in_at_most_two_requests(desk: Desk) -> None:
    # the list would answer with an HTML page: it must never be asked
    summary, wire, _ = update(desk, {"clist": HTML_200}, symbols=("000300", "688256"))
    by = {r.symbol: r for r in summary.results}
    assert wire.count("clist") == 0
    assert wire.count(r"secid=1\.000300") == 1 and wire.count(r"secid=\d+\.000300") == 1
    assert by["000300"].source == "akshare" and by["688256"].source == "akshare"
    assert stored(desk).query("symbol == '000300'")["close"].iloc[-1] == 3936.08


def test_throttling_backs_off_longer_and_gives_the_host_up(desk: Desk) -> None:
    sleeps = Sleeps()
    summary, wire, _ = update(
        desk, {"116.00981": THROTTLED}, symbols=("0981.HK", "0020.HK"), workers=1, sleeps=sleeps
    )
    by = {r.symbol: r for r in summary.results}
    assert [s for s in sleeps if s >= 1] == [5.0, 10.0]  # 429 backoff, not the 0.5 s of a blip
    assert by["0981.HK"].errors[0].kind == "throttled"
    assert wire.count("116.00020") == 0  # the host was given up after three 429s
    assert by["0020.HK"].source == by["0981.HK"].source == "yfinance"
    assert "33.push2his.eastmoney.com" in summary.given_up


def test_a_stalled_call_without_a_timeout_ends_as_timeout_within_the_deadline(desk: Desk) -> None:
    """Silence is not retried (the call waited its whole deadline); twice in a row gives the
    host up, so the third symbol on it is not asked."""
    with stalled_server(hold=3.0) as port:
        started = time.monotonic()
        summary, wire, _ = update(
            desk,
            {"1.000300": stalled(port), "1.688256": stalled(port)},
            symbols=("000300", "688256", "688047"),
            source="akshare",
            workers=1,
            deadline=1.0,
            retry=RetryPolicy(attempts=2, base_delay=0.0),
        )
        seconds = time.monotonic() - started
    by = {r.symbol: r for r in summary.results}
    assert by["000300"].failure is not None and by["000300"].failure.kind == "timeout"
    assert "deadline" in by["000300"].failure.detail
    assert by["688256"].failure is not None and by["688256"].failure.kind == "timeout"
    assert "push2his.eastmoney.com" in summary.given_up  # silent twice in a row
    assert wire.count("secid=1.688047") == 0
    assert seconds < 2 * 1.0 + 1.5  # one deadline per silent symbol, and the run's overhead


def test_ctrl_c_stops_the_run_within_seconds_and_keeps_what_was_committed(desk: Desk) -> None:
    done: list[str] = []

    def progress(event: str, symbol: str, source: str | None) -> None:
        if event == "done":
            done.append(symbol)
            if len(done) == 2:
                threading.Timer(0.3, _thread.interrupt_main).start()

    with stalled_server(hold=5.0) as port, akshare_wire({"1.000300": stalled(port)}):
        chain = [AkshareProvider(), YfinanceProvider(session=ReplaySession())]
        options = UpdateOptions(
            symbols=("688256", "NVDA", "000300"), workers=3, rate=1000.0, deadline=60.0
        )
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            run_update(desk, store_path(desk), options, providers=chain, now=NOW, progress=progress)
        seconds = time.monotonic() - started
    assert seconds < 3  # not the 60 s deadline of the stalled index call
    rows = stored(desk)
    assert set(rows["symbol"]) == {"688256", "NVDA"}  # committed before the interruption
    with store.reader(store_path(desk)) as con:  # the lock is released
        assert con.execute("SELECT count(*) FROM prices").fetchone()[0] > 0


def test_twenty_runs_of_four_workers_on_sina_payloads_never_crash() -> None:
    script = ROOT / "benchmarks" / "sina_stress.py"
    done = subprocess.run(
        [sys.executable, str(script), "--runs", "20", "--workers", "4", "--calls", "4"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])
    assert "no crash" in done.stdout
