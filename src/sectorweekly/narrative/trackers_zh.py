"""Chinese sentences of the AI大模型跟踪 and GPU价格跟踪 sections, from tracker analysis codes."""

from __future__ import annotations

import datetime as dt

from ..analysis.trackers import GpuLevel, Point, SeriesSummary, Trend
from .zh import day_zh, md, signed_pct, ymd

TREND_WORDS = {
    "surge": "增幅显著",
    "rise": "有所提高",
    "flat": "基本持平",
    "pullback": "有所回落",
    "fall": "有所下降",
    "drop": "降幅明显",
    "no_change": "暂无环比数据",
}
STREAK_WORDS = {"climbing": "持续攀升", "sliding": "持续下滑"}
METRIC = {"visits": "访问量", "downloads": "下载量"}
CONDITION = {"new": "全新", "used": "二手"}
CURRENCY = {"USD": "美元", "CNY": "元", "HKD": "港元", "EUR": "欧元"}
SAMPLE = "示例数据"


def mmdd(day: dt.date) -> str:
    return f"{day:%m%d}"


def span_label(start: dt.date, end: dt.date) -> str:
    """``0920-1003``: how the report states a data period."""
    return f"{mmdd(start)}-{mmdd(end)}"


def is_month(p: Point | tuple[dt.date, dt.date]) -> bool:
    start, end = (p.period_start, p.period_end) if isinstance(p, Point) else p
    return start.day == 1 and (end + dt.timedelta(days=1)).day == 1 and start.month == end.month


def period_label(
    p: Point | tuple[dt.date, dt.date], with_year: bool = False, year: int | None = None
) -> str:
    """`10月`, `0927-1003`; with ``with_year`` (data older than the window) the year always,
    and a month of another year than ``year`` (the window end's) carries it too."""
    start, end = (p.period_start, p.period_end) if isinstance(p, Point) else p
    if is_month((start, end)):
        dated = with_year or (year is not None and start.year != year)
        return f"{start.year}年{start.month}月" if dated else f"{start.month}月"
    if with_year:
        return dated_span(start, end)
    return span_label(start, end)


def dated_span(start: dt.date, end: dt.date) -> str:
    """``2024年9月27日-10月3日``: a period stated with its year (data older than the window)."""
    tail = ymd(end) if end.year != start.year else md(end)
    return f"{ymd(start)}-{tail}"


def through_note(day: dt.date) -> str:
    """Said of a series whose latest data end more than a period before the window."""
    return f"数据截至{ymd(day)}，早于本报告区间，为最近可得数据"


def when_word(
    p: Point,
    current: tuple[dt.date, dt.date] | None = None,
    dated: bool = False,
    year: int | None = None,
) -> str:
    """本周 for the report's current week, N月 for a month, the span otherwise; with
    ``dated`` (data older than the window) 最近一期, the period itself following in brackets."""
    if dated:
        return "最近一期"
    if p.days == 7 and (current is None or current == (p.period_start, p.period_end)):
        return "本周"
    return period_label(p, year=year)


def fmt_value(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:,.1f}"


def trend_word(t: Trend) -> str:
    """The headline word of a series: its streak when it has one, else its latest move."""
    if t.streak is not None:
        return STREAK_WORDS[t.streak]
    return TREND_WORDS[t.code]


def unfinished_note(p: Point, dated: bool = False, year: int | None = None) -> str:
    return f"{period_label(p, dated, year)}数据为非完全统计"


def rename_note(new: str, old: str) -> str:
    return f"{new}即为原{old}"


def series_sentence(
    s: SeriesSummary,
    current: tuple[dt.date, dt.date] | None = None,
    dated: bool = False,
    year: int | None = None,
) -> str:
    """E.g. ``Claude本周访问量增幅显著（0927-1003：2,190万次，环比+23.03%）``; ``current`` is
    the latest period of the section (a series that lags it is not said to be 本周); ``dated``
    states every period with its year and never says 本周 (data older than the window); a month
    of another year than ``year`` carries its year."""
    metric = METRIC.get(s.series.category, "")
    name, unit = s.series.name, s.series.unit
    tag = f"{SAMPLE}，" if s.series.sample else ""
    if s.latest is None:
        text = f"{name}暂无已完成统计期的{metric}数据"
        if s.unfinished is None:
            return text + (f"（{SAMPLE}）" if s.series.sample else "")
        u = s.unfinished
        return f"{text}（{tag}{unfinished_note(u, dated, year)}：{fmt_value(u.value)}{unit}）"
    p, t = s.latest, s.trend
    when = when_word(p, current, dated, year)
    if t.code == "no_change":
        head = f"{name}{when}{metric}暂无环比数据"
    elif t.streak is not None:
        head = f"{name}{metric}{STREAK_WORDS[t.streak]}"
        if t.code in ("surge", "drop"):
            head += f"，{when}{TREND_WORDS[t.code]}"
    else:
        head = f"{name}{when}{metric}{TREND_WORDS[t.code]}"
    numbers = f"{period_label(p, dated, year)}：{fmt_value(p.value)}{unit}"
    if t.change is not None:
        numbers += f"，环比{signed_pct(t.change * 100)}"
    if s.unfinished is not None:
        u = s.unfinished
        numbers += f"；{unfinished_note(u, dated, year)}，{fmt_value(u.value)}{unit}"
    return f"{head}（{tag}{numbers}）"


