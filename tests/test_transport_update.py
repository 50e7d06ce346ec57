"""The weekly update over real sockets: every host answered by a local HTTPS server.

The installed AKShare (requests/urllib3) and yfinance (curl_cffi/libcurl) send their requests
through a local CONNECT proxy to tests/wire_server.py, which answers from the recorded answers
or damages them on the wire. Each test checks the store's rows against the demo desk's own
files, the run's exit status, and the one status line per symbol the user reads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from rich.console import Console

from sectorweekly import store
from sectorweekly.desk.parse import Desk
from sectorweekly.desk.paths import store_path
from sectorweekly.providers.akshare import AkshareProvider
from sectorweekly.providers.yfinance import YfinanceProvider
from sectorweekly.update.console import render_summary
from sectorweekly.update.run import UpdateOptions, UpdateSummary, run_update
from test_wire_update import NOW, SYMBOLS, Sleeps, demo_closes, desk, seeded, stored
from wire_server import (  # noqa: F401  (module_server, fresh_answers: fixtures)
    EMPTY,
    PORTAL,
    THROTTLED,
    WIRE,
    Asked,
    Fault,
    Reply,
    WireServer,
    chunked,
    drop_after,
    fresh_answers,
    fresh_yahoo_state,
    gzip_corrupt,
    gzipped,
    module_server,
    reset,
    trickle,
    truncated,
    wire_server,
    yahoo_session,
)

__all__ = ["desk", "seeded"]  # the demo desk cut at 2025-06-20, from test_wire_update
pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="openssl makes the local server's certificates"
)
SRC = Path(__file__).parents[1] / "src"
NO_YAHOO: dict[str, Fault] = {"yahoo.com": reset}  # every Yahoo connection closed unanswered


def run(
    server: WireServer, desk: Desk, faults: dict[str, Fault] | None = None, **options: object
) -> tuple[UpdateSummary, WireServer, float]:
    options.setdefault("symbols", SYMBOLS)
    options.setdefault("rate", 1000.0)
    server.reset(faults)
    chain = [AkshareProvider(timeout=5.0), YfinanceProvider(session=yahoo_session())]
    started = time.monotonic()
    summary = run_update(
        desk,
        store_path(desk),
        UpdateOptions(**options),  # type: ignore[arg-type]
        providers=chain,
        now=NOW,
        sleep=Sleeps(),
    )
    seconds = time.monotonic() - started
    return summary, server, seconds


def status_of(summary: UpdateSummary, symbol: str) -> str:
    """The symbol's line of the summary table, as the terminal shows it."""
    console = Console(record=True, width=250, force_terminal=False)
    console.print(render_summary(summary))
    lines = [ln for ln in console.export_text().splitlines() if ln.startswith(f"│ {symbol} ")]
    assert len(lines) == 1, lines
    return " ".join(lines[0].split())


def assert_demo_rows(desk: Desk, symbols: tuple[str, ...]) -> None:
    rows = stored(desk)
    for symbol in symbols:
        got = rows[rows["symbol"] == symbol].set_index("date")["close"].to_dict()
        assert got == pytest.approx(demo_closes(symbol)), symbol


def test_gzipped_and_chunked_answers_store_the_demo_week(desk: Desk, server: WireServer) -> None:
    encodings = {"eastmoney.com": gzipped, "sina.com.cn": chunked, "yahoo.com": chunked}
    summary, server, _ = run(server, desk, encodings)
    assert summary.ok
    assert {r.symbol: r.source for r in summary.results if r.source != "akshare"} == {}
    assert_demo_rows(desk, SYMBOLS)
    # every host crossed the socket: Eastmoney, Sina, and Yahoo for the HSI's last sessions
    assert {"push2his.eastmoney.com", "finance.sina.com.cn", "query2.finance.yahoo.com"} <= set(
        server.per_host()
    )


def test_a_truncated_body_costs_its_symbol_one_retry_and_never_the_host(
    desk: Desk, server: WireServer
) -> None:
    faults = {"1.688256": truncated, "1.688047": drop_after(truncated, 1), "0.300502": EMPTY}
    summary, server, _ = run(server, desk, faults)
    by = {r.symbol: r for r in summary.results}
    assert summary.ok and summary.given_up == {}
    assert server.count("secid=1.688256") == 2  # retried once, then the next source
    assert server.count("secid=0.300502") == 2  # an empty body: the same
    assert [(e.source, e.kind) for e in by["300502"].errors] == [("akshare", "malformed")]
    assert [(e.source, e.kind) for e in by["688256"].errors] == [("akshare", "malformed")]
    assert "truncated body" in by["688256"].errors[0].detail
    assert by["688256"].source == "yfinance"
    assert by["688047"].source == "akshare" and by["688047"].errors == []  # the retry arrived
    others = set(SYMBOLS) - {"688256", "300502"}
    assert {s for s in others if by[s].source != "akshare"} == set()
    assert_demo_rows(desk, SYMBOLS)
    assert status_of(summary, "688256").endswith("ok, after akshare malformed │")


