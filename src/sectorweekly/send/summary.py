"""The :class:`Summary` of a released issue, read from what was published (the archived report
model and the files beside it), never rebuilt: what readers get is what was released."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..report.cells import cell_text
from ..report.model import Chart, Table
from ..series.archive import ArchivedIssue
from .channel import Summary
from .release import Release


def _folder(reports: Path, issue: ArchivedIssue) -> Path:
    """The issue's output folder: where its report.json (or first document) is."""
    docs = [reports / d for d in issue.documents]
    first = next((d for d in docs if d.name == "report.json"), docs[0])
    return first.parent


def _document(reports: Path, issue: ArchivedIssue, suffix: str) -> Path | None:
    return next((reports / d for d in issue.documents if d.endswith(suffix)), None)


def first_figure(issue: ArchivedIssue) -> Table | Chart | None:
    """图表1: the figure numbered 1, a table or a chart."""
    figures = [*issue.report.tables, *issue.report.charts]
    return next((f for f in figures if f.number == 1), None)


def summary_of(
    reports: Path, issue: ArchivedIssue, release: Release, base_url: str | None = None
) -> Summary:
    """What a channel may say of ``issue``; ``base_url`` is where the reports folder is served."""
    folder = _folder(reports, issue)
    figure = first_figure(issue)
    rows: tuple[tuple[str, ...], ...] = ()
    png = None
    if isinstance(figure, Table):
        header = tuple(figure.columns)
        rows = (header, *(tuple(cell_text(c) for c in r) for r in figure.rows))
    if figure is not None:
        image = folder / figure.file
        if not image.is_file():
            raise InputError(
                image, None, "图表1's image of the published issue is missing; rebuild it"
            )
        png = image.read_bytes()
    html = next((d for d in issue.documents if d.endswith(".html")), None)
    link = chart_url = None
    if base_url and html is not None and not Path(html).is_absolute():
        link = base_url.rstrip("/") + "/" + html
        if figure is not None:  # the image beside the served documents
            chart_url = base_url.rstrip("/") + "/" + (Path(html).parent / figure.file).as_posix()
    return Summary(
        title=issue.title,
        issue_date=issue.publication_date,
        period=f"{issue.start} 至 {issue.end}",
        points=tuple(issue.report.key_points),
        table=rows,
        chart_png=png,
        pdf=_document(reports, issue, ".pdf"),
        docx=_document(reports, issue, ".docx"),
        link=link,
        chart_url=chart_url,
        digests=dict(release.digests),
    )
