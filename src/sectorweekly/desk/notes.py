"""The analyst's notes for one report date: ``notes/<publication date>.md`` -> typed result.

The notes are plain Markdown so an analyst can write them in any editor:

- an optional YAML front matter block (``---`` … ``---``) with ``headline``, ``watch`` (a list of
  ``{theme, names}``, each optionally with ``theme_en``, replacing the desk's names to watch for
  this week) and ``risks``;
- one ``## title`` per news theme, with paragraphs (consecutive lines) and ``- `` bullets;
- a source line ``来源：<媒体> 10月9日`` (or the same as a paragraph's suffix, optionally in
  brackets) dates the paragraph it follows; several sources are separated by ``；``.

Parsing never guesses: text it cannot place is an error naming the file and the line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError

FRONT_KEYS = ("headline", "watch", "risks")
WATCH_KEYS = ("theme", "theme_en", "names")
_SOURCE_PREFIX = r"(?:来源|资料来源|source)\s*[:：]\s*"
_SOURCE_LINE = re.compile(rf"^[（(]?{_SOURCE_PREFIX}(?P<body>.+?)[)）]?$", re.IGNORECASE)
_SOURCE_SUFFIX = re.compile(
    rf"^(?P<text>.*?)\s*[（(]{_SOURCE_PREFIX}(?P<body>[^（()）]+)[)）]\s*$", re.IGNORECASE
)
_MD_DATE = re.compile(r"^(?P<who>.*?)\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日$")
_ISO_DATE = re.compile(r"^(?P<who>.*?)\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_BULLET = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,2}[.)、])\s+(?P<text>.+)$")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_NUMBERED_TITLE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\d{1,2}[、.．)]\s*)")


@dataclass(frozen=True)
class NoteParagraph:
    text: str
    source: str | None = None  # 根据<媒体>10月9日报道


@dataclass(frozen=True)
class NoteSection:
    title: str  # without its number; renderers get 一、二、… from the part builder
    line: int
    paragraphs: tuple[NoteParagraph, ...] = ()
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True)
class WatchOverride:
    theme: str
    names: tuple[str, ...]  # symbols or instrument names, as written
    line: int
    theme_en: str = ""  # the theme in the English edition (as desk.yaml's watch.theme_en)


@dataclass(frozen=True)
class WeekNotes:
    path: Path
    headline: str | None
    watch: tuple[WatchOverride, ...] | None  # None = keep the desk's names to watch
    risks: tuple[str, ...] | None  # None = keep the desk's risks
    sections: tuple[NoteSection, ...]
    watch_line: int = 0  # the file line of the ``watch:`` key, for errors about the whole list


def notes_path(folder: Path, publication_date: dt.date) -> Path:
    return folder / f"{publication_date.isoformat()}.md"


def load_notes(path: Path) -> WeekNotes | None:
    """The notes in ``path``, or None when the file does not exist."""
    if not path.is_file():
        return None
    from ..textfile import read_text

    return parse_notes(read_text(path), path)  # UTF-8 (BOM or not) or GB18030


def parse_notes(text: str, path: Path) -> WeekNotes:
    lines = text.lstrip("\ufeff").splitlines()
    for n, line in enumerate(lines, start=1):
        bad = _CONTROL.search(line)
        if bad:
            raise InputError(
                path, n, f"control character U+{ord(bad[0]):04X} in the text; remove it"
            )
    front: dict[str, Any] = {}
    body_start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            raise InputError(path, 1, "front matter opened with --- is not closed; add a --- line")
        front = _front_matter("\n".join(lines[1:end]), path)
        body_start = end + 1
    sections = _sections(lines, body_start, path)
    return WeekNotes(
        path=path,
        headline=front.get("headline"),
        watch=front.get("watch"),
        risks=front.get("risks"),
        sections=tuple(sections),
        watch_line=front.get("watch_line", 0),
    )


# --- front matter ----------------------------------------------------------------------------


def _front_matter(block: str, path: Path) -> dict[str, Any]:
    """Validate the YAML block; every error names the file line (front matter starts at 2)."""
    try:
        node = yaml.compose(block, Loader=yaml.SafeLoader)
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(path, line, f"front matter is not valid YAML ({problem})") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise InputError(path, 2, "front matter must be a mapping of headline, watch, risks")
    lines = {k.value: k.start_mark.line + 2 for k, _ in node.value}
    values = {k.value: v for k, v in node.value}
    out: dict[str, Any] = {}
    for key, value in data.items():
        line = lines.get(key, 2)
        if key not in FRONT_KEYS:
            raise InputError(
                path, line, f"unknown front matter key {key!r}; expected {', '.join(FRONT_KEYS)}"
            )
        if key == "headline":
            if not isinstance(value, str) or not value.strip():
                raise InputError(path, line, "headline: expected one line of text")
            out[key] = " ".join(value.split())
        elif key == "risks":
            out[key] = tuple(_text_list(value, values[key], path, "risks"))
        else:
            out[key] = _watch(value, values[key], path)
            out["watch_line"] = line
    return out


def _text_list(value: Any, node: yaml.Node, path: Path, key: str) -> list[str]:
    if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
        raise InputError(path, node.start_mark.line + 2, f"{key}: expected a list of text lines")
    out = []
    for i, (item, item_node) in enumerate(zip(value, node.value, strict=True)):
        if not isinstance(item, str | int | float) or isinstance(item, bool) or not str(item):
            raise InputError(
                path, item_node.start_mark.line + 2, f"{key}[{i}]: expected a line of text"
            )
        out.append(str(item).strip())
    return out


def _watch(value: Any, node: yaml.Node, path: Path) -> tuple[WatchOverride, ...]:
    if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
        raise InputError(
            path, node.start_mark.line + 2, "watch: expected a list of {theme, names} entries"
        )
    out = []
    for i, (item, item_node) in enumerate(zip(value, node.value, strict=True)):
        line = item_node.start_mark.line + 2
        if not isinstance(item, dict) or not {"theme", "names"} <= set(item) <= set(WATCH_KEYS):
            raise InputError(
                path,
                line,
                f"watch[{i}]: expected the keys theme and names (a list), optionally theme_en",
            )
        names_node = next(v for k, v in item_node.value if k.value == "names")
        theme = item["theme"]
        if not isinstance(theme, str) or not theme.strip():
            raise InputError(path, line, f"watch[{i}].theme: expected the theme's name")
        names = _text_list(item["names"], names_node, path, f"watch[{i}].names")
        if not names:
            raise InputError(path, line, f"watch[{i}].names: expected at least one name")
        theme_en = _theme_en(item, item_node, path, i)
        out.append(
            WatchOverride(theme=theme.strip(), names=tuple(names), line=line, theme_en=theme_en)
        )
    return tuple(out)


def _theme_en(item: dict[str, Any], node: yaml.Node, path: Path, i: int) -> str:
    """The entry's ``theme_en``: one line of text, or "" when not given."""
    if "theme_en" not in item:
        return ""
    value = item["theme_en"]
    if not isinstance(value, str) or not value.strip():
        line = next(k.start_mark.line + 2 for k, _ in node.value if k.value == "theme_en")
        raise InputError(
            path, line, f"watch[{i}].theme_en: expected the theme's English name, a line of text"
        )
    return " ".join(value.split())


