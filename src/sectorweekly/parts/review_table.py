"""图表1, the week's table of every watched name: the cells as the report writes them, and the
same rows typed (numbers, dates, the words written instead of a number) for the chart data
workbook, so neither is derived from the other's text."""

from __future__ import annotations

from typing import Any

from ..markets import MARKETS
from ..narrative import zh
from ..report.model import DataColumn, DataTable, MemberOut, Review, Table


def _change_text(m: MemberOut) -> str:
    if m.status == "suspended":
        return "停牌"
    if m.status == "market_closed" and m.change_pct is not None:
        return f"{zh.signed_pct(m.change_pct)}（休市）"
    return "缺失" if m.change_pct is None else zh.signed_pct(m.change_pct)


def _cap_text(m: MemberOut) -> str:
    if m.market_cap is None:
        return "无股本数据"
    return f"{m.market_cap / 1e8:,.1f}"


DATA_COLUMNS = [
    DataColumn(name="公司"),
    DataColumn(name="代码"),
    DataColumn(name="市场"),
    DataColumn(name="板块/主题"),
    DataColumn(name="总市值", format="number", unit="亿"),
    DataColumn(name="市值单位"),
    DataColumn(name="周涨跌幅", format="pct"),
    DataColumn(name="说明"),  # the words the table writes instead of (or beside) a number
    DataColumn(name="基期日", format="date"),
    DataColumn(name="基期收盘价", format="number"),
    DataColumn(name="截止日", format="date"),
    DataColumn(name="截止日收盘价", format="number"),
    DataColumn(name="币种"),
]


def _words(m: MemberOut) -> str | None:
    """停牌, 休市, 缺失, 无股本数据: what a reader sees in place of (or beside) a number."""
    words = []
    if m.status == "suspended":
        words.append("停牌")
    elif m.change_pct is None:
        words.append("缺失")
    elif m.status == "market_closed":
        words.append("休市")
    if m.market_cap is None:
        words.append("无股本数据")
    return "；".join(words) or None


def _data_row(m: MemberOut, group: str) -> list[Any]:
    cap = None if m.market_cap is None else m.market_cap / 1e8
    change = None if m.status == "suspended" else m.change_pct
    return [
        m.name, m.symbol, MARKETS[m.market].label_zh, group, cap,
        MARKETS[m.market].cap_unit_zh if cap is not None else None, change, _words(m),
        m.base_date, m.base_close, m.end_date, m.end_close, m.currency,
    ]  # fmt: skip


def review_table(review: Review) -> Table:
    """图表1: every watchlist member, boards first, then names to watch not on a board."""
    on_boards = {m.symbol for b in review.boards for m in b.members}
    groups = [(b.name, b.members) for b in review.boards]
    seen = set(on_boards)
    for w in review.watch:
        extra = [m for m in w.members if m.symbol not in seen]
        seen.update(m.symbol for m in extra)
        groups.append((w.theme, extra))
    rows, data = [], []
    for group, members in groups:
        for m in members:
            rows.append(
                [
                    m.name,
                    m.symbol,
                    MARKETS[m.market].label_zh,
                    group,
                    _cap_text(m),
                    MARKETS[m.market].cap_unit_zh if m.market_cap is not None else "",
                    _change_text(m),
                ]
            )
            data.append(_data_row(m, group))
    notes = [review.as_of_note.removeprefix("注：")]
    if review.calendar_note:
        notes.append(review.calendar_note.removeprefix("注："))
    if any(row[4] == "无股本数据" for row in rows):
        notes.append("“无股本数据”：本地数据库缺少该标的的股本数据，市值不作估算")
    return Table(
        key="review_table",
        title="算力板块标的周度表现",
        unit="市值：亿元/亿港元/亿美元；涨跌幅：%",
        columns=["公司", "代码", "市场", "板块/主题", "总市值", "单位", "周涨跌幅"],
        rows=rows,
        source="交易所行情（本地数据库）；"
        + "、".join(sorted({s.source.split("@")[0] for s in review.sources})),
        notes=notes,
        data=DataTable(columns=DATA_COLUMNS, rows=data),
        as_of=max((m.end_date for _, ms in groups for m in ms), default=review.window.end),
    )
