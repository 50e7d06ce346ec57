"""Write every format of a report into the output folder, the slow steps beside each other.

The build's worker process (``workers.Worker``, forked when the build starts, with matplotlib
and WeasyPrint imported while the model was built) draws the charts the cache lacks, in two
processes, and starts the table images in a third at a lower priority, while this one makes
the font subset that the HTML and the Word file share. Then the worker lays out the PDF, which
needs the charts but not the table images (no document embeds those), while this process
writes the JSON, Markdown and HTML files and a fork of it the Word file.
"""

from __future__ import annotations

from pathlib import Path

from .fonts import FontSubset
from .model import Chart, Report, Table
from .workers import Worker


def _write_docx(report: Report, out_dir: Path, path: Path, font: FontSubset | None) -> None:
    from .docx import render_docx

    render_docx(report, out_dir, path, font)


def write_all(report: Report, out_dir: Path, worker: Worker | None = None) -> list[Path]:
    """Write report.json, .md, .html, .docx and .pdf and the figures' images; ``worker`` may
    be started early. Returns the files written: images first, in figure order."""
    from . import pdf_cache
    from .charts import draw_charts_first, plan_figures
    from .fonts import document_chars, font_subset
    from .pdf import html_to_pdf, pdf_html
    from .workers import finish

    work = worker or Worker()
    docx: Worker | None = None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        figures = plan_figures(report, out_dir)
        charts, tables = figures.missing(Chart), figures.missing(Table)
        font: FontSubset | None = None
        tables_pid: int | None = None
        if charts or tables:
            work.submit(draw_charts_first, charts, tables)
            font = font_subset(document_chars(report))  # meanwhile, here
            tables_pid = work.result()
        images = figures.place(Chart)  # before any renderer embeds them
        html = pdf_html(report, out_dir)
        pdf_key = pdf_cache.key(html, out_dir)
        laid_out = pdf_cache.lookup(pdf_key)
        if laid_out is None:
            work.submit(html_to_pdf, html, out_dir)
        if tables_pid is not None:
            work.submit(finish, tables_pid)  # the worker forked it: only it can wait for it
        elif laid_out is not None:
            work.close()  # the same HTML and files were laid out before
        if font is None:  # the charts were cached: the subset is made beside the PDF's layout
            font = font_subset(document_chars(report))

        docx_path = out_dir / "report.docx"
        docx = Worker("Word", warm=())  # a fork of this process: python-docx beside the rest
        docx.submit(_write_docx, report, out_dir, docx_path, font)

        from .html import standalone_html
        from .markdown import render_markdown

        written = []
        path = out_dir / "report.json"
        path.write_text(report.to_json(), encoding="utf-8")
        written.append(path)
        path = out_dir / "report.md"
        path.write_text(render_markdown(report), encoding="utf-8")
        written.append(path)
        path = out_dir / "report.html"
        path.write_text(standalone_html(report, out_dir, font), encoding="utf-8")
        written.append(path)
        docx.result()
        written.append(docx_path)
        path = out_dir / "report.pdf"
        if laid_out is None:
            laid_out = work.result()
            pdf_cache.keep(pdf_key, laid_out)
        path.write_bytes(laid_out)
        written.append(path)
        if tables_pid is not None:
            work.result()
        images += figures.place(Table)
        figures.prune()
        return sorted(images) + written
    finally:
        work.close()
        if docx is not None:
            docx.close()
