"""One edition's words for the parts: the sentence module and the labels, chosen by language.

The parts compute the same facts for every edition and take every word from here: ``zh`` (the
Chinese edition, the default) or ``en`` (the English one, ``build --lang en``). A part asks
``words(lang)`` once and never writes a word of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType

from ..markets import MARKETS
from . import en, series_zh, zh
from . import ratings_zh as rz

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Words:
    """The words of one edition that the market, notes and closing parts use."""

    lang: str
    s: ModuleType  # the sentences: ``zh`` or ``en``, the same functions
    actions: Mapping[str, str]  # a rating's action: maintain -> 维持 / maintained
    rated: Callable[[str | None, str | None], str | None]
    watch_rating: Callable[[str, bool], str]
    dated_rating: Callable[[str | None, dt.date], str]
    week_over_week_sentence: Callable[..., str]
    market_label: Mapping[str, str]
    cap_unit: Mapping[str, str]
    window_label: Callable[[dt.date, dt.date], str]
    label: Mapping[str, str]  # titles, table columns and cells (keys in ``_ZH``)
    columns: tuple[str, ...]  # the review table's


def _zh_dated(rating: str | None, day: dt.date) -> str:
    prefix, sep, name = (rating or "").rpartition("：")  # 示例评级：买入
    return f"{prefix}{sep}{zh.ymd(day)}评级{name}"


_ZH = {
    "market": "本周行情回顾",
    "watch": "建议关注",
    "risks": "风险提示",
    "table_title": "算力板块标的周度表现",
    "table_unit": "市值：亿元/亿港元/亿美元；涨跌幅：%",
    "table_source": "交易所行情（本地数据库）；",
    "no_shares": "无股本数据",
    "no_shares_note": "“无股本数据”：本地数据库缺少该标的的股本数据，市值不作估算",
    "suspended": "停牌",
    "missing": "缺失",
    "closed": "{}（休市）",
    "note": "注：",
    "list_sep": "、",
}
_EN = {
    "market": "Market review",
    "watch": "Names to watch",
    "risks": "Risks",
    "table_title": "Compute sector names: weekly performance",
    "table_unit": "market value: RMB bn / HK$ bn / US$ bn; change: %",
    "table_source": "Exchange prices (local store); ",
    "no_shares": "no share count",
    "no_shares_note": (
        "'no share count': the local store has no share count for the name, so its market "
        "value is not estimated"
    ),
    "suspended": "suspended",
    "missing": "n/a",
    "closed": "{} (market closed)",
    "note": "Note: ",
    "list_sep": ", ",
}

ZH = Words(
    lang="zh",
    s=zh,
    actions=series_zh.ACTIONS,
    rated=series_zh.rated,
    watch_rating=rz.watch_rating,
    dated_rating=_zh_dated,
    week_over_week_sentence=series_zh.week_over_week_sentence,
    market_label={c: m.label_zh for c, m in MARKETS.items()},
    cap_unit={c: m.cap_unit_zh for c, m in MARKETS.items()},
    window_label=lambda start, end: f"{start:%m%d}-{end:%m%d}",
    label=_ZH,
    columns=("公司", "代码", "市场", "板块/主题", "总市值", "单位", "周涨跌幅"),
)
EN = Words(
    lang="en",
    s=en,
    actions=en.ACTIONS,
    rated=en.rated,
    watch_rating=en.watch_rating,
    dated_rating=en.dated_rating,
    week_over_week_sentence=en.week_over_week_sentence,
    market_label=en.MARKET_LABEL,
    cap_unit=en.CAP_UNIT,
    window_label=en.window_label,
    label=_EN,
    columns=("Company", "Code", "Market", "Sector/theme", "Market value", "Unit", "Week"),
)


def words(lang: str) -> Words:
    """The edition's words; ``lang`` is one of ``LANGS`` (checked where the user gave it)."""
    return EN if lang == "en" else ZH
