"""Tracker sections a year after their data: dated, never 本周, and said on the console."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import home_as
from sectorweekly.build.flow import BuildContext, build_report
from sectorweekly.desk.parse import load_desk


@pytest.fixture(scope="module")
def late_week(demo_store, tmp_path_factory):
    """The demo desk's week of 2025-06-23..27: prices to 2025-06, trackers end 2024-10."""

    with home_as(demo_store.parent.parent):
        ctx = BuildContext()
        report = build_report(load_desk(), dt.date(2025, 6, 23), dt.date(2025, 6, 27), ctx)
    return report, ctx.messages


def _texts(report, key):
    section = next(s for s in report.sections if s.key == key)
    return [p.text for p in section.paragraphs]


def test_visits_and_downloads_a_year_old_are_dated_not_this_week(late_week):
    report, _ = late_week
    texts = _texts(report, "ai_tracking")
    assert texts[0].startswith("网站访问量（周度，单位：万次），数据区间2024年9月20日-10月3日，")
    assert "数据截至2024年10月3日" in texts[0]
    assert not any("本周" in t or "上周" in t for t in texts)
    assert "Claude最近一期访问量增幅显著（示例数据，2024年9月27日-10月3日：2,190万次" in texts[1]
    downloads = next(t for t in texts if t.startswith("国内主要大模型应用月度下载量"))
    assert "数据截至2024年9月30日" in downloads
    assert "2024年10月数据为非完全统计" in downloads
    visits_chart = next(c for c in report.charts if c.key == "visits:文本-海外")
    assert "数据截至2024年10月3日" in visits_chart.notes[0]
    assert report.extras["trackers"]["visits_stale"] is True


def test_gpu_prices_a_year_old_carry_their_year(late_week):
    report, _ = late_week
    h100 = _texts(report, "gpu")[0]
    assert h100.startswith("H100全新卡2024年10月7日报价28,620美元，较4周前-3.47%")
    assert "数据截至2024年10月7日" in h100


def test_the_console_warns_about_each_old_tracker(late_week):
    _, messages = late_week
    text = "\n".join(messages)
    assert "site visits end 2024-10-03" in text
    assert "app downloads end 2024-09-30" in text
    assert "H100 prices end 2024-10-07" in text


def test_the_demo_week_still_speaks_of_this_week(demo_report):
    report, _, messages = demo_report
    texts = _texts(report, "ai_tracking")
    assert "本周与上周对比如下" in texts[0]
    assert "数据截至" not in "".join(texts)
    assert not any("more than a week before" in m for m in messages)


def test_a_rating_older_than_the_horizon_is_given_with_its_date(demo_report, late_week):
    """688041 was last rated 2024-01-15: in October 2024 that is not this week's view."""
    report, _, messages = demo_report
    line = next(w.line for w in report.review.watch if w.theme == "国产算力链")
    assert "海光信息（示例评级：2024年1月15日评级买入，本周+26.84%）" in line
    assert "寒武纪（示例评级：维持买入，本周+28.48%）" in line  # rated 2024-09-02
    assert any(m.startswith("ratings older than 6 months") and "688041 (2024-01-15)" in m
               for m in messages)  # fmt: skip
    late, _ = late_week  # June 2025: every name's rating is older than 6 months
    lines = "".join(w.line for w in late.review.watch)
    assert "维持" not in lines and "寒武纪（示例评级：2024年9月2日评级买入" in lines


def test_every_tracker_chart_of_old_data_says_so_like_the_visits_charts(late_week, demo_report):
    """图表2–8 alike: a chart whose data end before the window says how old they are."""
    report, _ = late_week
    notes = {c.key: c.notes[0] for c in report.charts}
    assert notes["downloads"] == (
        "数据区间2024年6月至2024年10月；数据截至2024年9月30日，早于本报告区间，为最近可得数据"
    )
    gpu = sorted(k for k in notes if k.startswith("gpu:"))
    assert len(gpu) == 2
    for key in gpu:
        assert notes[key].endswith("；数据截至2024年10月7日，早于本报告区间，为最近可得数据"), key
    assert all("早于本报告区间" in n for k, n in notes.items() if k.startswith("visits:"))
    this_week, _, _ = demo_report
    assert not any("早于本报告区间" in n for c in this_week.charts for n in c.notes)
