"""The market part: the 本周行情回顾 section with 图表1, names to watch and risks.

It reads the week's review (``parts/market_review.py``) and never the prices; the
week-over-week words compare it with the previous issue.
"""

from __future__ import annotations

from .. import store
from ..analysis import week_over_week as an
from ..analysis.declared_closed import RowsOnClosedDay, rows_on_declared_closed
from ..build.week import Week
from ..narrative.edition import Words, words
from ..report.model import (
    ORDER_MARKET,
    ORDER_RISKS,
    ORDER_WATCH,
    Paragraph,
    Report,
    Review,
    Section,
)
from .base import ReportPart
from .names import Names, english_messages
from .review_table import review_table


def _weekly_run(history: list[Report]) -> list[Report]:
    """The latest issues published a week apart (a gap in the archive ends a streak)."""
    run = history[-1:]
    for r in reversed(history[:-1]):
        if (run[0].front.publication_date - r.front.publication_date).days > 8:
            break
        run.insert(0, r)
    return run


def week_over_week(history: list[Report], review: Review, w: Words, names: Names) -> str:
    """The changes against the previous archived issue; the archive holds the Chinese
    edition, so its boards and breadth words are put in this edition's words first."""
    if not history:
        return ""
    history = _weekly_run(history)
    prev = history[-1].review
    boards_now = {b.name: b.breadth for b in review.boards}
    was = getattr(w.s, "BREADTH", {})
    boards_before = {names.board(b.name): was.get(b.breadth, b.breadth) for b in prev.boards}
    members = [m for b in review.boards for m in b.members]
    shown = {m.symbol: m.name for m in members}
    old = {
        shown[m.symbol]: m.limit_up_streak
        for b in prev.boards
        for m in b.members
        if m.symbol in shown
    }
    changes: dict[str, list[float | None]] = {}
    for m in members:
        series: list[float | None] = []
        for r in history:
            found = [
                x.change_pct for b in r.review.boards for x in b.members if x.symbol == m.symbol
            ]
            series.append(found[0] if found else None)
        changes[m.name] = [*series, m.change_pct]
    wow = an.week_over_week(
        history[-1].front.publication_date,
        boards_now,
        boards_before,
        {m.name: m.limit_up_streak for m in members},
        old,
        changes,
    )
    return w.week_over_week_sentence(wow, review.window.end.year)


def old_rating_messages(week: Week) -> list[str]:
    """Names to watch whose latest rating is older than the rating horizon."""
    months = week.desk.ratings.horizon_months
    old = sorted(
        f"{s} ({r.date})"
        for t in week.desk.watch
        for s in t.names
        if (r := week.ratings.get(s)) is not None and r.older_than(week.published, months)
    )
    if not old:
        return []
    return [
        f"ratings older than {months} months on names to watch: {', '.join(old)}; "
        "their lines give the rating's date"
    ]


def market_messages(review: Review) -> list[str]:
    """What the console says about each market: provisional sessions, inferred closures, and
    data that stop before the market's last session."""
    out = []
    for code, market in review.markets.items():
        if market.provisional_years:
            years = "、".join(str(y) for y in market.provisional_years)
            out.append(
                f"{code}: no holiday list for {years} yet, so its sessions are provisional "
                "(weekdays); add the year under `holidays:` in desk.yaml when the notice is out"
            )
        if market.inferred_closed:
            days = ", ".join(str(d) for d in market.inferred_closed)
            out.append(f"{code}: no stored row for any instrument on {days}; treated as closed")
        if market.data_through is not None:
            out.append(
                f"{code}: the store stops at {market.data_through}, before {market.end_date}"
            )
    return out


def declared_closed_messages(found: list[RowsOnClosedDay], desk_file: str) -> list[str]:
    """One console warning per market: stored rows on days the desk declares closed, with the
    days, the symbols and how many rows; the review reads only sessions, so it passes them over."""
    lines = []
    for code in sorted({f.market for f in found}):
        mine = [f for f in found if f.market == code]
        count = sum(len(f.symbols) for f in mine)
        days = "; ".join(f"{f.day}: {', '.join(f.symbols)}" for f in mine)
        lines.append(
            f"warning: {code}: the store holds {count} price row{'s' if count != 1 else ''} on "
            f"days {desk_file} declares closed under holidays: ({days}); they are not sessions "
            "of the calendar and are not used: delete the rows or take the day out of holidays:"
        )
    return lines


def _declared_closed(week: Week) -> list[str]:
    markets = sorted({i.market for i in week.desk.instruments.values()})
    with store.reader(week.store) as con:
        found = rows_on_declared_closed(con, week.calendars, markets)
    return declared_closed_messages(found, str(week.desk.root / "desk.yaml"))


def market_part(week: Week, review: Review) -> ReportPart:
    """本周行情回顾 with 图表1, 建议关注 and 风险提示; the review paragraph as the first key point."""
    desk, w = week.desk, words(week.lang)
    sections = [
        Section(
            key="market",
            title=w.label["market"],
            order=ORDER_MARKET,
            paragraphs=[Paragraph(text=w.s.review_table_lead(len(review.boards)))],
            figures=["review_table"],
        )
    ]
    if review.watch:
        sections.append(
            Section(
                key="watch",
                title=w.label["watch"],
                order=ORDER_WATCH,
                bullets=[t.line for t in review.watch],
            )
        )
    risks = list(desk.risks) if w.lang == "zh" else []  # English: the notes part's (uncached)
    if risks:
        sections.append(
            Section(key="risks", title=w.label["risks"], order=ORDER_RISKS, bullets=list(risks))
        )
    messages = _declared_closed(week) + market_messages(review) + old_rating_messages(week)
    if w.lang == "en":
        messages += english_messages(week)
    return ReportPart(
        sections=sections,
        tables=[review_table(review, w)],
        key_points=[review.summary_zh],
        messages=messages,
    )
