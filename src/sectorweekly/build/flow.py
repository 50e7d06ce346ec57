"""Build a report, in one line: gather the week -> the market review -> the parts -> the
headline -> the figures' numbers. Renderers come after, from the Report model alone.

This is the only place that knows the whole flow; each step below it knows only its own input.
It reads the store and never writes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import clock, store
from ..desk.parse import Desk
from ..desk.paths import store_path
from ..narrative.edition import words
from ..parts import BuildContext, ReportPart, market_review, parts_for
from ..parts.names import Names
from ..parts.notes import notes_part
from ..parts.notes_en import english_notes_part
from ..report.model import FrontMatter, Report, Review
from . import cache as build_cache
from .week import Week, gather

__all__ = ["BuildContext", "assemble", "build_report", "choose_headline"]


def build_report(
    desk: Desk,
    start: dt.date | None = None,
    end: dt.date | None = None,
    ctx: BuildContext | None = None,
    lang: str = "zh",
) -> Report:
    """The week's report in the edition ``lang`` (zh, en); ``ctx`` brings the series' archive
    and takes the console messages."""
    ctx = ctx or BuildContext()
    with store.shared_reader(store_path(desk)):  # one connection for every read of the build
        week = gather(desk, start, end, ctx.history, lang)
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
    parts = parts_for(week.lang)
    uncached = (notes_part, english_notes_part)
    cached = [p for p in parts if p not in uncached]
    key = build_cache.analysis_key(week, cached)
    found: tuple[Review, list[ReportPart]] | None = build_cache.load(key)
    if found is None:
        review = market_review(week)
        found = (review, [part(week, review) for part in cached])
        if build_cache.analysis_key(week, cached) == key:
            build_cache.save(key, found)  # not when the store changed meanwhile
    review, done = found
    later = iter(done)
    return review, [p(week, review) if p in uncached else next(later) for p in parts]


def choose_headline(review: Review, parts: list[ReportPart], lang: str = "zh") -> tuple[str, bool]:
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
    suggested = words(lang).s.suggested_headline(
        (best.name, best.change_pct or 0.0) if best else None,
        best_board.name if best_board else None,
        best_board.breadth if best_board else None,
    )
    return suggested, True


def assemble(week: Week) -> tuple[Report, list[str]]:
    """The Report model of ``week`` and the console messages its parts said."""
    review, parts = run_parts(week)
    desk = week.desk
    headline, suggested = choose_headline(review, parts, week.lang)
    en = week.lang == "en"
    series = (desk.en.series or "Weekly") if en else desk.series
    front = FrontMatter(
        title=f"{headline} – {series}" if en else f"{headline}-{desk.series}",
        headline=headline,
        headline_suggested=suggested,
        series=series,
        firm=(desk.firm.name_en or "Sample Research (template)") if en else desk.firm.name,
        firm_template=desk.firm.template,
        industry=desk.en.industry if en else desk.industry,
        industry_rating=Names(desk, week.lang).rating(desk.industry_rating),
        analysts=[_analyst(a.model_dump(), en) for a in desk.analysts],
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
    report.set_edition(week.lang, desk.en.up if en else "red")
    messages = [m for p in parts for m in p.messages]
    return report, messages


def _analyst(fields: dict[str, str], en: bool) -> dict[str, str]:
    """An analyst as the front page lists them: by the English name in the English edition."""
    name_en = fields.pop("name_en", "")
    if en:
        fields["name"] = name_en or fields["name"]
        fields["registration"] = fields.get("registration", "").replace("（模板）", " (template)")
    return fields
