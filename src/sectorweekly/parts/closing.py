"""The closing pages: the analyst's statement, the rating scales and their benchmarks, the
disclaimer, the firm's special statement and copyright (from the desk's firm text)."""

from __future__ import annotations

from ..build.week import Week
from ..markets import MARKETS
from ..report.model import Closing, RatingRow, Review
from .base import ReportPart
from .closing_en import english_closing


def _bands(bands: list) -> list[RatingRow]:
    return [RatingRow(name=b.name, name_en=b.name_en, text=b.text) for b in bands]


FIRM_TEXTS = {
    "analyst_statement": "分析师声明",
    "disclaimer": "免责声明",
    "special_statement": "特别声明",
    "copyright": "版权声明",
}


def _firm_text(text: str, key: str) -> str:
    """The firm's text, or where it belongs a visible note that it is missing."""
    if text.strip():
        return text
    return f"（未填写：请在desk.yaml的firm.{key}中写入贵机构的{FIRM_TEXTS[key]}）"


def closing_part(week: Week, review: Review) -> ReportPart:
    """The closing pages; a firm text the desk left empty is shown as missing, never blank."""
    if week.lang == "en":
        return english_closing(week)
    desk = week.desk
    bm = desk.ratings.benchmarks
    names = {s: desk.instruments[s].name if s in desk.instruments else s for s in bm.values()}
    bench_text = "；".join(f"{MARKETS[m].label_zh}以{names[s]}为基准" for m, s in bm.items())
    firm = desk.firm
    missing = [k for k in FIRM_TEXTS if not getattr(firm, k).strip()]
    closing = Closing(
        analyst_statement=_firm_text(firm.analyst_statement, "analyst_statement"),
        disclaimer=_firm_text(firm.disclaimer, "disclaimer"),
        special_statement=_firm_text(firm.special_statement, "special_statement"),
        copyright=_firm_text(firm.copyright, "copyright"),
        company_ratings=_bands(desk.ratings.company),
        industry_ratings=_bands(desk.ratings.industry),
        benchmarks_text=(
            f"评级以报告发布日后{desk.ratings.horizon_months}个月内的相对收益为准：{bench_text}。"
        ),
        template=firm.template,
        missing=missing,
    )
    messages = [
        f"desk.yaml firm.{k} is empty: the closing pages mark the {k.replace('_', ' ')} "
        "as not filled in; fill it in before publishing"
        for k in missing
    ]
    return ReportPart(closing=closing, messages=messages)
