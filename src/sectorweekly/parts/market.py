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
    MemberOut,
    Paragraph,
    Report,
    Review,
    Section,
    Table,
)
from .base import ReportPart
from .names import Names, english_messages


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


def _change_text(m: MemberOut, w: Words) -> str:
    if m.status == "suspended":
        return w.label["suspended"]
    if m.status == "market_closed" and m.change_pct is not None:
        return w.label["closed"].format(w.s.signed_pct(m.change_pct))
    return w.label["missing"] if m.change_pct is None else w.s.signed_pct(m.change_pct)


def _cap_text(m: MemberOut, w: Words) -> str:
    """亿 of the local currency in the Chinese edition, billions in the English one."""
    if m.market_cap is None:
        return w.label["no_shares"]
    return f"{m.market_cap / 1e8:,.1f}" if w.lang == "zh" else f"{m.market_cap / 1e9:,.2f}"


def review_table(review: Review, w: Words) -> Table:
    """图表1: every watchlist member, boards first, then names to watch not on a board."""
    on_boards = {m.symbol for b in review.boards for m in b.members}
    groups = [(b.name, b.members) for b in review.boards]
    seen = set(on_boards)
    for t in review.watch:
        extra = [m for m in t.members if m.symbol not in seen]
        seen.update(m.symbol for m in extra)
        groups.append((t.theme, extra))
    rows = []
    for group, members in groups:
        for m in members:
            rows.append(
                [
                    m.name,
                    m.symbol,
                    w.market_label[m.market],
                    group,
                    _cap_text(m, w),
                    w.cap_unit[m.market] if m.market_cap is not None else "",
                    _change_text(m, w),
                ]
            )
    notes = [review.as_of_note.removeprefix(w.label["note"])]
    if review.calendar_note:
        notes.append(review.calendar_note.removeprefix(w.label["note"]))
    if any(row[4] == w.label["no_shares"] for row in rows):
        notes.append(w.label["no_shares_note"])
    return Table(
        key="review_table",
        title=w.label["table_title"],
        unit=w.label["table_unit"],
        columns=list(w.columns),
        rows=rows,
        source=w.label["table_source"]
        + w.label["list_sep"].join(sorted({s.source.split("@")[0] for s in review.sources})),
        notes=notes,
    )


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
    days, the symbols and how many rows."""
    lines = []
    for code in sorted({f.market for f in found}):
        mine = [f for f in found if f.market == code]
        count = sum(len(f.symbols) for f in mine)
        days = "; ".join(f"{f.day}: {', '.join(f.symbols)}" for f in mine)
        lines.append(
            f"warning: {code}: the store holds {count} price row{'s' if count != 1 else ''} on "
            f"days {desk_file} declares closed under holidays: ({days}); they are not sessions "
            "of the calendar: delete the rows or take the day out of holidays:"
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
