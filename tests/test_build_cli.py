"""The demo build end to end, as `make report` runs it, and the desk's error messages."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sectorweekly.desk.parse import load_desk
from sectorweekly.errors import DeskError

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("report")
    home = tmp_path_factory.mktemp("home")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sectorweekly",
            "build",
            "--start",
            "2024-10-07",
            "--end",
            "2024-10-09",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"SECTORWEEKLY_HOME": str(home), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    return out, run


def test_build_prints_the_paths_it_wrote(demo_out):
    out, run = demo_out
    printed = run.stdout.split()
    for name in ("report.json", "report.md", "report.html"):
        assert str(out / name) in printed
        assert (out / name).stat().st_size > 1000


def test_a_build_without_publish_is_a_draft(demo_out):
    out, run = demo_out
    assert "draft: not recorded in the archive" in run.stderr.replace("\n", " ")
    assert not (out.parent / "archive.jsonl").exists()


def test_report_json_review_has_every_field(demo_out):
    out, _ = demo_out
    review = json.loads((out / "report.json").read_text(encoding="utf-8"))["review"]
    assert review["window"] == {"start": "2024-10-07", "end": "2024-10-09", "label": "1007-1009"}
    assert review["markets"]["CN_A"]["base_date"] == "2024-09-30"
    assert review["markets"]["HK"]["base_date"] == "2024-10-04"
    assert review["markets"]["US"]["end_date"] == "2024-10-09"
    names = [b["name"] for b in review["boards"]]
    assert names == ["CPU/GPU", "晶圆代工", "云计算"]
    cpu = review["boards"][0]
    assert cpu["breadth"] == "普涨"
    assert [m["symbol"] for m in cpu["members"]] == [
        "688256",
        "688041",
        "688047",
        "NVDA",
        "INTC",
        "AMD",
    ]
    first = cpu["members"][0]
    assert (
        first["base_close"] == 289.16
        and first["end_close"] == 371.5
        and first["change_pct"] == 28.48
    )
    assert first["currency"] == "CNY" and first["market_cap"] is None
    assert first["limit_up_streak"] == 0 and first["limit_touch_only"] is False
    assert "9月30日至10月8日2连板" in first["notes"]
    smic = review["boards"][1]["members"][0]
    assert smic["symbol"] == "688981" and smic["limit_up_streak"] == 3 and smic["limit_touch_only"]
    assert review["boards"][2]["breadth"] == "普跌"
    assert {s["symbol"] for s in review["sources"]} >= {"688256", "NVDA", "HSI", "000300"}
    assert all(s["source"] for s in review["sources"])


def test_summary_paragraph_reads_as_the_anatomy_says(demo_out):
    out, _ = demo_out
    summary = json.loads((out / "report.json").read_text(encoding="utf-8"))["review"]["summary_zh"]
    assert summary.startswith("本周（1007-1009）")
    assert (
        "（1）CPU/GPU板块：普涨，寒武纪+28.48%，海光信息+26.84%，龙芯中科+20.35%，英伟达+6.19%，英特尔+3.85%，AMD+0.07%。"
        in summary
    )
    assert (
        "（2）晶圆代工板块：涨跌互现，中芯国际+39.84%，台积电ADR+3.30%，中芯国际H-0.55%。"
        in summary
    )
    assert "中芯国际触及涨停走出3连板" in summary
    assert "商汤科技冲高回落，出现大幅回调" in summary
    assert summary.endswith("注：以上市值、涨跌幅信息截至各地时间2024年10月9日。")


def test_markdown_table_has_every_watchlist_member(demo_out):
    out, _ = demo_out
    md = (out / "report.md").read_text(encoding="utf-8")
    desk = load_desk()
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    for symbol in desk.members():
        name = desk.instruments[symbol].name
        hits = [r for r in rows if f"| {name} | {symbol} |" in r]
        assert len(hits) == 1, symbol
        assert re.search(r"\| [+-]?\d+\.\d\d%|停牌", hits[0]), hits[0]
    assert "| 中际旭创 | 300308 | A股 | 数据中心硬件 | 1,865.6 | 亿元 | +7.45% |" in md


def test_html_escapes_and_has_no_external_urls(demo_out):
    out, _ = demo_out
    html = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "寒武纪" in html and "+28.48%" in html


def test_default_window_is_latest_complete_week(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "sectorweekly", "build", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "latest complete Monday–Friday week in the store, 2025-06-23..2025-06-27" in run.stderr
    review = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["review"]
    hygon = next(m for m in review["boards"][0]["members"] if m["symbol"] == "688041")
    assert hygon["change_pct"] is None and hygon["status"] == "data_behind"
    assert "数据截至5月23日，本周无行情" in hygon["notes"]


def test_desk_error_names_file_key_and_fix(tmp_path):
    (tmp_path / "desk.yaml").write_text(
        "firm: {name: X}\nseries: S\nindustry: I\ninstruments:\n  AAA: {name: A, market: US}\n"
        "boards:\n  - name: B\n    members: [AAA, BBB]\nbenchmarks: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(DeskError) as err:
        load_desk(tmp_path)
    assert str(err.value) == (
        f"{tmp_path / 'desk.yaml'}:boards[0].members[1]: 'BBB' is not under "
        "instruments; add it there"
    )


def test_desk_unknown_key_and_bad_market(tmp_path):
    base = "firm: {name: X}\nseries: S\nindustry: I\nboards: []\nbenchmarks: {}\n"
    (tmp_path / "desk.yaml").write_text(
        base + "instruments:\n  A: {name: A, market: MARS}\n", encoding="utf-8"
    )
    with pytest.raises(DeskError, match=r"desk.yaml:instruments.A.market: unknown market 'MARS'"):
        load_desk(tmp_path)
    (tmp_path / "desk.yaml").write_text(base + "instruments: {}\nboardz: []\n", encoding="utf-8")
    with pytest.raises(
        DeskError, match=r"desk.yaml:boardz: unknown key; remove it or check its spelling"
    ):
        load_desk(tmp_path)


def test_window_past_the_store_says_where_data_stops(demo_store, monkeypatch):
    from sectorweekly.build.flow import BuildContext, build_report

    monkeypatch.setenv("SECTORWEEKLY_HOME", str(demo_store.parent.parent))

    ctx = BuildContext()
    report = build_report(load_desk(), D("2025-07-07"), D("2025-07-11"), ctx)
    review = report.review
    summary = review.summary_zh
    assert "A股、港股、美股数据截至2025年6月30日，晚于该日的行情尚未入库。" in summary
    assert summary.endswith("注：以上市值、涨跌幅信息截至各地时间2025年6月30日。")
    assert "寒武纪数据截至" not in summary  # said once per market, not per member
    assert "海光信息数据截至5月23日，本周无行情" in summary  # stops earlier than its market
    assert review.markets["US"].data_through == D("2025-06-30")
    assert all(m.change_pct is None for b in review.boards for m in b.members)
    assert "CN_A: the store stops at 2025-06-30, before 2025-07-11" in ctx.messages


@pytest.mark.parametrize("moment", ["seeding the store", "writing the documents"])
def test_ctrl_c_during_a_build_is_one_line_and_exit_130_and_the_next_build_works(tmp_path, moment):
    """Ctrl-C while the store is seeded (DuckDB inside a query) or while the documents are
    written (the worker busy): exit code 130 and one line, and the next build works."""
    import signal
    import time

    home, out = tmp_path / "home", tmp_path / "out"
    env = {"SECTORWEEKLY_HOME": str(home), "PATH": "/usr/bin:/bin"}
    args = [sys.executable, "-m", "sectorweekly", "build", "--start", "2024-10-14",
            "--end", "2024-10-18", "--out", str(out)]  # fmt: skip
    sign = home / "demo" / "store.duckdb" if moment == "seeding the store" else out / "charts"
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not sign.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip(f"the build finished before Ctrl-C reached it ({moment})")
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == (
        "error: interrupted; the store keeps only what was committed before"
    )
    assert "Traceback" not in err
    again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert (out / "report.pdf").stat().st_size > 100_000


def test_a_pipe_broken_while_stopping_for_ctrl_c_reads_as_the_interrupt(monkeypatch, capsys):
    """Ctrl-C while a worker writes: closing its pipe may raise EBADF inside the stop. The user
    pressed Ctrl-C; they hear that (exit 130), not "cannot write", which would send them to
    check a disk that is fine. A disk error with no Ctrl-C behind it keeps its own words."""
    import errno

    import sectorweekly.cli as cli

    def stopped_while_writing(**_: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise OSError(errno.EBADF, "Bad file descriptor") from None

    def closed_under_the_stop(**_: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise OSError(errno.EBADF, "Bad file descriptor")  # noqa: B904

    def full_disk(**_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    seen = []
    for command in (closed_under_the_stop, stopped_while_writing, full_disk):
        monkeypatch.setattr(cli, "app", command)
        with pytest.raises(SystemExit) as stop:
            cli.main()
        seen.append((stop.value.code, capsys.readouterr().err.strip()))
    assert seen[0] == (130, "error: " + cli.INTERRUPTED)
    # "from None" says the error stands on its own: it is not read as the interrupt
    assert seen[1][0] != 130 and "EBADF" in seen[1][1]
    assert seen[2][0] != 130 and "the disk is full" in seen[2][1]
