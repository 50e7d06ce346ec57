"""全市场周度复盘: the week in its market, before the watchlist (本周行情回顾).

Reads the whole A-share market from the store (``analysis.market_context``) and contributes the
section's tables, four charts (industry ranking, distribution, daily limit counts, the ladder),
the first line of 投资要点 and ``report.json``'s ``market_context`` (``market_context_json``).
Last week's words, its 上周合计 row and the chart's last-week cell come from the previous issue
in the series archive when it holds last week, else from the store, and say which. A store
without the market contributes nothing (the build's command line says how to add the market).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from .. import store
from ..analysis.market_context import BUCKETS, MarketContext, MarketWeek, market_context
from ..analysis.market_context_prior import PriorWeek, prior_week, with_store
from ..analysis.market_indices import IndexMove, index_moves
from ..build.week import Week
from ..narrative import market_context_zh as mz
from ..narrative.zh import md, signed_pct
from ..report.model import ORDER_MARKET_CONTEXT, Chart, Paragraph, Review, Section, Table
from ..store.market import has_market
from .base import ReportPart
from .market_context_indices import index_message, index_table, missing_indices
from .market_context_json import extras, week_extras
from .market_coverage import market_gap

SOURCE = mz.TEMPLATES["source"]


def _stock(symbol: str, ctx: MarketContext) -> str:
    name = mz.name_of(symbol, ctx.names)
    return name if name == symbol else f"{name}（{symbol}）"


def daily_table(ctx: MarketContext, row: PriorWeek | None) -> Table:
    """The week's sessions, its totals and last week's (``row``: the previous issue's or the
    store's, as the note says)."""
    rows: list[list[Any]] = []
    for d in ctx.week.days:
        rows.append(
            [
                md(d.date),
                d.up,
                d.flat,
                d.down,
                d.limit_up,
                d.one_price,
                d.limit_down,
                d.broken,
                mz.rate(d.broken_rate),
                mz.rate(d.promotion_rate),
                mz.yi(d.amount),
            ]
        )
    w = ctx.week
    rows.append(["本周合计", *mz.week_cells(w), f"日均{mz.yi(w.daily_amount)}"])
    if row is not None:
        rows.append(["上周合计", *mz.row_cells(row), f"日均{mz.yi(row.daily_amount)}"])
    return Table(
        key="mc_daily",
        title="全A每日涨跌家数与涨跌停统计",
        unit="家；成交额：亿元",
        columns=[
            "日期",
            "上涨",
            "平盘",
            "下跌",
            "涨停",
            "一字",
            "跌停",
            "炸板",
            "炸板率",
            "晋级率",
            "成交额",
        ],
        rows=rows,
        source=SOURCE,
        notes=[
            "合计行的涨跌家数按周涨跌幅计，涨跌停等按家次累计",
            *([mz.row_note(row)] if row is not None else []),
            *mz.notes(ctx, list(ctx.week.view.sessions)),
        ],
    )


def promotion_table(ctx: MarketContext) -> Table:
    """晋级率 per board height, the week's last session beside the whole week."""
    w = ctx.week
    week, last = w.by_height(), w.by_height(last_only=True)

    def cells(bp: tuple[int, int] | None) -> list[Any]:
        if bp is None:
            return [0, 0, "—"]
        return [bp[0], bp[1], mz.rate(bp[1] / bp[0] * 100 if bp[0] else None)]

    rows: list[list[Any]] = [
        [mz.TEMPLATES["promotion_row"].format(n=n, m=n + 1), *cells(last.get(n)), *cells(bp)]
        for n, bp in week.items()
    ]
    total = (w.days[-1].prev_up, w.days[-1].promoted) if w.days else None
    rows.append(["合计", *cells(total), *cells((w.total("prev_up"), w.total("promoted")))])
    day = md(w.view.end_date)
    return Table(
        key="mc_promotion",
        title="连板晋级率（按连板高度）",
        unit="家；%",
        columns=[
            "连板高度",
            *(f"{p}{c}" for p in (day, "本周") for c in ("基数", "晋级", "晋级率")),
        ],
        rows=rows,
        source=SOURCE,
        notes=[mz.TEMPLATES["promotion_note"]],
    )


def industry_table(ctx: MarketContext) -> Table:
    rows: list[list[Any]] = [
        [m.name, signed_pct(None if m.change_pct is None else round(m.change_pct, 2)), m.stocks]
        for m in ctx.sub_industries
    ]
    best, worst = ctx.best, ctx.worst
    for i in range(max(len(best), len(worst))):
        rows.append(
            [
                f"前{i + 1}/后{i + 1}",
                " / ".join(
                    f"{_stock(s, ctx)} {signed_pct(round(c, 2))}"
                    for s, c in (best[i : i + 1] + worst[i : i + 1])
                ),
                "",
            ]
        )
    return Table(
        key="mc_industry",
        title=f"申万{ctx.industry}二级行业及个股周涨跌幅",
        unit="%",
        columns=["二级行业 / 排名", "周涨跌幅（前五 / 后五）", "成分股数"],
        rows=rows,
        source=SOURCE,
        notes=[f"行业涨跌幅：{mz.weights_word(ctx.method)}", mz.TEMPLATES["names_note"]],
    )


def places_table(ctx: MarketContext, review: Review) -> Table:
    members = {m.symbol: m for b in review.boards for m in b.members}
    members.update({m.symbol: m for t in review.watch for m in t.members})
    rows = []
    for sym, (market, industry) in ctx.places.items():
        m = members.get(sym)
        change = ctx.week.changes.get(sym)
        rows.append(
            [
                m.name if m else sym,
                sym,
                signed_pct(None if change is None else round(change, 2)),
                mz.rate(market),
                mz.rate(industry),
            ]
        )
    return Table(
        key="mc_places",
        title="关注标的在全市场与所属行业中的位置",
        unit="%",
        columns=["公司", "代码", "周涨跌幅", "全A分位", "申万一级行业内分位"],
        rows=rows,
        source=SOURCE,
        notes=["分位=周涨跌幅不高于该股的股票占比；100%为最高"],
    )


def last_week_cell(row: PriorWeek | None) -> dict[str, int] | None:
    """The daily limit chart's last-week bars (the 上周合计 row's); None without a row or when
    it lacks one of them (no bar is drawn for a figure nobody has)."""
    if row is None:
        return None
    cell = {name: getattr(row, name) for name in mz.LIMIT_NAMES}
    return None if None in cell.values() else cell


LIMIT_COLORS = {"limit_up": "#c62828", "limit_down": "#2e7d32", "broken": "#f39c12"}


def limit_chart_data(
    w: MarketWeek,
    row: PriorWeek | None,
    day: Callable[[dt.date], str],
    labels: tuple[str, str],
    names: dict[str, str],
) -> tuple[dict[str, Any], bool]:
    """The daily limit chart's bars in either edition's words (``labels``: this week, last
    week; ``names``: each count's), and whether it has last week's (the 上周合计 row's)."""
    cell = last_week_cell(row)
    cats = [day(d.date) for d in w.days] + [labels[0]] + ([labels[1]] if cell else [])
    series = [
        {
            "name": names[name],
            "values": [getattr(d, name) for d in w.days] + [w.total(name)]
            + ([cell[name]] if cell else []),
            "color": color,
        }
        for name, color in LIMIT_COLORS.items()
    ]  # fmt: skip
    return {"categories": cats, "series": series}, cell is not None


def charts(ctx: MarketContext, row: PriorWeek | None) -> list[Chart]:
    w, last = ctx.week, ctx.last
    ranked = [m for m in ctx.industries if m.change_pct is not None]
    ranking = Chart(
        key="mc_industry_rank",
        title="申万一级行业周涨跌幅排名",
        unit="%",
        kind="hbar",
        data={
            "categories": [m.name for m in ranked],
            "values": [round(m.change_pct or 0.0, 2) for m in ranked],
            "highlight": ctx.industry,
        },
        source=SOURCE,
        notes=[f"行业涨跌幅：{mz.weights_word(ctx.method)}；橙色为本报告所属行业"],
    )
    histogram = Chart(
        key="mc_distribution",
        title="全A个股周涨跌幅分布",
        unit="家",
        kind="bar",
        data={
            "categories": list(BUCKETS),
            "series": [{"name": "本周", "values": w.buckets}]
            + ([{"name": "上周", "values": last.buckets, "color": "#9aa5b1"}] if last else []),
        },
        source=SOURCE,
        notes=[f"本周计入{w.counted}只（全周停牌{w.suspended}只、无基期收盘{w.no_base}只不计）"],
    )
    data, has_last = limit_chart_data(w, row, md, ("本周", "上周"), mz.LIMIT_NAMES)
    limits = Chart(
        key="mc_limits",
        title="全A每日涨停、跌停与炸板家数",
        unit="家",
        kind="bar",
        data=data,
        source=SOURCE,
        notes=["本周、上周为各交易日家次之和", *([mz.row_note(row)] if has_last else [])],
    )
    rungs = w.ladder[:10]
    ladder = Chart(
        key="mc_ladder",
        title=f"连板天梯（{md(w.view.end_date)}）",
        unit="家",
        kind="hbar",
        data={
            "categories": [f"{'≥' if r.capped else ''}{r.height}连板" for r in rungs],
            "values": [len(r.symbols) for r in rungs],
            "labels": [mz.top_names(r, ctx.names, most=4) for r in rungs],
            "color": "#c62828",
            "label_room": 1.4,
        },
        source=SOURCE,
        notes=[mz.ladder_note(ctx), mz.TEMPLATES["names_note"]],
    )
    return [ranking, histogram, limits, ladder]


def last_week(week: Week, ctx: MarketContext) -> PriorWeek | None:
    """Last week from the previous issue in the series archive when it covers it, else the
    store's recomputation (``ctx.last``)."""
    start, end = week.window.start, week.window.end
    shift = dt.timedelta(days=7)
    last_end = week.calendars.market_window("CN_A", start - shift, end - shift).end_date
    archived = [(r.front.publication_date, r.extras) for r in week.history]
    return prior_week(archived, ctx.last, last_end)


def read_context(week: Week) -> MarketContext | None:
    """The week in its market, read once for either edition; None without a whole market."""
    with store.reader(week.store) as con:
        if not has_market(con):
            return None
        members = [
            s
            for s in week.desk.members()
            if week.desk.instruments[s].market == "CN_A"
            and week.desk.instruments[s].kind == "stock"
        ]
        return market_context(
            con, week.calendars, week.window.start, week.window.end, week.desk.industry, members
        )


def read_indices(week: Week) -> list[IndexMove]:
    """The main indices and the desk's other benchmarks (``analysis.market_indices``)."""
    desk = week.desk
    listed = {s: desk.instruments[s].name for s in desk.instruments}
    stocks = {s for s, i in desk.instruments.items() if i.kind == "stock"}
    shown = {s: listed[s] for s in desk.benchmark_symbols() if s in listed}
    shown |= {s: listed[s] for s in listed if s not in stocks}
    with store.reader(week.store) as con:
        return index_moves(con, week.calendars, week.window.start, week.window.end, shown, stocks)


def market_context_part(week: Week, review: Review) -> ReportPart:
    """全市场周度复盘; nothing when the store has no whole market or it ends before the week."""
    gap = market_gap(week)
    if gap is not None:
        return ReportPart(messages=[gap])
    ctx = read_context(week)
    if ctx is None:
        return ReportPart()
    indices = read_indices(week)
    if not ctx.week.view.sessions:
        return ReportPart(messages=["CN_A: no session in the window; no 全市场周度复盘"])
    known = any(m.name == ctx.industry for m in ctx.industries)
    prior = last_week(week, ctx)
    row = with_store(prior, ctx.last)
    tables = [
        index_table(indices, review),
        daily_table(ctx, row),
        promotion_table(ctx),
        places_table(ctx, review),
    ]
    figures = charts(ctx, row)
    order = ["mc_indices", "mc_daily", "mc_limits", "mc_ladder", "mc_promotion",
             "mc_distribution", "mc_industry_rank", "mc_places"]  # fmt: skip
    messages = []
    missing = missing_indices(indices, review)
    if missing:
        messages.append(index_message(missing))
    if known:
        tables.insert(3, industry_table(ctx))
        order.insert(7, "mc_industry")
    else:
        names = "、".join(m.name for m in ctx.industries)
        messages.append(
            f"industry {ctx.industry!r} in desk.yaml is not a 申万 level-1 industry, so 全市场周度复盘 "
            f"has no industry table and no first key point; use one of: {names}"
        )
    section = Section(
        key="market_context",
        title="全市场周度复盘",
        order=ORDER_MARKET_CONTEXT,
        paragraphs=[Paragraph(text=mz.lead(ctx, prior))],
        figures=order,
    )
    point = mz.key_point(ctx, prior)
    extra = week_extras(extras(ctx), indices, prior, row)
    return ReportPart(
        sections=[section],
        tables=tables,
        charts=figures,
        key_points=[point] if point else [],
        extras=extra,
        messages=messages,
    )
