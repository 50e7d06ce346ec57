"""charts.xlsx, the data behind every figure, opened as an editor or a reviewer would: one sheet
per numbered figure after the index, the numbers of report.json as numbers, dates as dates."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess

import openpyxl
import pytest

from sectorweekly.narrative.zh import signed_pct
from sectorweekly.report.chart_data import INDEX_SHEET, MAX_SHEET_NAME, sheet_name
from sectorweekly.report.formats import Job, cached_xlsx, write_xlsx
from sectorweekly.report.model import Table
from sectorweekly.report.xlsx import MAX_WIDTH, text_width, workbook_bytes

FORBIDDEN = set("[]:*?/\\")


@pytest.fixture(scope="module")
def book(demo_report):
    _, out, _ = demo_report
    return openpyxl.load_workbook(out / "charts.xlsx")


@pytest.fixture(scope="module")
def saved(demo_report) -> dict:
    _, out, _ = demo_report
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def _index(book) -> list[dict]:
    ws = book[INDEX_SHEET]
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    head = rows[0]
    return [dict(zip(head, r, strict=True)) for r in rows[1:] if r[0]]


def _block(ws, first: str) -> tuple[int, list[str]]:
    """The heading row of a sheet's data block (its first cell is ``first``) and its names."""
    for row in ws.iter_rows(min_col=1, max_col=ws.max_column):
        if (
            row[0].value == first
            and row[0].font.bold
            and row[0].fill.fgColor.rgb.endswith("1F4E79")
        ):
            return row[0].row, [c.value for c in row if c.value is not None]
    raise AssertionError(f"{ws.title}: no data heading starting with {first}")


def _rows(ws, head_row: int) -> list[tuple]:
    """The data block's rows (cells), down to the blank row before 来源."""
    out = []
    for row in ws.iter_rows(min_row=head_row + 1):
        if all(c.value is None for c in row):
            break
        out.append(row)
    return out


def test_an_index_then_one_sheet_per_figure_with_excel_safe_names(demo_report, book):
    report = demo_report[0]
    numbered = sorted(f.number for f in [*report.tables, *report.charts] if f.number)
    assert numbered == list(range(1, 13))
    assert book.sheetnames[0] == INDEX_SHEET
    assert len(book.sheetnames) == 1 + len(report.tables) + len(report.charts)  # 12 + 首页图
    for name in book.sheetnames:
        assert len(name) <= MAX_SHEET_NAME and not FORBIDDEN & set(name), name
    assert len({n.casefold() for n in book.sheetnames}) == len(book.sheetnames)
    index = _index(book)
    assert [r["图表号"] for r in index] == [*(f"图表{n}" for n in numbered), "首页图"]
    for row in index:
        figure = next(f for f in [*report.tables, *report.charts] if f.title == row["标题"])
        ws = book[row["工作表"]]
        assert ws["A1"].value == f"{row['图表号']}：{figure.title}"
        assert row["来源"] == figure.source
        assert row["类型"] == ("表" if isinstance(figure, Table) else "图")
        assert isinstance(row["数据截至"], dt.datetime)
        notes = [r[1] for r in ws.iter_rows(values_only=True) if r[0] == "注"]
        assert notes == figure.notes
        link = book[INDEX_SHEET].cell(row=index.index(row) + 6, column=3).hyperlink
        assert link.location == f"'{ws.title}'!A1"
    # 图表7 is H100's line, whose last price is dated before the review's cut-off
    h100 = next(r for r in index if r["图表号"] == "图表7")
    assert h100["数据截至"].date() == dt.date(2024, 10, 7)
    assert book[INDEX_SHEET]["B3"].value.date() == report.review.window.end


