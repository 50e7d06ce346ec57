"""Five mistakes that are easy to make and that nothing else in the suite would notice.

Each test below was seen to fail with its mistake put into the code by hand, and to pass
without it. Each asserts what a user meets (a weekly change, a 连板 count, the sessions the
``calendar`` command lists, an import refused with its one line and the store unchanged, the
preview page after an import), with expectations worked out by hand from the demo desk's real
rows or from a few rows written here (the arithmetic is in the comments), never by the
project's own helpers:

a. chaining through an ex-rights day that is the *base* session, whose close is already in the
   new units (``analysis/market.py``, the ``refd`` step: ``date > base_date``);
b. an old-rule listing day judged against the board's daily limit (``markets/cn_limits.py``,
   ``free_sessions``: the listing day is always free);
c. the package's holiday year winning over the desk's own year (``calendars.py``);
d. a stored empty text and a new value for it not seen as a conflict (``store/ingest.py``:
   ``IS DISTINCT FROM``, not ``<>``, which is NULL against an empty value);
e. the preview not rebuilding on a store write (``preview.py``'s watcher, and the build cache's
   key in ``build_cache.py``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sectorweekly import store
from sectorweekly.build.flow import BuildContext, build_report
from sectorweekly.cli import main
from sectorweekly.desk.parse import demo_desk_dir, load_desk
from test_preview import start_preview

D = dt.date.fromisoformat


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str):
    """Run the command line in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["sectorweekly", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


# --- a. an ex-rights base session is not chained ----------------------------------------------


def test_an_ex_rights_day_that_is_the_base_session_is_not_chained(demo_store, monkeypatch):
    monkeypatch.setenv("SECTORWEEKLY_HOME", str(demo_store.parent.parent))
    # window 2025-05-29..06-06: the A-share base session is 05-28, the day 新易盛 (300502) went
    # ex-rights (reference previous close 79.77 against the prior close 112.13). Its base close
    # 84.62 is already in the new units: 99.73 / 84.62 − 1 = +17.856…% → +17.86%
    # (chained through 05-28 it would read 99.73/84.62 × 112.13/79.77 − 1 = +65.67%).
    # 英维克 (002837) went ex-rights inside the window, on 05-30 (prior close 32.40 on 05-29,
    # reference 24.77): 32.40/31.52 × 26.72/24.77 − 1 = +10.884…% → +10.88%.
    report = build_report(load_desk(), D("2025-05-29"), D("2025-06-06"), BuildContext())
    members = {m.symbol: m for t in report.review.watch for m in t.members}
    xys, ywk = members["300502"], members["002837"]
    assert xys.change_pct == 17.86
    assert not any("除权" in note for note in xys.notes)  # the window holds no ex-date of it
    assert ywk.change_pct == 10.88
    assert "5月30日除权除息，涨跌幅按交易所除权参考价连乘计算" in ywk.notes
    assert report.review.as_of_note.endswith(
        "英维克本周除权除息，其涨跌幅以除权除息日的交易所参考前收盘价逐日连乘计算，"
        "其余标的按收盘价计算"
    )


# --- b. an old-rule listing day has no daily limit ----------------------------------------------


LISTING_DESK = """
firm: {name: 测试研究所}
series: 算力周跟踪
industry: 电子
instruments:
  "603999": {name: 新股甲, market: CN_A, listed: 2021-06-08}
  "000300": {name: 沪深300, market: CN_A, kind: index}
boards:
  - name: 新股
    members: ["603999"]
benchmarks:
  CN_A: ["000300"]
"""


def test_an_old_rule_listing_day_closing_at_plus_ten_percent_is_no_limit_up(
    tmp_path, monkeypatch, capsys
):
    # a main-board stock listed on 2021-06-08, before the registration rules (2023-04-10): its
    # listing day was capped at +44% of the issue price, not limited to ±10%. AKShare stores the
    # issue price 10.00 as the listing day's reference previous close (收盘 − 涨跌额). It closes
    # at 11.00 (+10.00% of the issue price, no limit-up), then at 12.10 and 13.31, each +10.00%
    # of the prior close (11.00 × 1.1 = 12.10, 12.10 × 1.1 = 13.31): two limit-up sessions.
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2021-06-20")
    desk = tmp_path / "desk"
    desk.mkdir()
    (desk / "desk.yaml").write_text(LISTING_DESK, encoding="utf-8")
    prices = tmp_path / "prices.csv"
    prices.write_text(
        "symbol,market,date,close,open,high,low,volume,prev_close\n"
        "603999,CN_A,2021-06-08,11.00,10.50,11.00,10.40,5000000,10.00\n"
        "603999,CN_A,2021-06-09,12.10,12.10,12.10,12.10,100000,\n"
        "603999,CN_A,2021-06-10,13.31,13.31,13.31,13.31,100000,\n"
        "000300,CN_A,2021-06-07,5000,5000,5000,5000,1,\n"
        "000300,CN_A,2021-06-10,5030,5030,5030,5030,1,\n",
        encoding="utf-8",
    )
    code, _, err = cli(monkeypatch, capsys, "import", "prices", str(prices), "--desk", str(desk))
    assert code == 0, err
    report = build_report(load_desk(desk), D("2021-06-08"), D("2021-06-10"), BuildContext())
    (member,) = report.review.boards[0].members
    assert member.limit_up_streak == 2  # 06-09 and 06-10; the listing day is not a third
    assert "2连板" in member.notes
    assert report.review.items_zh == [
        "（1）新股板块：无数据，新股甲（涨跌幅缺失）。其中，新股甲无基期收盘价，涨跌幅缺失，2连板。"
    ]


# --- c. the desk's holiday year wins over the package's -----------------------------------------


def _desk_with_holidays(tmp_path: Path, monkeypatch, capsys, holidays: str) -> Path:
    """A new desk (``init``, no data) with ``holidays`` added to its desk.yaml."""
    desk = tmp_path / "desk"
    code, _, err = cli(monkeypatch, capsys, "init", str(desk))
    assert code == 0, err
    with (desk / "desk.yaml").open("a", encoding="utf-8") as f:
        f.write("\nholidays:\n  CN_A:\n" + holidays)
    return desk


def _month(out: str, month: str) -> list[int]:
    """The session days the ``calendar`` command lists for ``month`` (YYYY-MM)."""
    line = next(x for x in out.splitlines() if x.startswith(month + " "))
    return [int(d) for d in line.split(":", 1)[1].split()]


def test_a_desk_closure_in_a_year_the_package_file_lists_is_kept(tmp_path, monkeypatch, capsys):
    # 2025 is in the package's holiday file (and the library); the desk closes one more day
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2026-01-10")
    desk = _desk_with_holidays(tmp_path, monkeypatch, capsys, "    2025: [2025-09-30]\n")
    code, out, _ = cli(monkeypatch, capsys, "calendar", "CN_A", "2025", "--desk", str(desk))
    assert code == 0
    # September 2025 has 22 weekdays; the desk's closure leaves 21, the 29th the last
    assert _month(out, "2025-09")[-2:] == [26, 29] and len(_month(out, "2025-09")) == 21
    assert "242 sessions" in out.splitlines()[0]  # 261 weekdays − 19 closed
    assert "source: desk file (desk.yaml, holidays:)" in out
    assert "2025-09-30 Tue" in out
    # an import of a row on that day is refused like any other non-session, the store untouched
    price = tmp_path / "p.csv"
    price.write_text("symbol,date,close\n300308,2025-09-30,120.5\n", encoding="utf-8")
    db = desk / "store.duckdb"
    code, _, err = cli(monkeypatch, capsys, "import", "prices", str(price), "--desk", str(desk))
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        f"error: {price}:2: 2025-09-30 is not a CN_A (XSHG) trading session; expected a trading day"
    )
    assert not db.exists()


