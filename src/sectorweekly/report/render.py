"""Write every format of a report into the output folder.

The PDF is laid out in a second process (``pdf_worker``) while this one writes the other
formats; the renderers' libraries are imported only here, when a report is written.
"""

from __future__ import annotations

from pathlib import Path

from .model import Report
from .pdf_worker import PdfWorker


def write_all(report: Report, out_dir: Path, pdf_worker: PdfWorker | None = None) -> list[Path]:
    """Write report.json, .md, .html, .docx and .pdf; ``pdf_worker`` may be started early."""
    from .charts import draw_charts
    from .pdf import pdf_html

    worker = pdf_worker or PdfWorker()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = draw_charts(report, out_dir)  # once, before any renderer embeds them
        worker.submit(pdf_html(report, out_dir), out_dir)

        from .docx import render_docx
        from .html import standalone_html
        from .markdown import render_markdown

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
        path.write_bytes(worker.result())
        written.append(path)
        return written
    finally:
        worker.close()
