"""Sentences about the series: related reports, the basket's rule, names to watch since first
listed, rating actions and week-over-week changes (Chinese)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from ..analysis.series import BasketIndex, IndustryJudgement, SinceListed
from ..analysis.week_over_week import WeekOverWeek
from .zh import day_zh, signed_pct, ymd

ACTIONS = {
    "initiate": "首次覆盖",
    "maintain": "维持",
    "upgrade": "上调",
    "downgrade": "下调",
    "change": "调整",
}
STATUS = {"new": "本周新增", "kept": "持续关注", "dropped": "本周移出"}
LEFT_OUT = {
    "no_data": "本地数据库无行情",
    "no_shares": "无股本数据",
    "other_currency": "非基准市场币种",
}
WEIGHTING = {"equal": "等权", "cap": "总市值加权"}


def pp(value: float | None) -> str:
    return "缺失" if value is None else f"{value:+.2f}"


def rated(action: str | None, rating: str | None) -> str | None:
    """`维持买入`, `示例评级：上调至买入`… the action (its Chinese word) before the rating."""
    if not action or not rating:
        return rating
    prefix, sep, name = rating.rpartition("：")
    joined = f"{action}至{name}" if action in ("上调", "下调") else f"{action}{name}"
    return f"{prefix}{sep}{joined}" if sep else joined


def basket_note(
    index: BasketIndex, names: Mapping[str, str], bench_name: str, months: int
) -> list[str]:
    """The basket's rule, where its data start, and which members counted when."""
    counted = [names.get(s, s) for s in index.members]
    notes = [
        f"行业指数为关注名单{len(counted)}只标的{WEIGHTING[index.weighting]}组合"
        f"（按各标的本地收盘价计算日收益，除权除息日按参考价，每日再平衡），基准为{bench_name}，"
        f"两者均以{ymd(index.dates[0])}为100"
    ]
    if index.short:
        notes.append(
            f"本地数据库行情始于{ymd(index.dates[0])}，不足{months}个月"
            f"（应自{ymd(index.requested_start)}起）"
        )
    if index.joined:
        joined = "、".join(
            f"{names.get(s, s)}自{ymd(d)}起"
            for s, d in sorted(index.joined.items(), key=lambda x: x[1])
        )
        notes.append(f"部分成分行情较晚开始，{joined}计入")
    if index.left_out:
        left = "、".join(
            f"{names.get(s, s)}（{LEFT_OUT.get(why, why)}）" for s, why in index.left_out.items()
        )
        notes.append(f"未计入：{left}")
    return notes


def membership_note(changes: Sequence[tuple[dt.date, list[str], list[str]]]) -> str | None:
    """The watchlist as archived issues show it: who came in and left, and when."""
    if not changes:
        return None
    parts = []
    for day, added, removed in changes:
        bits = []
        if added:
            bits.append("纳入" + "、".join(added))
        if removed:
            bits.append("移出" + "、".join(removed))
        parts.append(f"{ymd(day)}期" + "，".join(bits))
    return "关注名单曾有变动：" + "；".join(parts) + "；本图按本期名单回溯计算"


def first_listed_text(item: SinceListed) -> str:
    if item.first_listed is None:
        return "本期首次"
    day = f"{item.first_listed:%Y-%m-%d}"
    return f"{day}（存档首期）" if item.at_archive_start else day


def archive_start_note(start: dt.date) -> str:
    return f"报告存档始于{ymd(start)}，标“存档首期”者可能更早已被列入，此前表现无记录"


def watch_key_point(
    items: Sequence[SinceListed],
    mean_return: float | None,
    mean_excess: float | None,
    names: Mapping[str, str],
) -> str:
    """One line in 投资要点: the list as a whole since first listed, who came and went."""
    measured = [i for i in items if i.return_pct is not None and i.status != "dropped"]
    text = "建议关注组合跟踪："
    if measured and mean_return is not None:
        text += (
            f"当前{len(measured)}只建议关注标的自首次列入以来等权平均涨跌幅"
            f"{signed_pct(mean_return)}"
        )
        text += (
            f"，相对各自基准平均超额{pp(mean_excess)}个百分点"
            if mean_excess is not None
            else "，基准数据缺失"
        )
    else:
        text += "存档中尚无往期建议关注记录，自本期起跟踪"
    new = [names.get(i.symbol, i.symbol) for i in items if i.status == "new"]
    dropped = [names.get(i.symbol, i.symbol) for i in items if i.status == "dropped"]
    if new:
        text += "；本周新增" + "、".join(new)
    if dropped:
        text += "；本周移出" + "、".join(dropped)
    return text + "。"


def week_over_week_sentence(wow: WeekOverWeek, year: int) -> str:
    """`与上期（M月D日）相比：CPU/GPU板块由普跌转为普涨；…` or empty when nothing to say."""
    parts = [f"{b}板块由上期{was}转为{now}" for b, was, now in wow.breadth_turns]
    parts += [
        f"{n}连板延续（上期{was}连板，本期累计{now}连板）" for n, was, now in wow.streaks_continued
    ]
    by_weeks: dict[int, list[str]] = {}
    for name, k in wow.rising_weeks:
        by_weeks.setdefault(k, []).append(name)
    parts += [f"{'、'.join(n)}连续{k}周上涨" for k, n in sorted(by_weeks.items(), reverse=True)]
    if not parts:
        return ""
    return f"与上期（{day_zh(wow.previous, year)}）相比：" + "；".join(parts) + "。"


def with_week_over_week(summary: str, note: str, sentence: str) -> str:
    """The review paragraph with the week-over-week sentence before its closing note."""
    if not sentence:
        return summary
    if note and note in summary:
        head, _, tail = summary.rpartition(note)
        return head + sentence + note + tail
    return summary + sentence


def industry_status(j: IndustryJudgement) -> str:
    if j.status == "pending":
        return f"待到期（截至{j.end_date:%Y-%m-%d}）" if j.end_date else "待到期"
    if j.status == "no_data":
        return "无行情数据"
    return f"{'命中' if j.status == 'hit' else '未命中'}（实际{j.realized or '无对应档'}）"


def industry_sentence(stats: Mapping[int, tuple[int, int, int]]) -> str:
    """`6个月：已到期N期，命中M期（命中率x%）；…` per horizon: (rated, evaluated, hits)."""
    parts = []
    for months, (rated_n, evaluated, hits) in sorted(stats.items()):
        rate = f"{hits / evaluated * 100:.1f}%" if evaluated else "暂无"
        parts.append(
            f"{months}个月：{rated_n}期评级中已到期{evaluated}期，命中{hits}期（命中率{rate}）"
        )
    return (
        "行业评级以行业指数（关注名单组合）相对基准的超额收益判断，与公司评级同一口径。"
        + "；".join(parts)
        + "。"
    )


def signed(value: float | None) -> str:
    return signed_pct(value) if value is not None else "缺失"