def test_figure_1_holds_the_numbers_of_report_json(book, saved):
    ws = next(book[n] for n in book.sheetnames if n.startswith("图表1 "))
    head_row, head = _block(ws, "公司")
    assert head[:8] == ["公司", "代码", "市场", "板块/主题", "总市值（亿）", "单位",
                        "周涨跌幅（%）", "说明"]  # fmt: skip
    cells = {r[1].value: r for r in _rows(ws, head_row)}
    members = {m["symbol"]: m for b in saved["review"]["boards"] for m in b["members"]}
    members.update({m["symbol"]: m for t in saved["review"]["watch"] for m in t["members"]})
    assert set(cells) == set(members)
    for symbol, m in members.items():
        row = cells[symbol]
        change, cap = row[6], row[4]
        if m["change_pct"] is None or m["status"] == "suspended":
            assert change.value is None and row[7].value in ("缺失", "停牌", "缺失；无股本数据")
        else:
            assert isinstance(change.value, float | int)
            assert change.value == pytest.approx(m["change_pct"] / 100, rel=1e-12)
            assert change.number_format == "+0.00%;-0.00%;0.00%"
        if m["market_cap"] is None:
            assert cap.value is None and "无股本数据" in row[7].value
        else:
            assert cap.value == pytest.approx(m["market_cap"] / 1e8, rel=1e-12)
            assert cap.number_format == "#,##0.00"
        assert row[8].value == dt.datetime.fromisoformat(m["base_date"])
        assert row[10].value == dt.datetime.fromisoformat(m["end_date"])
        assert row[8].is_date and row[8].number_format == "yyyy-mm-dd"
        assert row[9].value == m["base_close"] and row[11].value == m["end_close"]
    cambricon = cells["688256"]
    assert cambricon[0].value == "寒武纪" and cambricon[6].value == pytest.approx(0.2848)


