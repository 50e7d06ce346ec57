"""index.html beside the reports: every archived issue of the series, newest first.

One file, no URL: styles inline and the CJK font subset embedded, like report.html. It reads
only archived report models (and their document paths).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from ..series.archive import ArchivedIssue, summary
from .fonts import embedded_font_css

# both editions' index pages (rise and fall colours are the edition's)
STYLE = """
body { font-family: "Noto Sans SC", sans-serif; color: #1d2733; margin: 0; line-height: 1.6; }
main { max-width: 1040px; margin: 0 auto; padding: 1.2rem 1rem 3rem; }
h1 { color: #8c1d18; font-size: 1.5rem; border-bottom: 3px solid #8c1d18; padding-bottom: .4rem; }
.meta { color: #5b6570; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #d5d9de; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f4f6; white-space: nowrap; }
td.date { white-space: nowrap; font-variant-numeric: tabular-nums; }
.up { color: RISE; } .down { color: FALL; }
.links a { margin-right: .5rem; white-space: nowrap; }
.none, .mark { color: #8a939c; }
"""


def style(rise: str = "#c62828", fall: str = "#2e7d32") -> str:
    return STYLE.replace("RISE", rise).replace("FALL", fall)


# both editions' pages open alike: the page's language and title, the styles
HEAD = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
{{ font_css | safe }}
{{ style | safe }}
</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
"""

TAIL = "</tbody>\n</table>\n</main>\n</body>\n</html>\n"

_TEMPLATE = (
    HEAD
    + """<p class="meta">共{{ rows|length }}期；报告存档：archive.jsonl。“仅存档”为回填生成的报告模型，未生成文档。{% if english %}<a href="{{ english }}" hreflang="en" lang="en">English edition</a>{% endif %}</p>
<table>
<thead><tr><th>发布日期</th><th>数据区间</th><th>标题</th><th>本周最佳</th><th>本周最差</th><th>文件</th></tr></thead>
<tbody>
{% for r in rows %}<tr>
<td class="date">{{ r.publication_date }}</td>
<td class="date">{{ r.window }}</td>
<td>{{ r.title }}</td>
<td>{% if r.best %}{{ r.best[0] }} <span class="{{ 'up' if r.best[1] >= 0 else 'down' }}">{{ '%+.2f%%' % r.best[1] }}</span>{% else %}<span class="none">无</span>{% endif %}</td>
<td>{% if r.worst %}{{ r.worst[0] }} <span class="{{ 'up' if r.worst[1] >= 0 else 'down' }}">{{ '%+.2f%%' % r.worst[1] }}</span>{% else %}<span class="none">无</span>{% endif %}</td>
<td class="links">{% for label, href in r.links %}<a href="{{ href }}">{{ label }}</a>{% else %}<span class="none">仅存档（{{ '回填' if r.kind == 'backfill' else '文档缺失' }}）</span>{% endfor %}</td>
</tr>{% endfor %}
"""
    + TAIL
)

ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_LABELS = {
    ".html": "网页",
    ".pdf": "PDF",
    ".docx": "Word",
    ".md": "Markdown",
    ".json": "JSON",
    ".xlsx": "图表底稿",
}


def links(
    documents: list[str], reports: Path, labels: dict[str, str] = _LABELS
) -> list[tuple[str, str]]:
    """Relative links to the documents that still exist (a moved folder is not linked), in the
    order of ``labels`` (file suffix -> link text)."""
    out = []
    for doc in documents:
        path = Path(doc)
        full = path if path.is_absolute() else reports / path
        if full.is_file() and full.suffix in labels:
            href = path.as_posix() if not path.is_absolute() else full.as_uri()
            out.append((labels[full.suffix], href))
    order = list(labels.values())
    return sorted(out, key=lambda lh: order.index(lh[0]))


def render_index(issues: list[ArchivedIssue], reports: Path, english: str | None = None) -> str:
    """The Chinese index; ``english`` is the English index's file name, linked when given."""
    rows: list[dict[str, Any]] = []
    for issue in sorted(issues, key=lambda i: i.publication_date, reverse=True):
        row = summary(issue)
        row["links"] = links(issue.documents, reports)
        rows.append(row)
    series = issues[0].series if issues else "报告系列"
    template = ENV.from_string(_TEMPLATE)
    values = {"rows": rows, "english": english, "style": style()}
    values |= {"lang": "zh-CN", "title": f"{series}：历期报告"}
    page = template.render(font_css="", **values)
    return template.render(font_css=embedded_font_css(page), **values)
