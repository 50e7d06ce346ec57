"""The analyst's notes as a report part: numbered news sections and the headline.

The notes for a report live in the desk at ``<notes_dir>/<publication date>.md``. They give the
week's news themes (一、二、三…), the headline of the title, and may replace the desk's names to
watch and risks for that week only; they are read once, when the week is gathered (``week.py``).
Missing notes are not an error: the report is built without news sections and the console
says so.
"""

from __future__ import annotations

from pathlib import Path

from ..build.week import Week
from ..desk.notes import WeekNotes
from ..desk.parse import demo_desk_dir
from ..errors import InputError
from ..report.model import ORDER_AI_TRACKING, ORDER_NEWS, Paragraph, Review, Section
from ..wording import counted
from .base import ReportPart

_DIGITS = "零一二三四五六七八九"
MAX_SECTIONS = ORDER_AI_TRACKING - ORDER_NEWS - 1  # news sections fit before the next part


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 35 -> 三十五 (1..99)."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


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


def _no_notes(week: Week, path: Path) -> str:
    """Where to write the week's notes; the demo desk lives inside the installed package, so
    for it the way to an editable copy instead."""
    head = (
        f"no notes for {week.published}: {path} does not exist, so the report has no news sections"
    )
    if path.resolve().is_relative_to(demo_desk_dir().resolve()):
        return (
            f"{head}; the demo desk is part of the installed package: make an editable copy "
            f"with `sectorweekly init mydesk --demo-data`, then write "
            f"mydesk/{week.desk.notes_dir}/{path.name} and build with --desk mydesk"
        )
    return f"{head}; write the week's themes there as Markdown"


def notes_part(week: Week, review: Review) -> ReportPart:
    """News sections and the headline from the week's notes."""
    path, notes = week.notes_file, week.notes
    if notes is None:
        return ReportPart(
            extras={"notes": {"file": str(path), "found": False}},
            messages=[_no_notes(week, path)],
        )
    sections = news_sections(notes)
    part = ReportPart(
        sections=sections,
        headline=notes.headline,
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
    if not notes.headline:
        if notes.sections:
            part.headline_hint = notes.sections[0].title
        part.messages.append(
            f"{path}: no headline in the front matter; the title suggests one "
            "(the first news theme, else the market review)"
        )
    part.messages.append(f"notes: {counted(len(sections), 'news section')} from {path}")
    return part
