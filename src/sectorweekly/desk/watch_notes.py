"""This week's names to watch from the notes, with each theme's English.

The notes' ``watch:`` replaces the desk's names to watch for the week; each name is a symbol
(any spelling: ``nvda``, ``981.HK``) or a single instrument's ``name`` or ``name_en`` in
desk.yaml. The English edition shows each theme in English from one of two places:

- ``theme_en`` beside ``theme`` in the notes' entry, as in desk.yaml's ``watch``;
- the ``watch:`` of the English notes (``<date>.en.md``), read for the English edition only. It
  lists the same entries as the notes' ``watch:``, in the same order, each with the same names
  (in any order or spelling) and its ``theme`` in English.

The two files must agree, or the build stops on a one-line error naming the English notes and
the entry: an English ``watch:`` when the notes replace no names to watch, another number of
entries, other names, ``theme_en`` in the English notes, or an English theme that differs
from the notes' ``theme_en``. A theme with English in neither place is shown in Chinese and
listed on the console.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..markets import codes
from .notes import WatchOverride, WeekNotes
from .parse import Desk, WatchTheme


def english_notes_file(chinese: Path) -> Path:
    """`notes/2024-10-10.md` -> `notes/2024-10-10.en.md`."""
    return chinese.with_name(f"{chinese.stem}.en{chinese.suffix}")


def watch_symbol(desk: Desk, name: str, notes: WeekNotes, line: int, theme: str) -> str:
    """The desk's symbol for a name as the notes wrote it; none or several: an error."""
    if name in desk.instruments:
        return name
    try:  # a symbol as the notes wrote it (nvda, 700.HK, 600000.SH)
        symbol = codes.canonical_symbol(name)
    except ValueError:
        symbol = ""
    if symbol in desk.instruments:
        return symbol
    by_name = [s for s, i in desk.instruments.items() if name in (i.name, i.name_en)]
    if len(by_name) == 1:
        return by_name[0]
    raise InputError(
        notes.path,
        line,
        f"watch theme {theme!r}: {name!r} is neither a symbol nor a single instrument name "
        "under instruments in desk.yaml; add it there or use its symbol",
    )


def _symbols(desk: Desk, notes: WeekNotes, w: WatchOverride) -> list[str]:
    return list(dict.fromkeys(watch_symbol(desk, n, notes, w.line, w.theme) for n in w.names))


def week_watch(
    desk: Desk, notes: WeekNotes | None, english: WeekNotes | None = None
) -> list[WatchTheme] | None:
    """The notes' names to watch with their English themes; None: the desk's own stand."""
    if notes is None or notes.watch is None:
        if english is not None and english.watch is not None:
            chinese = Path(english.path.stem).stem + english.path.suffix
            raise InputError(
                english.path,
                english.watch_line,
                f"watch: {chinese} does not replace the names to watch this week; the English "
                "notes' watch only gives its entries' themes in English (remove it here)",
            )
        return None
    themes = [
        WatchTheme(theme=w.theme, theme_en=w.theme_en, names=_symbols(desk, notes, w))
        for w in notes.watch
    ]
    if english is None or english.watch is None:
        return themes
    _check_pairs(desk, notes, themes, english)
    return [
        t.model_copy(update={"theme_en": e.theme})
        for t, e in zip(themes, english.watch, strict=True)
    ]


def _check_pairs(
    desk: Desk, notes: WeekNotes, themes: list[WatchTheme], english: WeekNotes
) -> None:
    """Entry i of the English notes' watch is entry i of the notes': same names, one English."""
    assert english.watch is not None
    where, chinese = english.path, notes.path.name
    for i, e in enumerate(english.watch):
        entry = f"watch[{i}] {e.theme!r}"
        if i >= len(themes):
            raise InputError(
                where,
                e.line,
                f"{entry}: {chinese} has {len(themes)} entries in its watch; the English notes' "
                "watch lists the same entries in the same order",
            )
        if e.theme_en:
            raise InputError(
                where, e.line, f"{entry}: theme is already the English theme; remove theme_en"
            )
        if set(_symbols(desk, english, e)) != set(themes[i].names):
            raise InputError(
                where,
                e.line,
                f"{entry}: its names differ from watch[{i}] {themes[i].theme!r} of {chinese}; "
                "the English notes' watch lists the same entries in the same order",
            )
        if themes[i].theme_en and themes[i].theme_en != e.theme:
            raise InputError(
                where,
                e.line,
                f"{entry}: differs from theme_en {themes[i].theme_en!r} of watch[{i}] in "
                f"{chinese}; give the English theme in one place",
            )
    if len(english.watch) < len(themes):
        missing = len(english.watch)
        raise InputError(
            where,
            english.watch_line,
            f"watch: {missing} entries, {chinese} has {len(themes)}; watch[{missing}] "
            f"{themes[missing].theme!r} is missing (the same entries in the same order)",
        )