# --- body ------------------------------------------------------------------------------------


def _publication_year(path: Path) -> int | None:
    """The year of the publication date a notes file is named for (`2025-01-03.md`)."""
    try:
        return dt.date.fromisoformat(path.stem).year
    except ValueError:
        return None


def format_source(body: str, path: Path, line: int) -> str:
    """`新华社 10月9日；路透 2024-10-08` -> `根据新华社10月9日、路透10月8日报道`; a dated source of
    another year than the issue's keeps its year (`路透2024年12月30日` in a 2025 issue)."""
    parts = []
    for raw in re.split(r"[；;]", body):
        item = raw.strip().rstrip("。.")
        if not item:
            continue
        m = _MD_DATE.match(item) or _ISO_DATE.match(item)
        if m is None:
            who, when = item, ""
        else:
            who = m["who"].strip().rstrip("，,")
            try:
                day = dt.date(
                    int(m["y"]) if "y" in m.groupdict() else 2000, int(m["m"]), int(m["d"])
                )
            except ValueError:
                raise InputError(
                    path, line, f"source date in {item!r} is not a real date"
                ) from None
            year = _publication_year(path)
            dated = "y" in m.groupdict() and year is not None and day.year != year
            when = f"{day.year}年{day.month}月{day.day}日" if dated else f"{day.month}月{day.day}日"
        if not who:
            raise InputError(
                path, line, f"source {item!r} names no medium; write 来源：<媒体> 10月9日"
            )
        parts.append(f"{who}{when}")
    if not parts:
        raise InputError(path, line, "empty source; write 来源：<媒体> 10月9日")
    return "根据" + "、".join(parts) + "报道"


