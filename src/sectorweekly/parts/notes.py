"""The analyst's notes as a report part: numbered news sections, headline, weekly overrides.

The notes for a report live in the desk at ``<notes_dir>/<publication date>.md``. They give the
week's news themes (一、二、三…), the headline of the title, and may replace the desk's names to
watch and risks for that week only. Missing notes are not an error: the report is built without
news sections and the console says so.
"""

from __future__ import annotations

from pathlib import Path

from ..analysis.market import Window
from ..desk import Desk, WatchTheme
from ..errors import InputError
from ..notes import WeekNotes, load_notes, notes_path
from ..report.model import ORDER_AI_TRACKING, ORDER_NEWS, Paragraph, Review, Section
from .base import BuildContext, ReportPart

_DIGITS = "零一二三四五六七八九"
MAX_SECTIONS = ORDER_AI_TRACKING - ORDER_NEWS - 1  # news sections fit before the next part


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 35 -> 三十五 (1..99)."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def notes_file(desk: Desk, window: Window) -> Path:
    return notes_path(desk.root / desk.notes_dir, desk.publication_date(window.end))


def _symbol(desk: Desk, name: str, notes: WeekNotes, line: int, theme: str) -> str:
    if name in desk.instruments:
        return name
    by_name = [s for s, i in desk.instruments.items() if i.name == name]
    if len(by_name) == 1:
        return by_name[0]
    raise InputError(
        notes.path,
        line,
        f"watch theme {theme!r}: {name!r} is neither a symbol nor a single instrument name "
        "under instruments in desk.yaml; add it there or use its symbol",
    )


def week_desk(desk: Desk, window: Window) -> Desk:
    """The desk as it stands for this week: the notes' names to watch and risks replace its own."""
    notes = load_notes(notes_file(desk, window))
    if notes is None or (notes.watch is None and notes.risks is None):
        return desk
    update: dict[str, object] = {}
    if notes.watch is not None:
        update["watch"] = [
            WatchTheme(
                theme=w.theme,
                names=list(
                    dict.fromkeys(_symbol(desk, n, notes, w.line, w.theme) for n in w.names)
                ),
            )
            for w in notes.watch
        ]
    if notes.risks is not None:
        update["risks"] = list(notes.risks)
    return desk.model_copy(update=update)


def news_sections(notes: WeekNotes) -> list[Section]:
    if len(notes.sections) > MAX_SECTIONS:
        extra = notes.sections[MAX_SECTIONS]
        raise InputError(
            notes.path, extra.line, f"at most {MAX_SECTIONS} news sections; merge some themes"
        )
    return [
        Section(
            key=f"news_{i}",
            title=f"{chinese_numeral(i)}、{s.title}",
            order=ORDER_NEWS + i,
            paragraphs=[Paragraph(text=p.text, source=p.source) for p in s.paragraphs],
            bullets=list(s.bullets),
        )
        for i, s in enumerate(notes.sections, start=1)
    ]


def notes_part(desk: Desk, window: Window, review: Review, ctx: BuildContext) -> ReportPart:
    """News sections and the headline from the week's notes (a part builder, see build.py)."""

    path = notes_file(desk, window)
    notes = load_notes(path)
    if notes is None:
        ctx.messages.append(
            f"no notes for {desk.publication_date(window.end)}: {path} does not exist, so the "
            "report has no news sections; write the week's themes there as Markdown"
        )
        return ReportPart(extras={"notes": {"file": str(path), "found": False}})
    sections = news_sections(notes)
    if notes.headline:
        ctx.headline = notes.headline
    else:
        if notes.sections:
            ctx.headline_hint = notes.sections[0].title
        ctx.messages.append(
            f"{path}: no headline in the front matter; the title suggests one "
            "(the first news theme, else the market review)"
        )
    ctx.messages.append(f"notes: {len(sections)} news sections from {path}")
    return ReportPart(
        sections=sections,
        extras={
            "notes": {
                "file": str(path),
                "found": True,
                "headline": notes.headline,
                "sections": len(sections),
                "watch_from_notes": notes.watch is not None,
                "risks_from_notes": notes.risks is not None,
            }
        },
    )
