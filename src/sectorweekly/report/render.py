"""Write every format of a report into the output folder."""

from __future__ import annotations

from pathlib import Path

from .charts import draw_charts
from .docx import render_docx
from .html import standalone_html
from .markdown import render_markdown
from .model import Report
from .pdf import render_pdf


def write_all(report: Report, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = draw_charts(report, out_dir)  # once, before any renderer embeds them
    path = out_dir / "report.json"
    path.write_text(report.to_json(), encoding="utf-8")
    written.append(path)
    path = out_dir / "report.md"
    path.write_text(render_markdown(report), encoding="utf-8")
    written.append(path)
    path = out_dir / "report.html"
    path.write_text(standalone_html(report, out_dir), encoding="utf-8")
    written.append(path)
    path = out_dir / "report.docx"
    render_docx(report, out_dir, path)
    written.append(path)
    path = out_dir / "report.pdf"
    path.write_bytes(render_pdf(report, out_dir))
    written.append(path)
    return written
