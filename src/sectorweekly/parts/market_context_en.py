"""The whole-market section in the English edition: the Chinese part's numbers, English words.

Reads the market once (``market_context.read_context``) and builds the same tables, charts,
first key point and ``report.json`` extras as ``parts/market_context.py`` (last week's row from
the previous issue or the store alike); only headers, titles, sentences, units (RMB bn for 亿元)
and dates change. 申万 names without English are listed on the console and shown in Chinese.
"""

from __future__ import annotations

from typing import Any

from ..analysis.market_context import BUCKETS, MarketContext
from ..analysis.market_context_prior import PriorWeek, with_store
from ..analysis.market_indices import IndexMove
from ..build.week import Week
from ..narrative import market_context_en as me
from ..narrative import market_context_zh as mz
from ..narrative.en import MARKET_LABEL, md, signed_pct
from ..report.model import ORDER_MARKET_CONTEXT, Chart, Paragraph, Review, Section, Table
from .base import ReportPart
from .market_context import last_week, limit_chart_data, read_context, read_indices
from .market_context_indices import missing_indices
from .market_context_json import extras, week_extras
from .market_coverage import market_gap

SOURCE = me.TEMPLATES["source"]


def _pct(value: float | None) -> str:
    return signed_pct(None if value is None else round(value, 2))


def daily_table(ctx: MarketContext, row: PriorWeek | None) -> Table:
    rows: list[list[Any]] = [
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
            me.bn(d.amount),
        ]
        for d in ctx.week.days
    ]
    w = ctx.week
    rows.append(["This week", *mz.week_cells(w), f"{me.bn(w.daily_amount)}/day"])
    if row is not None:
        rows.append(["Last week", *mz.row_cells(row), f"{me.bn(row.daily_amount)}/day"])
    return Table(
        key="mc_daily",
        title="All A-shares: daily advancers, decliners and limit counts",
        unit="stocks; turnover: RMB bn",
        columns=[
            "Date",
            "Up",
            "Flat",
            "Down",
            "Limit-up",
            "One-price",
            "Limit-down",
            "Failed limit-up",
            "Failed-limit-up rate",
            "Promotion rate",
            "Turnover",
        ],
        rows=rows,
        source=SOURCE,
        notes=[
            "Week rows count advancers and decliners by the weekly change and limits by stock-days",
            *([me.row_note(row)] if row is not None else []),
            *me.notes(ctx, list(ctx.week.view.sessions)),
        ],
    )


def index_table(moves: list[IndexMove], review: Review) -> Table:
    """The Chinese edition's main indices (a desk benchmark's figure as Figure 1 has it)."""
    reviewed = {b.symbol: b for b in review.benchmarks}
    rows = []
    for m in moves:
        b = reviewed.get(m.symbol)
        change, end = (b.change_pct, b.end_date) if b else (m.change_pct, m.end_date)
        label = MARKET_LABEL.get(m.market, m.market)
        rows.append(
            [
                b.name if b else m.name_en,
                label,
                signed_pct(change),
                md(end) if change is not None else "—",
            ]
        )
    notes = ["Each index's weekly change follows its own exchange's trading calendar"]
    if missing_indices(moves, review):
        notes.append("“—”: the local store holds no close of the index on the base or last session")
    return Table(
        key="mc_indices",
        title="Major indices: weekly change",
        unit="%",
        columns=["Index", "Market", "Weekly change", "As of"],
        rows=rows,
        source="Exchange prices (local store)",
        notes=notes,
    )


def industry_table(ctx: MarketContext, missing: list[str]) -> Table:
    rows: list[list[Any]] = [
        [me.industry_en(m.name, missing), _pct(m.change_pct), m.stocks] for m in ctx.sub_industries
    ]
    best, worst = ctx.best, ctx.worst
    for i in range(max(len(best), len(worst))):
        pair = best[i : i + 1] + worst[i : i + 1]
        rows.append(
            [
                f"Top {i + 1} / bottom {i + 1}",
                " / ".join(f"{s} {signed_pct(round(c, 2))}" for s, c in pair),
                "",
            ]
        )
    industry = me.industry_en(ctx.industry, missing)
    return Table(
        key="mc_industry",
        title=f"SW {industry}: level-2 industries and stocks, weekly change",
        unit="%",
        columns=["Level-2 industry / rank", "Weekly change (top 5 / bottom 5)", "Stocks"],
        rows=rows,
        source=SOURCE,
        notes=[f"Industry change: {me.weights_word(ctx.method)}", me.TEMPLATES["names_note"]],
    )


def places_table(ctx: MarketContext, review: Review) -> Table:
    members = {m.symbol: m for b in review.boards for m in b.members}
    members.update({m.symbol: m for t in review.watch for m in t.members})
    rows = [
        [
            members[s].name if s in members else s,
            s,
            _pct(ctx.week.changes.get(s)),
            mz.rate(market),
            mz.rate(industry),
        ]
        for s, (market, industry) in ctx.places.items()
    ]
    return Table(
        key="mc_places",
        title="The watchlist in the whole market and in its industry",
        unit="%",
        columns=[
            "Company",
            "Code",
            "Weekly change",
            "A-share percentile",
            "SW level-1 percentile",
        ],
        rows=rows,
        source=SOURCE,
        notes=["Percentile = share of stocks whose weekly change is no higher; 100% is the top"],
    )


