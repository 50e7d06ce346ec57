"""The market part: the week's review (every part reads it) and the 本周行情回顾 section with
图表1, names to watch and risks.

``market_review`` turns the store's prices for the window into the Review model: each member's
move, each market's sessions, the boards' breadth, the review paragraph (with the week-over-week
words from the previous issue) and the names-to-watch lines with their current ratings.
"""

from __future__ import annotations

import datetime as dt

from .. import store
from ..analysis import week_over_week as an
from ..analysis.declared_closed import RowsOnClosedDay, rows_on_declared_closed
from ..analysis.market import MemberMove, MemberSpec, compute_moves
from ..analysis.sources import price_sources
from ..build.week import CurrentRating, Week
from ..desk.parse import Desk
from ..errors import StoreError
from ..markets import MARKETS
from ..narrative.edition import Words, words
from ..narrative.series_zh import with_week_over_week
from ..report.model import (
    ORDER_MARKET,
    ORDER_RISKS,
    ORDER_WATCH,
    BoardOut,
    MarketOut,
    MemberOut,
    Paragraph,
    Report,
    Review,
    Section,
    WatchThemeOut,
    WindowOut,
)
from .base import ReportPart
from .names import Names, english_messages
from .review_table import review_table


def _spec(desk: Desk, symbol: str) -> MemberSpec:
    return MemberSpec.of(symbol, desk.instruments[symbol])


def _member_out(
    names: Names, w: Words, move: MemberMove, rating: CurrentRating | None, year: int
) -> MemberOut:
    shown = None if rating is None else w.watch_rating(names.rating(rating.rating), rating.sample)
    return MemberOut(
        symbol=move.symbol,
        name=names.instrument(move.symbol),
        market=move.market,
        currency=MARKETS[move.market].currency,
        base_date=move.base_date,
        end_date=move.end_date,
        base_close=move.base_close,
        end_close=move.end_close,
        change_pct=move.change_pct,
        market_cap=None if move.market_cap is None else round(move.market_cap, 0),
        market_cap_as_of_shares=move.shares_as_of,
        limit_board=move.limit_board,
        limit_up_streak=move.limit_up_streak,
        limit_touch_only=move.limit_touch_only,
        status=move.status,
        last_date=move.last_date,
        notes=w.s.member_notes(move, year),
        rating=shown,
    )


def _sort_key(m: MemberOut) -> tuple[int, float]:
    return (m.change_pct is None, -(m.change_pct or 0.0))


def market_review(week: Week) -> Review:
    """The week's review: every watched name's move, the boards, the markets, the paragraph."""
    desk, window, path, cals = week.desk, week.window, week.store, week.calendars
    w, names = words(week.lang), Names(week.desk, week.lang)
    symbols = desk.members() + [s for s in desk.benchmark_symbols() if s not in desk.members()]
    with store.reader(path) as con:
        specs = [_spec(desk, s) for s in symbols]
        moves, views = compute_moves(con, cals, specs, window, desk.review)
        if all(m.end_close is None for m in moves):
            span = con.execute("SELECT min(date), max(date) FROM prices").fetchall()[0]
            held = f"it holds {span[0]}..{span[1]}" if span[0] else "it holds no prices"
            raise StoreError(
                f"{path}: no prices for any of the desk's symbols in {window.start}..{window.end} "
                f"({held}); import or update prices first, or choose another week"
            )
        lookback = min(m.base_date for m in moves) - dt.timedelta(days=60)
        sources = price_sources(con, symbols, lookback, window.end)
    by_symbol = {m.symbol: m for m in moves}
    year = window.end.year  # a date of another year is written with its year
    outs = {s: _member_out(names, w, by_symbol[s], week.ratings.get(s), year) for s in symbols}
    for t in desk.watch:  # a name to watch shows its rating's action (维持, 上调…)
        for s in t.names:
            if outs[s].rating is not None:
                outs[s].rating_action = w.actions[week.ratings[s].action]

    markets_out: dict[str, MarketOut] = {}
    for code, view in sorted(views.items()):
        last_rows = [m.last_date for m in moves if m.market == code and m.last_date]
        through = max(last_rows) if last_rows else None
        lagging = through is not None and through < view.end_date
        span = (view.base_date, max(view.end_date, window.end))
        markets_out[code] = MarketOut(
            base_date=view.base_date,
            end_date=view.end_date,
            sessions=list(view.sessions),
            closed=view.closed_all_window,
            data_through=through if lagging else None,
            provisional_years=sorted({d.year for d in cals.provisional_days(code, *span)}),
            inferred_closed=[d for d in cals.inferred_closures(code) if span[0] <= d <= span[1]],
        )
    through_by_market = {c: m.data_through for c, m in markets_out.items() if m.data_through}
    behind = w.s.data_through_sentence(through_by_market)

    boards, items = [], []
    for i, board in enumerate(desk.boards, start=1):
        members = sorted((outs[s] for s in board.members), key=_sort_key)
        breadth = w.s.breadth_word(
            [m.change_pct for m in members if m.status not in ("suspended", "market_closed")],
            closed=all(m.status == "market_closed" for m in members),
        )
        shown = names.board(board.name)
        boards.append(BoardOut(name=shown, breadth=breadth, members=members))
        named = [w.s.NamedMove(m.name, by_symbol[m.symbol]) for m in members]
        items.append(w.s.board_item(i, shown, named, breadth, through_by_market, year=year))
    bench = [outs[s] for s in desk.benchmark_symbols()]
    bench_sentence = w.s.benchmark_sentence(
        [w.s.NamedMove(b.name, by_symbol[b.symbol]) for b in bench]
    )

    watch = [
        WatchThemeOut(
            theme=names.theme(t.theme, t.theme_en),
            members=[outs[s] for s in t.names],
            line=w.s.watch_line_rated(
                names.theme(t.theme, t.theme_en),
                [
                    (
                        outs[s].name,
                        outs[s].change_pct,
                        _watch_rating(week, s, outs[s]),
                    )
                    for s in t.names
                ],
            ),
        )
        for t in desk.watch
    ]
    note = w.s.as_of_note(
        {c: min(v.end_date, through_by_market.get(c, v.end_date)) for c, v in views.items()},
        [outs[s].name for s in symbols if by_symbol[s].basis == "reference"],
    )
    calendar_note = w.s.calendar_note(
        {c: (m.provisional_years, m.inferred_closed) for c, m in markets_out.items()}, year
    )
    if calendar_note:
        behind += calendar_note.removeprefix(w.label["note"]) + ("。" if w.lang == "zh" else ". ")
    label = w.window_label(window.start, window.end)
    summary = w.s.review_paragraph(label, items, bench_sentence, note, behind)
    review = Review(
        window=WindowOut(start=window.start, end=window.end, label=label),
        markets=markets_out,
        boards=boards,
        benchmarks=bench,
        watch=watch,
        summary_zh=summary,
        items_zh=items,
        as_of_note=note,
        calendar_note=calendar_note,
        sources=sources,
    )
    if sentence := week_over_week(week.history, review, w, names):
        review.summary_zh = with_week_over_week(summary, note, sentence)
    return review


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


def _watch_rating(week: Week, symbol: str, out: MemberOut) -> str | None:
    """`维持买入`; a rating older than the rating horizon is given with its date instead
    (`2023年1月5日评级买入`), never as this week's view."""
    current = week.ratings.get(symbol)
    months = week.desk.ratings.horizon_months
    w = words(week.lang)
    if current is not None and current.date and current.older_than(week.published, months):
        return w.dated_rating(out.rating, current.date)
    return w.rated(out.rating_action, out.rating)


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
