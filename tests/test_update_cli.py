"""The update command as a user meets it, and what a build says after a failed update."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from pathlib import Path

import pandas as pd
import pytest
import requests
from rich.console import Console

from sectorweekly import cli, store
from sectorweekly.build.flow import build_report
from sectorweekly.desk.parse import load_desk
from sectorweekly.desk.paths import store_path
from sectorweekly.providers.akshare import AkshareProvider
from sectorweekly.providers.yfinance import YfinanceProvider
from sectorweekly.update import console as update_console
from sectorweekly.update import run as update_run
from sectorweekly.update.console import render_summary
from sectorweekly.update.workspace import prepare
from test_update import FRIDAY_NOON, ConnectionError, Sleeps, run
from update_fixtures import RecordedAkshare, RecordedYfinance, make_desk

D = dt.date


def _offline(*args, **kwargs):
    raise ConnectionError("HTTPSConnectionPool(host='push2his.eastmoney.com'): Max retries")


ReadTimeout = requests.exceptions.ReadTimeout


def _timeout(*args, **kwargs):
    raise ReadTimeout("Read timed out. (read timeout=15)")


def _cli(monkeypatch: pytest.MonkeyPatch, desk_dir: Path, chain, *args: str) -> int:
    monkeypatch.setattr(update_run, "source_chain", lambda desk, source: chain)
    monkeypatch.setattr(
        update_console,
        "run_update",
        functools.partial(update_run.run_update, now=FRIDAY_NOON, sleep=Sleeps()),
    )
    monkeypatch.setattr(sys, "argv", ["sectorweekly", "update", "--desk", str(desk_dir), *args])
    try:
        cli.main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_update_command_prints_the_summary_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "140")
    desk_dir = make_desk(tmp_path / "desk")
    chain = [AkshareProvider(call=RecordedAkshare()), YfinanceProvider(call=RecordedYfinance())]
    code = _cli(monkeypatch, desk_dir, chain, "--symbols", "688256,0981.HK", "--symbols", "NVDA")
    out = capsys.readouterr().out
    assert code == 0
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 5}
    assert {"688256", "0981.HK", "NVDA"} <= set(lines)
    assert (
        "2024-10-08..2024-10-11" in lines["688256"] and "akshare:stock_zh_a_hist" in lines["688256"]
    )
    assert "│     4 │ 2024-10-11" in lines["688256"]
    assert "│     7 │ 2024-10-10" in lines["0981.HK"]
    assert "19 rows added for 3 of 3 symbols asked" in out


def test_update_offline_exits_non_zero_with_the_store_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    desk_dir = make_desk(tmp_path / "desk")
    desk = load_desk(desk_dir)
    prepare(desk)
    before = store.fingerprint(store_path(desk))
    chain = [
        AkshareProvider(call=_offline),
        YfinanceProvider(call=_offline),
    ]
    code = _cli(monkeypatch, desk_dir, chain)
    err = capsys.readouterr().err
    assert code == 5
    assert "error: offline: no data source could be reached (akshare: " in err
    assert "nothing was written" in err
    assert store.fingerprint(store_path(desk)) == before


def test_ctrl_c_exits_130_with_one_line_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    desk_dir = make_desk(tmp_path / "desk")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(update_console, "run_update", interrupted)
    monkeypatch.setattr(sys, "argv", ["sectorweekly", "update", "--desk", str(desk_dir)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    err = capsys.readouterr().err
    assert exc.value.code == 130
    assert (
        "error: interrupted: every symbol committed before the stop (Ctrl-C or SIGTERM) "
        "stays in the store" in err
    )
    assert "Traceback" not in err


def test_progress_shows_a_bar_per_symbol() -> None:
    console = Console(record=True, width=120, force_terminal=False)
    with update_console.progress_bar(console) as bars:
        bars("start", "2", None)
        bars("queued", "688256", None)
        bars("queued", "HSI", None)
        bars("fetch", "HSI", "akshare")
        bars("done", "688256", "akshare")
    rows = {t.description.strip(): t for t in bars.progress.tasks}
    assert rows["688256"].completed == 1 and rows["688256"].fields["current"] == "✓ akshare"
    assert rows["HSI"].completed == 0 and rows["HSI"].fields["current"] == "← akshare"
    assert rows["update"].completed == 1 and rows["update"].total == 2


def test_build_after_a_failed_update_states_how_far_the_data_goes(tmp_path: Path) -> None:
    desk = load_desk(make_desk(tmp_path / "desk"))
    prepare(desk)
    summary = run(desk, RecordedAkshare(fail={s: _timeout for s in ("688256", "300308", "000300")}))
    assert {r.symbol for r in summary.failed} == {"688256", "300308", "000300"}
    report = build_report(desk, D(2024, 10, 7), D(2024, 10, 11))
    cn = report.review.markets["CN_A"]
    assert cn.end_date == D(2024, 10, 11) and cn.data_through == D(2024, 9, 30)
    assert report.review.markets["HK"].data_through is None  # HK was updated to 10-10
    assert "A股数据截至2024年9月30日" in report.review.summary_zh
    fetched = {(s.symbol, s.source): s for s in report.review.sources}
    hk = fetched[("0981.HK", "akshare:stock_hk_hist")]  # report.json names the fetched rows
    assert hk.last_date == D(2024, 10, 10) and hk.fetched_at is not None


def test_summary_table_shows_rows_last_dates_sources_and_failures(tmp_path: Path) -> None:
    desk = load_desk(make_desk(tmp_path / "desk"))
    prepare(desk)
    ak = RecordedAkshare(fail={"00981": _timeout, "106.TSM": pd.DataFrame})
    summary = run(desk, ak, RecordedYfinance())
    console = Console(record=True, width=150)
    console.print(render_summary(summary))
    text = console.export_text()
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 5}
    assert "yfinance:Ticker.history" in rows["0981.HK"] and "2024-10-10" in rows["0981.HK"]
    # Yahoo answers 404 for a chart it has nothing for (nothing is recorded for TSM)
    assert "FAILED unknown_symbol" in rows["TSM"]
    assert "up to date" not in text
    assert "ok, after akshare timeout" in rows["0981.HK"]
    assert "akshare empty ×1 (TSM)" in text
    assert "yfinance unknown_symbol ×1 (TSM)" in text
