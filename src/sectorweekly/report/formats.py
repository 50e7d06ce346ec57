"""Every output of a build, with what it needs and where it runs: the one list a runner reads.

A ``Renderer`` is a document (report.json, .md, .html, .docx, .pdf, charts.xlsx) or an ingredient of them
(the chart images, the table images, the font subset the HTML and the Word file embed). Each
names the ingredients it needs and whether it runs in a process of its own (the slow ones:
drawing with matplotlib, laying out with WeasyPrint, python-docx), so the order of the work is
derived here, never written out by hand. Each writes whole files into the build's staging
folder and returns what it made: nothing is written into the report's model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import unstaged
from ..desk.paths import cache_dir
from ..errors import machine_error
from .charts import FigureFiles, draw_into_cache
from .model import Chart, Report, Table
from .tasks import Task


@dataclass(frozen=True)
class Job:
    """What every renderer reads: the model, the staging folder and the figures' plan."""

    report: Report
    stage: Path
    figures: FigureFiles
    split: bool = True  # the chart drawing may fork a copy of itself (two cores)


@dataclass(frozen=True)
class Renderer:
    name: str
    file: str | None  # the document it writes into the staging folder; None: an ingredient
    needs: tuple[str, ...]
    own_process: bool
    make: Callable[[Job, Mapping[str, Any]], Any]
    nice: int = 0
    # its result when the caches already hold it (then made here, no process started), else None
    cached: Callable[[Job], Any] | None = None


def _write(path: Path, data: bytes) -> Path:
    """Write a staged file; an OS error names the file the user will look for."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise machine_error(exc, unstaged(path)) from None
    return path


def _draw(job: Job, kind: type[Chart] | type[Table]) -> list[Path]:
    todo = job.figures.missing(kind)
    if todo and job.split and kind is Chart:
        from .workers import in_two_processes

        in_two_processes(draw_into_cache, todo)
    elif todo:
        draw_into_cache(todo)
    return job.figures.place(kind)


def cached_charts(job: Job) -> list[Path] | None:
    return None if job.figures.missing(Chart) else job.figures.place(Chart)


def cached_tables(job: Job) -> list[Path] | None:
    return None if job.figures.missing(Table) else job.figures.place(Table)


def make_charts(job: Job, needs: Mapping[str, Any]) -> list[Path]:
    """The chart images the documents embed: drawn (or copied from the cache) into charts/."""
    return _draw(job, Chart)


def make_tables(job: Job, needs: Mapping[str, Any]) -> list[Path]:
    """The tables as images too, for whoever wants pictures: no document embeds them."""
    return _draw(job, Table)


def make_font(job: Job, needs: Mapping[str, Any]) -> Any:
    """The subset of the CJK font that covers the report's characters (HTML and Word)."""
    from .fonts import document_chars, font_subset

    return font_subset(document_chars(job.report))


def write_json(job: Job, needs: Mapping[str, Any]) -> Path:
    return _write(job.stage / "report.json", job.report.to_json().encode())


def write_markdown(job: Job, needs: Mapping[str, Any]) -> Path:
    from .markdown import render_markdown

    return _write(job.stage / "report.md", render_markdown(job.report).encode())


def write_html(job: Job, needs: Mapping[str, Any]) -> Path:
    from .html import standalone_html

    html = standalone_html(job.report, job.stage, needs["font"])
    return _write(job.stage / "report.html", html.encode())


def write_docx(job: Job, needs: Mapping[str, Any]) -> Path:
    from .docx import docx_bytes

    return _write(job.stage / "report.docx", docx_bytes(job.report, job.stage, needs["font"]))


def _xlsx_cached(job: Job) -> Path:
    from .xlsx import workbook_key

    return cache_dir("xlsx") / f"{workbook_key(job.report)}.xlsx"


