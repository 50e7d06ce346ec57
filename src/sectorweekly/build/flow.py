"""Build a report, in one line: gather the week -> the market review -> the parts -> the
headline -> the figures' numbers. Renderers come after, from the Report model alone.

This is the only place that knows the whole flow; each step below it knows only its own input.
It reads the store and never writes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import clock, store
from . import cache as build_cache
from ..desk.parse import Desk
from ..narrative import zh
from ..parts import PARTS, BuildContext, ReportPart, market_review
from ..parts.notes import notes_part
from ..desk.paths import store_path
from ..report.model import FrontMatter, Report, Review
from .week import Week, gather

__all__ = ["BuildContext", "assemble", "build_report", "choose_headline"]


def build_report(
    desk: Desk,
    start: dt.date | None = None,
    end: dt.date | None = None,
    ctx: BuildContext | None = None,
) -> Report:
    """The week's report; ``ctx`` brings the series' archive and takes the console messages."""
    ctx = ctx or BuildContext()
    with store.shared_reader(store_path(desk)):  # one connection for every read of the build
        week = gather(desk, start, end, ctx.history)
        ctx.messages.extend(week.messages)
        report, messages = assemble(week)
    ctx.messages.extend(messages)
    return report


def run_parts(week: Week) -> tuple[Review, list[ReportPart]]:
    """The week's review and every part's contribution, in the order of ``PARTS``.

    All but the notes part come from the build cache when nothing they read has changed
    (``build_cache.analysis_key`` covers the whole week but its notes, which only the notes
    part reads: the part an analyst edits between builds, and a cheap one).
    """
    cached = [p for p in PARTS if p is not notes_part]
    key = build_cache.analysis_key(week, cached)
    found: tuple[Review, list[ReportPart]] | None = build_cache.load(key)
    if found is None:
        review = market_review(week)
        found = (review, [part(week, review) for part in cached])
        if build_cache.analysis_key(week, cached) == key:
            build_cache.save(key, found)  # not when the store changed meanwhile
    review, done = found
    later = iter(done)
    return review, [notes_part(week, review) if p is notes_part else next(later) for p in PARTS]


def choose_headline(review: Review, parts: list[ReportPart]) -> tuple[str, bool]:
    """The analyst's headline, else a part's suggestion, else one from the review's best
    board; and whether it was suggested rather than given."""
    given = next((p.headline for p in parts if p.headline), None)
    if given:
        return given, False
    hint = next((p.headline_hint for p in parts if p.headline_hint), None)
    if hint:
        return hint, True
    ranked = [
        (b, m)
        for b in review.boards
        for m in b.members
        if m.change_pct is not None and m.status not in ("market_closed", "suspended")
    ]
    best_board, best = max(ranked, key=lambda bm: bm[1].change_pct or 0.0, default=(None, None))
    suggested = zh.suggested_headline(
        (best.name, best.change_pct or 0.0) if best else None,
        best_board.name if best_board else None,
        best_board.breadth if best_board else None,
    )
    return suggested, True


def assemble(week: Week) -> tuple[Report, list[str]]:
    """The Report model of ``week`` and the console messages its parts said."""
    review, parts = run_parts(week)
    desk = week.desk
    headline, suggested = choose_headline(review, parts)
    front = FrontMatter(
        title=f"{headline}-{desk.series}",
        headline=headline,
        headline_suggested=suggested,
        series=desk.series,
        firm=desk.firm.name,
        firm_template=desk.firm.template,
        industry=desk.industry,
        industry_rating=desk.industry_rating,
        analysts=[a.model_dump() for a in desk.analysts],
        publication_date=week.published,
        generated_at=clock.now_utc().astimezone(clock.SHANGHAI).replace(microsecond=0, tzinfo=None),
        related=[r for p in parts for r in p.related],
        figures=[k for p in parts for k in p.front_figures],
    )
    extras: dict[str, Any] = {}
    for part in parts:
        extras.update(part.extras)
    closing = next(p.closing for p in parts if p.closing is not None)
    report = Report(
        front=front,
        key_points=[k for p in parts for k in p.key_points],
        review=review,
        sections=[s for p in parts for s in p.sections],
        tables=[t for p in parts for t in p.tables],
        charts=[c for p in parts for c in p.charts],
        closing=closing,
        extras=extras,
    )
    report.number_figures()
    return report, [m for p in parts for m in p.messages]
