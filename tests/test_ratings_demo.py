"""The demo desk's illustrative ratings: `ratings evaluate` files and the 评级回顾 report section.

Expected figures are worked out by hand from the closes in demo/desk/data/prices.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import pytest

from helpers import home_as
from sectorweekly.cli import main
from sectorweekly.report.model import ORDER_RATINGS


def pct(end: float, start: float) -> float:
    return (end / start - 1) * 100


@pytest.fixture
def demo_home(demo_store: Path, _isolated_home: Path) -> Path:
    """This test's user folder holding a copy of the seeded demo store (prices already in)."""
    target = _isolated_home / "demo" / "store.duckdb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_store, target)
    return _isolated_home


def evaluate_cli(monkeypatch, capsys, out: Path, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(
        sys, "argv", ["sectorweekly", "ratings", "evaluate", "--out", str(out), *args]
    )
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    got = capsys.readouterr()
    return code, got.out, got.err


def by_key(rows: list[dict]) -> dict[tuple[str, str, str], dict]:
    return {(r["symbol"], r["date"], r["horizon"]): r for r in rows}


def test_evaluate_writes_scorecard_json_and_csv_with_hand_checked_numbers(
    demo_home, tmp_path, monkeypatch, capsys
):
    code, out, err = evaluate_cli(monkeypatch, capsys, tmp_path)
    assert code == 0, err
    assert "6M rating scorecard (sample ratings, not real ones)" in out and "scorecard.json" in out
    card = json.loads((tmp_path / "scorecard.json").read_text(encoding="utf-8"))
    assert card["sample"] is True and card["sample_label"] == "示例评级（非真实评级）"
    assert card["benchmarks"] == {"CN_A": "000300", "HK": "HSI", "US": "^GSPC"}
    rows = by_key(card["rows"])
    assert len(card["rows"]) == 2 * card["ratings"] == 50

    # 寒武纪 买入 on 2024-01-15, 6M: 120.80 -> 208.20 vs CSI 300 3280.92 -> 3476.25
    r = rows[("688256", "2024-01-15", "6M")]
    assert (r["start_date"], r["end_date"]) == ("2024-01-15", "2024-07-15")
    assert (r["start_close"], r["end_close"]) == (120.8, 208.2)
    assert r["stock_return_pct"] == pytest.approx(pct(208.2, 120.8), abs=1e-6)
    assert r["benchmark_return_pct"] == pytest.approx(pct(3476.25, 3280.92), abs=1e-6)
    assert r["excess_pct"] == pytest.approx(pct(208.2, 120.8) - pct(3476.25, 3280.92), abs=1e-6)
    assert (r["realized_rating"], r["status"], r["price_basis"]) == ("买入", "hit", "unadjusted")

    # 中芯国际H on 2024-04-01 (Easter Monday in HK): start 03-28; end 09-30 (10-01 closed)
    r = rows[("0981.HK", "2024-04-01", "6M")]
    assert (r["start_date"], r["end_date"], r["benchmark"]) == ("2024-03-28", "2024-09-30", "HSI")
    excess = pct(20.85, 15.16) - pct(21133.68, 16541.42)
    assert r["excess_pct"] == pytest.approx(excess, abs=1e-6)  # +9.77: 中性, as rated
    assert (r["realized_rating"], r["status"]) == ("中性", "hit")

    # 英伟达 买入 on 2024-04-01 vs S&P 500: 90.36 -> 117.00, 5243.77 -> 5708.75
    r = rows[("NVDA", "2024-04-01", "6M")]
    assert r["excess_pct"] == pytest.approx(pct(117.0, 90.36) - pct(5708.75, 5243.77), abs=1e-6)
    assert (r["realized_rating"], r["status"], r["adjustment"]) == ("买入", "hit", "split_adj")

    # 中际旭创 rated 2024-03-18: its prices start 2024-06-06, so it is missing, not invented
    r = rows[("300308", "2024-03-18", "6M")]
    assert r["status"] == "no_data" and r["start_close"] is None and r["excess_pct"] is None

    # 海光信息 持有 on 2024-11-18, 12M: its prices stop at 2025-05-23 -> pending, interim excess
    r = rows[("688041", "2024-11-18", "12M")]
    assert r["status"] == "pending" and r["as_of_date"] == "2025-05-23"
    assert r["end_date"] == "2025-11-18" and r["realized_rating"] is None
    assert r["excess_pct"] == pytest.approx(pct(136.13, 123.11) - pct(3882.27, 3950.38), abs=1e-6)

    with (tmp_path / "scorecard.csv").open(encoding="utf-8") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert len(csv_rows) == 50
    assert list(csv_rows[0])[:7] == [
        "symbol",
        "market",
        "date",
        "rating",
        "scale",
        "analyst",
        "horizon",
    ]
    nvda = next(r for r in csv_rows if r["symbol"] == "NVDA" and r["horizon"] == "6M")
    assert float(nvda["excess_pct"]) == pytest.approx(
        rows[("NVDA", "2024-04-01", "6M")]["excess_pct"]
    )

    six = card["summary"]["6M"]
    hits = sum(1 for r in card["rows"] if r["horizon"] == "6M" and r["status"] == "hit")
    judged = sum(1 for r in card["rows"] if r["horizon"] == "6M" and r["status"] in ("hit", "miss"))
    assert six["overall"]["hits"] == hits and six["overall"]["evaluated"] == judged
    assert six["overall"]["hit_rate_pct"] == round(hits / judged * 100, 2)
    assert sum(sum(v.values()) for v in six["confusion"]["company"].values()) == judged


def test_benchmark_override_horizon_and_as_of(demo_home, tmp_path, monkeypatch, capsys):
    code, _, err = evaluate_cli(
        monkeypatch, capsys, tmp_path, "--horizon", "6M", "--benchmark", "US=^IXIC",
        "--as-of", "2024-10-09",
    )  # fmt: skip
    assert code == 0, err
    card = json.loads((tmp_path / "scorecard.json").read_text(encoding="utf-8"))
    assert card["horizons"] == ["6M"] and card["as_of"] == "2024-10-09"
    assert card["ratings"] == 22  # dated on or before 2024-10-09
    r = by_key(card["rows"])[("NVDA", "2024-04-01", "6M")]
    assert r["benchmark"] == "^IXIC"
    assert r["excess_pct"] == pytest.approx(pct(117.0, 90.36) - pct(17910.36, 16396.83), abs=1e-6)
    assert by_key(card["rows"])[("688256", "2024-09-02", "6M")]["status"] == "pending"


def test_evaluate_a_ratings_file_without_storing_it(demo_home, tmp_path, monkeypatch, capsys):
    f = tmp_path / "mine.csv"
    f.write_text("date,symbol,rating,analyst\n2024-04-01,NVDA,Hold,王五\n", encoding="utf-8")
    code, _, err = evaluate_cli(monkeypatch, capsys, tmp_path / "out", "--ratings", str(f))
    assert code == 0, err
    card = json.loads((tmp_path / "out" / "scorecard.json").read_text(encoding="utf-8"))
    assert card["sample"] is False and card["ratings"] == 1
    assert card["summary"]["6M"]["by_analyst"]["王五"]["evaluated"] == 1
    row = by_key(card["rows"])[("NVDA", "2024-04-01", "6M")]
    assert (row["rating"], row["realized_rating"], row["status"]) == ("持有", "买入", "miss")


def test_bad_horizon_and_benchmark_options(demo_home, tmp_path, monkeypatch, capsys):
    code, _, err = evaluate_cli(monkeypatch, capsys, tmp_path, "--horizon", "3Y")
    assert code == 2 and "expected 6M, 12M or both" in err
    code, _, err = evaluate_cli(monkeypatch, capsys, tmp_path, "--benchmark", "JP=N225")
    assert code == 2 and "--benchmark:JP=N225: expected MARKET=SYMBOL" in err


@pytest.fixture(scope="module")
def demo_report(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    from sectorweekly.build.flow import build_report
    from sectorweekly.desk.parse import load_desk

    home = tmp_path_factory.mktemp("ratings_home")
    (home / "demo").mkdir()
    shutil.copyfile(demo_store, home / "demo" / "store.duckdb")
    with home_as(home):
        return build_report(load_desk(), dt.date(2024, 10, 7), dt.date(2024, 10, 9))


def test_demo_report_has_the_ratings_section_judged_as_of_the_window_end(demo_report):
    report = demo_report
    section = next(s for s in report.sections if s.key == "ratings")
    assert section.title == "评级回顾" and section.order == ORDER_RATINGS and section.sample
    assert section.figures == ["ratings_scorecard", "ratings_excess", "ratings_detail"]
    text = "".join(p.text for p in section.paragraphs)
    assert "示例评级（非真实评级）" in text and "行情截至2024年10月9日" in text
    assert "中际旭创（2024年3月18日评级）本地数据库无评级日及以前的行情" in text

    card = report.extras["scorecard"]
    assert card["as_of"] == "2024-10-09" and card["ratings"] == 22
    # only 6M horizons that ended by 2024-10-09 are judged; every 12M is still pending
    judged = [r for r in card["rows"] if r["status"] in ("hit", "miss")]
    assert judged and all(r["horizon"] == "6M" and r["end_date"] <= "2024-10-09" for r in judged)
    assert card["summary"]["12M"]["overall"]["evaluated"] == 0
    assert card["summary"]["12M"]["overall"]["pending"] == 21

    table = report.figure("ratings_scorecard")
    assert table.sample and "示例评级（非真实评级）" in table.notes
    total = next(r for r in table.rows if r[0] == "合计" and r[1] == "6个月")
    six = card["summary"]["6M"]["overall"]
    assert total[2:5] == [six["ratings"], six["evaluated"], six["hits"]]

    chart = report.figure("ratings_excess")
    assert chart.kind == "bar" and chart.sample
    assert chart.data["categories"] == ["买入", "持有", "中性", "回避"]
    (series,) = chart.data["series"]  # no 12M rating has matured by 2024-10-09
    means = card["summary"]["6M"]["by_rating"]
    assert series["values"] == [means[n]["mean_excess_pct"] for n in chart.data["categories"]]
    assert series["values"][-1] is None  # no 回避 rating had matured

    detail = report.figure("ratings_detail")
    nvda = next(r for r in detail.rows if r[1] == "英伟达（NVDA）")
    assert nvda[:4] == ["2024-04-01", "英伟达（NVDA）", "买入", "标普500"]
    assert nvda[4:6] == ["+20.61", "命中"]
    assert nvda[7] == "待到期（截至10月9日）"
    numbers = [report.figure(k).number for k in section.figures]
    assert numbers == sorted(numbers)


def test_names_to_watch_show_their_current_rating(demo_report):
    cambricon = next(m for t in demo_report.review.watch for m in t.members if m.symbol == "688256")
    assert cambricon.rating == "示例评级：买入"  # 2024-09-02 rating, the latest before 10-10
    watch = next(s for s in demo_report.sections if s.key == "watch")
    # the action against the previous rating of the name (买入 again on 2024-09-02: 维持)
    assert cambricon.rating_action == "维持"
    assert "寒武纪（示例评级：维持买入，本周+28.48%）" in watch.bullets[0]


def test_ratings_chart_draws(demo_report):
    from sectorweekly.report.charts import render_figure

    fig = render_figure(demo_report.figure("ratings_excess"))
    assert fig.axes and len(fig.axes[0].patches) == 4


def test_markdown_and_html_show_the_section_with_its_sample_label(demo_report, tmp_path):
    from sectorweekly.report.charts import draw_charts
    from sectorweekly.report.html import standalone_html
    from sectorweekly.report.markdown import render_markdown

    report = demo_report.model_copy(deep=True)
    draw_charts(report, tmp_path)
    md = render_markdown(report)
    section = md.split("## 评级回顾", 1)[1].split("\n## ", 1)[0]
    assert "示例评级（非真实评级）" in section and "评级明细" in section
    assert "| 合计 | 6个月 |" in section
    html = standalone_html(report, tmp_path)
    assert "评级回顾" in html and "各评级已到期评级的平均超额收益" in html
