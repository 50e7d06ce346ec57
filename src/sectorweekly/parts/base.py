"""What a part of the report is: the contract between the build and each part builder.

A part builder reads the desk and the store for the window and returns a ReportPart. Parts
come in any order: sections carry their own `order`, and figures are numbered after all parts
are in (Report.number_figures).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..analysis.market import Window
from ..desk import Desk
from ..report.model import Chart, RelatedIssue, Review, Section, Table

if TYPE_CHECKING:
    from ..archive import ArchivedIssue


@dataclass
class BuildContext:
    """What a build learned along the way (console messages, the analyst's headline)."""

    messages: list[str] = field(default_factory=list)
    headline: str | None = None  # set by a part that reads the analyst's notes
    headline_hint: str | None = None  # a suggestion from the notes (their first news theme)
    history: list[ArchivedIssue] = field(default_factory=list)  # earlier issues of the series


@dataclass
class ReportPart:
    """What one part of the report contributes: sections, figures, key points, JSON extras."""

    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    related: list[RelatedIssue] = field(default_factory=list)  # 相关报告 on the front page
    front_figures: list[str] = field(default_factory=list)  # charts shown on the front page


PartBuilder = Callable[[Desk, Window, Review, BuildContext], ReportPart]