def test_a_chart_sheet_is_its_categories_and_series_as_drawn(demo_report, book):
    report = demo_report[0]
    gpu = report.figure("gpu:H100")
    ws = next(book[n] for n in book.sheetnames if n.startswith(f"图表{gpu.number} "))
    head_row, head = _block(ws, "日期")
    assert head == ["日期", *(s["name"] for s in gpu.data["series"])]
    rows = list(ws.iter_rows(min_row=head_row + 1, max_row=head_row + len(gpu.data["categories"])))
    assert [r[0].value.date().isoformat() for r in rows] == gpu.data["categories"]
    for j, series in enumerate(gpu.data["series"], start=1):
        assert [r[j].value for r in rows] == series["values"]
    downloads = report.figure("downloads")
    ws = next(book[n] for n in book.sheetnames if n.startswith(f"图表{downloads.number} "))
    lead = {r[0]: r[1:] for r in ws.iter_rows(values_only=True) if r[0] in ("统计期起", "统计期止")}
    first = downloads.data["series"][0]
    assert lead["统计期起"][0].date().isoformat() == first["period_start"]
    assert lead["统计期止"][0].date().isoformat() == first["period_end"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_every_figure_numbered_in_the_pdf_has_its_sheet(demo_report, book):
    _, out, _ = demo_report
    text = subprocess.run(
        ["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    in_pdf = {int(n) for n in re.findall(r"图表\s*(\d+)：", text)}
    assert in_pdf == set(range(1, 13))
    index = {r["图表号"]: r["工作表"] for r in _index(book)}
    for n in in_pdf:
        assert index[f"图表{n}"] in book.sheetnames


def test_columns_are_wide_enough_for_their_chinese_headings(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            if row[0].fill.fgColor.rgb.endswith("1F4E79"):  # the data block's heading
                for c in row:
                    if c.value:
                        width = ws.column_dimensions[c.column_letter].width
                        assert width >= min(text_width(c.value), MAX_WIDTH), (ws.title, c.value)
                break


def test_sheet_names_are_cut_cleaned_and_unique():
    taken: set[str] = set()
    long = "网站周访问量：文本大模型（海外）与[国内]对比/合计*?" * 2
    a = sheet_name("图表3", long, taken)
    b = sheet_name("图表3", long, taken)
    assert len(a) <= 31 and len(b) <= 31 and a != b and not FORBIDDEN & set(a + b)
    assert sheet_name("图表1", "'引号'", set()) == "图表1 '引号"  # never ends with an apostrophe
    assert sheet_name("", "History", set()) != "History"


def test_text_that_looks_like_a_formula_stays_text(demo_report):
    report = demo_report[0].model_copy(deep=True)
    report.tables.append(
        Table(
            key="odd",
            number=13,
            title="公式/测试",
            columns=["名称", "数"],
            rows=[["=SUM(A1:A2)", 3], ["控制\x07字符", 2.5]],
            source="=来源",
        )
    )
    import io

    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(report)))
    ws = book["图表13 公式_测试"]
    head_row, head = _block(ws, "名称")
    assert head == ["名称", "数"]
    first, second = ws[head_row + 1], ws[head_row + 2]
    assert (first[0].value, first[0].data_type, first[1].value) == ("=SUM(A1:A2)", "s", 3)
    assert (second[0].value, second[1].value) == ("控制字符", 2.5)
    assert second[1].number_format == "#,##0.00"  # a column of numbers given as numbers


def test_every_table_carries_its_rows_typed_and_they_agree_with_the_text(demo_report):
    report = demo_report[0]
    for t in report.tables:
        assert t.data is not None and len(t.data.rows) == len(t.rows), t.key
        assert all(len(r) == len(t.data.columns) for r in t.data.rows), t.key
    review = report.figure("review_table")
    for text, typed in zip(review.rows, review.data.rows, strict=True):
        assert text[:4] == typed[:4]  # 公司, 代码, 市场, 板块/主题
        if typed[6] is not None:
            assert text[6].startswith(signed_pct(typed[6]))
        if typed[4] is not None:
            assert text[4] == f"{typed[4]:,.1f}"
    card = report.figure("ratings_scorecard")
    for text, typed in zip(card.rows, card.data.rows, strict=True):
        assert text[:5] == typed[:5] and text[7:] == typed[7:]


def test_an_unchanged_workbook_is_copied_from_the_cache(demo_report, tmp_path):
    report, out, _ = demo_report
    job = Job(report, tmp_path, figures=None)  # type: ignore[arg-type]  # the workbook needs none
    assert cached_xlsx(job) is None  # this test's own home: an empty cache
    made = write_xlsx(job, {})
    assert made.read_bytes() == (out / "charts.xlsx").read_bytes()  # same figures, same bytes
    made.unlink()
    assert cached_xlsx(job).read_bytes() == (out / "charts.xlsx").read_bytes()
    changed = report.model_copy(deep=True)
    changed.charts[0].data["series"][0]["values"][0] += 1
    assert cached_xlsx(Job(changed, tmp_path, figures=None)) is None  # type: ignore[arg-type]


def test_the_english_edition_workbook_speaks_english_in_its_own_words(demo_report):
    import io

    report = demo_report[0].model_copy(deep=True)
    report.set_edition("en", "green")
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(report)))
    assert book.sheetnames[0] == "Contents"
    assert book.sheetnames[1].startswith("Figure 1 ") and book.sheetnames[-1].startswith("Front")
    head = [c.value for c in book["Contents"][5]]
    assert head == [
        "Figure",
        "Title",
        "Sheet",
        "Type",
        "Unit",
        "Source",
        "Data as of",
        "Sample data",
    ]
    gpu = report.figure("gpu:H100")
    ws = next(book[n] for n in book.sheetnames if n.startswith(f"Figure {gpu.number} "))
    assert ws["A1"].value == f"Figure {gpu.number}: {gpu.title}"
    assert [ws["A2"].value, ws["A3"].value, ws["A4"].value] == [
        "Unit", "Data as of", "Sample data (invented values)"
    ]  # fmt: skip
    assert _block(ws, "Date")[1][0] == "Date"
