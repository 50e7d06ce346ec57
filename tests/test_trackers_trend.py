"""Trend words of the AI tracking section at every rule boundary, and the sentences they make."""

from __future__ import annotations

import datetime as dt

import pytest

from sectorweekly.analysis.trackers import (
    Point,
    TrackerSeries,
    TrendRules,
    changes,
    classify,
    gpu_levels,
    load_series,
    run_length,
    summarise,
)
from sectorweekly.desk.parse import parse_desk
from sectorweekly.errors import DeskError
from sectorweekly.narrative import trackers_zh as tz
from sectorweekly.store.series import GpuRow, SeriesRow

WEEK0 = dt.date(2024, 8, 2)  # a Friday; weeks run Friday..Thursday


def weeks(values: list[float], partial_last: bool = False) -> list[Point]:
    pts = []
    for i, v in enumerate(values):
        start = WEEK0 + dt.timedelta(weeks=i)
        last = partial_last and i == len(values) - 1
        pts.append(Point(start, start + dt.timedelta(days=6), v, last))
    return pts


def trend(values: list[float], rules: TrendRules | None = None):
    return classify(changes(weeks(values)), rules or TrendRules())


@pytest.mark.parametrize(
    ("values", "code", "word"),
    [
        ([100, 120], "surge", "增幅显著"),  # exactly +20%
        ([100, 119.99], "rise", "有所提高"),
        ([100, 105], "rise", "有所提高"),  # exactly +5%
        ([100, 104.99], "flat", "基本持平"),
        ([100, 100], "flat", "基本持平"),
        ([100, 95.01], "flat", "基本持平"),
        ([100, 110, 104.5], "pullback", "有所回落"),  # exactly -5% right after a rise
        ([100, 90, 85.5], "fall", "有所下降"),  # -5% after a fall: not a pullback
        ([100, 95], "fall", "有所下降"),  # -5% with nothing before it
        ([100, 110, 88], "drop", "降幅明显"),  # exactly -20%
        ([100], "no_change", "暂无环比数据"),
    ],
)
def test_latest_change_gets_its_word(values, code, word):
    t = trend(values)
    assert t.code == code
    assert t.streak is None
    assert tz.trend_word(t) == word


def test_exact_boundaries_compare_as_the_rules_say():
    assert trend([100, 120]).change == pytest.approx(0.20)
    assert trend([100, 105]).change == pytest.approx(0.05)
    assert trend([100, 110, 104.5]).change == pytest.approx(-0.05)


def test_three_rises_climb_and_two_do_not():
    t3 = trend([100, 101, 102, 103])
    assert (t3.run, t3.streak, t3.code) == (3, "climbing", "flat")
    assert tz.trend_word(t3) == "持续攀升"
    t2 = trend([103, 100, 101, 102])
    assert (t2.run, t2.streak) == (2, None)


def test_three_falls_slide_and_a_flat_week_breaks_a_run():
    t = trend([100, 97, 94, 91])
    assert (t.run, t.streak) == (-3, "sliding")
    assert tz.trend_word(t) == "持续下滑"
    assert run_length([0.1, 0.1, 0.0, 0.1]) == 1
    assert run_length([0.1, -0.1, -0.2]) == -2


def test_surge_at_the_end_of_a_climb_says_both():
    t = trend([100, 103, 106, 130])
    assert (t.code, t.streak) == ("surge", "climbing")


def test_thresholds_come_from_the_rules():
    loose = TrendRules(significant=0.30, rise=0.10, flat=0.02, streak=4)
    assert trend([100, 125], loose).code == "rise"
    assert trend([100, 108], loose).code == "flat"  # between flat and rise: not yet 提高
    assert trend([100, 101, 102, 103], loose).streak is None


def test_a_gap_means_no_period_on_period_change():
    pts = weeks([100, 120])
    gap = [
        pts[0],
        Point(
            pts[1].period_start + dt.timedelta(weeks=1),
            pts[1].period_end + dt.timedelta(weeks=1),
            120,
        ),
    ]
    assert changes(gap) == [None, None]
    assert classify(changes(gap)).code == "no_change"


def _series(points: list[Point], category: str = "visits", unit: str = "万次") -> TrackerSeries:
    return TrackerSeries(category, "Claude", "文本-海外", unit, None, points, ["t"], False)


def test_unfinished_period_is_kept_out_of_the_trend():
    s = summarise(_series(weeks([100, 110, 30], partial_last=True)))
    assert s.latest is not None and s.latest.value == 110
    assert s.unfinished is not None and s.unfinished.value == 30
    assert s.trend.code == "rise" and s.trend.change == pytest.approx(0.10)