def test_a_corrupt_gzip_body_is_the_symbols_not_the_hosts(desk: Desk, server: WireServer) -> None:
    faults = {"105.NVDA": gzip_corrupt, "NVDA": gzip_corrupt}  # Eastmoney and Yahoo alike
    summary, server, _ = run(server, desk, faults)
    by = {r.symbol: r for r in summary.results}
    assert [(e.source, e.kind) for e in by["NVDA"].errors] == [
        ("akshare", "malformed"),
        ("yfinance", "malformed"),
    ]
    assert all("corrupt body" in e.detail for e in by["NVDA"].errors)
    assert server.count("secid=105.NVDA") == 2 and server.count("/chart/NVDA") == 2
    assert summary.given_up == {}
    assert not summary.ok and [r.symbol for r in summary.failed] == ["NVDA"]
    assert "NVDA" not in set(stored(desk)["symbol"])
    assert_demo_rows(desk, tuple(s for s in SYMBOLS if s != "NVDA"))
    assert "FAILED malformed" in status_of(summary, "NVDA")


def test_a_trickle_ends_at_the_deadline_once_and_the_next_source_delivers(
    desk: Desk, server: WireServer
) -> None:
    symbols = ("000300", "688256", "NVDA")
    summary, server, seconds = run(
        server, desk, {"1.000300": trickle(0.5)}, symbols=symbols, deadline=1.5, workers=3
    )
    by = {r.symbol: r for r in summary.results}
    assert [(e.source, e.kind) for e in by["000300"].errors] == [("akshare", "timeout")]
    assert server.count("secid=1.000300") == 1  # the deadline covered the whole answer
    assert by["000300"].source == "yfinance"
    assert summary.ok and summary.given_up == {}
    assert seconds < 1.5 + 2.0
    assert status_of(summary, "000300").endswith("ok, after akshare timeout │")
    assert_demo_rows(desk, symbols)


def test_a_429_storm_gives_eastmoney_up_and_yahoo_delivers_everything(
    desk: Desk, server: WireServer
) -> None:
    summary, server, _ = run(server, desk, {"eastmoney.com": THROTTLED}, workers=1)
    by = {r.symbol: r for r in summary.results}
    hosts = {h: n for h, n in server.per_host().items() if h.endswith("eastmoney.com")}
    assert all(n <= 3 for n in hosts.values()), hosts  # three tries, then given up
    assert {h for h in hosts if h != "80.push2.eastmoney.com"} <= set(summary.given_up)
    em = [s for s in SYMBOLS if s not in ("HSI", "^GSPC", "^IXIC")]  # Sina serves the rest
    assert {by[s].source for s in em} == {"yfinance"}
    assert summary.ok
    assert status_of(summary, "688256").endswith("ok, after akshare throttled │")
    assert_demo_rows(desk, SYMBOLS)


def test_a_captive_portal_on_every_host_is_said_once_and_writes_nothing(
    desk: Desk, server: WireServer
) -> None:
    before = store.fingerprint(store_path(desk))
    summary, server, _ = run(server, desk, {"*": PORTAL})
    assert summary.web_pages and not summary.ok
    assert len(summary.failed) == len(SYMBOLS)
    message = summary.failure_message()
    assert message.startswith("the network answers with web pages (a login or proxy page)")
    hosts = server.per_host()
    # given up after three symbols' pages (each asked twice); the other workers' calls already
    # on the wire when that happens still land: at most (3 + 4 - 1) x 2, never one per symbol
    workers = UpdateOptions().workers
    assert all(n <= 2 * (3 + workers - 1) for n in hosts.values()), hosts
    assert store.fingerprint(store_path(desk)) == before


def test_a_lagging_hsi_without_yahoo_is_incomplete_not_ok(desk: Desk, server: WireServer) -> None:
    summary, _, _ = run(server, desk, NO_YAHOO, symbols=("HSI", "0981.HK"))
    by = {r.symbol: r for r in summary.results}
    assert by["HSI"].added == 4
    assert by["HSI"].missing == [dt.date(2025, 6, 27), dt.date(2025, 6, 30)]
    assert not summary.ok and summary.failed == [] and summary.incomplete == [by["HSI"]]
    assert "HSI lacks 2025-06-27, 2025-06-30 (no source had them)" in summary.failure_message()
    assert "INCOMPLETE: 2 sessions no source had (2025-06-27, 2025-06-30)" in status_of(
        summary, "HSI"
    )
    hsi = stored(desk).query("symbol == 'HSI'")
    assert list(hsi["date"]) == [dt.date(2025, 6, d) for d in (23, 24, 25, 26)]
    assert by["0981.HK"].source == "akshare" and by["0981.HK"].missing == []


