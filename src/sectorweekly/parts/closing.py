"""The closing pages: the analyst's statement, the rating scales and their benchmarks, the
disclaimer, the firm's special statement and copyright (from the desk's firm text)."""

from __future__ import annotations

from ..markets import MARKETS
from ..report.model import Closing, RatingRow, Review
from ..week import Week
from .base import ReportPart


def _bands(bands: list) -> list[RatingRow]:
    return [RatingRow(name=b.name, name_en=b.name_en, text=b.text) for b in bands]


def closing_part(week: Week, review: Review) -> ReportPart:
    desk = week.desk
    bm = desk.ratings.benchmarks
    names = {s: desk.instruments[s].name if s in desk.instruments else s for s in bm.values()}
    bench_text = "；".join(f"{MARKETS[m].label_zh}以{names[s]}为基准" for m, s in bm.items())
    closing = Closing(
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
    return ReportPart(closing=closing)
