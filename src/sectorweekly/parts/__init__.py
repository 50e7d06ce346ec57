"""The parts of a report beyond the market review, each contributed by its own module.

To add a part, write a builder ``(desk, window, review, ctx) -> ReportPart`` and list it here.
"""

from __future__ import annotations

from .base import BuildContext, PartBuilder, ReportPart
from .notes import notes_part
from .ratings import ratings_part
from .series import series_part
from .trackers import tracker_part

PART_BUILDERS: list[PartBuilder] = [notes_part, tracker_part, ratings_part, series_part]

__all__ = ["PART_BUILDERS", "BuildContext", "PartBuilder", "ReportPart"]
