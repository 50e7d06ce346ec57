"""Sentences that say what did not happen: no limit-up for a market closed all window, and no
date of another year read as this year's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sectorweekly.analysis.market import LimitRun
from sectorweekly.analysis.trackers import GpuRow, Point, gpu_levels
from sectorweekly.analysis.week_over_week import WeekOverWeek
from sectorweekly.build.flow import BuildContext, build_report
from sectorweekly.desk.notes import format_source
from sectorweekly.desk.parse import load_desk
from sectorweekly.narrative import ratings_zh as rz
from sectorweekly.narrative import series_zh as sz
from sectorweekly.narrative import trackers_zh as tz
from sectorweekly.narrative import zh
from sectorweekly.report.model import Report

D = dt.date.fromisoformat


@pytest.fixture
def demo_home(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SECTORWEEKLY_HOME", str(demo_store.parent.parent))
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2026-01-05")
    return demo_store


def report_for(start: str, end: str) -> Report:
    return build_report(load_desk(), D(start), D(end), BuildContext())


def test_national_day_week_says_no_limit_up_of_the_monday_before(demo_home) -> None:
    """A-shares closed 2024-10-01..07: 寒武纪, 龙芯中科 and 中芯国际 closed at the limit on
    09-30, before the window; the paragraph says 休市 and nothing else about them."""
    report = report_for("2024-10-01", "2024-10-04")
    summary = report.review.summary_zh
    assert (
        "（1）CPU/GPU板块：涨跌互现，AMD+4.16%，英伟达+2.87%，寒武纪休市，海光信息休市，"
        "龙芯中科休市，英特尔-3.71%。（2）晶圆代工板块：普涨，中芯国际H+31.18%，台积电ADR+4.31%，"
        "中芯国际休市。（3）云计算板块：普涨，商汤科技+23.26%。"
    ) in summary
    assert "涨停" not in summary and "连板" not in summary and "其中" not in summary
    members = {m.symbol: m for b in report.review.boards for m in b.members}
    for symbol in ("688256", "688047", "688981"):
        assert members[symbol].limit_up_streak == 0
        assert members[symbol].notes == ["本周A股休市"]
    # the week after still counts 09-30 and 10-08 as one streak: they are consecutive sessions
    after = {m.symbol: m for b in report_for("2024-10-07", "2024-10-08").review.boards
             for m in b.members}  # fmt: skip
    assert after["688256"].limit_up_streak == 2
    assert "2连板" in after["688256"].notes


def test_a_week_across_new_year_writes_the_year_of_last_year_dates(demo_home) -> None:
    """The demo store ends 2025-06-30; in 2025-12-29..2026-01-02 that date is last year's."""
    report = report_for("2025-12-29", "2026-01-02")
    summary = report.review.summary_zh
    assert "其中，海光信息数据截至2025年5月23日，本周无行情。" in summary
    assert "A股、港股、美股数据截至2025年6月30日，晚于该日的行情尚未入库。" in summary
    members = {m.symbol: m for b in report.review.boards for m in b.members}
    assert members["688256"].notes == ["数据截至2025年6月30日，本周无行情"]
    assert members["688041"].notes == ["数据截至2025年5月23日，本周无行情"]
    assert not any("截至6月30日" in n for m in members.values() for n in m.notes)
    assert "截至6月30日" not in summary and "截至5月23日" not in summary


def test_the_one_date_formatter() -> None:
    assert zh.day_zh(D("2025-06-30"), 2025) == "6月30日"
    assert zh.day_zh(D("2025-06-30"), 2026) == "2025年6月30日"
    assert zh.run_phrase(LimitRun(D("2024-12-30"), D("2024-12-31"), 2, False), 2025) == (
        "2024年12月30日至2024年12月31日2连板"
    )
    assert zh.run_phrase(LimitRun(D("2025-01-02"), D("2025-01-02"), 1, True), 2025) == (
        "1月2日盘中触及涨停"
    )
    wow = WeekOverWeek(D("2025-12-27"), breadth_turns=[("CPU/GPU", "普跌", "普涨")])
    assert sz.week_over_week_sentence(wow, 2026) == (
        "与上期（2025年12月27日）相比：CPU/GPU板块由上期普跌转为普涨。"
    )
    assert sz.week_over_week_sentence(wow, 2025).startswith("与上期（12月27日）相比")
    assert rz.outcome("pending", None, D("2025-12-31"), 2026) == "待到期（截至2025年12月31日）"
    assert rz.outcome("pending", None, D("2026-01-02"), 2026) == "待到期（截至1月2日）"
    assert zh.calendar_note({"CN_A": ([], [D("2026-12-31"), D("2027-01-01")])}, 2027) == (
        "注：2026年12月31日、1月1日本地数据库无任何A股行情，推定为休市"
    )


def test_tracker_months_and_prices_of_last_year_carry_it() -> None:
    december, january = (D("2025-12-01"), D("2025-12-31")), (D("2026-01-01"), D("2026-01-31"))
    assert tz.period_label(december, year=2026) == "2025年12月"
    assert tz.period_label(january, year=2026) == "1月"
    assert tz.unfinished_note(Point(*january, 0.0, True), year=2026) == "1月数据为非完全统计"
    rows = [GpuRow(D("2025-12-29"), "H100", "new", 29000.0, "USD", "t", False)]
    (level,) = gpu_levels(rows, D("2026-01-02"), weeks=4)
    assert tz.gpu_sentence("H100", [level], year=2026) == (
        "H100全新卡2025年12月29日报价29,000美元（4周前无报价，无法计算变化）。"
    )
    assert tz.gpu_sentence("H100", [level], year=2025).startswith("H100全新卡12月29日报价")


def test_a_notes_source_of_last_year_keeps_its_year() -> None:
    path = Path("notes/2025-01-04.md")
    assert format_source("路透 2024-12-30；新华社 1月2日", path, 3) == (
        "根据路透2024年12月30日、新华社1月2日报道"
    )
    assert format_source("路透 2025-01-02", path, 3) == "根据路透1月2日报道"
