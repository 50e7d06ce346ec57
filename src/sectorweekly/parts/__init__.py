"""The parts of a report, each in its own module, in the one list below.

A part is ``(week, review) -> ReportPart`` (``parts/base.py``). To add one, write it and list it
in ``PARTS``; the README's Report parts section names every module. The list's order is the
order of key points, front-page entries, extras and console messages; sections and figures are
placed by their own ``order``.

May import the report model, narrative, analysis and the store (to read); never a renderer, a
provider or the series (the deferred read of past issues is a known break).
"""

from __future__ import annotations

from .base import BuildContext, Part, ReportPart
from .closing import closing_part
from .market import market_part, market_review
from .market_context import market_context_part
from .market_context_en import english_market_context_part
from .notes import notes_part
from .notes_en import english_notes_part
from .ratings import ratings_part
from .ratings_en import english_ratings_part
from .series import series_part
from .series_en import english_series_part
from .trackers import tracker_part

PARTS: list[Part] = [
    market_context_part,
    market_part,
    notes_part,
    tracker_part,
    ratings_part,
    series_part,
    closing_part,
]
# The English edition's parts: the same facts in English words (names from the desk's English).
EN_PARTS: list[Part] = [
    english_market_context_part,
    market_part,
    english_notes_part,
    tracker_part,
    english_ratings_part,
    english_series_part,
    closing_part,
]


def parts_for(lang: str) -> list[Part]:
    return EN_PARTS if lang == "en" else PARTS


__all__ = ["PARTS", "BuildContext", "Part", "ReportPart", "market_review", "parts_for"]
