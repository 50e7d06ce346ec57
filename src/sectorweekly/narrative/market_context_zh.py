"""The words of the whole-market section (全市场周度复盘), in Chinese.

Every sentence is a template in ``TEMPLATES`` (an English edition adds its own table with the
same keys) filled from the analysis's numbers; a word that judges (多数上涨, 涨跌互现…) is chosen
by a threshold written here, so that no 普涨 is said when a third of the market fell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from ..analysis.market_context import MarketContext, MarketWeek, Rung
from ..analysis.market_context_prior import PriorWeek, from_store
from .zh import md, signed_pct, ymd

TEMPLATES: dict[str, str] = {
    "key_point": (
        "本周{industry_label}{change}，在{n_industries}个申万一级行业中排名第{rank}；"
        "全A上涨{up}家、下跌{down}家（{breadth}），涨停{limit_up}家，最高板为{top}"
    ),
    "key_point_no_limit": (
        "本周{industry_label}{change}，在{n_industries}个申万一级行业中排名第{rank}；"
        "全A上涨{up}家、下跌{down}家（{breadth}），无股票收于涨停"
    ),
    "wow": "；较上周，上涨家数{up_change}，涨停家数{limit_change}，最高板{height_change}（{basis}）",
    "count_up": "增加{n}家",
    "count_down": "减少{n}家",
    "count_same": "持平",
    "height_up": "由{was}连板升至{now}连板",
    "height_down": "由{was}连板降至{now}连板",
    "height_same": "持平于{now}连板",
    "prior_archive": "上周数字取自{date}发布的上期报告",
    "prior_store": "上周数字按本地数据库重算",
    "row_archive": "上周合计取自{date}发布的上期周报",
    "row_store": "上周合计按本地数据库重算",
    "row_recomputed": "（上期周报未载明的{columns}按本地数据库重算）",
    "row_unknown": "（上期周报未载明{columns}，以“—”列示）",
    "row_sep": "、",
    "lead_basis": "{basis}。",
    "industry_official": "申万{industry}指数",
    "industry_computed": "申万{industry}行业（成分股{weights}）",
    "top": "{names}（{height}连板）",
    "lead": (
        "全A共{counted}只股票计入周涨跌（另有全周停牌{suspended}只、无基期收盘{no_base}只），"
        "上涨{up}只、平盘{flat}只、下跌{down}只；周内日均成交额{amount}亿元{amount_change}。"
    ),
    "lead_limits": "周内{limit_up}只股票收于涨停{limit_up_last}，最高{height}连板{height_last}。",
    "lead_no_limits": "周内无股票收于涨停{limit_up_last}。",
    "last_week": "（上周{n}只）",
    "last_height": "（上周最高{n}连板）",
    "amount_change": "，较上周{word}{pct}",
    "weights_cap": "按总市值加权",
    "weights_equal": "等权平均",
    "weights_official": "申万官方指数收盘价",
    "weights_mixed": "部分为申万官方指数，其余由成分股计算",
    "st_note": (
        "本地数据库未载明{days}的ST名单：主板股票收于±5%限价而非±10%限价的，"
        "无法判定是否触及涨跌停，单独计数（本周共{count}家次），不计入涨停、跌停与炸板"
    ),
    "reference_note": (
        "{count}家次的涨跌幅超出当日限价且无除权除息参考价，按前收盘价计算（可能为除权除息日）"
    ),
    "index_missing_note": "“—”表示本地数据库缺少该指数基期或截至日的收盘价，未作估算",
    "listing_note": "上市日期未知的股票不区分上市首日无涨跌幅限制的交易日",
    "ladder_note": "连板按个股连续收于涨停的交易日计（停牌日不中断），回溯至{start}",
    "ladder_capped": "，标“≥”者连板起点早于回溯起点",
    "rules_note": "涨跌停价=前收盘价×(1±涨跌幅限制)四舍五入至分；涨停含一字涨停（开盘、最高、最低、收盘均为涨停价）；"
    "炸板率=炸板/(涨停+炸板)；"
    "晋级率=前一交易日涨停且当日交易的股票中再度涨停的比例",
    "promotion_row": "{n}进{m}",
    "promotion_note": (
        "基数=前一交易日收于N连板（连续N个交易日收于涨停，停牌日不中断）且当日交易的股票；"
        "晋级=其中当日再度涨停、升至N+1连板者；晋级率=晋级/基数"
    ),
    "names_note": "未载明当日简称的股票以代码列示",
    "source": "交易所行情（本地数据库，全A日线）；申万宏源研究申万2021行业分类",
}

# breadth words over the counted stocks: the share up decides
BREADTH_WORDS: tuple[tuple[float, str], ...] = (
    (0.9, "普涨"),
    (0.6, "多数上涨"),
    (0.4, "涨跌互现"),
    (0.1, "多数下跌"),
    (0.0, "普跌"),
)


def breadth(week: MarketWeek) -> str:
    """普涨 only when nine in ten rose; 普跌 when fewer than one in ten did."""
    if not week.counted:
        return "无数据"
    share = week.up / week.counted
    return next(word for floor, word in BREADTH_WORDS if share >= floor)


def weights_word(method: str) -> str:
    return TEMPLATES[f"weights_{method}"]


def name_of(symbol: str, names: dict[str, str]) -> str:
    return names.get(symbol, symbol)


def top_names(rung: Rung, names: dict[str, str], most: int = 3) -> str:
    shown = [name_of(s, names) for s in rung.symbols[:most]]
    more = f"等{len(rung.symbols)}家" if len(rung.symbols) > most else ""
    return "、".join(shown) + more


def industry_label(ctx: MarketContext) -> str:
    own = next((m for m in ctx.industries if m.name == ctx.industry), None)
    if own is not None and own.method == "official":
        return TEMPLATES["industry_official"].format(industry=ctx.industry)
    weights = "等权平均" if own is None or own.method == "equal" else "按总市值加权"
    return TEMPLATES["industry_computed"].format(industry=ctx.industry, weights=weights)


def prior_or_store(ctx: MarketContext, prior: PriorWeek | None) -> PriorWeek | None:
    """``prior``, else last week recomputed from the store (None without it)."""
    if prior is not None:
        return prior
    return None if ctx.last is None else from_store(ctx.last)


def basis(prior: PriorWeek) -> str:
    """Where last week's figures come from: the previous issue, or the store."""
    if prior.source == "archive" and prior.published is not None:
        return TEMPLATES["prior_archive"].format(date=md(prior.published))
    return TEMPLATES["prior_store"]


