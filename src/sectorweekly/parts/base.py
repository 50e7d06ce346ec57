"""What a part of the report is: the contract between the build and each part.

A part is a function ``(week, review) -> ReportPart``: it reads the gathered week (and the
store, read only) and the week's market review, and returns everything it contributes —
sections, tables, charts, key points, front-page entries, headline candidates, console
messages, ``report.json`` extras, the closing pages. It changes neither of its inputs nor any
other part's result. Parts come in the order of ``parts.PARTS``; sections carry their own
``order``, and figures are numbered after all parts are in (Report.number_figures).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..report.model import Chart, Closing, RelatedIssue, Review, Section, Table

if TYPE_CHECKING:
    from ..build.week import Week
    from ..series.archive import ArchivedIssue


@dataclass
class BuildContext:
    """A build's edges: the series' archived issues in, the console messages out."""

    messages: list[str] = field(default_factory=list)
    history: list[ArchivedIssue] = field(default_factory=list)  # earlier issues of the series


@dataclass
class ReportPart:
    """What one part of the report contributes."""

    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    related: list[RelatedIssue] = field(default_factory=list)  # 相关报告 on the front page
    front_figures: list[str] = field(default_factory=list)  # charts shown on the front page
    headline: str | None = None  # the analyst's own headline (from the notes)
    headline_hint: str | None = None  # a suggestion when the analyst gave none
    messages: list[str] = field(default_factory=list)  # said on the console, in order
    closing: Closing | None = None  # the closing pages (statements, rating scales)


Part = Callable[["Week", Review], ReportPart]
