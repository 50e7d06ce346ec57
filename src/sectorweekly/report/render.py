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

from ..atomic import Staging, unstaged
from ..errors import machine_error
from .fonts import FontSubset
from .model import Chart, Report, Table
from .workers import Worker


def _write(path: Path, data: bytes) -> Path:
    """Write a staged file; an OS error names the file the user will look for."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise machine_error(exc, unstaged(path)) from None
    return path


def _write_docx(report: Report, out_dir: Path, path: Path, font: FontSubset | None) -> None:
    from .docx import docx_bytes

    _write(path, docx_bytes(report, out_dir, font))


def write_all(report: Report, out_dir: Path, worker: Worker | None = None) -> list[Path]:
    """Write report.json, .md, .html, .docx and .pdf and the figures' images; ``worker`` may
    be started early. Returns the files written: images first, in figure order.

    Everything is written into a staging folder inside ``out_dir`` first and renamed into
    place only when every file is whole (``atomic.Staging``): a failed build leaves the
    previous issue's files as they were, never a mix of two issues.
    """
    from . import pdf_cache
    from .charts import draw_charts_first, plan_figures
    from .fonts import document_chars, font_subset
    from .pdf import html_to_pdf, pdf_html
    from .workers import finish

    work = worker or Worker()
    docx: Worker | None = None
    staging: Staging | None = None
    try:
        staging = Staging(out_dir)
        stage = staging.folder  # the figures' links and every document are relative to it
        figures = plan_figures(report, stage)
        charts, tables = figures.missing(Chart), figures.missing(Table)
        font: FontSubset | None = None
        tables_pid: int | None = None
        if charts or tables:
            work.submit(draw_charts_first, charts, tables)
            font = font_subset(document_chars(report))  # meanwhile, here
            tables_pid = work.result()
        images = figures.place(Chart)  # before any renderer embeds them
        html = pdf_html(report, stage)
        pdf_key = pdf_cache.key(html, stage)
        laid_out = pdf_cache.lookup(pdf_key)
        if laid_out is None:
            work.submit(html_to_pdf, html, stage)
        if tables_pid is not None:
            work.submit(finish, tables_pid)  # the worker forked it: only it can wait for it
        elif laid_out is not None:
            work.close()  # the same HTML and files were laid out before
        if font is None:  # the charts were cached: the subset is made beside the PDF's layout
            font = font_subset(document_chars(report))

        docx_path = stage / "report.docx"
        docx = Worker("Word", warm=())  # a fork of this process: python-docx beside the rest
        docx.submit(_write_docx, report, stage, docx_path, font)

        from .html import standalone_html
        from .markdown import render_markdown

        def put(name: str, data: bytes) -> Path:
            return _write(stage / name, data)

        written = [
            put("report.json", report.to_json().encode()),
            put("report.md", render_markdown(report).encode()),
            put("report.html", standalone_html(report, stage, font).encode()),
        ]
        docx.result()
        written.append(docx_path)
        if laid_out is None:
            laid_out = work.result()
            pdf_cache.keep(pdf_key, laid_out)
        written.append(put("report.pdf", laid_out))
        if tables_pid is not None:
            work.result()
        images += figures.place(Table)
        figures.keep()  # the images a forked copy could not keep in the cache
        done = staging.commit(sorted(images) + written)
        prune_figures(out_dir, {p.name for p in images})
        return done
    finally:
        work.close()
        if docx is not None:
            docx.close()
        if staging is not None:
            staging.discard()


def prune_figures(out_dir: Path, keep: set[str]) -> None:
    """Remove figure files an earlier build of this folder left that this report lacks."""
    for old in (out_dir / "charts").glob("figure_*.png"):
        if old.name not in keep:
            old.unlink(missing_ok=True)