def _count_change(now: int, was: int) -> str:
    if now == was:
        return TEMPLATES["count_same"]
    return TEMPLATES["count_up" if now > was else "count_down"].format(n=abs(now - was))


def week_over_week(week: MarketWeek, prior: PriorWeek) -> str:
    """Breadth, limit-ups and the top board against last week, saying where last week is from."""
    now, was = week.top_height, prior.top_height
    key = "height_same" if now == was else "height_up" if now > was else "height_down"
    return TEMPLATES["wow"].format(
        up_change=_count_change(week.up, prior.up),
        limit_change=_count_change(week.limit_up_stocks, prior.limit_up_stocks),
        height_change=TEMPLATES[key].format(was=was, now=now),
        basis=basis(prior),
    )


def key_point(ctx: MarketContext, prior: PriorWeek | None = None) -> str | None:
    """The first line of 投资要点; None when the desk's industry is not a 申万 level-1 name.
    Against last week (``prior``, else the store's recomputation) when there is one."""
    ranked = [m for m in ctx.industries if m.change_pct is not None]
    rank = next((i for i, m in enumerate(ranked, 1) if m.name == ctx.industry), None)
    if rank is None:
        return None
    w = ctx.week
    fields = {
        "industry_label": industry_label(ctx),
        "change": signed_pct(round(ranked[rank - 1].change_pct or 0.0, 2)),
        "n_industries": len(ranked),
        "rank": rank,
        "up": w.up,
        "down": w.down,
        "breadth": breadth(w),
        "limit_up": w.limit_up_stocks,
    }
    last = prior_or_store(ctx, prior)
    wow = "" if last is None else week_over_week(w, last)
    if not w.ladder:
        return TEMPLATES["key_point_no_limit"].format(**fields) + wow
    top = w.ladder[0]
    height = f"≥{top.height}" if top.capped else str(top.height)
    fields["top"] = TEMPLATES["top"].format(names=top_names(top, ctx.names), height=height)
    return TEMPLATES["key_point"].format(**fields) + wow


def yi(amount: float | None) -> str:
    return "—" if amount is None else f"{amount / 1e8:,.0f}"


