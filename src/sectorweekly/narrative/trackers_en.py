"""English sentences of the AI model tracking and GPU price sections, mirroring ``trackers_zh``
function for function. Series names, groups, units and sources are the desk's English words
for its data (``en.names``), put in place before any sentence is written."""

from __future__ import annotations

import datetime as dt

from ..analysis.trackers import GpuLevel, Point, SeriesSummary, Trend
from .en import day_en, md, signed_pct, ymd
from .trackers_zh import fmt_value, is_month

__all__ = ["fmt_value", "is_month"]

TREND_WORDS = {
    "surge": "rose sharply",
    "rise": "rose",
    "flat": "held roughly flat",
    "pullback": "eased",
    "fall": "fell",
    "drop": "fell sharply",
    "no_change": "has no period-on-period data yet",
}
STREAK_WORDS = {"climbing": "kept climbing", "sliding": "kept sliding"}
METRIC = {"visits": "visits", "downloads": "downloads"}
CONDITION = {"new": "new", "used": "used"}
SAMPLE = "sample data"
PARTIAL = " (partial)"
LIST = ", "
AI_TITLE = "AI model tracking"
GPU_TITLE = "GPU prices"
DOWNLOADS_TITLE = "Monthly downloads of the main domestic AI model apps"


def span_label(start: dt.date, end: dt.date) -> str:
    """``20 Sep–3 Oct``."""
    return f"{md(start)}–{md(end)}"


def period_label(
    p: Point | tuple[dt.date, dt.date], with_year: bool = False, year: int | None = None
) -> str:
    start, end = (p.period_start, p.period_end) if isinstance(p, Point) else p
    if is_month((start, end)):
        dated = with_year or (year is not None and start.year != year)
        return f"{start:%b %Y}" if dated else f"{start:%b}"
    if with_year:
        return dated_span(start, end)
    return span_label(start, end)


def dated_span(start: dt.date, end: dt.date) -> str:
    head = ymd(start) if end.year != start.year else md(start)
    return f"{head}–{ymd(end)}"


def through_note(day: dt.date) -> str:
    return f"data through {ymd(day)}, before this report's week: the latest available"


def when_word(
    p: Point,
    current: tuple[dt.date, dt.date] | None = None,
    dated: bool = False,
    year: int | None = None,
) -> str:
    if dated:
        return "in the latest period"
    if p.days == 7 and (current is None or current == (p.period_start, p.period_end)):
        return "this week"
    return f"in {period_label(p, year=year)}"


def trend_word(t: Trend) -> str:
    if t.streak is not None:
        return STREAK_WORDS[t.streak]
    return TREND_WORDS[t.code]


def unfinished_note(p: Point, dated: bool = False, year: int | None = None) -> str:
    return f"{period_label(p, dated, year)} is a partial count"


def rename_note(new: str, old: str) -> str:
    return f"{new} was formerly {old}"


def series_sentence(
    s: SeriesSummary,
    current: tuple[dt.date, dt.date] | None = None,
    dated: bool = False,
    year: int | None = None,
) -> str:
    """E.g. ``Claude visits rose sharply this week (27 Sep–3 Oct: 2,190 10k visits, +23.03% on
    the previous period)``, as ``trackers_zh.series_sentence`` says it."""
    metric = METRIC.get(s.series.category, "figures")
    name, unit = s.series.name, s.series.unit
    tag = f"{SAMPLE}; " if s.series.sample else ""
    if s.latest is None:
        text = f"{name} has no {metric} for a finished period yet"
        if s.unfinished is None:
            return text + (f" ({SAMPLE})" if s.series.sample else "")
        u = s.unfinished
        return f"{text} ({tag}{unfinished_note(u, dated, year)}: {fmt_value(u.value)} {unit})"
    p, t = s.latest, s.trend
    when = when_word(p, current, dated, year)
    if t.code == "no_change":
        head = f"{name} {metric} {when}: no period-on-period data yet"
    elif t.streak is not None:
        head = f"{name} {metric} {STREAK_WORDS[t.streak]}"
        if t.code in ("surge", "drop"):
            head += f", and {TREND_WORDS[t.code]} {when}"
    else:
        head = f"{name} {metric} {TREND_WORDS[t.code]} {when}"
    numbers = f"{period_label(p, dated, year)}: {fmt_value(p.value)} {unit}"
    if t.change is not None:
        numbers += f", {signed_pct(t.change * 100)} on the previous period"
    if s.unfinished is not None:
        u = s.unfinished
        numbers += f"; {unfinished_note(u, dated, year)}, {fmt_value(u.value)} {unit}"
    return f"{head} ({tag}{numbers})"