def with_future_bar(asked: Asked, reply: Reply) -> Reply:
    answer = json.loads(reply.body)
    answer["data"]["klines"].append(
        "2025-07-03,601.50,640.00,650.00,600.00,1000,64000000.00,8.2,6.4,38.5,0.00"
    )
    return Reply(body=json.dumps(answer).encode())


def test_a_future_dated_bar_is_listed_as_dropped(
    desk: Desk, server: WireServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2025-07-01")
    summary, _, _ = run(server, desk, {"1.688256": with_future_bar}, symbols=("688256",))
    result = summary.results[0]
    assert result.future == [("akshare", dt.date(2025, 7, 3))]
    assert summary.ok and result.added == 6
    assert max(stored(desk)["date"]) == dt.date(2025, 6, 30)
    console = Console(record=True, width=250, force_terminal=False)
    console.print(render_summary(summary))
    assert "688256 dropped 2025-07-03 from akshare: a bar dated after today" in (
        console.export_text()
    )


def test_the_budget_ends_the_run_and_skips_what_is_left(desk: Desk, server: WireServer) -> None:
    symbols = ("000300", "688256", "688047", "NVDA", "300308")
    faults = {"1.000300": trickle(1.0), "1.688256": trickle(1.0)}
    summary, _, seconds = run(server, desk, faults, symbols=symbols, budget=2.0, workers=2)
    by = {r.symbol: r for r in summary.results}
    assert seconds < 2.0 + 1.5
    assert by["000300"].skipped and by["688256"].skipped  # the budget ended their calls
    assert not summary.ok and summary.failed == []
    assert {r.symbol for r in summary.skipped} == set(symbols)  # both workers held to the end
    assert "5 skipped: the run's budget of 2 s was spent" in summary.failure_message()
    assert status_of(summary, "NVDA").endswith("SKIPPED: the run's budget was spent │")
    assert stored(desk).empty


# --- the command line in a real process ------------------------------------------------------


def cli_env(server: WireServer, tmp: Path) -> dict[str, str]:
    env = server.env()
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    env["SECTORWEEKLY_TODAY"] = NOW.isoformat()
    env["XDG_CACHE_HOME"] = str(tmp / "cache")  # yfinance's time zone and cookie caches
    env["COLUMNS"] = "250"
    return env


def cli(desk: Desk, *args: str) -> list[str]:
    return [sys.executable, "-m", "sectorweekly", "update", "--desk", str(desk.root), *args]


def test_the_command_exits_5_with_the_missing_sessions_of_a_lagging_hsi(
    desk: Desk, server: WireServer, tmp_path: Path
) -> None:
    server.reset(NO_YAHOO)
    done = subprocess.run(
        cli(desk, "--symbols", "HSI,0981.HK", "--rate", "100"),
        env=cli_env(server, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 5, done.stderr[-800:]
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "HSI lacks 2025-06-27, 2025-06-30" in errors[0]
    assert "Traceback" not in done.stderr
    assert len(stored(desk).query("symbol == 'HSI'")) == 4


def test_the_command_says_once_that_the_network_answers_with_web_pages(
    desk: Desk, server: WireServer, tmp_path: Path
) -> None:
    before = store.fingerprint(store_path(desk))
    server.reset({"*": PORTAL})
    done = subprocess.run(
        cli(desk, "--rate", "100"),
        env=cli_env(server, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 5, done.stderr[-800:]
    assert said.count("web pages") == 1
    assert "error: the network answers with web pages (a login or proxy page), not data" in said
    assert "given up" not in said and "malformed ×" not in said
    assert said.count("FAILED malformed") == len(desk.instruments)  # one line per symbol
    assert store.fingerprint(store_path(desk)) == before


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_background_job_with_sigint_ignored_stops_on_the_signal(
    desk: Desk, server: WireServer, tmp_path: Path, sig: signal.Signals
) -> None:
    """A script's ``update &`` starts with SIGINT ignored; ``kill -INT`` still stops it."""
    server.reset({"1.000300": trickle(1.0)})
    proc = subprocess.Popen(
        cli(desk, "--symbols", "688256,000300", "--workers", "1", "--rate", "100"),
        env=cli_env(server, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    deadline = time.monotonic() + 60
    while server.count("secid=1.000300") == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    stopped = time.monotonic() - sent
    assert proc.returncode == 130, err[-800:]
    assert stopped < 5
    assert "error: interrupted: every symbol committed before the stop" in err
    assert "Traceback" not in err
    assert set(stored(desk)["symbol"]) == {"688256"}  # committed before the signal


def test_the_wire_answers_are_the_recorded_files(server: WireServer) -> None:
    """The server's plain answer is the recording byte for byte (the fixtures stay the truth)."""
    server.reset()
    got = requests.get(
        "https://push2his.eastmoney.com/api/qt/stock/kline/get?secid=1.688256", timeout=5
    )
    assert got.content == (WIRE / "em_kline_1.688256.json").read_bytes()
    assert server.count("secid=1.688256") == 1