def group_title(group: str) -> str:
    """文本-海外 -> 文本大模型（海外）; 图像 -> 图像大模型."""
    base, _, where = group.partition("-")
    return f"{base}大模型" + (f"（{where}）" if where else "")


def group_paragraph(group: str, sentences: list[str]) -> str:
    return f"{group_title(group)}：" + "；".join(sentences) + "。"


def visits_intro(label: str, unit: str, sample: bool, through: dt.date | None = None) -> str:
    """The visits paragraph's opening; ``through`` set when the data end before the window."""
    if through is not None:
        text = f"网站访问量（周度，单位：{unit}），数据区间{label}，{through_note(through)}"
    else:
        text = f"网站访问量（周度，单位：{unit}），数据区间{label}，本周与上周对比如下"
    return text + (f"（{SAMPLE}）" if sample else "") + "。"


def downloads_intro(
    first: Point | tuple,
    last: Point | tuple,
    unit: str,
    sample: bool,
    through: dt.date | None = None,
) -> str:
    text = (
        f"国内主要大模型应用月度下载量（单位：{unit}），数据区间"
        f"{period_label(first, True)}至{period_label(last, True)}"
    )
    if through is not None:
        text += f"，{through_note(through)}"
    return text + (f"（{SAMPLE}）" if sample else "") + "："


def currency_word(code: str) -> str:
    return CURRENCY.get(code, code)


def gpu_clause(level: GpuLevel, dated: bool = False, year: int | None = None) -> str:
    if dated or year is None:
        day = ymd(level.date) if dated else md(level.date)
    else:
        day = day_zh(level.date, year)
    text = (
        f"{CONDITION.get(level.condition, level.condition)}卡{day}报价"
        f"{level.price:,.0f}{currency_word(level.currency)}"
    )
    if level.change is None:
        return text + f"（{level.weeks}周前无报价，无法计算变化）"
    return text + f"，较{level.weeks}周前{signed_pct(level.change * 100)}"


def gpu_sentence(
    model: str, levels: list[GpuLevel], through: dt.date | None = None, year: int | None = None
) -> str:
    """E.g. ``H100全新卡10月7日报价28,900美元，较4周前-1.20%；二手卡…``; with ``through``
    (prices older than the window) every date carries its year and the sentence says so, and
    a date of another year than ``year`` (the window end's) carries it anyway."""
    order = {"new": 0, "used": 1}
    ranked = sorted(levels, key=lambda lv: order.get(lv.condition, 2))
    text = model + "；".join(gpu_clause(lv, through is not None, year) for lv in ranked)
    notes = ([through_note(through)] if through is not None else []) + (
        [SAMPLE] if any(lv.sample for lv in levels) else []
    )
    return text + (f"（{'；'.join(notes)}）" if notes else "") + "。"


def sample_note() -> str:
    return f"{SAMPLE}：数值为演示用虚构数据，并非真实统计，请以贵机构数据源替换"


# --- the part's own labels (``trackers_en`` has the same names) ---
PARTIAL = "（非完全统计）"
LIST = "、"
AI_TITLE = "AI大模型跟踪"
GPU_TITLE = "GPU价格跟踪"
DOWNLOADS_TITLE = "国内主要大模型应用月度下载量"


def sentences(items: list[str]) -> str:
    return "；".join(items) + "。"


def others_paragraph(items: list[str]) -> str:
    return "其他跟踪指标：" + sentences(items)


def notes_paragraph(notes: list[str]) -> str:
    return "注：" + sentences(notes)


def visits_chart_title(group: str) -> str:
    return f"网站周访问量：{group_title(group)}"


def chart_span_note(label: str, spans: list[str], through: dt.date | None) -> str:
    return f"数据区间{label}（{LIST.join(spans)}）" + (
        f"；{through_note(through)}" if through else ""
    )


def downloads_span_note(first: tuple, last: tuple, through: dt.date | None) -> str:
    text = f"数据区间{period_label(first, True)}至{period_label(last, True)}"
    return text + (f"；{through_note(through)}" if through else "")


def gpu_chart_title(model: str) -> str:
    return f"{model}价格走势（全新/二手）"


def gpu_chart_note(first: dt.date, last: dt.date, through: dt.date | None) -> str:
    text = f"数据区间{first:%Y-%m-%d}至{last:%Y-%m-%d}；蓝线为全新，红线为二手"
    return text + (f"；{through_note(through)}" if through else "")
