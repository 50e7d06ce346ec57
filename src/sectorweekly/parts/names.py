"""The names an edition shows: the desk's Chinese names, or for English the desk's ``name_en``.

English names come from data only (``instruments.<sym>.name_en``, ``boards[].name_en``,
``watch[].theme_en``, the rating scale's ``name_en``); a name without one is shown as
``中文名 (code)`` and remembered, so that the console can list what the desk should fill in.
This week's themes to watch may come from the notes (``theme_en`` there, or the English notes'
``watch``): ``theme_messages`` says where a theme's English goes, and the English notes part,
which reads the notes, says it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..desk.parse import Desk
from ..desk.watch_notes import english_notes_file

if TYPE_CHECKING:
    from ..build.week import Week


@dataclass
class Names:
    desk: Desk
    lang: str = "zh"
    missing: list[str] = field(default_factory=list)  # desk keys without English, in order

    def _miss(self, key: str) -> None:
        if key not in self.missing:
            self.missing.append(key)

    def instrument(self, symbol: str) -> str:
        inst = self.desk.instruments[symbol]
        if self.lang == "zh" or inst.name_en:
            return inst.name if self.lang == "zh" else inst.name_en
        if inst.name.isascii():
            return inst.name
        self._miss(f"instruments.{symbol}.name_en")
        return f"{inst.name} ({symbol})"

    def board(self, name: str) -> str:
        found = next((b for b in self.desk.boards if b.name == name), None)
        if self.lang == "zh" or name.isascii():
            return name
        if found is not None and found.name_en:
            return found.name_en
        self._miss(f"boards[{name}].name_en")
        return name

    def theme(self, theme: str, theme_en: str = "") -> str:
        if self.lang == "zh" or theme.isascii():
            return theme
        if theme_en:
            return theme_en
        self._miss(f"watch[{theme}].theme_en")
        return theme

    def rating(self, name: str) -> str:
        """A rating word of the desk's scales in the edition (its ``name_en``)."""
        if self.lang == "zh":
            return name
        scales = [*self.desk.ratings.company, *self.desk.ratings.industry]
        band = next((b for b in scales if b.name == name), None)
        if band is not None and band.name_en:
            return band.name_en
        if name.isascii():
            return name
        self._miss(f"ratings: name_en of {name}")
        return name

    def message(self) -> list[str]:
        if not self.missing:
            return []
        return [
            "English edition: no English name in desk.yaml for "
            + ", ".join(self.missing)
            + "; shown in Chinese with the code"
        ]


def english_messages(week: Week) -> list[str]:
    """What the English edition lacks in the desk: names without English (the themes to watch
    are said by ``theme_messages``, which knows whether the notes gave them)."""
    desk, names = week.desk, Names(week.desk, "en")
    for s in [*desk.members(), *desk.benchmark_symbols()]:
        names.instrument(s)
    for b in desk.boards:
        names.board(b.name)
    for r in week.ratings.values():
        names.rating(r.rating)
    return names.message()


def theme_messages(week: Week) -> list[str]:
    """The themes to watch the English edition shows in Chinese, and where their English goes:
    desk.yaml, or the week's notes when they replace the names to watch."""
    missing = [t.theme for t in week.desk.watch if not t.theme_en and not t.theme.isascii()]
    if not missing:
        return []
    if week.notes is None or week.notes.watch is None:
        keys = ", ".join(f"watch[{t}].theme_en" for t in missing)
        return [f"English edition: no English name in desk.yaml for {keys}; shown in Chinese"]
    chinese, english = week.notes_file.name, english_notes_file(week.notes_file).name
    return [
        f"English edition: no English for this week's theme{'s' if len(missing) > 1 else ''} "
        f"to watch {', '.join(missing)}; shown in Chinese (give theme_en in {chinese}, or the "
        f"themes in English under watch: in {english})"
    ]
