"""Markdown rendering of the report model (images referenced beside the file)."""

from __future__ import annotations

import re

from .model import Chart, Report, Table

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def esc(text: object) -> str:
    """Escape Markdown and HTML metacharacters in text that came from notes or data."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def caption(number: int, title: str, unit: str | None) -> str:
    return f"图表 {number}：{title}" + (f"（单位：{unit}）" if unit else "")


def table_md(table: Table) -> list[str]:
    out = [f"**{esc(caption(table.number, table.title, table.unit))}**", ""]
    out.append("| " + " | ".join(esc(c) for c in table.columns) + " |")
    out.append("|" + "---|" * len(table.columns))
    for row in table.rows:
        out.append("| " + " | ".join(esc(c) for c in row) + " |")
    out += ["", f"来源：{esc(table.source)}"]
    out += [f"注：{esc(n)}" for n in table.notes]
    return [*out, ""]


def link(path: str) -> str:
    """A link destination relative to report.md; <…> keeps spaces and brackets in the path."""
    posix = path.replace("\\", "/")
    return f"<{posix}>" if re.search(r"[\s()<>]", posix) else posix


def chart_md(chart: Chart) -> list[str]:
    head = caption(chart.number, chart.title, chart.unit) if chart.number else chart.title
    out = [f"**{esc(head)}**", ""]
    if chart.file:
        out.append(f"![{esc(chart.title)}]({link(chart.file)})")
    out += ["", f"来源：{esc(chart.source)}"]
    out += [f"注：{esc(n)}" for n in chart.notes]
    return [*out, ""]


def render_markdown(report: Report) -> str:
    f = report.front
    lines = [f"# {esc(f.title)}", ""]
    lines.append(
        f"{esc(f.firm)} ｜ {f.publication_date:%Y年%m月%d日} ｜ 行业：{esc(f.industry)}"
        + (f"（{esc(f.industry_rating)}）" if f.industry_rating else "")
    )
    if f.analysts:
        lines.append(
            "分析师："
            + "，".join(
                esc(a["name"]) + (f"（{esc(a['registration'])}）" if a.get("registration") else "")
                for a in f.analysts
            )
        )
    figures = {t.key: table_md(t) for t in report.tables}
    figures.update({c.key: chart_md(c) for c in report.charts})
    lines += ["", "**相关报告**", ""]
    lines += [f"- {x.publication_date:%Y-%m-%d} {esc(x.title)}" for x in f.related] or [
        "- 暂无往期报告（报告存档中无本系列此前各期）"
    ]
    lines.append("")
    for key in f.figures:
        lines += figures.get(key, [])
    shown: set[str] = set(f.figures)
    lines += ["", "## 投资要点", ""]
    lines += [esc(p) + "\n" for p in report.key_points]
    for section in report.sections:
        lines += [f"## {esc(section.title)}", ""]
        for p in section.paragraphs:
            lines.append(esc(p.text) + (f"（{esc(p.source)}）" if p.source else ""))
            lines.append("")
        lines += [f"- {esc(b)}" for b in section.bullets]
        if section.bullets:
            lines.append("")
        for key in section.figures:
            lines += figures.get(key, [])
            shown.add(key)
    rest = [k for k in figures if k not in shown]
    if rest:
        lines += ["## 图表", ""]
        for key in sorted(rest, key=lambda k: report.figure(k).number):
            lines += figures[key]
    c = report.closing
    if c.template:
        lines += ["**以下为模板文本，请替换为贵机构内容**", ""]
    lines += [
        "## 分析师声明",
        "",
        esc(c.analyst_statement),
        "",
        "## 免责声明",
        "",
        esc(c.disclaimer),
    ]
    lines += ["", "## 特别声明", "", esc(c.special_statement), "", "## 评级说明", ""]
    lines += ["| 公司评级 | 说明 |", "|---|---|"]
    lines += [f"| {esc(r.name)}（{esc(r.name_en)}） | {esc(r.text)} |" for r in c.company_ratings]
    lines += ["", "| 行业评级 | 说明 |", "|---|---|"]
    lines += [f"| {esc(r.name)}（{esc(r.name_en)}） | {esc(r.text)} |" for r in c.industry_ratings]
    lines += ["", esc(c.benchmarks_text), "", esc(c.copyright), ""]
    return "\n".join(lines)
