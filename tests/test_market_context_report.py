"""The 全市场周度复盘 section in the demo week's report: built with the whole market in the store,
and exactly as before (with a console line) without it."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import build_demo_week, market_home
from market_store import MARKET_DIR, fill_market_store
from sectorweekly.analysis.market_context import MarketWeek
from sectorweekly.narrative import market_context_zh as mz

GOLDEN = Path(__file__).parent / "golden" / "market_context" / "week_2024-10-07_2024-10-09.json"
needs_market = pytest.mark.skipif(not MARKET_DIR.is_dir(), reason="no shared market slice")


@pytest.fixture(scope="module")
def market_report(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo week built from the demo store plus the whole market, in every format."""
    home = market_home(demo_store, tmp_path_factory.mktemp("market_home"))
    return build_demo_week(home, tmp_path_factory.mktemp("market_report"))


@needs_market
def test_the_first_key_point_says_the_week_in_its_market(market_report) -> None:
    report, _, messages = market_report
    assert not any("not a 申万 level-1 industry" in m for m in messages)  # 电子 is one
    assert report.key_points[0] == (
        "本周申万电子行业（成分股等权平均）+6.31%，在31个申万一级行业中排名第1；"
        "全A上涨1281家、下跌3774家（多数下跌），涨停793家，最高板为002693（14连板）；"
        "较上周，上涨家数减少3796家，涨停家数减少29家，最高板由12连板升至14连板"
        "（上周数字按本地数据库重算）"
    )  # no archive in this home: last week is recomputed from the store, and it says so
    lead = report.sections[0].paragraphs[0].text
    assert lead.endswith(
        "周内793只股票收于涨停（上周822只），最高14连板（上周最高12连板）。上周数字按本地数据库重算。"
    )
    assert "上涨1281只、平盘28只、下跌3774只" in lead and "较上周增加23.21%" in lead


@needs_market
def test_the_section_comes_first_and_its_figures_are_numbered_with_the_others(
    market_report,
) -> None:
    report, out, _ = market_report
    assert [s.key for s in report.sections[:2]] == ["market_context", "market"]
    numbers = {f.key: f.number for f in [*report.tables, *report.charts]}
    assert [numbers[k] for k in report.sections[0].figures] == list(range(1, 10))
    assert numbers["review_table"] == 10
    numbered = [n for n in report.figure_numbers() if n]  # front-page charts carry no number
    assert numbered == list(range(1, len(numbered) + 1))
    ladder = report.figure("mc_ladder")
    assert ladder.data["categories"][:2] == ["14连板", "8连板"]
    assert ladder.data["labels"][0] == "002693" and ladder.data["values"][0] == 1
    rank = report.figure("mc_industry_rank")
    assert len(rank.data["categories"]) == 31 and rank.data["categories"][0] == "电子"
    assert "等权平均" in " ".join(rank.notes)
    for key in report.sections[0].figures:
        f = report.figure(key)
        assert f.source and f.notes and (out / f.file).stat().st_size > 5_000


@needs_market
def test_report_json_carries_the_figures(market_report) -> None:
    _, out, _ = market_report
    got = json.loads((out / "report.json").read_text(encoding="utf-8"))["extras"]["market_context"]
    gold = json.loads(GOLDEN.read_text(encoding="utf-8"))
    week = got["week"]
    assert (week["up"], week["flat"], week["down"]) == (gold["up"], gold["flat"], gold["down"])
    assert week["buckets"] == gold["buckets"] and sum(week["buckets"].values()) == week["counted"]
    assert [d["limit_up"] for d in week["days"]] == [d["limit_up"] for d in gold["days"]]
    assert week["ladder"][0] == {"height": 14, "symbols": ["002693"], "at_least": False}
    assert got["last_week"]["sessions"] == ["2024-09-30"]
    assert got["industry_method"] == "equal" and got["st_status_known"] is False
    assert round(got["last_week"]["days"][0]["amount"] / 1e12, 2) == 2.59