def write_xlsx(job: Job, needs: Mapping[str, Any]) -> Path:
    """charts.xlsx: the data behind every figure, one sheet each (图表底稿), kept in the cache
    by what it shows (a cache that cannot be written is skipped, with a warning)."""
    from ..desk import cache_writes
    from .xlsx import workbook_bytes

    data = workbook_bytes(job.report)
    path = _write(job.stage / "charts.xlsx", data)
    cache_writes.keep(_xlsx_cached(job), data)
    return path


def cached_xlsx(job: Job) -> Path | None:
    """The workbook copied from the cache when its figures are unchanged (no openpyxl)."""
    try:
        data = _xlsx_cached(job).read_bytes()
    except OSError:  # not there (or not readable): written anew
        return None
    return _write(job.stage / "charts.xlsx", data)


@dataclass(frozen=True)
class LaidOut:
    """The PDF written, and its layout for the cache when it was made, not found there."""

    path: Path
    key: str
    fresh: bytes | None


def write_pdf(job: Job, needs: Mapping[str, Any]) -> LaidOut:
    """The PDF laid out by WeasyPrint (``cached_pdf`` looked in the layout cache first)."""
    from . import pdf_cache
    from .pdf import html_to_pdf, pdf_html

    html = pdf_html(job.report, job.stage)
    key = _pdf_key(job, html)
    found = pdf_cache.lookup(key)  # another build may have laid it out meanwhile
    pdf = found if found is not None else html_to_pdf(html, job.stage)
    return LaidOut(_write(job.stage / "report.pdf", pdf), key, None if found else pdf)


def _pdf_key(job: Job, html: str) -> str:
    from . import pdf_cache

    return pdf_cache.key(html, job.stage)


def cached_pdf(job: Job) -> LaidOut | None:
    """The PDF copied from the layout cache, once the charts it links are in place."""
    from . import pdf_cache
    from .pdf import pdf_html

    key = _pdf_key(job, pdf_html(job.report, job.stage))
    found = pdf_cache.lookup(key)
    return None if found is None else LaidOut(_write(job.stage / "report.pdf", found), key, None)


# the order a runner starts them in when several are ready: the slow processes first, then the
# font subset (two documents wait for it), then the documents in the order they are listed
RENDERERS: tuple[Renderer, ...] = (
    Renderer("charts", None, (), True, make_charts, cached=cached_charts),
    Renderer("tables", None, (), True, make_tables, nice=10, cached=cached_tables),
    Renderer("font", None, (), False, make_font),
    Renderer("pdf", "report.pdf", ("charts",), True, write_pdf, cached=cached_pdf),
    Renderer("docx", "report.docx", ("charts", "font"), True, write_docx),
    Renderer("json", "report.json", (), False, write_json),
    Renderer("md", "report.md", (), False, write_markdown),
    Renderer("html", "report.html", ("charts", "font"), False, write_html),
    Renderer("xlsx", "charts.xlsx", (), False, write_xlsx, cached=cached_xlsx),
)
BY_NAME = {r.name: r for r in RENDERERS}
DOCUMENTS = ("json", "md", "html", "docx", "pdf", "xlsx")  # the order the build lists its files in


def with_needs(names: Iterable[str]) -> list[Renderer]:
    """The renderers ``names`` and everything they need, in the registry's order."""
    wanted: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name not in wanted:
            wanted.add(name)
            stack.extend(BY_NAME[name].needs)
    return [r for r in RENDERERS if r.name in wanted]


def from_caches(job: Job, renderers: Iterable[Renderer]) -> dict[str, Any]:
    """What the caches already hold, made here in the registry's order (a renderer whose
    needs are all found can be found too): no process is started for any of it."""
    found: dict[str, Any] = {}
    for r in renderers:
        if r.cached is not None and all(n in found for n in r.needs):
            result = r.cached(job)
            if result is not None:
                found[r.name] = result
    return found


def tasks(job: Job, renderers: Iterable[Renderer], given: Mapping[str, Any]) -> list[Task]:
    """The runner's tasks for ``renderers``; those in ``given`` are already made."""
    return [
        Task(r.name, r.make, (job,), r.needs, r.own_process, r.nice)
        for r in renderers
        if r.name not in given
    ]
