"""The week's review, read once from the store: every part reads it, none reads prices again.

``market_review`` turns the store's prices for the window into the Review model: each member's
move, each market's sessions, the boards' breadth, the review paragraph (with the week-over-week
words from the previous issue) and the names-to-watch lines with their current ratings. Each
step has its own function so the review reads as the list of what it is made of.
"""

from __future__ import annotations

import datetime as dt

from .. import store
from ..analysis.market import MemberMove, MemberSpec, compute_moves
from ..analysis.sources import price_sources
from ..build.week import CurrentRating, Week
from ..desk.parse import Desk
from ..errors import StoreError
from ..markets import MARKETS
from ..markets.calendars import Calendars, MarketWindow
from ..narrative.edition import Words, words
from ..narrative.series_zh import with_week_over_week
from ..report.model import (
    BoardOut,
    MarketOut,
    MemberOut,
    Review,
    SourceOut,
    WatchThemeOut,
    WindowOut,
)
from .market import week_over_week
from .names import Names


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


def _read_moves(
    week: Week, symbols: list[str]
) -> tuple[list[MemberMove], dict[str, MarketWindow], list[SourceOut]]:
    """Every symbol's move and the price sources, in one read of the store; no price: an error."""
    desk, window, path = week.desk, week.window, week.store
    with store.reader(path) as con:
        specs = [_spec(desk, s) for s in symbols]
        moves, views = compute_moves(con, week.calendars, specs, window, desk.review)
        if all(m.end_close is None for m in moves):
            span = con.execute("SELECT min(date), max(date) FROM prices").fetchall()[0]
            held = f"it holds {span[0]}..{span[1]}" if span[0] else "it holds no prices"
            raise StoreError(
                f"{path}: no prices for any of the desk's symbols in {window.start}..{window.end} "
                f"({held}); import or update prices first, or choose another week"
            )
        lookback = min(m.base_date for m in moves) - dt.timedelta(days=60)
        sources = price_sources(con, symbols, lookback, window.end)
    return moves, views, sources


def _markets_out(
    views: dict[str, MarketWindow], moves: list[MemberMove], cals: Calendars, end: dt.date
) -> dict[str, MarketOut]:
    """Each market's window, how far its data reach, and the calendar's doubtful days."""
    markets_out: dict[str, MarketOut] = {}
    for code, view in sorted(views.items()):
        last_rows = [m.last_date for m in moves if m.market == code and m.last_date]
        through = max(last_rows) if last_rows else None
        lagging = through is not None and through < view.end_date
        span = (view.base_date, max(view.end_date, end))
        markets_out[code] = MarketOut(
            base_date=view.base_date,
            end_date=view.end_date,
            sessions=list(view.sessions),
            closed=view.closed_all_window,
            data_through=through if lagging else None,
            provisional_years=sorted({d.year for d in cals.provisional_days(code, *span)}),
            inferred_closed=[d for d in cals.inferred_closures(code) if span[0] <= d <= span[1]],
        )
    return markets_out


def _boards(
    week: Week,
    outs: dict[str, MemberOut],
    by_symbol: dict[str, MemberMove],
    through_by_market: dict[str, dt.date],
) -> tuple[list[BoardOut], list[str]]:
    """Each board's members, best first, with its breadth word and its line of the paragraph."""
    w, names, year = words(week.lang), Names(week.desk, week.lang), week.window.end.year
    boards, items = [], []
    for i, board in enumerate(week.desk.boards, start=1):
        members = sorted((outs[s] for s in board.members), key=_sort_key)
        breadth = w.s.breadth_word(
            [m.change_pct for m in members if m.status not in ("suspended", "market_closed")],
            closed=all(m.status == "market_closed" for m in members),
        )
        shown = names.board(board.name)
        boards.append(BoardOut(name=shown, breadth=breadth, members=members))
        named = [w.s.NamedMove(m.name, by_symbol[m.symbol]) for m in members]
        items.append(w.s.board_item(i, shown, named, breadth, through_by_market, year=year))
    return boards, items


def _watch(week: Week, outs: dict[str, MemberOut]) -> list[WatchThemeOut]:
    """The names to watch, theme by theme, each line with the names' moves and ratings."""
    w, names = words(week.lang), Names(week.desk, week.lang)
    return [
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
        for t in week.desk.watch
    ]


def market_review(week: Week) -> Review:
    """The week's review: every watched name's move, the boards, the markets, the paragraph."""
    desk, window = week.desk, week.window
    w, names = words(week.lang), Names(week.desk, week.lang)
    symbols = desk.members() + [s for s in desk.benchmark_symbols() if s not in desk.members()]
    moves, views, sources = _read_moves(week, symbols)
    by_symbol = {m.symbol: m for m in moves}
    year = window.end.year  # a date of another year is written with its year
    outs = {s: _member_out(names, w, by_symbol[s], week.ratings.get(s), year) for s in symbols}
    for t in desk.watch:  # a name to watch shows its rating's action (维持, 上调…)
        for s in t.names:
            if outs[s].rating is not None:
                outs[s].rating_action = w.actions[week.ratings[s].action]
    markets_out = _markets_out(views, moves, week.calendars, window.end)
    through_by_market = {c: m.data_through for c, m in markets_out.items() if m.data_through}
    behind = w.s.data_through_sentence(through_by_market)
    boards, items = _boards(week, outs, by_symbol, through_by_market)
    bench = [outs[s] for s in desk.benchmark_symbols()]
    bench_sentence = w.s.benchmark_sentence(
        [w.s.NamedMove(b.name, by_symbol[b.symbol]) for b in bench]
    )
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
        watch=_watch(week, outs),
        summary_zh=summary,
        items_zh=items,
        as_of_note=note,
        calendar_note=calendar_note,
        sources=sources,
    )
    if sentence := week_over_week(week.history, review, w, names):
        review.summary_zh = with_week_over_week(summary, note, sentence)
    return review


def _watch_rating(week: Week, symbol: str, out: MemberOut) -> str | None:
    """`维持买入`; a rating older than the rating horizon is given with its date instead
    (`2023年1月5日评级买入`), never as this week's view."""
    current = week.ratings.get(symbol)
    months = week.desk.ratings.horizon_months
    w = words(week.lang)
    if current is not None and current.date and current.older_than(week.published, months):
        return w.dated_rating(out.rating, current.date)
    return w.rated(out.rating_action, out.rating)
