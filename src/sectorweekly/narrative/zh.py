"""Chinese sentences of the report, from analysis results (no numbers are computed here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..analysis.market import LimitRun, MemberMove
from ..markets import MARKETS

BREADTH_ALL_UP = "普涨"
BREADTH_ALL_DOWN = "普跌"
BREADTH_MIXED = "涨跌互现"
BREADTH_FLAT = "持平"  # every member unchanged
BREADTH_UP_OR_FLAT = "上涨或持平"  # some up, the rest unchanged, none down
BREADTH_DOWN_OR_FLAT = "下跌或持平"
BREADTH_CLOSED = "休市"  # every member's market was closed all window
BREADTH_NONE = "无数据"
NUMERALS = "一二三四五六七八九十"


def md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def ymd(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def day_zh(day: dt.date, year: int) -> str:
    """`6月30日`, or `2025年6月30日` when the day is not of ``year`` (the year of the report
    window's end): in a week across New Year a date of the year before never reads as this
    year's."""
    return md(day) if day.year == year else ymd(day)


def signed_pct(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:+.2f}%" if value != 0 else "0.00%"


def breadth_word(changes: Sequence[float | None], *, closed: bool = False) -> str:
    """普涨 / 普跌 / 涨跌互现 only for what moved: a board whose markets were all closed is 休市,
    one where nothing moved is 持平, and 涨跌互现 needs both a rise and a fall."""
    if closed:
        return BREADTH_CLOSED
    known = [c for c in changes if c is not None]
    if not known:
        return BREADTH_NONE
    ups, downs = any(c > 0 for c in known), any(c < 0 for c in known)
    if ups and downs:
        return BREADTH_MIXED
    if all(c > 0 for c in known):
        return BREADTH_ALL_UP
    if all(c < 0 for c in known):
        return BREADTH_ALL_DOWN
    if ups:
        return BREADTH_UP_OR_FLAT
    if downs:
        return BREADTH_DOWN_OR_FLAT
    return BREADTH_FLAT


def name_with_change(name: str, change: float | None, *, closed: bool = False) -> str:
    """`寒武纪+1.23%`, `沪深300 +1.23%`, `沪深300持平`: a number is never glued to a name that
    ends in digits, and an unchanged price reads 持平 rather than 0.00%."""
    if closed:
        return f"{name}休市"
    if change is None:
        return f"{name}（涨跌幅缺失）"
    if change == 0:
        return f"{name}持平"
    gap = " " if name[-1:].isdigit() else ""
    return f"{name}{gap}{signed_pct(change)}"


def streak_phrase(streak: int, touch_only: bool) -> str | None:
    if streak <= 0:
        return None
    if touch_only:
        return "盘中触及涨停" if streak == 1 else f"触及涨停走出{streak}连板"
    return "涨停" if streak == 1 else f"{streak}连板"


def run_phrase(run: LimitRun, year: int) -> str:
    end = day_zh(run.end_date, year)
    if run.touch_only:
        return f"{end}盘中触及涨停"
    if run.sessions == 1:
        return f"{end}涨停"
    return f"{day_zh(run.start_date, year)}至{end}{run.sessions}连板"


def member_notes(move: MemberMove, year: int) -> list[str]:
    """Short phrases about one member's week, in the order a reader wants them; dates carry
    their year when it is not ``year``, the window end's."""
    notes: list[str] = []
    if move.market_closed:
        notes.append(f"本周{MARKETS[move.market].label_zh}休市")
    elif move.suspended:  # a market closed all window is 休市, whatever its last row says
        notes.append(f"停牌（最新收盘价{move.end_close:.2f}）")
    if move.data_behind and move.last_date is not None:
        missing = "，本周无行情" if move.change_pct is None and not move.no_base else ""
        notes.append(f"数据截至{day_zh(move.last_date, year)}{missing}")
    for day in move.ex_dates:
        notes.append(f"{day_zh(day, year)}除权除息，涨跌幅按交易所除权参考价连乘计算")
    if move.reference_missing is not None:
        notes.append(
            f"{day_zh(move.reference_missing, year)}价格变动超出涨跌停限制，疑为除权除息日而库中缺少"
            "除权参考价，涨跌幅暂不计算"
        )
    if (
        move.base_row_date is not None
        and move.base_row_date < move.base_date
        and not move.suspended
        and move.change_pct is not None
    ):
        notes.append(f"基期收盘价取自{day_zh(move.base_row_date, year)}")
    if move.end_close is None:
        notes.append("本地数据库无此标的行情")
    elif move.no_base:
        notes.append("无基期收盘价，涨跌幅缺失")
    notes.extend(run_phrase(r, year) for r in move.window_runs)
    streak = streak_phrase(move.limit_up_streak, move.limit_touch_only)
    if streak:
        notes.append(streak)
    if move.reversal:
        notes.append("冲高回落")
    if move.big_drop:
        notes.append("出现大幅回调")
    return notes


@dataclass(frozen=True)
class NamedMove:
    name: str
    move: MemberMove


def board_item(
    index: int,
    board_name: str,
    members: Sequence[NamedMove],
    breadth: str,
    market_through: Mapping[str, dt.date] | None = None,
    *,
    year: int,
) -> str:
    """`（1）<board>板块：<breadth>，<name>+x%，…。其中，<events>。`

    A member whose data stops where its whole market's does is not noted one by one: the
    paragraph says it once per market (data_through_sentence).
    """
    market_through = market_through or {}
    parts = []
    for m in members:
        if m.move.suspended and not m.move.market_closed:
            parts.append(f"{m.name}停牌")
        else:
            parts.append(name_with_change(m.name, m.move.change_pct, closed=m.move.market_closed))
    text = f"（{index}）{board_name}板块：{breadth}，" + "，".join(parts) + "。"
    events = []
    for m in members:
        notes = [
            n
            for n in member_notes(m.move, year)
            if not n.startswith("停牌") and not (n.startswith("本周") and n.endswith("休市"))
        ]
        if m.move.last_date is not None and m.move.last_date == market_through.get(m.move.market):
            notes = [n for n in notes if not n.startswith("数据截至")]
        if notes:
            events.append(m.name + "，".join(notes))
    if events:
        text += "其中，" + "；".join(events) + "。"
    return text


def review_table_lead(n_boards: int) -> str:
    """The line above 图表1 in the body; the paragraph itself sits in 投资要点."""
    return (
        f"本周跟踪标的按{n_boards}个板块及建议关注主题列示如下，"
        "板块内按周涨跌幅由高到低排序，市值与涨跌幅均按各交易所本地交易日计算。"
    )


def benchmark_sentence(benchmarks: Sequence[NamedMove]) -> str:
    if not benchmarks:
        return ""
    parts = [
        name_with_change(b.name, b.move.change_pct, closed=b.move.market_closed) for b in benchmarks
    ]
    return "同期" + "，".join(parts) + "。"


def as_of_note(end_dates: dict[str, dt.date], ex_rights: Sequence[str] = ()) -> str:
    """`注：以上市值、涨跌幅信息截至各地时间…`, naming markets whose last session differs, and
    the basis of the changes when a member went ex-rights in the window."""
    if not end_dates:
        return ""
    latest = max(end_dates.values())
    others = [
        f"{MARKETS[m].label_zh}为{ymd(d)}" for m, d in sorted(end_dates.items()) if d != latest
    ]
    note = f"注：以上市值、涨跌幅信息截至各地时间{ymd(latest)}"
    if others:
        note += "（" + "，".join(others) + "）"
    if ex_rights:
        note += (
            f"；{'、'.join(ex_rights)}本周除权除息，其涨跌幅以除权除息日的交易所参考前收盘价"
            "逐日连乘计算，其余标的按收盘价计算"
        )
    return note


def calendar_note(markets: Mapping[str, tuple[Sequence[int], Sequence[dt.date]]], year: int) -> str:
    """`2027年A股交易日历为暂定…；…推定为休市` for markets whose holiday list is not loaded."""
    parts = []
    for code, (years, inferred) in sorted(markets.items()):
        label = MARKETS[code].label_zh
        if years:
            ys = "、".join(f"{y}年" for y in years)
            parts.append(f"{ys}{label}交易日历为暂定（休市安排尚未载入，按工作日计）")
        if inferred:
            days = "、".join(day_zh(d, year) for d in inferred)
            parts.append(f"{days}本地数据库无任何{label}行情，推定为休市")
    return "注：" + "；".join(parts) if parts else ""


def review_paragraph(
    label: str, items: Sequence[str], benchmarks: str, note: str, behind: str = ""
) -> str:
    head = f"本周（{label}），我们跟踪的标的表现如下："
    text = head + "".join(items) + benchmarks + behind
    return f"{text}{note}。" if note else text


def data_through_sentence(through: Mapping[str, dt.date]) -> str:
    """`A股、港股数据截至…` once per date, for markets whose store stops before the window end."""
    by_day: dict[dt.date, list[str]] = {}
    for market, day in sorted(through.items()):
        by_day.setdefault(day, []).append(MARKETS[market].label_zh)
    return "".join(
        f"{'、'.join(labels)}数据截至{ymd(day)}，晚于该日的行情尚未入库。"
        for day, labels in sorted(by_day.items())
    )


def suggested_headline(
    best: tuple[str, float] | None, board_name: str | None, breadth: str | None
) -> str:
    """A headline when the analyst gave none: the best board's breadth and its leader."""
    if best is None:
        return "算力板块周度回顾"
    lead = f"{board_name}板块{breadth}" if board_name and breadth else "算力板块"
    if best[1] == 0:
        return f"{lead}，{best[0]}周内持平"
    verb = "周涨" if best[1] > 0 else "周跌"
    return f"{lead}，{best[0]}{verb}{abs(best[1]):.2f}%"


def watch_line_rated(theme: str, members: Sequence[tuple[str, float | None, str | None]]) -> str:
    """`国产算力链：寒武纪（买入，本周+28.48%）、…`: each name's current rating, when it has one."""
    entries = []
    for name, change, rating in members:
        week = f"本周{signed_pct(change)}" if change is not None else "本周涨跌幅缺失"
        entries.append(f"{name}（{rating}，{week}）" if rating else f"{name}（{week}）")
    return f"{theme}：{'、'.join(entries)}"
