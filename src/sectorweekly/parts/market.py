"""The market part: the 本周行情回顾 section with 图表1, names to watch and risks."""

from __future__ import annotations

from ..desk import Desk
from ..markets import MARKETS
from ..narrative import zh
from ..report.model import (
    ORDER_MARKET,
    ORDER_RISKS,
    ORDER_WATCH,
    MemberOut,
    Paragraph,
    Review,
    Section,
    Table,
)
from .base import ReportPart


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


def review_table(review: Review) -> Table:
    """图表1: every watchlist member, boards first, then names to watch not on a board."""
    on_boards = {m.symbol for b in review.boards for m in b.members}
    groups = [(b.name, b.members) for b in review.boards]
    seen = set(on_boards)
    for w in review.watch:
        extra = [m for m in w.members if m.symbol not in seen]
        seen.update(m.symbol for m in extra)
        groups.append((w.theme, extra))
    rows = []
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
    )


def market_part(desk: Desk, review: Review) -> ReportPart:
    sections = [
        Section(
            key="market",
            title="本周行情回顾",
            order=ORDER_MARKET,
            paragraphs=[Paragraph(text=zh.review_table_lead(len(review.boards)))],
            figures=["review_table"],
        )
    ]
    if review.watch:
        sections.append(
            Section(
                key="watch",
                title="建议关注",
                order=ORDER_WATCH,
                bullets=[w.line for w in review.watch],
            )
        )
    if desk.risks:
        sections.append(
            Section(key="risks", title="风险提示", order=ORDER_RISKS, bullets=list(desk.risks))
        )
    return ReportPart(
        sections=sections, tables=[review_table(review)], key_points=[review.summary_zh]
    )