def group_title(group: str) -> str:
    return group


def group_paragraph(group: str, sentences: list[str]) -> str:
    return f"{group_title(group)}: " + "; ".join(sentences) + "."


def visits_intro(label: str, unit: str, sample: bool, through: dt.date | None = None) -> str:
    if through is not None:
        text = f"Website visits (weekly, unit: {unit}), {label}; {through_note(through)}"
    else:
        text = f"Website visits (weekly, unit: {unit}), {label}, this week against last week"
    return text + (f" ({SAMPLE})" if sample else "") + "."


def downloads_intro(
    first: Point | tuple,
    last: Point | tuple,
    unit: str,
    sample: bool,
    through: dt.date | None = None,
) -> str:
    text = f"{DOWNLOADS_TITLE} (unit: {unit}), {period_label(first, True)} to {period_label(last, True)}"
    if through is not None:
        text += f"; {through_note(through)}"
    return text + (f" ({SAMPLE})" if sample else "") + ": "


def sentences(items: list[str]) -> str:
    return "; ".join(items) + "."


def others_paragraph(items: list[str]) -> str:
    return "Other trackers: " + sentences(items)


def notes_paragraph(notes: list[str]) -> str:
    return "Note: " + sentences(notes)


def visits_chart_title(group: str) -> str:
    return f"Weekly website visits: {group_title(group)}"


def chart_span_note(label: str, spans: list[str], through: dt.date | None) -> str:
    return f"{label} ({LIST.join(spans)})" + (f"; {through_note(through)}" if through else "")


def downloads_span_note(first: tuple, last: tuple, through: dt.date | None) -> str:
    text = f"{period_label(first, True)} to {period_label(last, True)}"
    return text + (f"; {through_note(through)}" if through else "")


def gpu_chart_title(model: str) -> str:
    return f"{model} prices (new/used)"


def gpu_chart_note(first: dt.date, last: dt.date, through: dt.date | None) -> str:
    text = f"{ymd(first)} to {ymd(last)}; blue: new, red: used"
    return text + (f"; {through_note(through)}" if through else "")


def currency_word(code: str) -> str:
    return {"USD": "US$", "CNY": "RMB", "HKD": "HK$", "EUR": "EUR"}.get(code, code)


def gpu_clause(level: GpuLevel, dated: bool = False, year: int | None = None) -> str:
    if dated or year is None:
        day = ymd(level.date) if dated else md(level.date)
    else:
        day = day_en(level.date, year)
    text = (
        f"{CONDITION.get(level.condition, level.condition)} cards quoted "
        f"{currency_word(level.currency)} {level.price:,.0f} on {day}"
    )
    if level.change is None:
        return text + f" (no quote {level.weeks} weeks earlier, so no change)"
    return text + f", {signed_pct(level.change * 100)} against {level.weeks} weeks earlier"


def gpu_sentence(
    model: str, levels: list[GpuLevel], through: dt.date | None = None, year: int | None = None
) -> str:
    order = {"new": 0, "used": 1}
    ranked = sorted(levels, key=lambda lv: order.get(lv.condition, 2))
    text = f"{model}: " + "; ".join(gpu_clause(lv, through is not None, year) for lv in ranked)
    notes = ([through_note(through)] if through is not None else []) + (
        [SAMPLE] if any(lv.sample for lv in levels) else []
    )
    return text + (f" ({'; '.join(notes)})" if notes else "") + "."


def sample_note() -> str:
    return f"{SAMPLE}: invented values for the demonstration, not real statistics"