def test_a_desk_replacing_a_package_year_reopens_its_day(tmp_path, monkeypatch, capsys):
    # the package's 2026 list closes 2026-09-25 (Mid-Autumn); a desk that replaces the year with
    # a list without it (as if the exchange had changed its schedule) trades that Friday
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2026-11-02")
    closed = (
        "2026-01-01, 2026-01-02, 2026-02-16, 2026-02-17, 2026-02-18, 2026-02-19, 2026-02-20, "
        "2026-02-23, 2026-04-06, 2026-05-01, 2026-05-04, 2026-05-05, 2026-06-19, 2026-10-01, "
        "2026-10-02, 2026-10-05, 2026-10-06, 2026-10-07"
    )
    desk = _desk_with_holidays(
        tmp_path, monkeypatch, capsys, f"    2026: {{replace: true, closed: [{closed}]}}\n"
    )
    code, out, _ = cli(monkeypatch, capsys, "calendar", "CN_A", "2026", "--desk", str(desk))
    assert code == 0
    # September 2026: 22 weekdays, all of them sessions now
    assert len(_month(out, "2026-09")) == 22 and 25 in _month(out, "2026-09")
    assert "243 sessions" in out.splitlines()[0]  # 261 weekdays − 18 closed
    assert "replacing the closures of" in out
    price = tmp_path / "p.csv"
    price.write_text("symbol,date,close\n300308,2026-09-25,120.5\n", encoding="utf-8")
    code, _, err = cli(monkeypatch, capsys, "import", "prices", str(price), "--desk", str(desk))
    assert code == 0, err
    with store.reader(desk / "store.duckdb") as con:
        got = con.execute("SELECT symbol, date, close FROM prices").fetchall()
    assert got == [("300308", D("2026-09-25"), 120.5)]