def lead(ctx: MarketContext, prior: PriorWeek | None = None) -> str:
    """The section's paragraph; last week from ``prior`` (else the store), and it says which."""
    w, last = ctx.week, prior_or_store(ctx, prior)
    change = ""
    if last is not None and last.daily_amount and w.daily_amount is not None:
        pct = (w.daily_amount / last.daily_amount - 1) * 100
        word = "增加" if pct > 0 else "减少" if pct < 0 else "持平"
        change = TEMPLATES["amount_change"].format(word=word, pct=f"{abs(pct):.2f}%")
    limits = TEMPLATES["lead_limits" if w.ladder else "lead_no_limits"].format(
        limit_up=w.limit_up_stocks,
        limit_up_last="" if last is None else TEMPLATES["last_week"].format(n=last.limit_up_stocks),
        height=w.top_height,
        height_last="" if last is None else TEMPLATES["last_height"].format(n=last.top_height),
    )
    return (
        TEMPLATES["lead"].format(
            counted=w.counted,
            suspended=w.suspended,
            no_base=w.no_base,
            up=w.up,
            flat=w.flat,
            down=w.down,
            amount=yi(w.daily_amount),
            amount_change=change,
        )
        + limits
        + ("" if last is None else TEMPLATES["lead_basis"].format(basis=basis(last)))
    )


def notes(ctx: MarketContext, days: Sequence[dt.date]) -> list[str]:
    """What the store did not state, and how the counts treat it."""
    out = [TEMPLATES["rules_note"]]
    ambiguous = ctx.week.total("st_ambiguous")
    if not ctx.st_known:
        span = f"{md(days[0])}至{md(days[-1])}" if days else "本周"
        out.append(TEMPLATES["st_note"].format(days=span, count=ambiguous))
    no_ref = ctx.week.total("no_reference")
    if no_ref:
        out.append(TEMPLATES["reference_note"].format(count=no_ref))
    out.append(TEMPLATES["listing_note"])
    return out


def ladder_note(ctx: MarketContext) -> str:
    text = TEMPLATES["ladder_note"].format(start=md(ctx.lookback_start))
    if any(r.capped for r in ctx.week.ladder):
        text += TEMPLATES["ladder_capped"]
    return text


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def delta(now: int, before: int | None) -> str:
    if before is None:
        return "—"
    return f"{now - before:+d}"


LIMIT_NAMES = {"limit_up": "涨停", "limit_down": "跌停", "broken": "炸板"}

# the 上周合计 row's columns in the table's order, each with the ``PriorWeek`` figures it shows
ROW_COLUMNS = {
    "平盘": ("flat",), "涨停": ("limit_up",), "一字": ("one_price",), "跌停": ("limit_down",),
    "炸板": ("broken",), "炸板率": ("limit_up", "broken"), "晋级率": ("prev_up", "promoted"),
    "成交额": ("daily_amount",),
}  # fmt: skip


def count_cell(n: int | None) -> int | str:
    return "—" if n is None else n


def row_cells(row: PriorWeek) -> list[Any]:
    """上周合计's counts and rates, up to 晋级率 (a figure the row has not: —)."""
    counts = (row.up, row.flat, row.down, row.limit_up, row.one_price, row.limit_down, row.broken)
    return [*map(count_cell, counts), rate(row.broken_rate), rate(row.promotion_rate)]


def week_cells(week: MarketWeek) -> list[Any]:
    """本周合计's counts and rates, up to 晋级率 (breadth on the weekly change, the limit counts
    summed over the days)."""
    totals = (week.total(n) for n in ("limit_up", "one_price", "limit_down", "broken"))
    return [
        week.up, week.flat, week.down, *totals,
        rate(week.broken_rate), rate(week.promotion_rate),
    ]  # fmt: skip


def row_columns(names: Sequence[str], columns: dict[str, tuple[str, ...]], sep: str) -> str:
    """The columns that show any of the figures ``names``, in the table's order."""
    return sep.join(c for c, shown in columns.items() if set(shown) & set(names))


def row_note(
    row: PriorWeek,
    words: dict[str, str] = TEMPLATES,
    columns: dict[str, tuple[str, ...]] = ROW_COLUMNS,
    day: Callable[[dt.date], str] = ymd,
) -> str:
    """Where the 上周合计 row comes from: the previous issue (its date), or the store; and
    which of its figures the issue did not hold (in either edition's ``words``)."""
    if row.source != "archive" or row.published is None:
        return words["row_store"]
    sep = words["row_sep"]
    text = words["row_archive"].format(date=day(row.published))
    if row.recomputed:
        text += words["row_recomputed"].format(columns=row_columns(row.recomputed, columns, sep))
    unknown = [n for shown in columns.values() for n in shown if getattr(row, n) is None]
    if unknown:
        text += words["row_unknown"].format(columns=row_columns(unknown, columns, sep))
    return text
