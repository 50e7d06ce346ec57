"""The series on the demo desk: 12 weeks backfilled before the 2024-10-10 issue, which is then
built and published through the command line.

Expected numbers are computed here from the demo's price CSVs with the csv module only (no
project helper): closes on or before a date, returns, and the equal-weighted basket.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import home_as
from sectorweekly import store
from sectorweekly.analysis.series import rating_action
from sectorweekly.desk.parse import load_desk
from sectorweekly.report.model import Report
from sectorweekly.series import archive
from series_hand import A, close_on, hand_basket

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def series(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """Backfill 12 weeks, then publish the 2024-10-10 issue with the CLI."""
    from sectorweekly.series.publish import backfill

    home = demo_store.parent.parent
    reports = tmp_path_factory.mktemp("series") / "reports"
    with home_as(home):
        result = backfill(load_desk(), reports, 12, D("2024-10-10"))
    backfilled = archive.read_archive(reports)
    before = store.fingerprint(demo_store)
    run = subprocess.run(
        [sys.executable, "-m", "sectorweekly", "build", "--start", "2024-10-07",
         "--end", "2024-10-09", "--reports", str(reports), "--publish"],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "SECTORWEEKLY_HOME": str(home)},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert store.fingerprint(demo_store) == before  # a build never writes the store
    out = reports / "2024-10-10"
    report = Report.model_validate_json((out / "report.json").read_text(encoding="utf-8"))
    return {
        "reports": reports,
        "out": out,
        "report": report,
        "backfilled": backfilled,
        "result": result,
        "run": run,
        "home": home,
    }


def test_backfill_records_twelve_weekly_models_without_documents(series):
    issues = series["backfilled"]
    days = [i.publication_date for i in issues]
    assert days == [D("2024-07-20") + dt.timedelta(weeks=k) for k in range(12)]
    assert [(i.start, i.end) for i in issues][-1] == (D("2024-09-30"), D("2024-10-04"))
    assert all(i.kind == "backfill" and i.documents == [] for i in issues)
    assert all(t < 60 for _, _, t in series["result"].recorded)  # each timed


def test_publish_records_the_issue_with_its_documents(series):
    issues = archive.read_archive(series["reports"])
    assert len(issues) == 13
    last = issues[-1]
    assert last.publication_date == D("2024-10-10") and last.kind == "published"
    assert sorted(last.documents) == [
        "2024-10-10/charts.xlsx",
        *(f"2024-10-10/report.{ext}" for ext in ("docx", "html", "json", "md", "pdf")),
    ]
    assert last.title == series["report"].front.title
    assert "published 2024-10-10 in" in series["run"].stderr


def test_related_reports_on_the_front_page(series):
    related = series["report"].front.related
    titles = {i.publication_date: i.title for i in series["backfilled"]}
    assert [r.publication_date for r in related] == [
        D("2024-10-05") - dt.timedelta(weeks=k) for k in range(6)
    ]
    assert all(r.title == titles[r.publication_date] for r in related)


def test_relative_chart_from_the_data_start_to_the_window_end(series):
    report = series["report"]
    assert report.front.figures == ["relative_performance"]
    chart = report.figure("relative_performance")
    assert chart.number == 0 and chart.file == "charts/figure_relative_performance.png"
    cats = chart.data["categories"]
    # 12 months back is 2023-10-09; the demo's prices start on 2024-01-02, and the note says so
    assert cats[0] == "2024-01-02" and cats[-1] == "2024-10-09"
    assert any("始于2024年1月2日" in n and "不足12个月" in n for n in chart.notes)
    assert any("等权" in n and "沪深300" in n for n in chart.notes)
    assert any("沃尔核材自2024年7月19日起" in n for n in chart.notes)
    desk = load_desk()
    members = [s for s in desk.members() if desk.instruments[s].kind != "index"]
    dates, basket, bench = hand_basket(members, D("2023-10-09"), D("2024-10-09"))
    assert cats == [d.isoformat() for d in dates]
    got_basket, got_bench = (s["values"] for s in chart.data["series"])
    assert got_bench[-1] == pytest.approx(bench[-1], abs=1e-3)
    # CSI 300 closed 3386.35 on 2024-01-02 and 3955.98 on 2024-10-09 (000300.csv)
    assert got_bench[-1] == pytest.approx(3955.98 / 3386.35 * 100, abs=1e-3)
    assert max(abs(a - b) for a, b in zip(got_basket, basket, strict=True)) < 1e-3
    assert (series["out"] / chart.file).stat().st_size > 20_000


def test_names_to_watch_since_first_listed_match_the_price_files(series):
    report = series["report"]
    table = report.figure("watch_performance")
    rows = {re.search(r"（(.+)）$", r[0]).group(1): r for r in table.rows}  # type: ignore[union-attr]
    desk = load_desk()
    watch = [s for t in desk.watch for s in t.names]
    assert list(rows) == watch
    _, b0 = close_on("000300", D("2024-07-19"))
    _, b1 = close_on("000300", D("2024-10-09"))
    bench = (b1 / b0 - 1) * 100
    returns, excesses = [], []
    for symbol in watch:
        (d0, c0), (d1, c1) = close_on(symbol, D("2024-07-19")), close_on(symbol, D("2024-10-09"))
        _, a0 = close_on(symbol, D("2024-07-19"), A)
        _, a1 = close_on(symbol, D("2024-10-09"), A)
        ret = (a1 / a0 - 1) * 100  # across an ex-rights day from its reference price
        returns.append(ret)
        excesses.append(ret - bench)
        row = rows[symbol]
        assert row[1] == "2024-07-20（存档首期）"  # the archive's first issue: maybe earlier
        assert row[2] == f"{c0:,.2f}（{d0:%m-%d}）" and row[3] == f"{c1:,.2f}（{d1:%m-%d}）"
        assert row[4] == f"{ret:+.2f}%" and row[5] == f"{bench:+.2f}%"
        assert row[6] == f"{ret - bench:+.2f}" and row[7] == "持续关注"
    assert rows["688256"][4] == "+38.41%"  # 268.40 on 07-19 -> 371.50 on 10-09
    # 工业富联 24.66 -> 26.00, with the 2024-08-15 dividend (reference 20.80 after 21.38)
    assert rows["601138"][4] == f"{(26.00 / 24.66 * 21.38 / 20.80 - 1) * 100:+.2f}%" == "+8.37%"
    line = next(k for k in report.key_points if k.startswith("建议关注组合"))
    assert f"等权平均涨跌幅{sum(returns) / len(returns):+.2f}%" in line
    assert f"平均超额{sum(excesses) / len(excesses):+.2f}个百分点" in line
    assert any("存档始于2024年7月20日" in n for n in table.notes)


def test_rating_actions_in_names_to_watch_and_rating_detail(series):
    report = series["report"]
    cambricon = next(m for t in report.review.watch for m in t.members if m.symbol == "688256")
    assert (cambricon.rating, cambricon.rating_action) == ("示例评级：买入", "维持")
    watch = next(s for s in report.sections if s.key == "watch")
    assert "寒武纪（示例评级：维持买入，本周+28.48%）" in watch.bullets[0]
    detail = report.figure("ratings_detail")
    actions = {(r[0], r[1]): r[-1] for r in detail.rows}
    assert detail.columns[-1] == "评级变动"
    assert actions[("2024-06-17", "工业富联（601138）")] == "下调"  # 买入 -> 持有
    assert actions[("2024-07-22", "天孚通信（300394）")] == "首次覆盖"
    assert actions[("2024-09-02", "寒武纪（688256）")] == "维持"
    july = next(i for i in series["backfilled"] if i.publication_date == D("2024-07-27"))
    line = next(t.line for t in july.report.review.watch if t.theme == "数据中心硬件")
    assert "天孚通信（示例评级：首次覆盖买入" in line  # rated 2024-07-22, after the 07-20 issue
    order = ["买入", "持有", "中性", "回避", "卖出"]
    assert rating_action("持有", "买入", order) == "upgrade"
    assert rating_action(None, "中性", order) == "initiate"


def test_week_over_week_words_come_from_the_archived_issue(series):
    report = series["report"]
    prev = series["backfilled"][-1].report
    was = {b.name: b.breadth for b in prev.review.boards}
    assert was["晶圆代工"] == "普涨" and was["云计算"] == "普涨"
    smic = next(m for b in prev.review.boards for m in b.members if m.symbol == "688981")
    assert smic.limit_up_streak == 1  # 2024-09-30, the only A-share session of that week
    summary = report.key_points[0]
    assert "与上期（10月5日）相比" in summary
    assert "晶圆代工板块由上期普涨转为涨跌互现" in summary
    assert "云计算板块由上期普涨转为普跌" in summary
    assert "中芯国际连板延续（上期1连板，本期累计3连板）" in summary
    assert summary.index("与上期") < summary.index("注：以上市值")


def test_industry_rating_judged_against_the_basket(series):
    report = series["report"]
    table = report.figure("industry_rating_review")
    assert len(table.rows) == 12 and table.rows[0][:2] == ["2024-10-05", "强于大市"]
    assert all("待到期（截至2024-10-09）" in r[3] for r in table.rows)  # 6 months not over yet
    desk = load_desk()
    members = [s for s in desk.members() if desk.instruments[s].kind != "index"]
    dates, basket, bench = hand_basket(members, D("2023-10-09"), D("2024-10-09"))
    i0 = bisect.bisect_right(dates, D("2024-10-05")) - 1  # 2024-09-30
    excess = (basket[-1] / basket[i0] - bench[-1] / bench[i0]) * 100
    assert table.rows[0][2] == f"{excess:+.2f}"
    section = next(s for s in report.sections if s.key == "industry_rating_review")
    assert "已到期0期" in section.paragraphs[0].text


def test_every_format_shows_the_front_page_items(series):
    out, report = series["out"], series["report"]
    first = report.front.related[0]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.index("相关报告") < md.index("行业相对走势") < md.index("## 投资要点")
    assert first.title in md and "charts/figure_relative_performance.png" in md
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.index("相关报告") < html.index("行业相对走势") < html.index("投资要点</h2>")
    assert first.title in html
    from docx import Document

    text = "\n".join(p.text for p in Document(str(out / "report.docx")).paragraphs)
    assert text.index("相关报告") < text.index("行业相对走势") < text.index("投资要点")
    with zipfile.ZipFile(out / "report.docx") as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert body[: body.index("投资要点")].count("<w:drawing>") == 1  # the chart, on the front
    if shutil.which("pdftotext"):
        page = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(out / "report.pdf"), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        flat = re.sub(r"\s+", "", page)
        assert "相关报告" in flat and "行业相对走势" in flat and "投资要点" in flat
        assert "2024-10-05" in flat


def test_index_lists_every_issue_without_external_urls(series):
    html = (series["reports"] / "index.html").read_text(encoding="utf-8")
    for issue in archive.read_archive(series["reports"]):
        assert issue.publication_date.isoformat() in html and issue.title in html
    assert 'href="2024-10-10/report.html"' in html and 'href="2024-10-10/report.pdf"' in html
    assert '<a href="2024-10-10/charts.xlsx">图表底稿</a>' in html
    assert '中芯国际 <span class="up">+39.84%</span>' in html  # the week's best
    assert "仅存档（回填）" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert not re.search(r"url\((?!\"?data:)", html)


def test_backfill_replaces_and_says_so_but_keeps_a_published_issue(series):
    reports = series["reports"]
    run = subprocess.run(
        [sys.executable, "-m", "sectorweekly", "backfill", "--weeks", "1", "--before",
         "2024-10-10", "--reports", str(reports)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "SECTORWEEKLY_HOME": str(series["home"])},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "2024-10-05: replaced the backfill issue recorded" in run.stderr.replace("\n", " ")
    assert "1 issue backfilled" in run.stdout.replace("\n", " ")
    issues = archive.read_archive(reports)
    assert len(issues) == 13
    done = archive.record(reports, series["report"], "backfill")
    assert done.skipped and archive.read_archive(reports)[-1].kind == "published"
    listing = subprocess.run(
        [sys.executable, "-m", "sectorweekly", "archive", "list", "--reports", str(reports)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "SECTORWEEKLY_HOME": str(series["home"]), "COLUMNS": "250"},
    )  # fmt: skip
    assert listing.returncode == 0
    lines = [ln for ln in listing.stdout.splitlines() if ln[:4] == "2024"]
    assert len(lines) == 13 and lines[0].startswith("2024-10-10  2024-10-07..2024-10-09")
    assert "best 中芯国际+39.84%" in lines[0] and "6 documents" in lines[0]


def test_archive_of_another_series_is_refused(series, tmp_path: Path):
    shutil.copy(series["reports"] / "archive.jsonl", tmp_path / "archive.jsonl")
    other = series["report"].model_copy(deep=True)
    other.front.series = "存储周跟踪"
    with pytest.raises(archive.ArchiveError, match="holds the series 算力周跟踪"):
        archive.record(tmp_path, other, "published")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "archive.jsonl").write_text('{"publication_date": "2024-10-10"}\n', encoding="utf-8")
    with pytest.raises(archive.InputError, match=r"archive.jsonl:1: not an archived issue"):
        archive.read_archive(bad)


def test_first_issue_without_an_archive_says_so(demo_report):
    report, out, _ = demo_report
    assert report.front.related == []
    assert "暂无往期报告" in (out / "report.html").read_text(encoding="utf-8")
    line = next(k for k in report.key_points if k.startswith("建议关注组合"))
    assert "存档中尚无往期建议关注记录" in line
    table = report.figure("watch_performance")
    assert {r[1] for r in table.rows} == {"本期首次"} and {r[7] for r in table.rows} == {"本周新增"}
    assert report.figure("relative_performance").data["categories"][-1] == "2024-10-09"
    assert json.loads(report.to_json())["extras"]["series"]["archive_issues"] == 0


def test_watchlist_changes_between_issues_are_in_the_chart_note(series_copy):
    from sectorweekly.parts.series import relative_chart

    desk, index, history, review = series_copy
    earliest = history[0]
    theme = earliest.review.watch[0]
    theme.members = [m for m in theme.members if m.symbol != "688702"]  # not yet listed then
    chart = relative_chart(desk, index, history, review)
    note = next(n for n in chart.notes if n.startswith("关注名单曾有变动"))
    assert "2024年7月27日期纳入盛科通信" in note and "本图按本期名单回溯计算" in note


@pytest.fixture
def series_copy(series):
    from sectorweekly.analysis.series import basket_index as index_of
    from sectorweekly.parts.series import basket_members

    desk = load_desk()
    history = [i.report.model_copy(deep=True) for i in series["backfilled"]]
    members = {s: desk.instruments[s].market for s in basket_members(desk)}
    with store.reader(series["home"] / "demo" / "store.duckdb") as con:
        index = index_of(con, members, "000300", D("2024-10-09"))
    return desk, index, history, series["report"].review


def test_a_name_dropped_this_week_is_measured_and_said(series, series_copy):
    """英伟达 listed in the 2024-10-05 issue only: 本周移出, measured from that issue's cut-off."""
    from sectorweekly.analysis.series import mean_of
    from sectorweekly.narrative.series_zh import watch_key_point
    from sectorweekly.parts.series import watch_items

    desk, _, history, review = series_copy
    last = history[-1]
    nvda = next(m for b in last.review.boards for m in b.members if m.symbol == "NVDA")
    last.review.watch[0].members.append(nvda)
    with store.reader(series["home"] / "demo" / "store.duckdb") as con:
        items = watch_items(con, desk, review, history, D("2024-10-09"))
    dropped = next(i for i in items if i.symbol == "NVDA")
    assert dropped.status == "dropped" and dropped.first_listed == D("2024-10-05")
    assert not dropped.at_archive_start
    (_, a0), (_, a1) = close_on("NVDA", D("2024-10-04"), A), close_on("NVDA", D("2024-10-09"), A)
    (_, g0), (_, g1) = close_on("^GSPC", D("2024-10-04")), close_on("^GSPC", D("2024-10-09"))
    assert dropped.return_pct == pytest.approx((a1 / a0 - 1) * 100, abs=1e-9)
    assert dropped.excess_pct == pytest.approx((a1 / a0 - g1 / g0) * 100, abs=1e-9)
    kept = [i for i in items if i.status != "dropped"]
    line = watch_key_point(
        items,
        mean_of([i.return_pct for i in kept]),
        mean_of([i.excess_pct for i in kept]),
        {s: i.name for s, i in desk.instruments.items()},
    )
    assert line.endswith("；本周移出英伟达。") and "当前12只" in line
