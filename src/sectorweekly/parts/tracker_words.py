"""The English edition's words for the desk's tracker data: series names, groups, units and
sources are data, so their English comes from the desk (``en.names``), never a translator. A
word without one stays as it is and is listed on the console."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..analysis.trackers import GpuLevel, TrackerSeries


@dataclasses.dataclass
class DataWords:
    names: Mapping[str, str]
    missing: list[str] = dataclasses.field(default_factory=list)

    def word(self, text: str) -> str:
        if text.isascii():
            return text
        if text in self.names:
            return self.names[text]
        if text not in self.missing:
            self.missing.append(text)
        return text

    def series(self, s: TrackerSeries) -> TrackerSeries:
        return dataclasses.replace(
            s,
            name=self.word(s.name),
            group=self.word(s.group),
            unit=self.word(s.unit),
            alias_of=None if s.alias_of is None else self.word(s.alias_of),
            sources=[self.word(x) for x in s.sources],
        )

    def level(self, lv: GpuLevel) -> GpuLevel:
        return dataclasses.replace(
            lv, model=self.word(lv.model), sources=tuple(self.word(x) for x in lv.sources)
        )

    def messages(self) -> list[str]:
        if not self.missing:
            return []
        return [
            "English edition: no English in desk.yaml en.names for the tracker words "
            + ", ".join(self.missing)
            + "; shown as they are"
        ]
