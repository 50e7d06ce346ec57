"""Last week's 上周合计 row of 全市场周度复盘 (the table, the daily limit chart's last-week cell,
report.json): the previous issue's figures when the series archive holds last week's issue,
the store's recomputation otherwise, and a note that says which."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from market_store import MARKET_DIR, fill_market_store

pytestmark = pytest.mark.skipif(not MARKET_DIR.is_dir(), reason="no shared market slice")
START, END = dt.date(2024, 10, 7), dt.date(2024, 10, 9)
PUBLISHED = dt.date(2024, 10, 8)  # last week's issue (its market week ends 2024-09-30)


@pytest.fixture(scope="module")
def market_home(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("prior_home")
    (home / "demo").mkdir()
    shutil.copyfile(demo_store, home / "demo" / "store.duckdb")
    fill_market_store(home / "demo" / "store.duckdb")
    return home


@pytest.fixture
def build(market_home: Path, monkeypatch: pytest.MonkeyPatch):
    """Build the demo week in an edition, with the given archived issues."""
    from sectorweekly.build.flow import BuildContext, build_report
    from sectorweekly.desk.parse import load_desk

    monkeypatch.setenv("SECTORWEEKLY_HOME", str(market_home))

    def run(history: list[Any], lang: str = "zh") -> Any:
        return build_report(load_desk(), START, END, BuildContext(history=history), lang)

    return run


def _issue(report: Any, week: dict[str, Any], minute: int) -> Any:
    """Last week's issue as the archive reads it back (report.json's JSON: dates as text),
    its ``market_context.week`` being ``week``, recorded at 08:``minute`` (the build cache
    tells archived issues apart by when they were recorded)."""
    from sectorweekly.series.archive import ArchivedIssue

    old = json.loads(report.to_json())
    old["front"]["publication_date"] = PUBLISHED.isoformat()
    old["extras"]["market_context"]["week"] = week
    line = {
        "publication_date": PUBLISHED.isoformat(), "start": "2024-09-30", "end": "2024-10-04",
        "title": old["front"]["title"], "series": old["front"]["series"], "kind": "published",
        "recorded_at": f"2024-10-08T08:{minute:02d}:00+00:00", "report": old,
    }  # fmt: skip
    return ArchivedIssue.model_validate_json(json.dumps(line))


def _published_week(report: Any) -> dict[str, Any]:
    """Last week as readers were told it: the store's 09-30 with other figures (as a store
    corrected since would give), in the shape report.json writes."""
    week = copy.deepcopy(json.loads(report.to_json())["extras"]["market_context"]["last_week"])
    week.update(flat=30, daily_amount=2.5e12)
    day = week["days"][0]
    day.update(limit_up=900, one_price=120, limit_down=3, broken=100, prev_up=50, promoted=40)
    return week


def _row(report: Any) -> list[Any]:
    return report.figure("mc_daily").rows[-1]


def _limits_last(report: Any) -> list[int]:
    return [s["values"][-1] for s in report.figure("mc_limits").data["series"]]


def test_the_row_shows_the_archived_issue_and_says_so(build) -> None:
    from_store = build([])
    store_row = _row(from_store)
    assert store_row[0] == "上周合计"
    assert "上周合计按本地数据库重算" in from_store.figure("mc_daily").notes
    assert "上周合计按本地数据库重算" in from_store.figure("mc_limits").notes
    store_json = json.loads(from_store.to_json())["extras"]["market_context"]
    store_week = store_json["last_week"]
    assert store_json["last_week_totals"]["source"] == "store"
    day = store_week["days"][0]
    counts = ("limit_up", "one_price", "limit_down", "broken")
    breadth = [store_week[k] for k in ("up", "flat", "down")]
    assert store_row[1:8] == breadth + [day[k] for k in counts]
    assert _limits_last(from_store) == [day["limit_up"], day["limit_down"], day["broken"]]
    assert (day["limit_up"], day["broken"], day["prev_up"], day["promoted"]) != (900, 100, 50, 40)

    published = _published_week(from_store)
    report = build([_issue(from_store, published, 1)])
    up, down = published["up"], published["down"]
    assert _row(report) == [
        "上周合计",
        up,
        30,
        down,
        900,
        120,
        3,
        100,
        "10.0%",
        "80.0%",
        "日均25,000",
    ]
    table = report.figure("mc_daily")
    assert "上周合计取自2024年10月8日发布的上期周报" in table.notes
    assert "上周合计按本地数据库重算" not in table.notes
    chart = report.figure("mc_limits")
    assert chart.data["categories"][-1] == "上周" and _limits_last(report) == [900, 3, 100]
    assert "上周合计取自2024年10月8日发布的上期周报" in chart.notes
    mc = json.loads(report.to_json())["extras"]["market_context"]
    totals = mc["last_week_totals"]
    assert (totals["source"], totals["published"], totals["recomputed"]) == (
        "archive", "2024-10-08", []
    )  # fmt: skip
    assert (totals["limit_up"], totals["broken_rate"], totals["promotion_rate"]) == (900, 10, 80)
    assert mc["last_week"] == store_week  # the store's recomputation is still written beside it
    # the words compare with the same issue
    assert report.key_points[0].endswith("（上周数字取自10月8日发布的上期报告）")


def test_an_older_issue_lacking_a_figure_takes_it_from_the_store_and_names_it(build) -> None:
    from_store = build([])
    published = _published_week(from_store)
    del published["flat"]
    for day in published["days"]:
        del day["one_price"], day["prev_up"]
    report = build([_issue(from_store, published, 2)])
    store = from_store.figure("mc_daily").rows[-1]
    row = _row(report)
    assert row[2] == store[2] and row[5] == store[5]  # 平盘, 一字: the store's
    assert row[4] == 900 and row[7] == 100 and row[8] == "10.0%"  # the issue's
    assert row[9] == store[9]  # 晋级率 lacks its base in the issue: both parts the store's
    assert (
        "上周合计取自2024年10月8日发布的上期周报（上期周报未载明的平盘、一字、晋级率按本地数据库重算）"
        in report.figure("mc_daily").notes
    )
    totals = json.loads(report.to_json())["extras"]["market_context"]["last_week_totals"]
    assert totals["recomputed"] == ["flat", "one_price", "prev_up", "promoted"]


def test_an_issue_of_another_week_leaves_the_store_s_row(build) -> None:
    from_store = build([])
    published = _published_week(from_store)
    published["sessions"] = ["2024-09-27"]
    report = build([_issue(from_store, published, 3)])
    assert _row(report) == _row(from_store)
    assert "上周合计按本地数据库重算" in report.figure("mc_daily").notes


def test_the_english_row_is_the_same_issue_s(build) -> None:
    from_store = build([])
    published = _published_week(from_store)
    report = build([_issue(from_store, published, 1)], lang="en")
    up, down = published["up"], published["down"]
    assert _row(report) == ["Last week", up, 30, down, 900, 120, 3, 100, "10.0%", "80.0%",
                            "2,500.0/day"]  # fmt: skip
    assert (
        "Last week's totals as published in the previous issue of 8 Oct 2024"
        in report.figure("mc_daily").notes
    )
    assert _limits_last(report) == [900, 3, 100]
    lead = report.sections[0].paragraphs[0].text  # its words compare with the same issue
    assert lead.endswith(
        f"({published['limit_up_stocks']} last week); the highest streak was 14 consecutive "
        "limit-ups (12 last week). Last week's figures are those of the previous issue, "
        "published 8 Oct 2024."
    )
    english = build([], lang="en")
    assert "Last week's totals recomputed from the local store" in english.figure("mc_daily").notes
    assert _row(english)[1:10] == _row(from_store)[1:10]


def test_without_the_store_s_last_week_a_figure_the_issue_lacks_is_a_dash() -> None:
    from sectorweekly.analysis.market_context_prior import prior_week, with_store
    from sectorweekly.narrative import market_context_zh as mz

    week = {"sessions": ["2024-09-30"], "up": 5000, "flat": 17, "down": 60,
            "limit_up_stocks": 800, "daily_amount": 2.6e12, "ladder": []}  # fmt: skip
    prior = prior_week(
        [(PUBLISHED, {"market_context": {"week": week}})], None, dt.date(2024, 9, 30)
    )
    row = with_store(prior, None)
    assert row is not None
    assert mz.row_cells(row) == [5000, 17, 60, "—", "—", "—", "—", "—", "—"]
    assert mz.row_note(row) == (
        "上周合计取自2024年10月8日发布的上期周报（上期周报未载明涨停、一字、跌停、炸板、炸板率、"
        "晋级率，以“—”列示）"
    )
