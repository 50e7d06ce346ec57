"""Build a report: store -> analysis -> narrative -> Report model (renderers come after).

This is the only place that knows the whole flow; each step below it knows only its own input.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import build_cache, calendars, store
from .analysis import observed_sessions
from .analysis.market import MemberMove, MemberSpec, Window, compute_moves
from .analysis.sources import price_sources, store_last_dates
from .calendars import latest_complete_week
from .desk import Desk
from .errors import StoreError
from .markets import MARKETS
from .narrative import zh
from .narrative.series_zh import rated
from .parts import PART_BUILDERS, BuildContext, ReportPart
from .parts.market import market_part
from .parts.notes import notes_part, week_desk
from .report.model import (
    BoardOut,
    Closing,
    FrontMatter,
    MarketOut,
    MemberOut,
    RatingRow,
    Report,
    Review,
    WatchThemeOut,
    WindowOut,
)
from .workspace import store_path


def resolve_window(
    desk: Desk, start: dt.date | None, end: dt.date | None, ctx: BuildContext
) -> Window:
    if start and end:
        return Window(start, end)
    if start or end:
        day = start or end
        assert day is not None
        monday = day - dt.timedelta(days=day.weekday())
        return Window(start or monday, end or monday + dt.timedelta(days=4))
    path = store_path(desk)
    markets = sorted({desk.instruments[s].market for s in desk.members()})
    with store.reader(path) as con:
        last = store_last_dates(con, markets)
    missing = [m for m in markets if m not in last]
    if missing:
        ctx.messages.append(f"no prices in the store for {', '.join(missing)}")
    if not last:
        raise StoreError(
            f"{path}: the store has no prices for the desk's markets; import prices "
            "(sectorweekly import prices FILE.csv) or run sectorweekly update first"
        )
    s, e = latest_complete_week(last)
    ctx.messages.append(f"window: latest complete Monday–Friday week in the store, {s}..{e}")
    return Window(s, e)


def _spec(desk: Desk, symbol: str) -> MemberSpec:
    return MemberSpec.of(symbol, desk.instruments[symbol])


def _member_out(desk: Desk, move: MemberMove) -> MemberOut:
    inst = desk.instruments[move.symbol]
    return MemberOut(
        symbol=move.symbol,
        name=inst.name,
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
        notes=zh.member_notes(move),
    )


def _sort_key(m: MemberOut) -> tuple[int, float]:
    return (m.change_pct is None, -(m.change_pct or 0.0))


def build_review(desk: Desk, window: Window, ctx: BuildContext) -> Review:
    path = store_path(desk)
    symbols = desk.members() + [s for s in desk.benchmark_symbols() if s not in desk.members()]
    markets = sorted({desk.instruments[s].market for s in symbols})
    with store.reader(path) as con:
        provisional = observed_sessions.settle(con, markets)
        moves, views = compute_moves(con, [_spec(desk, s) for s in symbols], window, desk.review)
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
    outs = {s: _member_out(desk, by_symbol[s]) for s in symbols}

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
            provisional_years=sorted({d.year for d in calendars.provisional_days(code, *span)}),
            inferred_closed=[
                d
                for d in (provisional[code].inferred_closed if code in provisional else ())
                if span[0] <= d <= span[1]
            ],
        )
        if markets_out[code].provisional_years:
            years = "、".join(str(y) for y in markets_out[code].provisional_years)
            ctx.messages.append(
                f"{code}: no holiday list for {years} yet, so its sessions are provisional "
                "(weekdays); add the year under `holidays:` in desk.yaml when the notice is out"
            )
        if markets_out[code].inferred_closed:
            days = ", ".join(str(d) for d in markets_out[code].inferred_closed)
            ctx.messages.append(
                f"{code}: no stored row for any instrument on {days}; treated as closed"
            )
        if lagging and through is not None:
            ctx.messages.append(f"{code}: the store stops at {through}, before {view.end_date}")
    through_by_market = {c: m.data_through for c, m in markets_out.items() if m.data_through}
    behind = zh.data_through_sentence(through_by_market)

    boards, items = [], []
    for i, board in enumerate(desk.boards, start=1):
        members = sorted((outs[s] for s in board.members), key=_sort_key)
        breadth = zh.breadth_word(
            [m.change_pct for m in members if m.status not in ("suspended", "market_closed")],
            closed=all(m.status == "market_closed" for m in members),
        )
        boards.append(BoardOut(name=board.name, breadth=breadth, members=members))
        named = [zh.NamedMove(m.name, by_symbol[m.symbol]) for m in members]
        items.append(zh.board_item(i, board.name, named, breadth, through_by_market))
    bench = [outs[s] for s in desk.benchmark_symbols()]
    bench_sentence = zh.benchmark_sentence(
        [zh.NamedMove(b.name, by_symbol[b.symbol]) for b in bench]
    )

    watch = [
        WatchThemeOut(
            theme=t.theme,
            members=[outs[s] for s in t.names],
            line=zh.watch_line(t.theme, [(outs[s].name, outs[s].change_pct) for s in t.names]),
        )
        for t in desk.watch
    ]
    note = zh.as_of_note(
        {c: min(v.end_date, through_by_market.get(c, v.end_date)) for c, v in views.items()},
        [outs[s].name for s in symbols if by_symbol[s].basis == "reference"],
    )
    calendar_note = zh.calendar_note(
        {c: (m.provisional_years, m.inferred_closed) for c, m in markets_out.items()}
    )
    if calendar_note:
        behind += calendar_note.removeprefix("注：") + "。"
    summary = zh.review_paragraph(window.label, items, bench_sentence, note, behind)
    return Review(
        window=WindowOut(start=window.start, end=window.end, label=window.label),
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


def _bands(bands: list) -> list[RatingRow]:
    return [RatingRow(name=b.name, name_en=b.name_en, text=b.text) for b in bands]


def closing(desk: Desk) -> Closing:
    bm = desk.ratings.benchmarks
    names = {s: desk.instruments[s].name if s in desk.instruments else s for s in bm.values()}
    bench_text = "；".join(f"{MARKETS[m].label_zh}以{names[s]}为基准" for m, s in bm.items())
    return Closing(
        analyst_statement=desk.firm.analyst_statement,
        disclaimer=desk.firm.disclaimer,
        special_statement=desk.firm.special_statement,
        copyright=desk.firm.copyright,
        company_ratings=_bands(desk.ratings.company),
        industry_ratings=_bands(desk.ratings.industry),
        benchmarks_text=(
            f"评级以报告发布日后{desk.ratings.horizon_months}个月内的相对收益为准：{bench_text}。"
        ),
        template=desk.firm.template,
    )


def build_report(
    desk: Desk,
    start: dt.date | None = None,
    end: dt.date | None = None,
    ctx: BuildContext | None = None,
) -> Report:
    ctx = ctx or BuildContext()
    window = resolve_window(desk, start, end, ctx)
    desk = week_desk(desk, window)  # the week's notes may replace names to watch and risks
    review, parts, messages = _analysed(desk, window, ctx)
    notes_ctx = BuildContext()
    notes = notes_part(desk, window, review, notes_ctx)
    ctx.headline = notes_ctx.headline or ctx.headline
    ctx.headline_hint = notes_ctx.headline_hint or ctx.headline_hint
    ctx.messages += messages[0] + notes_ctx.messages + messages[1]
    parts.insert(1 + PART_BUILDERS.index(notes_part), notes)
    ranked = [
        (b, m)
        for b in review.boards
        for m in b.members
        if m.change_pct is not None and m.status not in ("market_closed", "suspended")
    ]
    best_board, best = max(ranked, key=lambda bm: bm[1].change_pct or 0.0, default=(None, None))
    suggested = zh.suggested_headline(
        (best.name, best.change_pct or 0.0) if best else None,
        best_board.name if best_board else None,
        best_board.breadth if best_board else None,
    )
    headline = str(ctx.headline or ctx.headline_hint or suggested)
    front = FrontMatter(
        title=f"{headline}-{desk.series}",
        headline=headline,
        headline_suggested=ctx.headline is None,
        series=desk.series,
        firm=desk.firm.name,
        firm_template=desk.firm.template,
        industry=desk.industry,
        industry_rating=desk.industry_rating,
        analysts=[a.model_dump() for a in desk.analysts],
        publication_date=desk.publication_date(window.end),
        generated_at=dt.datetime.now().replace(microsecond=0),
        related=[r for p in parts for r in p.related],
        figures=[k for p in parts for k in p.front_figures],
    )
    extras: dict[str, Any] = {}
    for part in parts:
        extras.update(part.extras)
    report = Report(
        front=front,
        key_points=[k for p in parts for k in p.key_points],
        review=review,
        sections=[s for p in parts for s in p.sections],
        tables=[t for p in parts for t in p.tables],
        charts=[c for p in parts for c in p.charts],
        closing=closing(desk),
        extras=extras,
    )
    _rate_watch(report)
    report.number_figures()
    return report


def _analysed(
    desk: Desk, window: Window, ctx: BuildContext
) -> tuple[Review, list[ReportPart], tuple[list[str], list[str]]]:
    """The review and every part but the notes, from the cache when nothing they read changed.

    Returns the review, the parts in report order without the notes part, and the console
    messages said before and after the notes part. The parts read the store, the week's desk,
    the window and the series' earlier issues (``ctx.history``): all of them are in the key.
    """
    builders = [b for b in PART_BUILDERS if b is not notes_part]
    history = [(i.publication_date, i.kind, i.recorded_at, i.series) for i in ctx.history]
    key = build_cache.analysis_key(desk, window.start, window.end, builders, history)
    cached = build_cache.load(key)
    if cached is not None:
        return cached
    local = BuildContext(history=ctx.history)
    review = build_review(desk, window, local)
    before = list(local.messages)
    local.messages.clear()
    later = [b(desk, window, review, local) for b in builders]
    parts = [market_part(desk, review), *later]  # after them: a part may add to the review
    result = (review, parts, (before, list(local.messages)))
    if build_cache.analysis_key(desk, window.start, window.end, builders, history) == key:
        build_cache.save(key, result)  # not when the store changed meanwhile (e.g. seeding)
    return result


def _rate_watch(report: Report) -> None:
    """Write the names-to-watch lines last, so they carry ratings that parts set on members."""
    for theme in report.review.watch:
        theme.line = zh.watch_line_rated(
            theme.theme,
            [(m.name, m.change_pct, rated(m.rating_action, m.rating)) for m in theme.members],
        )
    for section in report.sections:
        if section.key == "watch":
            section.bullets = [w.line for w in report.review.watch]
