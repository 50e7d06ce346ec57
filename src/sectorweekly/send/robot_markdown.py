"""The summary in each robot's own markdown, each drawn from the :class:`Summary` itself.

The three dialects differ: WeCom's group-robot markdown is a subset (headings, bold, links,
quotes, font colours) with no lists and no tables, so 图表1 goes as one line a row; DingTalk's
markdown has headings, lists, links and images by URL but no tables either; a Feishu card's
markdown element draws a real table. Each renderer starts from the Summary, never from another
channel's text, so one channel's shortening or rewording never reaches another.
"""

from __future__ import annotations

from .channel import Summary


def _cell(text: str) -> str:
    """A cell as plain text inside markdown: no pipes, no line breaks."""
    return " ".join(text.replace("|", "｜").split())


def _row_line(header: tuple[str, ...], row: tuple[str, ...]) -> str:
    """One row of 图表1 as a line: the first cell, then each other non-empty cell after its
    header."""
    name = _cell(row[0]) if row else ""
    rest = [
        f"{_cell(head)} {_cell(cell)}" if head.strip() else _cell(cell)
        for head, cell in zip(header[1:], row[1:], strict=False)
        if cell.strip()
    ]
    return f"{name}：" + "，".join(rest) if rest else name


def _points(summary: Summary, heading: str, numbered: bool) -> list[str]:
    """投资要点 under its heading, one line a point (a point's own line breaks become spaces)."""
    points = [" ".join(p.split()) for p in summary.points if p.strip()]
    if not points:
        return []
    if numbered:
        return [heading, *(f"{i}. {p}" for i, p in enumerate(points, 1))]
    return [heading, "", *(f"- {p}" for p in points)]


def _table_lines(summary: Summary, bullet: str) -> list[str]:
    if len(summary.table) < 2:
        return []
    header, *rows = summary.table
    return [f"{bullet}{_row_line(header, row)}" for row in rows]


def wecom_markdown(summary: Summary) -> str:
    """WeCom: title as a heading, the period quoted, points numbered by hand, 图表1 as lines."""
    lines = [f"# {summary.title}", f"> 报告期：{summary.period}", ""]
    lines += _points(summary, "**投资要点**", numbered=True)
    table = _table_lines(summary, "")
    if table:
        lines += ["", "**图表1**", *table]
    if summary.link:
        lines += ["", f"[阅读全文]({summary.link})"]
    return "\n".join(lines)


def dingtalk_markdown(summary: Summary) -> str:
    """DingTalk: a list for the points and for 图表1's rows, the chart by its public URL."""
    lines = [f"### {summary.title}", f"> 报告期：{summary.period}", ""]
    lines += _points(summary, "#### 投资要点", numbered=False)
    table = _table_lines(summary, "- ")
    if table or summary.chart_url:
        lines += ["", "#### 图表1", ""]
    if summary.chart_url:
        lines += [f"![图表1]({summary.chart_url})", ""]
    lines += table
    if summary.link:
        lines += ["", f"[阅读全文]({summary.link})"]
    return "\n".join(lines)


def feishu_markdown(summary: Summary) -> str:
    """Feishu card markdown (the title goes in the card's header): 图表1 as a real table."""
    lines = [f"报告期：{summary.period}", ""]
    lines += _points(summary, "**投资要点**\n", numbered=True)
    if len(summary.table) >= 2:
        header, *rows = summary.table
        lines += ["", "**图表1**", ""]
        lines.append("| " + " | ".join(_cell(c) for c in header) + " |")
        lines.append("|" + "|".join(" --- " for _ in header) + "|")
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    if summary.link:
        lines += ["", f"[阅读全文]({summary.link})"]
    return "\n".join(lines)
