"""Write every format of a report into the output folder.

The PDF and the Word file are written by forked processes (``workers``) while this one writes
the HTML, Markdown and JSON files; the renderers' libraries are imported only where they run.
"""

from __future__ import annotations

from pathlib import Path

from .model import Report
from .workers import ForkedJob, PdfWorker


def _write_docx(report: Report, out_dir: Path, path: Path) -> None:
    from .docx import render_docx

    render_docx(report, out_dir, path)


def write_all(report: Report, out_dir: Path, pdf_worker: PdfWorker | None = None) -> list[Path]:
    """Write report.json, .md, .html, .docx and .pdf; ``pdf_worker`` may be started early."""
    from . import pdf_cache
    from .charts import draw_charts
    from .pdf import pdf_html

    pdf = pdf_worker or PdfWorker()
    docx: ForkedJob | None = None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = draw_charts(report, out_dir)  # once, before any renderer embeds them
        html = pdf_html(report, out_dir)
        pdf_key = pdf_cache.key(html, out_dir)
        laid_out = pdf_cache.lookup(pdf_key)
        if laid_out is None:
            pdf.submit(html, out_dir)
        else:
            pdf.close()  # the same HTML and files were laid out before
        docx_path = out_dir / "report.docx"
        docx = ForkedJob("Word", _write_docx, report, out_dir, docx_path)

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
        docx.result()
        written.append(docx_path)
        path = out_dir / "report.pdf"
        if laid_out is None:
            laid_out = pdf.result()
            pdf_cache.keep(pdf_key, laid_out)
        path.write_bytes(laid_out)
        written.append(path)
        return written
    finally:
        pdf.close()
        if docx is not None:
            docx.close()