def charts(ctx: MarketContext, missing: list[str], row: PriorWeek | None) -> list[Chart]:
    w, last = ctx.week, ctx.last
    ranked = [m for m in ctx.industries if m.change_pct is not None]
    ranking = Chart(
        key="mc_industry_rank",
        title="SW level-1 industries ranked by weekly change",
        unit="%",
        kind="hbar",
        data={
            "categories": [me.industry_en(m.name, missing) for m in ranked],
            "values": [round(m.change_pct or 0.0, 2) for m in ranked],
            "highlight": me.industry_en(ctx.industry, missing),
        },
        source=SOURCE,
        notes=[
            f"Industry change: {me.weights_word(ctx.method)}; orange marks this report's industry"
        ],
    )
    histogram = Chart(
        key="mc_distribution",
        title="All A-shares: distribution of weekly changes",
        unit="stocks",
        kind="bar",
        data={
            "categories": list(BUCKETS),
            "series": [{"name": "This week", "values": w.buckets}]
            + ([{"name": "Last week", "values": last.buckets, "color": "#9aa5b1"}] if last else []),
        },
        source=SOURCE,
        notes=[
            f"{w.counted:,} stocks counted ({w.suspended} suspended all week and {w.no_base} "
            "without a base close left out)"
        ],
    )
    data, has_last = limit_chart_data(w, row, md, ("This week", "Last week"), me.LIMIT_NAMES)
    limits = Chart(
        key="mc_limits",
        title="All A-shares: daily limit-ups, limit-downs and failed limit-ups",
        unit="stocks",
        kind="bar",
        data=data,
        source=SOURCE,
        notes=[
            "This week and last week sum the sessions' stock-days",
            *([me.row_note(row)] if has_last else []),
        ],
    )
    rungs = w.ladder[:10]
    ladder = Chart(
        key="mc_ladder",
        title=f"Streak ladder ({md(w.view.end_date)})",
        unit="stocks",
        kind="hbar",
        data={
            "categories": [f"{'≥' if r.capped else ''}{r.height} in a row" for r in rungs],
            "values": [len(r.symbols) for r in rungs],
            "labels": [me.top_names(r, most=4) for r in rungs],
            "color": "#c62828",
            "label_room": 1.4,
        },
        source=SOURCE,
        notes=[me.ladder_note(ctx), me.TEMPLATES["names_note"]],
    )
    return [ranking, histogram, limits, ladder]


def promotion_table(ctx: MarketContext) -> Table:
    """The Chinese edition's 晋级率 per board height, in English labels (the same numbers)."""
    w = ctx.week
    week, last = w.by_height(), w.by_height(last_only=True)

    def cells(bp: tuple[int, int] | None) -> list[Any]:
        b, p = bp or (0, 0)
        return [b, p, mz.rate(p / b * 100 if b else None)]

    rows = [[f"{n} → {n + 1}", *cells(last.get(n)), *cells(bp)] for n, bp in week.items()]
    total = (w.days[-1].prev_up, w.days[-1].promoted) if w.days else None
    rows.append(["Total", *cells(total), *cells((w.total("prev_up"), w.total("promoted")))])
    day = md(w.view.end_date)
    return Table(
        key="mc_promotion",
        title="Limit-up streaks carried on, by streak length",
        unit="stocks; %",
        columns=["Streak", *(f"{p} {c}" for p in (day, "Week") for c in ("base", "on", "rate"))],
        rows=rows,
        source=me.TEMPLATES["source"],
        notes=[
            "Base: stocks whose previous session ended an N-day limit-up streak (a suspension "
            "does not end one); on: those closing limit-up again (N + 1); rate = on / base"
        ],
    )


def _english_extras(
    ctx: MarketContext, missing: list[str], more: tuple[Any, Any, Any]
) -> dict[str, Any]:
    """The Chinese edition's extras, each industry named in English (its 申万 name kept)."""
    out = week_extras(extras(ctx), *more)
    for m in out["market_context"]["indices"]:
        m["name_zh"], m["name"] = m["name"], m.pop("name_en")
    for key in ("industries", "sub_industries"):
        for m in out["market_context"][key]:
            m["name_zh"] = m["name"]
            m["name"] = me.industry_en(m["name"], missing)
    return out


def english_market_context_part(week: Week, review: Review) -> ReportPart:
    """The whole-market section in English; nothing when the store has no whole market."""
    gap = market_gap(week)
    if gap is not None:
        return ReportPart(messages=[gap])
    ctx = read_context(week)
    if ctx is None:
        return ReportPart()
    if not ctx.week.view.sessions:
        return ReportPart(messages=["CN_A: no session in the window; no whole-market section"])
    missing: list[str] = []
    indices = read_indices(week)
    prior = last_week(week, ctx)
    row = with_store(prior, ctx.last)
    tables = [
        index_table(indices, review),
        daily_table(ctx, row),
        promotion_table(ctx),
        places_table(ctx, review),
    ]
    order = ["mc_indices", "mc_daily", "mc_limits", "mc_ladder", "mc_promotion", "mc_distribution",
             "mc_industry_rank", "mc_places"]  # fmt: skip
    messages = []
    if any(m.name == ctx.industry for m in ctx.industries):
        tables.insert(3, industry_table(ctx, missing))
        order.insert(7, "mc_industry")
    else:
        messages.append(
            f"industry {ctx.industry!r} in desk.yaml is not a 申万 level-1 industry, so the "
            "English whole-market section has no industry table and no first key point"
        )
    figures = charts(ctx, missing, row)
    point = me.key_point(ctx, missing)
    section = Section(
        key="market_context",
        title="The week in the whole A-share market",
        order=ORDER_MARKET_CONTEXT,
        paragraphs=[Paragraph(text=me.lead(ctx, prior))],
        figures=order,
    )
    if missing:
        messages.append(
            f"{len(missing)} 申万 industry names have no English in sw2021_en.csv and are shown "
            f"in Chinese: {'、'.join(missing)}"
        )
    return ReportPart(
        sections=[section],
        tables=tables,
        charts=figures,
        key_points=[point] if point else [],
        extras=_english_extras(ctx, missing, (indices, prior, row)),
        messages=messages,
    )
