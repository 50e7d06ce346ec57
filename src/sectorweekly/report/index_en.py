"""index.en.html beside index.html: the same issues of the series in the English edition's words.

Written from the archive alone, like the Chinese index: an issue published with its English
edition (``build --lang zh,en --publish``) is listed by its English title with links to its
``en/`` documents; any other issue by the series' English name and date, marked
"(Chinese only)", with a link to its Chinese PDF. Dates and windows are the English edition's
(``10 Oct 2024``, ``7–11 Oct 2024``); the week's best and worst names are the English editions'
names, and a name none of them gives is shown as ``中文名 (code)`` and listed on the console,
as the English edition does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..narrative.en import signed_pct, window_label, ymd
from ..series.archive import ArchivedEdition, ArchivedIssue, week_moves
from .fonts import embedded_font_css
from .index import ENV, HEAD, TAIL, links, style

_TEMPLATE = (
    HEAD
    + """<p class="meta">{{ rows|length }} {{ 'issue' if rows|length == 1 else 'issues' }}; report archive: archive.jsonl.
"Model only" marks a backfilled issue: its report model is archived, no documents were written.
"(Chinese only)" marks an issue published without an English edition.
<a href="{{ chinese }}" hreflang="zh-CN">Chinese edition index</a></p>
<table>
<thead><tr><th>Published</th><th>Window</th><th>Title</th><th>Best of the week</th><th>Worst of the week</th><th>Documents</th></tr></thead>
<tbody>
{% for r in rows %}<tr>
<td class="date">{{ r.published }}</td>
<td class="date">{{ r.window }}</td>
<td>{{ r.title }}{% if r.chinese_only %} <span class="mark">(Chinese only)</span>{% endif %}</td>
{% for m in (r.best, r.worst) %}<td>{% if m %}{{ m[0] }} <span class="{{ 'up' if m[1] >= 0 else 'down' }}">{{ m[2] }}</span>{% else %}<span class="none">n/a</span>{% endif %}</td>
{% endfor %}<td class="links">{% for label, href in r.links %}<a href="{{ href }}">{{ label }}</a>{% else %}<span class="none">{{ r.empty }}</span>{% endfor %}</td>
</tr>{% endfor %}
"""
    + TAIL
)

LABELS = {
    ".html": "HTML",
    ".pdf": "PDF",
    ".docx": "Word",
    ".md": "Markdown",
    ".json": "JSON",
    ".xlsx": "Chart data",
}
CHINESE_PDF = {".pdf": "Chinese PDF"}
RISE = {"green": ("#2e7d32", "#c62828"), "red": ("#c62828", "#2e7d32")}  # rise, fall
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@dataclass
class EnglishIndex:
    """The English index page, and the names it shows in Chinese for want of an English one."""

    html: str
    missing: list[str] = field(default_factory=list)  # `中文名 (code)`, in order

    def message(self) -> list[str]:
        """The console line, as the English edition lists the names it lacks."""
        if not self.missing:
            return []
        return [
            "English index: no English name in the archived English editions for "
            + ", ".join(self.missing)
            + "; shown in Chinese with the code"
        ]


@dataclass
class _Names:
    """A name in English: the issue's own English edition's, else the newest one that gives
    it, else ``中文名 (code)`` (remembered for the console)."""

    known: dict[str, str]
    missing: list[str] = field(default_factory=list)

    def name(self, symbol: str, chinese: str, edition: ArchivedEdition | None) -> str:
        own = edition.names.get(symbol) if edition is not None else None
        for found in (own, self.known.get(symbol)):
            if found and not _CJK.search(found):
                return found
        if not _CJK.search(chinese):
            return chinese
        shown = f"{chinese} ({symbol})"
        if shown not in self.missing:
            self.missing.append(shown)
        return shown


def _row(issue: ArchivedIssue, series: str, names: _Names, reports: Path) -> dict[str, Any]:
    edition = issue.editions.get("en")
    moves = week_moves(issue)
    shown = [  # only the names the page shows are looked up (and listed when they lack one)
        (names.name(symbol, name, edition), change, signed_pct(change))
        for symbol, name, change in (moves[:1] + moves[-1:] if len(moves) > 1 else moves)
    ]
    published = ymd(issue.publication_date)
    if edition is not None:
        title, empty = edition.title, "documents missing"
        found = links(edition.documents, reports, LABELS)
    else:
        title, found = f"{series}, {published}", links(issue.documents, reports, CHINESE_PDF)
        empty = "model only (backfill)" if issue.kind == "backfill" else "documents missing"
    return {
        "published": published,
        "window": window_label(issue.start, issue.end),
        "title": title,
        "chinese_only": edition is None,
        "best": shown[0] if shown else None,
        "worst": shown[-1] if shown else None,
        "links": found,
        "empty": empty,
    }


def english_index(
    issues: list[ArchivedIssue], reports: Path, chinese: str = "index.html"
) -> EnglishIndex | None:
    """The English index of ``issues``, newest first; None when none has an English edition.
    ``chinese`` is the Chinese index's file name, linked back to."""
    editions = [i.editions["en"] for i in issues if "en" in i.editions]
    if not editions:
        return None
    known: dict[str, str] = {}
    for edition in editions:  # oldest first: the newest English name of a symbol wins
        known.update({s: n for s, n in edition.names.items() if not _CJK.search(n)})
    names, newest = _Names(known), editions[-1]
    rows = [
        _row(issue, newest.series, names, reports)
        for issue in sorted(issues, key=lambda i: i.publication_date, reverse=True)
    ]
    rise, fall = RISE.get(newest.up, RISE["green"])
    values = {"rows": rows, "series": newest.series, "chinese": chinese}
    values |= {"style": style(rise, fall), "lang": "en", "title": f"{newest.series}: all issues"}
    template = ENV.from_string(_TEMPLATE)
    page = template.render(font_css="", **values)
    html = template.render(font_css=embedded_font_css(page), **values)
    return EnglishIndex(html, names.missing)
