"""charts.xlsx (图表底稿): the data behind every figure, one sheet each, after an index sheet.

What an editor or a compliance reviewer asks for when a chart is questioned, and what lets a
reader redraw it in Excel: numbers as numbers (percentages as Excel percentages), dates as
dates, each sheet with its figure's title, unit, 来源, 注 and as-of date. The workbook's
bytes depend on the figures alone (its times are the publication date), so a build whose
figures did not change copies it from the cache (``workbook_key``) without importing openpyxl.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import unicodedata
import zipfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

from .chart_data import FigureData, report_figures, words
from .model import Cell, DataColumn, Report

_CODE_DIGEST = hashlib.sha256(
    b"".join((Path(__file__).parent / m).read_bytes() for m in ("xlsx.py", "chart_data.py"))
).hexdigest()
_KEYED = {
    "front": {"title", "firm", "publication_date"},
    "review": {"window"},
    "tables": True,
    "charts": True,
}

FORMATS = {
    "int": "#,##0",
    "number": "#,##0.00",
    "pct": "+0.00%;-0.00%;0.00%",
    "pp": "+0.00;-0.00;0.00",
    "date": "yyyy-mm-dd",
}
MAX_WIDTH = 48  # characters; longer text wraps no further, it runs on (only captions do)
HEAD_FILL = "1F4E79"
SAMPLE_COLOR = "B00000"


def text_width(value: Any) -> int:
    """How many Latin characters wide ``value`` shows: CJK characters take two."""
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float | int):
        return len(f"{value:,.2f}") + 1
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _heading(col: DataColumn, w: dict[str, str]) -> str:
    if col.format == "pct":
        return w["pct"].format(col.name)
    if col.format == "pp":
        return w["with_unit"].format(col.name, col.unit or w["pp"])
    return w["with_unit"].format(col.name, col.unit) if col.unit else col.name


def _value(cell: Cell, col: DataColumn) -> Cell:
    if col.format == "pct" and isinstance(cell, int | float):
        return round(cell / 100, 12)  # the report's 28.48 (%): Excel's 0.2848, shown 28.48%
    if col.format == "date" and isinstance(cell, str):
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            return cell
    return cell


def _put(ws: Any, row: int, col: int, value: Cell, fmt: str | None = None) -> Any:
    """One cell: text kept as text (never read as a formula), illegal characters dropped."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if isinstance(value, dt.date):
        cell.number_format = FORMATS["date"]
    elif fmt and isinstance(value, int | float):
        cell.number_format = fmt
    return cell


def _widths(ws: Any, rows: list[list[Any]], first_col: int = 1) -> None:
    from openpyxl.utils import get_column_letter

    width: dict[int, int] = {}
    for row in rows:
        for i, v in enumerate(row):
            width[i] = max(width.get(i, 0), text_width(v))
    for i, w in width.items():
        ws.column_dimensions[get_column_letter(first_col + i)].width = min(w + 2, MAX_WIDTH)


def _figure_sheet(ws: Any, f: FigureData, w: dict[str, str]) -> None:
    from openpyxl.styles import Font, PatternFill

    bold = Font(bold=True)
    _put(ws, 1, 1, w["caption"].format(f.label, f.title)).font = Font(bold=True, size=12)
    _put(ws, 2, 1, w["unit"])
    _put(ws, 2, 2, f.unit or "—")
    _put(ws, 3, 1, w["as_of"])
    _put(ws, 3, 2, f.as_of)
    row = 4
    if f.sample:
        _put(ws, row, 1, w["sample"]).font = Font(bold=True, color=SAMPLE_COLOR)
        row += 1
    row += 1
    for lead in f.lead:
        for j, v in enumerate(lead, start=1):
            _put(ws, row, j, v).font = bold if j == 1 else Font()
        row += 1
    header = [_heading(c, w) for c in f.columns]
    for j, name in enumerate(header, start=1):
        cell = _put(ws, row, j, name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEAD_FILL)
    ws.freeze_panes = ws.cell(row=row + 1, column=2)
    shown: list[list[Any]] = [header, *f.lead]
    for data in f.rows:
        row += 1
        for j, (v, col) in enumerate(zip(data, f.columns, strict=False), start=1):
            _put(ws, row, j, _value(v, col), FORMATS.get(col.format))
        shown.append(data)
    row += 2
    _put(ws, row, 1, w["source"])
    _put(ws, row, 2, f.source)
    for note in f.notes:
        row += 1
        _put(ws, row, 1, w["note"])
        _put(ws, row, 2, note)
    _widths(ws, shown)


def _index_sheet(ws: Any, report: Report, figures: list[FigureData]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    w = words(report.lang)
    _put(ws, 1, 1, w["book"].format(report.front.title)).font = Font(bold=True, size=12)
    _put(ws, 2, 1, w["published"])
    _put(ws, 2, 2, report.front.publication_date)
    _put(ws, 3, 1, w["as_of"])
    _put(ws, 3, 2, report.review.window.end)
    head = w["head"].split("|")
    for j, name in enumerate(head, start=1):
        cell = _put(ws, 5, j, name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEAD_FILL)
    ws.freeze_panes = "A6"
    rows: list[list[Any]] = [head]
    for i, f in enumerate(figures, start=6):
        values = [f.label, f.title, f.sheet, f.kind, f.unit, f.source, f.as_of,
                  w["yes"] if f.sample else None]  # fmt: skip
        for j, v in enumerate(values, start=1):
            wrap = text_width(v) > MAX_WIDTH  # a long 来源: wrapped in its column, not cut off
            _put(ws, i, j, v).alignment = Alignment(wrap_text=wrap, vertical="top")
        link = ws.cell(row=i, column=3)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet}'!A1")
        link.font = Font(color="0563C1", underline="single")
        rows.append(values)
    _widths(ws, rows)


class _Zip(zipfile.ZipFile):
    """The workbook's zip with every entry dated ``stamp``: one report, the same bytes."""

    stamp = (1980, 1, 1, 0, 0, 0)

    def writestr(self, name: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(name, str):
            name = zipfile.ZipInfo(name, date_time=self.stamp)
            name.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(name, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        """A sheet openpyxl wrote to a temporary file: its bytes, dated like the rest."""
        with open(filename, "rb") as fh:
            self.writestr(arcname or str(filename), fh.read())


def workbook_bytes(report: Report) -> bytes:
    """The whole workbook, in memory: the caller writes it to its file in one go. Its times
    are the publication date, so the same figures give the same bytes (``workbook_key``)."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    figures = report_figures(report)
    wb = Workbook()
    index = wb.active
    w = words(report.lang)
    index.title = w["index"]
    _index_sheet(index, report, figures)
    for f in figures:
        _figure_sheet(wb.create_sheet(f.sheet), f, w)
    stamp = dt.datetime.combine(report.front.publication_date, dt.time())
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.title = w["book"].format(report.front.title)
    wb.properties.creator = report.front.firm
    out = io.BytesIO()
    with _Zip(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.stamp = (max(stamp.year, 1980), *stamp.timetuple()[1:6])
        ExcelWriter(wb, archive).write_data()  # not ``save``: it would stamp the time now
    return out.getvalue()


def workbook_key(report: Report) -> str:
    """Digest of what the workbook shows (the figures, the title, the dates), this code and
    openpyxl's version: the name of its copy in the cache."""
    h = hashlib.sha256()
    h.update(f"{_CODE_DIGEST}:{version('openpyxl')}".encode())
    h.update(report.model_dump_json(include=_KEYED).encode())  # type: ignore[arg-type]
    return h.hexdigest()[:32]
