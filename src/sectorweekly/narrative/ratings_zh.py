"""Chinese sentences of the 评级回顾 section, from the scorecard (no numbers are computed here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .zh import day_zh, ymd

SAMPLE_LABEL = "示例评级（非真实评级）"


def horizon_zh(label: str) -> str:
    """``6M`` -> ``6个月``."""
    return f"{label.removesuffix('M')}个月"


def pp(value: float | None) -> str:
    """An excess return in percentage points, signed, 2 decimals."""
    if value is None:
        return "—"
    return f"{value:+.2f}" if round(value, 2) != 0 else "0.00"


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def sample_sentence() -> str:
    return f"本节评级为{SAMPLE_LABEL}，仅用于演示评级回顾的计算方法，不构成任何投资建议。"


def method_sentence(
    dated_to: dt.date,
    as_of: dt.date,
    horizons: Sequence[str],
    benchmarks: Mapping[str, str],
    unadjusted: bool,
) -> str:
    """How each rating is judged: dates, benchmark per market, price basis."""
    spans = "/".join(horizon_zh(h) for h in horizons)
    bench = "，".join(f"{market}以{name}为基准" for market, name in benchmarks.items())
    basis = "收盘价未复权（区间内分红、送转未作调整）" if unadjusted else "收盘价为复权价"
    return (
        f"回顾{ymd(dated_to)}及以前的评级，行情截至{ymd(as_of)}：起点为评级日当日或之前最后一个"
        f"交易日的收盘价，终点为评级日后{spans}当日或之前最后一个交易日的收盘价；"
        f"超额收益=个股涨跌幅−同期基准指数涨跌幅（{bench}），所落区间与所给评级一致即为命中；"
        f"期限未满的评级为“待到期”，给出截至最新交易日的区间超额收益；{basis}。"
    )


def horizon_sentence(label: str, stats: Mapping[str, Any]) -> str:
    """`6个月期限：共N条评级，已到期M条，命中K条（命中率x%），平均超额收益+y个百分点；…`."""
    head = f"{horizon_zh(label)}期限：共{stats['ratings']}条评级"
    if stats["evaluated"]:
        head += (
            f"，已到期{stats['evaluated']}条，命中{stats['hits']}条（命中率"
            f"{rate(stats['hit_rate_pct'])}），已到期评级平均超额收益"
            f"{pp(stats['mean_excess_pct'])}个百分点"
        )
    else:
        head += "，尚无到期评级"
    tail = []
    if stats["pending"]:
        tail.append(f"待到期{stats['pending']}条")
    if stats["no_data"]:
        tail.append(f"数据缺失{stats['no_data']}条")
    return head + ("；" + "，".join(tail) if tail else "") + "。"


def missing_sentence(entries: Sequence[tuple[str, dt.date, str]]) -> str | None:
    """Ratings that could not be judged: (name, rating date, why)."""
    if not entries:
        return None
    items = "；".join(f"{name}（{ymd(day)}评级）{why}" for name, day, why in entries)
    return f"未作评估：{items}。"


def missing_reason(status: str) -> str:
    if status == "no_benchmark":
        return "本地数据库缺少同期基准指数行情"
    return "本地数据库无评级日及以前的行情"


def outcome(status: str, realized: str | None, as_of: dt.date | None, year: int) -> str:
    """One cell of the detail table: 命中 / 未命中（实际：中性） / 待到期（截至10月9日） …, the
    date with its year when it is not ``year`` (the scorecard's)."""
    if status == "hit":
        return "命中"
    if status == "miss":
        return f"未命中（实际：{realized}）" if realized else "未命中"
    if status == "pending":
        return f"待到期（截至{day_zh(as_of, year)}）" if as_of else "待到期（尚未开始）"
    if status == "no_benchmark":
        return "无基准数据"
    return "无行情数据"


def watch_rating(rating: str, sample: bool) -> str:
    """The current rating as shown beside a name to watch; labelled when illustrative."""
    return f"示例评级：{rating}" if sample else rating
