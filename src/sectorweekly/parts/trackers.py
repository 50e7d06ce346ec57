"""Report part: AI大模型跟踪 (site visits, app downloads) and GPU价格跟踪, with their charts.

Reads the tracker tables of the store for what was known at the window's end, runs the tracker
analysis, has the narrative write the sentences, and returns sections, chart specs and the
``trackers`` entry of ``report.json``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from .. import store
from ..analysis.market import Window
from ..analysis.trackers import (
    MONTH_DAYS,
    WEEK_DAYS,
    GpuLevel,
    Point,
    SeriesSummary,
    gpu_levels,
    is_stale,
    last_periods,
    load_series,
    summarise,
)
from ..build.week import Week
from ..desk.parse import TrackerRules
from ..narrative import trackers_en, trackers_zh
from ..report.model import ORDER_AI_TRACKING, ORDER_GPU, Chart, Paragraph, Review, Section
from ..store import series as stored_series
from .base import ReportPart
from .tracker_words import DataWords

NEW_COLOR, USED_COLOR = "#1f5fbf", "#d62728"  # new in blue, used in red
Span = tuple[dt.date, dt.date]


def _at(s: SeriesSummary, span: Span) -> Point | None:
    return next((p for p in s.history if (p.period_start, p.period_end) == span), None)


def _by_latest(summaries: list[SeriesSummary]) -> list[SeriesSummary]:
    """Largest latest finished value first; series without one last."""
    return sorted(summaries, key=lambda s: (s.latest is None, -(s.latest.value if s.latest else 0)))


def _sources(summaries: list[SeriesSummary], sep: str) -> str:
    return sep.join(sorted({src for s in summaries for src in s.series.sources}))


def _bar_chart(
    key: str, title: str, members: list[SeriesSummary], spans: list[Span], notes: list[str],
    year: int, tz: ModuleType,
) -> Chart:  # fmt: skip
    series = []
    for span in spans:
        points = [_at(s, span) for s in members]
        partial = any(p is not None and p.partial for p in points)
        name = tz.period_label(span, year=year) + (tz.PARTIAL if partial else "")
        series.append(
            {
                "name": name,
                "values": [None if p is None else p.value for p in points],
                "partial": partial,
                "period_start": span[0].isoformat(),
                "period_end": span[1].isoformat(),
            }
        )
    sample = any(s.series.sample for s in members)
    return Chart(
        key=key,
        title=title,
        unit=members[0].series.unit if members else None,
        kind="bar",
        data={"categories": [s.series.name for s in members], "series": series},
        source=_sources(members, tz.LIST),
        notes=notes + ([tz.sample_note()] if sample else []),
        sample=sample,
    )


def _series_extra(s: SeriesSummary, sentence: str, tz: ModuleType) -> dict[str, Any]:
    def point(p: Point | None) -> dict[str, Any] | None:
        if p is None:
            return None
        return {"period_start": p.period_start, "period_end": p.period_end, "value": p.value}

    t = s.trend
    return {
        "category": s.series.category,
        "series": s.series.name,
        "group": s.series.group,
        "unit": s.series.unit,
        "alias_of": s.series.alias_of,
        "latest": point(s.latest),
        "previous": point(s.previous),
        "change_pct": None if t.change is None else round(t.change * 100, 2),
        "trend": t.code,
        "streak": t.streak,
        "run": t.run,
        "word": tz.trend_word(t),
        "sentence": sentence,
        "unfinished": point(s.unfinished),
        "sources": s.series.sources,
        "sample": s.series.sample,
    }


def _ordered_groups(summaries: list[SeriesSummary], preferred: list[str]) -> list[str]:
    present = {s.series.group for s in summaries}
    return [g for g in preferred if g in present] + sorted(present - set(preferred))


@dataclass
class _AiParts:
    """What the AI-tracking section gathers from each kind of series, in the order written."""

    paragraphs: list[Paragraph] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _add_visits(
    out: _AiParts, rules: TrackerRules, visits: list[SeriesSummary], extras: dict[str, Any],
    window: Window, messages: list[str], tz: ModuleType,
) -> None:  # fmt: skip
    """Site visits: an intro, then a paragraph and a bar chart per group."""
    year = window.end.year  # a month of another year is written with its year
    spans = last_periods(visits, rules.visit_periods_shown)
    through = spans[-1][1]
    stale = is_stale(through, WEEK_DAYS, window.start)
    label = (tz.dated_span if stale else tz.span_label)(spans[0][0], through)
    extras["data_period"] = label
    extras["visits_through"] = through
    extras["visits_stale"] = stale
    if stale:
        messages.append(
            f"site visits end {through}, more than a week before the window ({window.start}): "
            "the section gives the date they end instead of saying this week"
        )
    sample = any(s.series.sample for s in visits)
    unit = visits[0].series.unit
    out.paragraphs.append(
        Paragraph(text=tz.visits_intro(label, unit, sample, through if stale else None))
    )
    for group in _ordered_groups(visits, rules.visit_groups):
        members = _by_latest([s for s in visits if s.series.group == group])
        sentences = [tz.series_sentence(s, spans[-1], stale, year) for s in members]
        out.entries += [_series_extra(s, t, tz) for s, t in zip(members, sentences, strict=True)]
        out.paragraphs.append(Paragraph(text=tz.group_paragraph(group, sentences)))
        periods = [tz.period_label(sp) for sp in spans]
        note = tz.chart_span_note(label, periods, through if stale else None)
        title = tz.visits_chart_title(group)
        out.charts.append(_bar_chart(f"visits:{group}", title, members, spans, [note], year, tz))


def _add_downloads(
    out: _AiParts, rules: TrackerRules, downloads: list[SeriesSummary], extras: dict[str, Any],
    window: Window, messages: list[str], tz: ModuleType,
) -> None:  # fmt: skip
    """App downloads: one paragraph and one bar chart, with unfinished months and renames noted."""
    year = window.end.year
    members = _by_latest(downloads)
    spans = last_periods(members, rules.download_periods_shown)
    finished = [s.latest.period_end for s in members if s.latest is not None]
    dl_through = max(finished) if finished else spans[-1][1]
    dl_stale = is_stale(dl_through, MONTH_DAYS, window.start)
    extras["downloads_through"] = dl_through
    extras["downloads_stale"] = dl_stale
    if dl_stale:
        messages.append(
            f"app downloads end {dl_through}, more than a month before the window "
            f"({window.start}): the section gives the date they end"
        )
    unfinished = sorted({(p.period_start, p.period_end) for s in members for p in s.history
                         if p.partial and (p.period_start, p.period_end) in spans})  # fmt: skip
    dl_notes = [tz.unfinished_note(Point(a, b, 0.0, True), dl_stale, year) for a, b in unfinished]
    renames = [
        tz.rename_note(s.series.name, s.series.alias_of) for s in members if s.series.alias_of
    ]
    sample = any(s.series.sample for s in members)
    sentences = [tz.series_sentence(s, dated=dl_stale, year=year) for s in members]
    out.entries += [_series_extra(s, t, tz) for s, t in zip(members, sentences, strict=True)]
    intro = tz.downloads_intro(
        spans[0], spans[-1], members[0].series.unit, sample, dl_through if dl_stale else None
    )
    out.paragraphs.append(Paragraph(text=intro + tz.sentences(sentences)))
    out.notes += dl_notes + renames
    span_note = tz.downloads_span_note(spans[0], spans[-1], dl_through if dl_stale else None)
    chart_notes = [span_note, *dl_notes, *renames]
    out.charts.append(
        _bar_chart("downloads", tz.DOWNLOADS_TITLE, members, spans, chart_notes, year, tz)
    )


def _ai_section(
    rules: TrackerRules, visits: list[SeriesSummary], downloads: list[SeriesSummary],
    others: list[SeriesSummary], extras: dict[str, Any], window: Window, messages: list[str],
    tz: ModuleType,
) -> tuple[Section, list[Chart]]:  # fmt: skip
    out = _AiParts()
    if visits:
        _add_visits(out, rules, visits, extras, window, messages, tz)
    if downloads:
        _add_downloads(out, rules, downloads, extras, window, messages, tz)
    if others:
        sentences = [tz.series_sentence(s, year=window.end.year) for s in _by_latest(others)]
        out.entries += [
            _series_extra(s, t, tz) for s, t in zip(_by_latest(others), sentences, strict=True)
        ]
        out.paragraphs.append(Paragraph(text=tz.others_paragraph(sentences)))
    if out.notes:
        out.paragraphs.append(Paragraph(text=tz.notes_paragraph(out.notes)))
    extras["series"] = out.entries
    extras["notes"] = out.notes
    section = Section(
        key="ai_tracking",
        title=tz.AI_TITLE,
        order=ORDER_AI_TRACKING,
        paragraphs=out.paragraphs,
        figures=[c.key for c in out.charts],
        sample=any(e["sample"] for e in out.entries),
    )
    return section, out.charts


def _gpu_chart(
    rules: TrackerRules,
    model: str,
    levels: list[GpuLevel],
    stale_through: dt.date | None,
    tz: ModuleType,
) -> Chart:
    """A model's new and used prices; ``stale_through``: the last price, when it is older than
    the window (the chart then says so, as the section does)."""
    last = max(lv.date for lv in levels)
    since = last - dt.timedelta(weeks=rules.gpu_weeks_shown)
    dates = sorted({d for lv in levels for d, _ in lv.history if d >= since})
    series = []
    for cond, color in (("new", NEW_COLOR), ("used", USED_COLOR)):
        level = next((lv for lv in levels if lv.condition == cond), None)
        if level is None:
            continue
        prices = dict(level.history)
        values = [prices.get(d) for d in dates]
        series.append({"name": tz.CONDITION[cond], "color": color, "values": values})
    sample = any(lv.sample for lv in levels)
    return Chart(
        key=f"gpu:{model}",
        title=tz.gpu_chart_title(model),
        unit=tz.currency_word(levels[0].currency),
        kind="line",
        data={"categories": [d.isoformat() for d in dates], "series": series},
        source=tz.LIST.join(sorted({s for lv in levels for s in lv.sources})),
        notes=[tz.gpu_chart_note(dates[0], dates[-1], stale_through)]
        + ([tz.sample_note()] if sample else []),
        sample=sample,
        as_of=last,
    )


def _gpu_section(
    rules: TrackerRules,
    levels: list[GpuLevel],
    extras: dict[str, Any],
    window: Window,
    messages: list[str],
    tz: ModuleType,
) -> tuple[Section, list[Chart]]:
    present = {lv.model for lv in levels}
    models = [m for m in rules.gpu_models if m in present] + sorted(present - set(rules.gpu_models))
    paragraphs, charts, entries = [], [], []
    for model in models:
        mine = [lv for lv in levels if lv.model == model]
        through = max(lv.date for lv in mine)
        stale = is_stale(through, WEEK_DAYS, window.start)
        if stale:
            messages.append(
                f"{model} prices end {through}, more than a week before the window "
                f"({window.start}): the section gives the date they end"
            )
        sentence = tz.gpu_sentence(model, mine, through if stale else None, window.end.year)
        paragraphs.append(Paragraph(text=sentence))
        charts.append(_gpu_chart(rules, model, mine, through if stale else None, tz))
        for lv in mine:
            entries.append(
                {
                    "model": lv.model,
                    "condition": lv.condition,
                    "currency": lv.currency,
                    "date": lv.date,
                    "price": lv.price,
                    "base_date": lv.base_date,
                    "base_price": lv.base_price,
                    "weeks": lv.weeks,
                    "change_pct": None if lv.change is None else round(lv.change * 100, 2),
                    "sentence": sentence,
                    "stale": stale,
                    "sources": list(lv.sources),
                    "sample": lv.sample,
                }
            )
    extras["gpu"] = entries
    section = Section(
        key="gpu",
        title=tz.GPU_TITLE,
        order=ORDER_GPU,
        paragraphs=paragraphs,
        figures=[c.key for c in charts],
        sample=any(lv.sample for lv in levels),
    )
    return section, charts


def tracker_part(week: Week, review: Review) -> ReportPart:
    """The two tracker sections; nothing when the store holds no tracker data."""
    rules, window = week.desk.trackers, week.window
    with store.reader(week.store) as con:
        rows = stored_series.series_rows(con)
        gpu = stored_series.gpu_rows(con, window.end)
    loaded, levels = (
        load_series(rows, window.end),
        gpu_levels(gpu, window.end, rules.gpu_change_weeks),
    )
    tz, words = trackers_zh, DataWords(week.desk.en.names)
    if week.lang == "en":  # the data's own words in English, before anything is written
        tz, loaded, levels = (
            trackers_en,
            [words.series(x) for x in loaded],
            [words.level(x) for x in levels],
        )
        groups = [words.word(g) for g in rules.visit_groups]
        rules = rules.model_copy(update={"visit_groups": groups})
    summaries = [summarise(s, rules) for s in loaded]
    by_kind = {k: [s for s in summaries if s.series.category == k] for k in ("visits", "downloads")}
    others = [s for s in summaries if s.series.category not in by_kind]
    part = ReportPart(messages=words.messages())
    extras: dict[str, Any] = {}
    if summaries:
        section, charts = _ai_section(
            rules,
            by_kind["visits"],
            by_kind["downloads"],
            others,
            extras,
            window,
            part.messages,
            tz,
        )
        part.sections.append(section)
        part.charts += charts
    else:
        part.messages.append(
            "no tracker series in the store known by the window's end: no AI model tracking section"
        )
    if levels:
        section, charts = _gpu_section(rules, levels, extras, window, part.messages, tz)
        part.sections.append(section)
        part.charts += charts
    else:
        part.messages.append(
            "no GPU prices in the store on or before the window's end: no GPU price section"
        )
    if extras:
        extras["sample"] = any(s.sample for s in part.sections)
        extras["as_of"] = window.end
        part.extras["trackers"] = extras
    return part
