"""The analyst's English notes as a part of the English edition: ``<date>.en.md``.

The English notes file sits beside the Chinese one (``notes/2024-10-10.en.md``) with the same
themes: each heading is the Chinese heading, ``|``, then the English title
(``## 英伟达Blackwell平台进入交付期 | Nvidia Blackwell enters delivery``); the paragraphs, bullets
and ``Source:`` lines under it are the English text. A theme of the Chinese notes without
English text is left out of the English edition and named on the console: the English document
never shows Chinese text in its place. The English notes' ``watch:`` (the English themes of the
week's names to watch) is read with the week, by ``desk.watch_notes``; this part says which themes
still lack English.
"""

from __future__ import annotations

from ..build.week import Week
from ..desk.notes import NoteSection, WeekNotes, load_notes
from ..desk.watch_notes import english_notes_file
from ..errors import InputError
from ..report.model import ORDER_NEWS, ORDER_RISKS, Paragraph, Review, Section
from .base import ReportPart
from .names import theme_messages
from .notes import MAX_SECTIONS

SEPARATOR = " | "


def english_source(source: str | None) -> str | None:
    """The parsed source (`根据<medium>报道`, as ``notes.format_source`` writes it) in English."""
    if source is None:
        return None
    return "Source: " + source.removeprefix("根据").removesuffix("报道").replace("、", "; ")


def english_risks(week: Week) -> tuple[list[str], list[str]]:
    """The English edition's risks and what the console says: the English notes' ``risks``
    when the week's notes replace the desk's, else the desk's ``en.risks``; none rather than
    risks that differ from the Chinese edition's."""
    desk, notes = week.desk, week.notes
    if notes is None or notes.risks is None:
        if desk.risks and not desk.en.risks:
            return [], ["English edition: no en.risks in desk.yaml; the risks section is left out"]
        return list(desk.en.risks), []
    english = load_notes(english_notes_file(week.notes_file))
    if english is not None and english.risks is not None:
        return list(english.risks), []
    return [], [
        f"English edition: {week.notes_file.name} replaces the risks for this week and "
        f"{english_notes_file(week.notes_file).name} gives none in English; the risks section "
        "is left out"
    ]


def _risks_part(week: Week) -> ReportPart:
    risks, said = english_risks(week)
    part = ReportPart(messages=said)
    if risks:
        part.sections.append(Section(key="risks", title="Risks", order=ORDER_RISKS, bullets=risks))
    return part


def _by_heading(notes: WeekNotes) -> dict[str, tuple[str, NoteSection]]:
    found: dict[str, tuple[str, NoteSection]] = {}
    for s in notes.sections:
        head, sep, title = s.title.partition(SEPARATOR)
        if not sep or not title.strip():
            raise InputError(
                notes.path,
                s.line,
                f"heading {s.title!r} has no English title; expected "
                "`## <the Chinese notes' heading> | <English title>`",
            )
        found[head.strip()] = (title.strip(), s)
    return found


def english_notes_part(week: Week, review: Review) -> ReportPart:
    """The news themes that have English text, numbered 1., 2., … in the Chinese order."""
    chinese = week.notes
    path = english_notes_file(week.notes_file)
    part = _risks_part(week)  # read here, never from the analysis cache: the notes may change
    part.messages += theme_messages(week)
    if chinese is None:
        part.messages.append(f"no notes for {week.published}: no news sections")
        return part
    english = load_notes(path)
    found = _by_heading(english) if english is not None else {}
    sections, left_out = [], []
    for i, s in enumerate(chinese.sections[:MAX_SECTIONS], start=1):
        if s.title not in found:
            left_out.append(f"{i}")
            continue
        title, text = found.pop(s.title)
        sections.append(
            Section(
                key=f"news_{i}",
                title=f"{len(sections) + 1}. {title}",
                order=ORDER_NEWS + i,
                paragraphs=[
                    Paragraph(text=p.text, source=english_source(p.source)) for p in text.paragraphs
                ],
                bullets=list(text.bullets),
            )
        )
    messages = []
    if left_out:
        messages.append(
            f"English edition: news theme{'s' if len(left_out) > 1 else ''} "
            f"{', '.join(left_out)} of {week.notes_file.name} ha{'ve' if len(left_out) > 1 else 's'}"
            f" no English text in {path}; left out"
        )
    if found:  # an English theme the Chinese notes do not have: a typo in its heading
        head, (_, s) = next(iter(found.items()))
        raise InputError(
            path,
            s.line,
            f"no theme {head!r} in {week.notes_file.name}; "
            "expected the Chinese notes' heading before ' | '",
        )
    part.sections += sections
    part.messages += messages
    if english is not None and english.headline:
        part.headline = english.headline
    elif sections:
        part.headline_hint = sections[0].title.partition(". ")[2]
    return part