# --- d. a stored empty text against a new value is a conflict -----------------------------------


RATINGS_DESK = """
firm: {name: 测试研究所}
series: 算力周跟踪
industry: 电子
instruments:
  "688256": {name: 寒武纪, market: CN_A}
  "000300": {name: 沪深300, market: CN_A, kind: index}
boards:
  - name: CPU/GPU
    members: ["688256"]
benchmarks:
  CN_A: ["000300"]
"""


@pytest.mark.parametrize(
    ("stored", "given", "column"),
    [
        ("date,symbol,rating\n2024-01-15,688256,买入\n",
         "date,symbol,rating,analyst\n2024-01-15,688256,买入,张三\n",
         "analyst '张三' differs from the stored (empty)"),
        ("date,symbol,rating,analyst,note\n2024-01-15,688256,买入,张三,\n",
         "date,symbol,rating,analyst,note\n2024-01-15,688256,买入,张三,首次覆盖\n",
         "note '首次覆盖' differs from the stored (empty)"),
    ],
)  # fmt: skip
def test_a_value_for_a_stored_empty_text_is_refused_not_dropped(
    tmp_path, monkeypatch, capsys, stored, given, column
):
    desk = tmp_path / "desk"
    desk.mkdir()
    (desk / "desk.yaml").write_text(RATINGS_DESK, encoding="utf-8")
    first = tmp_path / "first.csv"
    first.write_text(stored, encoding="utf-8")
    code, _, err = cli(monkeypatch, capsys, "ratings", "import", str(first), "--desk", str(desk))
    assert code == 0, err
    db = desk / "store.duckdb"
    before = store.fingerprint(db)
    second = tmp_path / "second.csv"
    second.write_text(given, encoding="utf-8")
    code, out, err = cli(monkeypatch, capsys, "ratings", "import", str(second), "--desk", str(desk))
    assert code == 2
    line = err.strip()
    assert "\n" not in line
    assert line.startswith(f"error: {second}:2: 688256 2024-01-15 {column} (stored from ")
    assert "new ratings" not in out  # not "0 new ratings (1 already stored)"
    assert store.fingerprint(db) == before


# --- e. the preview follows a write to the store ------------------------------------------------


def test_the_preview_page_follows_an_import_into_a_store_outside_the_desk_folder(tmp_path):
    # a desk whose store is kept next to it (desk.yaml `store:`), as a team sharing one store
    # would: the watcher cannot see it among the desk's files, only through the store's stamp.
    # 寒武纪 (688256) has no share count in the demo data: its market cap reads 无股本数据
    # until one is imported; 417,000,000 shares × the 2024-10-09 close 371.5 = 154,915,500,000
    # yuan = 1,549.155 亿元, shown as 1,549.2.
    desk = tmp_path / "desk"
    shutil.copytree(demo_desk_dir(), desk)
    with (desk / "desk.yaml").open("a", encoding="utf-8") as f:
        f.write("\nstore: ../shared/store.duckdb\n")
    home = tmp_path / "home"
    proc, url, _ = start_preview(desk, home)
    try:
        page = urllib.request.urlopen(url, timeout=30).read().decode()
        assert "1,549.2" not in page and "无股本数据" in page
        shares = tmp_path / "shares.csv"
        shares.write_text("symbol,as_of,shares\n688256,2024-10-09,417000000\n", encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "sectorweekly", "import", "shares", str(shares),
             "--desk", str(desk)],
            capture_output=True, text=True, env={**os.environ, "SECTORWEEKLY_HOME": str(home)},
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "shared" / "store.duckdb").exists()
        deadline = time.monotonic() + 20.0  # generous: the machine may be busy
        while time.monotonic() < deadline and "1,549.2" not in page:
            time.sleep(0.1)
            page = urllib.request.urlopen(url, timeout=30).read().decode()
        assert "1,549.2" in page
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