@needs_market
def test_the_pdf_shows_the_section(market_report) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext")
    _, out, _ = market_report
    text = subprocess.run(
        ["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert text.index("全市场周度复盘") < text.index("本周行情回顾")
    assert "图表4：连板天梯（10月9日）" in text.replace(" ", "")
    assert "无法判定是否触及涨跌停，单独计数（本周共159家次）" in text.replace("\n", "")


def test_a_store_without_the_market_builds_as_before_and_says_how_to_add_it(
    demo_report, demo_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sectorweekly.cli.universe import market_hint

    report, _, messages = demo_report
    assert "market_context" not in report.extras
    assert all(not s.key.startswith("market_context") for s in report.sections)
    assert report.figure("review_table").number == 1
    assert not any("全市场" in m for m in messages)
    market_hint(demo_store)  # what the build command says after such a build
    assert "sectorweekly import universe FOLDER" in capsys.readouterr().err


def _week(up: int, flat: int, down: int) -> MarketWeek:
    return MarketWeek(view=None, days=[], up=up, flat=flat, down=down)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "up,down,word",
    [
        (95, 5, "普涨"),
        (66, 34, "多数上涨"),
        (50, 50, "涨跌互现"),
        (25, 75, "多数下跌"),
        (5, 95, "普跌"),
    ],
)
def test_breadth_words_follow_the_counts(up: int, down: int, word: str) -> None:
    assert mz.breadth(_week(up, 0, down)) == word


@needs_market
def test_the_main_indices_are_all_shown_with_the_weeks_change(market_report) -> None:
    report, _, messages = market_report
    table = report.figure("mc_indices")
    names = [r[0] for r in table.rows]
    assert names == [
        "上证指数",
        "深证成指",
        "创业板指",
        "科创50",
        "沪深300",
        "恒生指数",
        "恒生科技",
        "纳斯达克",
        "标普500",
    ]  # fmt: skip (no 费城半导体: the demo desk does not list it)
    rows = {r[0]: r for r in table.rows}
    csi = next(b for b in report.review.benchmarks if b.symbol == "000300")
    assert rows["沪深300"][2] == f"{csi.change_pct:+.2f}%" != "—"
    assert rows["标普500"][2] != "—" and rows["恒生指数"][2] != "—"
    # HSTECH ships with the demo (SOURCES.md); HK base session 2024-10-04: 5227.13 -> 4640.75
    assert rows["恒生科技"][2] == f"{(4640.75 / 5227.13 - 1) * 100:+.2f}%" == "-11.22%"
    # the demo's index files (SOURCES.md): A-share base session 09-30, last 10-09;
    # 上证指数 closed 3336.50 and 3258.86 (the exchange's published closes)
    assert rows["上证指数"][2:] == [f"{(3258.86 / 3336.50 - 1) * 100:+.2f}%", "10月9日"]
    assert rows["上证指数"][2] == "-2.33%"
    assert rows["深证成指"][2] == f"{(10557.81 / 10529.76 - 1) * 100:+.2f}%" == "+0.27%"
    assert rows["创业板指"][2] == f"{(2280.0963 / 2175.0865 - 1) * 100:+.2f}%" == "+4.83%"
    assert rows["科创50"][2] == f"{(997.8521 / 872.3652 - 1) * 100:+.2f}%" == "+14.38%"
    assert not any("“—”" in n for n in table.notes)
    assert not any(m.startswith("主要指数周涨跌幅 shows —") for m in messages)
    got = {i["symbol"]: i for i in report.extras["market_context"]["indices"]}
    assert got["000688"]["in_store"] and str(got["000688"]["base_date"]) == "2024-09-30"


@needs_market
def test_an_index_the_store_lacks_is_a_dash_and_the_console_says_how_to_add_it(
    market_report, demo_store: Path, tmp_path: Path
) -> None:
    """A store without 深证成指's and 科创50's closes: a dash for each (never a figure from
    elsewhere), a note under the table, and one console line naming both."""
    import duckdb

    from sectorweekly.analysis.market_indices import index_moves
    from sectorweekly.desk.parse import load_desk
    from sectorweekly.markets.calendars import Calendars
    from sectorweekly.parts.market_context_indices import (
        index_message,
        index_table,
        missing_indices,
    )

    report, _, _ = market_report
    path = tmp_path / "store.duckdb"
    shutil.copyfile(demo_store, path)
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM prices WHERE symbol IN ('399001', '000688')")
        desk = load_desk()
        listed = {s: i.name for s, i in desk.instruments.items() if i.kind != "stock"}
        moves = index_moves(
            con, Calendars.of_desk(desk), dt.date(2024, 10, 7), dt.date(2024, 10, 9), listed, set()
        )
    table = index_table(moves, report.review)
    rows = {r[0]: r for r in table.rows}
    assert [rows[n][2:] for n in ("深证成指", "科创50")] == [["—", "—"]] * 2
    assert rows["上证指数"][2] == "-2.33%" and rows["创业板指"][2] == "+4.83%"
    assert any("“—”" in n for n in table.notes)
    line = index_message(missing_indices(moves, report.review))
    assert line.startswith("主要指数周涨跌幅 shows —")
    assert "深证成指 (399001, CN_A)" in line and "科创50 (000688, CN_A)" in line
    assert "上证指数" not in line and "恒生科技" not in line
    assert "import prices" in line and "update" in line and "\n" not in line


@needs_market
def test_promotion_per_board_height_is_a_table(market_report) -> None:
    report, _, _ = market_report
    table = report.figure("mc_promotion")
    rows = {r[0]: r[1:] for r in table.rows}
    gold = json.loads(GOLDEN.read_text(encoding="utf-8"))
    last = gold["days"][-1]["by_height"]  # 2024-10-09, recomputed without the package
    assert rows["2进3"][:3] == [last["2"][0], last["2"][1], f"{last['2'][1] / last['2'][0]:.1%}"]
    assert rows["13进14"][:3] == [1, 1, "100.0%"]
    assert rows["12进13"][:3] == [0, 0, "—"] and rows["12进13"][3:5] == [1, 1]  # on 10-08
    assert rows["合计"][:2] == [gold["days"][-1]["prev_up"], gold["days"][-1]["promoted"]]
    days = gold["days"]
    assert rows["合计"][3:5] == [sum(d["prev_up"] for d in days), sum(d["promoted"] for d in days)]
    assert "晋级率=晋级/基数" in table.notes[0]
    out = report.extras["market_context"]["week"]["days"][-1]["by_height"]
    assert {str(n): [b, p] for n, b, p in out} == last


@needs_market
def test_a_week_past_the_markets_last_bar_leaves_the_section_out_and_says_so(
    demo_store, tmp_path
) -> None:
    """2024-10-14..18 is after the slice's last session (10-11): no figure counted over part
    of the week, no empty chart; one line says where the market ends and how to add the week."""
    from sectorweekly.build.flow import BuildContext, build_report
    from sectorweekly.desk.parse import load_desk
    from sectorweekly.report.render import write_all

    home = tmp_path / "home"
    (home / "demo").mkdir(parents=True)
    shutil.copyfile(demo_store, home / "demo" / "store.duckdb")
    fill_market_store(home / "demo" / "store.duckdb")
    old = os.environ["SECTORWEEKLY_HOME"]
    os.environ["SECTORWEEKLY_HOME"] = str(home)
    try:
        ctx = BuildContext()
        for lang in ("zh", "en"):
            report = build_report(
                load_desk(), dt.date(2024, 10, 14), dt.date(2024, 10, 18), ctx, lang=lang
            )
            write_all(report, tmp_path / lang)
            assert "market_context" not in report.extras
            assert not [c for c in report.charts if c.key.startswith("mc_")]
            assert (tmp_path / lang / "report.pdf").stat().st_size > 0
    finally:
        os.environ["SECTORWEEKLY_HOME"] = old
    line = [m for m in ctx.messages if "whole-market bars end 2024-10-11" in m]
    assert line and "2024-10-18" in line[0] and "update --universe CN_A" in line[0]
