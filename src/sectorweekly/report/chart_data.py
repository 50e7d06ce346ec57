"""The data behind each figure, as one typed table per figure: what charts.xlsx writes.

Generic over the model: a table brings its own typed cells (``Table.data``; a table without
them gives its cells as shown), a chart is its categories down the first column and one column
per series. Nothing is computed here: every value is the model's, only laid out; the workbook
(``xlsx``) decides how a cell looks.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from .model import Cell, Chart, DataColumn, Report, Table

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31  # Excel's limit
INDEX_SHEET = "目录"
PP_UNIT = "百分点"

# the workbook's own words, per edition (the figures bring theirs: titles, series, headings)
WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "index": INDEX_SHEET, "figure": "图表{}", "front": "首页图", "table": "表", "chart": "图",
        "date": "日期", "category": "类别", "period_start": "统计期起", "period_end": "统计期止",
        "partial": "非完全统计", "yes": "是", "unit": "单位", "as_of": "数据截至",
        "sample": "示例数据（虚构数值）", "source": "来源", "note": "注", "published": "发布日期",
        "book": "{}：图表底稿", "caption": "{}：{}", "pct": "{}（%）", "with_unit": "{}（{}）", "pp": "百分点",
        "head": "图表号|标题|工作表|类型|单位|来源|数据截至|示例数据",
    },
    "en": {
        "index": "Contents", "figure": "Figure {}", "front": "Front page", "table": "Table",
        "chart": "Chart", "date": "Date", "category": "Category", "period_start": "Period start",
        "period_end": "Period end", "partial": "Partial count", "yes": "yes", "unit": "Unit",
        "as_of": "Data as of", "sample": "Sample data (invented values)", "source": "Source",
        "note": "Note", "published": "Published", "book": "{}: chart data",
        "caption": "{}: {}", "pct": "{} (%)",
        "with_unit": "{} ({})", "pp": "pp",
        "head": "Figure|Title|Sheet|Type|Unit|Source|Data as of|Sample data",
    },
}  # fmt: skip


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


@dataclass
class FigureData:
    """One figure's sheet: its caption lines and its data block (a heading row, typed rows)."""

    label: str  # 图表3, or 首页图 for the front page's unnumbered chart
    kind: str  # 图 or 表
    title: str
    unit: str | None
    source: str
    notes: list[str]
    as_of: dt.date
    sample: bool
    columns: list[DataColumn]
    rows: list[list[Cell]]
    lead: list[list[Cell]] = field(default_factory=list)  # labelled rows above the heading
    sheet: str = ""


def _day(value: Any) -> Cell:
    """A day written as ISO text in the model (a chart's category) is a date in the sheet."""
    if isinstance(value, str) and _ISO_DAY.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _finite(value: Any) -> Cell:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _table_data(t: Table) -> tuple[list[DataColumn], list[list[Cell]]]:
    if t.data is not None:
        return t.data.columns, [[_finite(c) for c in row] for row in t.data.rows]
    columns = [DataColumn(name=c) for c in t.columns]  # the cells as shown: text, or numbers
    for i, col in enumerate(columns):
        cells = [row[i] for row in t.rows if i < len(row) and row[i] is not None]
        if cells and all(isinstance(c, int) and not isinstance(c, bool) for c in cells):
            col.format = "int"
        elif cells and all(isinstance(c, int | float) and not isinstance(c, bool) for c in cells):
            col.format = "number"
    return columns, [[_finite(c) for c in row] for row in t.rows]


def _chart_data(
    c: Chart, w: dict[str, str]
) -> tuple[list[DataColumn], list[list[Cell]], list[list[Cell]]]:
    cats = [_day(x) for x in c.data.get("categories", [])]
    dated = bool(cats) and all(isinstance(x, dt.date) for x in cats)
    series = c.data.get("series", [])
    fmt = "pp" if c.unit in (PP_UNIT, WORDS["en"]["pp"]) else "number"
    first = w["date"] if dated else w["category"]
    columns = [DataColumn(name=first, format="date" if dated else "text")]
    columns += [
        DataColumn(name=str(s.get("name", "")), format=fmt) for s in series
    ]  # as in the legend
    rows: list[list[Cell]] = []
    for i, cat in enumerate(cats):
        values = [s.get("values", []) for s in series]
        rows.append([cat, *(_finite(v[i]) if i < len(v) else None for v in values)])
    lead: list[list[Cell]] = []
    if series and all("period_start" in s for s in series):  # bars of periods: their bounds
        lead.append([w["period_start"], *(_day(s["period_start"]) for s in series)])
        lead.append([w["period_end"], *(_day(s.get("period_end")) for s in series)])
    if any(s.get("partial") for s in series):
        lead.append([w["partial"], *(w["yes"] if s.get("partial") else None for s in series)])
    return columns, rows, lead


def figure_data(f: Table | Chart, as_of: dt.date, lang: str = "zh") -> FigureData:
    """``f``'s sheet; ``as_of``: the report's cut-off, for a figure that names no date."""
    w = words(lang)
    lead: list[list[Cell]] = []
    if isinstance(f, Table):
        columns, rows = _table_data(f)
    else:
        columns, rows, lead = _chart_data(f, w)
    return FigureData(
        label=w["figure"].format(f.number) if f.number else w["front"],
        kind=w["table"] if isinstance(f, Table) else w["chart"],
        title=f.title,
        unit=f.unit,
        source=f.source,
        notes=list(f.notes),
        as_of=f.as_of or as_of,
        sample=f.sample,
        columns=columns,
        rows=rows,
        lead=lead,
    )


def sheet_name(label: str, title: str, taken: set[str]) -> str:
    """``图表3 网站周访问量…``: within Excel's 31 characters, none of ``[]:*?/\\``, unique
    (Excel compares names case-blind), never starting or ending with an apostrophe."""
    clean = _FORBIDDEN.sub("_", f"{label} {title}").strip("' ")
    name = clean[:MAX_SHEET_NAME].rstrip("' _")
    n = 2
    while name.casefold() in taken or name.casefold() == "history":
        tail = f"~{n}"
        name = clean[: MAX_SHEET_NAME - len(tail)].rstrip("' _") + tail
        n += 1
    taken.add(name.casefold())
    return name


def report_figures(report: Report) -> list[FigureData]:
    """Every figure of the report, numbered ones in number order, then the unnumbered (the
    front page's), each with its own sheet name."""
    figures = sorted([*report.tables, *report.charts], key=lambda f: (f.number == 0, f.number))
    taken = {words(report.lang)["index"].casefold()}
    out = []
    for f in figures:
        data = figure_data(f, report.review.window.end, report.lang)
        data.sheet = sheet_name(data.label, data.title, taken)
        out.append(data)
    return out
