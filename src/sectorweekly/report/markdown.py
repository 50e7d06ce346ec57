"""Markdown rendering of the report model (images referenced beside the file)."""

from __future__ import annotations

import re

from .labels import day_text, labels, long_date, rating_name
from .model import Chart, Report, Table

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def esc(text: object) -> str:
    """Escape Markdown and HTML metacharacters in text that came from notes or data."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def caption(number: int, title: str, unit: str | None, lang: str = "zh") -> str:
    words = labels(lang)
    return words["figure"].format(n=number, title=title) + (
        words["unit"].format(unit=unit) if unit else ""
    )


def table_md(table: Table) -> list[str]:
    words = labels(table.lang)
    out = [f"**{esc(caption(table.number, table.title, table.unit, table.lang))}**", ""]
    out.append("| " + " | ".join(esc(c) for c in table.columns) + " |")
    out.append("|" + "---|" * len(table.columns))
    for row in table.rows:
        out.append("| " + " | ".join(esc(c) for c in row) + " |")
    out += ["", f"{words['source']}{esc(table.source)}"]
    out += [f"{words['note']}{esc(n)}" for n in table.notes]
    return [*out, ""]


def link(path: str) -> str:
    """A link destination relative to report.md; <…> keeps spaces and brackets in the path."""
    posix = path.replace("\\", "/")
    return f"<{posix}>" if re.search(r"[\s()<>]", posix) else posix


def chart_md(chart: Chart) -> list[str]:
    words = labels(chart.lang)
    head = (
        caption(chart.number, chart.title, chart.unit, chart.lang) if chart.number else chart.title
    )
    out = [f"**{esc(head)}**", ""]
    if chart.file:
        out.append(f"![{esc(chart.title)}]({link(chart.file)})")
    out += ["", f"{words['source']}{esc(chart.source)}"]
    out += [f"{words['note']}{esc(n)}" for n in chart.notes]
    return [*out, ""]


def render_markdown(report: Report) -> str:
    f, w, lang = report.front, labels(report.lang), report.lang
    lines = [f"# {esc(f.title)}", ""]
    lines.append(
        f"{esc(f.firm)}{w['sep']}{long_date(f.publication_date, lang)}{w['sep']}"
        f"{w['industry']}{esc(f.industry)}"
        + (w["rating"].format(esc(f.industry_rating)) if f.industry_rating else "")
    )
    if f.analysts:
        lines.append(
            w["analyst"]
            + w["list"].join(
                esc(a["name"])
                + (w["paren"].format(esc(a["registration"])) if a.get("registration") else "")
                for a in f.analysts
            )
        )
    figures = {t.key: table_md(t) for t in report.tables}
    figures.update({c.key: chart_md(c) for c in report.charts})
    lines += ["", f"**{w['related']}**", ""]
    lines += [f"- {day_text(x.publication_date, lang)} {esc(x.title)}" for x in f.related] or [
        f"- {w['no_related']}"
    ]
    lines.append("")
    for key in f.figures:
        lines += figures.get(key, [])
    shown: set[str] = set(f.figures)
    lines += ["", f"## {w['key_points']}", ""]
    lines += [esc(p) + "\n" for p in report.key_points]
    for section in report.sections:
        lines += [f"## {esc(section.title)}", ""]
        for p in section.paragraphs:
            lines.append(esc(p.text) + (w["paren"].format(esc(p.source)) if p.source else ""))
            lines.append("")
        lines += [f"- {esc(b)}" for b in section.bullets]
        if section.bullets:
            lines.append("")
        for key in section.figures:
            lines += figures.get(key, [])
            shown.add(key)
    rest = [k for k in figures if k not in shown]
    if rest:
        lines += [f"## {w['figures']}", ""]
        for key in sorted(rest, key=lambda k: report.figure(k).number):
            lines += figures[key]
    c = report.closing
    if c.template:
        lines += [f"**{w['template_below']}**", ""]
    lines += [f"## {w['analyst_statement']}", "", esc(c.analyst_statement), ""]
    lines += [f"## {w['disclaimer']}", "", esc(c.disclaimer), ""]
    lines += [f"## {w['special_statement']}", "", esc(c.special_statement), ""]
    lines += [f"## {w['ratings']}", ""]
    for head, rows in (
        ("company_ratings", c.company_ratings),
        ("industry_ratings", c.industry_ratings),
    ):
        lines += [f"| {w[head]} | {w['meaning']} |", "|---|---|"]
        lines += [f"| {esc(rating_name(r.name, r.name_en, lang))} | {esc(r.text)} |" for r in rows]
        lines.append("")
    lines += [esc(c.benchmarks_text), "", esc(c.copyright), ""]
    return "\n".join(lines)