def _join(lines: list[str]) -> str:
    """Join wrapped lines: no space between CJK characters, one space between Latin words."""
    out = ""
    for part in (s.strip() for s in lines):
        if out and part and out[-1].isascii() and part[0].isascii():
            out += " "
        out += part
    return out


def _number_free(title: str) -> str:
    return _NUMBERED_TITLE.sub("", title).strip()


class _SectionReader:
    """The state of reading a note's body line by line: the section and paragraph under way.

    A class rather than one long function so each kind of line (heading, source, bullet,
    text) has its own short method.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sections: list[NoteSection] = []
        self.title: str | None = None
        self.title_line = 0
        self.paragraphs: list[NoteParagraph] = []
        self.bullets: list[str] = []
        self.pending: list[str] = []  # lines of the paragraph being read
        self.pending_line = 0  # file line of the paragraph's last line, for errors in its source
        self.pending_bullet: list[str] | None = None

    def flush(self) -> None:
        if self.pending:
            text = _join(self.pending)
            m = _SOURCE_SUFFIX.match(text)
            if m and m["text"]:
                source = format_source(m["body"], self.path, self.pending_line)
                self.paragraphs.append(NoteParagraph(m["text"], source))
            else:
                self.paragraphs.append(NoteParagraph(text))
            self.pending = []
        if self.pending_bullet is not None:
            self.bullets.append(_join(self.pending_bullet))
            self.pending_bullet = None

    def close_section(self) -> None:
        self.flush()
        if self.title is None:
            return
        if not self.paragraphs and not self.bullets:
            raise InputError(
                self.path,
                self.title_line,
                f"section {self.title!r} is empty; add text or remove it",
            )
        self.sections.append(
            NoteSection(self.title, self.title_line, tuple(self.paragraphs), tuple(self.bullets))
        )

    def heading(self, stripped: str, n: int) -> None:
        level = len(stripped) - len(stripped.lstrip("#"))
        heading = stripped[level:].strip()
        if level != 2 or not heading:
            raise InputError(
                self.path, n + 1, "only `## title` headings are read; one per news theme"
            )
        self.close_section()
        self.title, self.title_line = _number_free(heading), n + 1
        if not self.title:
            raise InputError(self.path, n + 1, "heading has no title after its number")
        self.paragraphs, self.bullets = [], []

    def source(self, body: str, n: int) -> None:
        self.flush()
        if not self.paragraphs:
            raise InputError(self.path, n + 1, "a source line must follow the paragraph it dates")
        last = self.paragraphs[-1]
        if last.source:
            raise InputError(self.path, n + 1, "this paragraph already has a source; merge with ；")
        self.paragraphs[-1] = NoteParagraph(last.text, format_source(body, self.path, n + 1))

    def text(self, line: str, stripped: str, n: int) -> None:
        bullet = _BULLET.match(line)
        if bullet:
            self.flush()
            self.pending_bullet = [bullet["text"]]
        elif self.pending_bullet is not None and line[:1].isspace():
            self.pending_bullet.append(stripped)
        else:
            if self.pending_bullet is not None:
                self.flush()
            self.pending.append(stripped)
            self.pending_line = n + 1


def _sections(lines: list[str], start: int, path: Path) -> list[NoteSection]:
    reader = _SectionReader(path)
    for n in range(start, len(lines)):
        line = lines[n].rstrip()
        stripped = line.strip()
        if stripped.startswith("#"):
            reader.heading(stripped, n)
        elif not stripped:
            reader.flush()
        elif reader.title is None:
            raise InputError(
                path,
                n + 1,
                "text before the first `## ` heading; put it under a theme heading "
                "(the headline goes in the front matter as headline: …)",
            )
        elif source := _SOURCE_LINE.match(stripped):
            reader.source(source["body"], n)
        else:
            reader.text(line, stripped, n)
    reader.close_section()
    return reader.sections
