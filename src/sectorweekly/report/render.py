"""Write every format of a report into the output folder, the slow steps beside each other.

The build's worker process (``workers.Worker``, forked when the build starts) draws the charts
the cache lacks, in two processes, while this one makes the font subset that the HTML and the
Word file share; then the worker lays out the PDF while this one writes the JSON, Markdown
and HTML files and a fork of it the Word file. The renderers' libraries are imported only where they run.
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
    """Write report.json, .md, .html, .docx and .pdf; ``worker`` may be started early."""
    from . import pdf_cache
    from .charts import draw_charts, draw_in_two_processes
    from .fonts import document_chars, font_subset
    from .pdf import html_to_pdf, pdf_html

    work = worker or Worker()
    font: FontSubset | None = None
    docx: Worker | None = None

    def make_font() -> None:
        nonlocal font
        font = font_subset(document_chars(report))

    def draw(todo: list[tuple[Table | Chart, Path]]) -> None:
        work.submit(draw_in_two_processes, todo)
        make_font()  # meanwhile, here
        work.result()

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = draw_charts(report, out_dir, draw=draw)  # before any renderer embeds them
        html = pdf_html(report, out_dir)
        pdf_key = pdf_cache.key(html, out_dir)
        laid_out = pdf_cache.lookup(pdf_key)
        if laid_out is None:
            work.submit(html_to_pdf, html, out_dir)
        else:
            work.close()  # the same HTML and files were laid out before
        if font is None:  # the charts were cached: the subset is made beside the PDF's layout
            make_font()

        docx_path = out_dir / "report.docx"
        docx = Worker("Word", warm=())  # a fork of this process: python-docx beside the rest
        docx.submit(_write_docx, report, out_dir, docx_path, font)

        from .html import standalone_html
        from .markdown import render_markdown

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
        return written
    finally:
        work.close()
        if docx is not None:
            docx.close()