def test_weekly_sentence_states_period_value_and_change():
    pts = weeks([1000, 1500, 1780, 2190])
    pts = [Point(p.period_start, p.period_end, p.value) for p in pts]
    s = summarise(_series(pts))
    last = (pts[-1].period_start, pts[-1].period_end)
    assert tz.series_sentence(s, last) == (
        "Claude访问量持续攀升，本周增幅显著（0823-0829：2,190万次，环比+23.03%）"
    )
    lagging = tz.series_sentence(
        s, (last[0] + dt.timedelta(weeks=1), last[1] + dt.timedelta(weeks=1))
    )
    assert lagging.startswith("Claude访问量持续攀升，0823-0829增幅显著")


def month(y: int, m: int, v: float, partial: bool = False) -> Point:
    end = (dt.date(y + m // 12, m % 12 + 1, 1)) - dt.timedelta(days=1)
    return Point(dt.date(y, m, 1), end, v, partial)


def test_monthly_sentence_flags_the_unfinished_month_and_sample():
    pts = [month(2024, 8, 380), month(2024, 9, 360), month(2024, 10, 115, partial=True)]
    series = TrackerSeries("downloads", "文小言", "", "万次", "文心一言", pts, ["t"], True)
    text = tz.series_sentence(summarise(series))
    assert text == (
        "文小言9月下载量有所下降（示例数据，9月：360万次，环比-5.26%；"
        "10月数据为非完全统计，115万次）"
    )
    assert tz.rename_note("文小言", "文心一言") == "文小言即为原文心一言"


def _row(series: str, start: dt.date, end: dt.date, value: float, **kw) -> SeriesRow:
    base = {
        "group": "",
        "unit": "万次",
        "source": "t",
        "partial": False,
        "alias_of": None,
        "sample": False,
    }
    base.update(kw)
    return SeriesRow("downloads", series, base["group"], start, end, value, base["unit"],
                     base["source"], base["partial"], base["alias_of"], base["sample"])  # fmt: skip


def test_renamed_app_continues_its_old_history():
    m = [month(2024, k, 0) for k in (6, 7, 8, 9, 10)]
    rows = [
        _row("文心一言", m[0].period_start, m[0].period_end, 420),
        _row("文心一言", m[1].period_start, m[1].period_end, 395),
        _row("文小言", m[2].period_start, m[2].period_end, 380, alias_of="文心一言"),
        _row("文小言", m[3].period_start, m[3].period_end, 360, alias_of="文心一言"),
        _row("文小言", m[4].period_start, m[4].period_end, 115, alias_of="文心一言", partial=True),
    ]
    (only,) = load_series(rows, dt.date(2024, 10, 9))
    assert only.name == "文小言" and only.alias_of == "文心一言"
    assert [p.value for p in only.points] == [420, 395, 380, 360, 115]
    s = summarise(only)
    assert (s.trend.run, s.trend.streak) == (-3, "sliding")


def test_periods_not_known_at_the_report_date_are_left_out():
    rows = [
        _row("豆包", dt.date(2024, 9, 1), dt.date(2024, 9, 30), 2480),
        _row("豆包", dt.date(2024, 10, 1), dt.date(2024, 10, 31), 820, partial=True),
        _row("豆包", dt.date(2024, 11, 1), dt.date(2024, 11, 30), 900, partial=True),
    ]
    (s,) = load_series(rows, dt.date(2024, 10, 9))
    assert [p.value for p in s.points] == [2480, 820]
    before = load_series(rows, dt.date(2024, 9, 29))
    assert before == [] or before[0].points == []


def _gpu(day: dt.date, price: float, cond: str = "new") -> GpuRow:
    return GpuRow(day, "H100", cond, price, "USD", "t", True)


def test_gpu_level_and_four_week_change():
    mondays = [dt.date(2024, 9, 2) + dt.timedelta(weeks=i) for i in range(6)]
    rows = [_gpu(d, 30000 - 200 * i) for i, d in enumerate(mondays)]
    rows.append(_gpu(dt.date(2024, 10, 14), 1))  # after the report date: not used
    (lv,) = gpu_levels(rows, dt.date(2024, 10, 9), weeks=4)
    assert (lv.date, lv.price) == (dt.date(2024, 10, 7), 29000)
    assert (lv.base_date, lv.base_price) == (dt.date(2024, 9, 9), 29800)
    assert lv.change == pytest.approx(29000 / 29800 - 1)
    used = gpu_levels([_gpu(dt.date(2024, 10, 7), 22840, "used")], dt.date(2024, 10, 9))
    assert used[0].change is None
    text = tz.gpu_sentence("H100", [lv, used[0]])
    assert text == (
        "H100全新卡10月7日报价29,000美元，较4周前-2.68%；"
        "二手卡10月7日报价22,840美元（4周前无报价，无法计算变化）（示例数据）。"
    )


def test_desk_rejects_unordered_thresholds(tmp_path):
    from sectorweekly.desk.parse import load_desk

    data = load_desk().model_dump(exclude={"root"})
    data["trackers"] = {"flat": 0.10, "rise": 0.05}
    with pytest.raises(DeskError, match=r"trackers: expected 0 ≤ flat ≤ rise ≤ significant"):
        parse_desk(data, tmp_path / "desk.yaml")
