"""The English edition's closing pages: the firm's English texts (``firm.*_en``) and the rating
scales by their English names, with the project's English template where the desk has none.

A text the desk did not give in English is the project's template, marked as such on the page
(``Closing.missing``), never the Chinese text.
"""

from __future__ import annotations

from ..build.week import Week
from ..desk.parse import Band
from ..narrative.en import MARKET_LABEL
from ..report.model import Closing, RatingRow
from .base import ReportPart
from .names import Names

TEMPLATE_EN = {
    "analyst_statement": (
        "[Template text, to be replaced] The analysts named in this report are registered "
        "with the Securities Association of China and wrote it independently and objectively. "
        "No part of their compensation was, is or will be related to the views in this report."
    ),
    "disclaimer": (
        "[Template text, to be replaced] This report is for information only and is not "
        "investment advice to anyone. Its data come from public sources whose accuracy and "
        "completeness the publisher does not guarantee. Investing involves risk."
    ),
    "special_statement": (
        "[Template text, to be replaced] Where the law allows, the publisher may hold "
        "securities of the companies named in this report and may serve or seek to serve them."
    ),
    "copyright": (
        "[Template text, to be replaced] Copyright of this report belongs to the publisher; "
        "no part may be reproduced or published without written permission."
    ),
}


def band_text(band: Band) -> str:
    """The band's English definition, else one written from its bounds (percentage points)."""
    if band.text_en:
        return band.text_en
    if band.above is not None and band.up_to is not None:
        return (
            f"Relative return of {band.above:+g} to {band.up_to:+g} percentage points "
            "against the benchmark index"
        )
    if band.above is not None:
        return (
            f"Relative return above {band.above:+g} percentage points against the benchmark index"
        )
    if band.up_to is not None:
        return f"Relative return of {band.up_to:+g} percentage points or less against the benchmark index"
    return ""


def _rows(names: Names, bands: list[Band]) -> list[RatingRow]:
    return [
        RatingRow(name=names.rating(b.name), name_en=names.rating(b.name), text=band_text(b))
        for b in bands
    ]


def english_closing(week: Week) -> ReportPart:
    """The closing pages in English; the project's template stands in for a missing text."""
    desk, names = week.desk, Names(week.desk, "en")
    firm = desk.firm
    given = {k: getattr(firm, f"{k}_en").strip() for k in TEMPLATE_EN}
    missing = [k for k, v in given.items() if not v]
    bm = desk.ratings.benchmarks
    bench = "; ".join(
        f"{MARKET_LABEL[m]}: {names.instrument(s) if s in desk.instruments else s}"
        for m, s in bm.items()
    )
    closing = Closing(
        **{k: given[k] or TEMPLATE_EN[k] for k in TEMPLATE_EN},
        company_ratings=_rows(names, desk.ratings.company),
        industry_ratings=_rows(names, desk.ratings.industry),
        benchmarks_text=(
            f"Ratings refer to the relative return over the {desk.ratings.horizon_months} months "
            f"after the publication date, against the benchmark of each market ({bench})."
        ),
        template=firm.template or bool(missing),
        missing=missing,
    )
    messages = [
        f"English edition: desk.yaml firm.{k}_en is empty; the project's English template "
        "stands in, marked as such"
        for k in missing
    ]
    return ReportPart(closing=closing, messages=messages)
