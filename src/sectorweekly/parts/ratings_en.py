"""The rating review (评级回顾) in the English edition: the same scorecard, tables and chart as
``parts/ratings.py``, with names and rating words from the desk's English (``name_en``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import clock
from ..analysis.ratings_scorecard import Scorecard, desk_scorecard
from ..analysis.series import rating_actions
from ..build.week import Week
from ..desk.rating_scale import RatingScales
from ..narrative import ratings_en as re_
from ..narrative.en import ACTIONS, MARKET_LABEL
from ..report.model import ORDER_RATINGS, Chart, Paragraph, Review, Section, Table
from .base import ReportPart
from .names import Names
from .ratings import _day, _num

SOURCE = "Local store: rating records and exchange daily closes"
COLUMNS = [
    "Rating", "Horizon", "Ratings", "Matured", "Hits", "Hit rate",
    "Mean excess (pp)", "Pending", "No data",
]  # fmt: skip


def _notes(card: Scorecard, *notes: str) -> list[str]:
    return ([re_.SAMPLE_LABEL] if card.sample else []) + list(notes)


def scorecard_table(card: Scorecard, names: Names) -> Table:
    rows = []
    for horizon, part in card.summary.items():
        for name, s in [*part["by_rating"].items(), ("Total", part["overall"])]:
            rows.append(
                [
                    names.rating(name),
                    re_.horizon_en(horizon),
                    s["ratings"], s["evaluated"], s["hits"], re_.rate(s["hit_rate_pct"]),
                    re_.pp(s["mean_excess_pct"]), s["pending"], s["no_data"],
                ]
            )  # fmt: skip
    return Table(
        key="ratings_scorecard",
        title="Rating review: hit rate and mean excess return",
        columns=COLUMNS,
        rows=rows,
        source=SOURCE,
        notes=_notes(card, "mean excess counts matured ratings only; hit rate = hits / matured"),
        sample=card.sample,
    )


def detail_table(card: Scorecard, order: list[str], names: Names) -> Table:
    horizons = list(card.summary)
    given = card.rows.drop_duplicates(["symbol", "date"])[["symbol", "date", "rating"]]
    actions = rating_actions(given.astype({"symbol": str, "rating": str}), order)
    columns = ["Rated", "Company", "Rating", "Benchmark"]
    year = (card.as_of or clock.today()).year
    for h in horizons:
        columns += [f"{h} excess", f"{h} outcome"]  # 6M: the header stays on one line
    out = []
    for (symbol, day), group in card.rows.groupby(["symbol", "date"], sort=False, observed=True):
        first = group.iloc[0]
        bench = str(first["benchmark"]) if pd.notna(first["benchmark"]) else None
        line = [
            _day(day).isoformat() if _day(day) else "",
            f"{_name(names, str(symbol))} ({symbol})",
            names.rating(str(first["rating"])),
            _name(names, bench) if bench else "none",
        ]
        by_h = {str(r["horizon"]): r for _, r in group.iterrows()}
        for h in horizons:
            r = by_h.get(h)
            if r is None:
                line += ["", ""]
                continue
            realized = (
                None if pd.isna(r["realized_rating"]) else names.rating(str(r["realized_rating"]))
            )
            line += [
                re_.pp(_num(r["excess_pct"])),
                re_.outcome(str(r["status"]), realized, _day(r["as_of_date"]), year),
            ]
        line.append(ACTIONS.get(actions.get((str(symbol), _day(day)), ""), ""))  # type: ignore[arg-type]
        out.append(line)
    return Table(
        key="ratings_detail",
        title="Ratings in detail",
        unit="excess return: percentage points",
        columns=[*columns, "Action"],
        rows=out,
        source=SOURCE,
        notes=_notes(card, "a pending rating's excess return runs to the latest session"),
        sample=card.sample,
    )


def _name(names: Names, symbol: str) -> str:
    """An English name; the code alone for a symbol the desk does not list."""
    return names.instrument(symbol) if symbol in names.desk.instruments else symbol


def excess_chart(card: Scorecard, names: Names) -> Chart | None:
    ratings: list[str] = []
    for part in card.summary.values():
        ratings += [n for n in part["by_rating"] if n not in ratings]
    series = []
    for horizon, part in card.summary.items():
        values = [part["by_rating"].get(n, {}).get("mean_excess_pct") for n in ratings]
        if any(v is not None for v in values):
            series.append({"name": f"{re_.horizon_en(horizon)} (matured)", "values": values})
    if not series:
        return None
    return Chart(
        key="ratings_excess",
        title="Mean excess return of matured ratings, by rating",
        unit="percentage points",
        kind="bar",
        data={"categories": [names.rating(n) for n in ratings], "series": series},
        source=SOURCE,
        notes=_notes(card, "a rating with no matured ratings shows 'no data'"),
        sample=card.sample,
    )


def english_ratings_part(week: Week, review: Review) -> ReportPart:
    """The rating review in English; nothing when the desk has no ratings."""
    desk, window, published = week.desk, week.window, week.published
    names = Names(desk, "en")
    card = desk_scorecard(desk, calendars=week.calendars, as_of=window.end, dated_to=published)
    if card.rows.empty:
        return ReportPart()
    paragraphs = [Paragraph(text=re_.sample_sentence())] if card.sample else []
    unadjusted = bool((card.rows["price_basis"] == "unadjusted").any())
    bench = {MARKET_LABEL.get(m, m): _name(names, s) for m, s in card.benchmarks.items()}
    paragraphs.append(
        Paragraph(
            text=re_.method_sentence(published, window.end, list(card.summary), bench, unadjusted)
        )
    )
    paragraphs += [
        Paragraph(text=re_.horizon_sentence(h, p["overall"])) for h, p in card.summary.items()
    ]
    missing = card.rows[card.rows["status"].isin(["no_data", "no_benchmark"])]
    firsts = missing.groupby(["symbol", "date"], sort=False, observed=True)["status"].first()
    entries = [
        (_name(names, str(s)), _day(d), re_.missing_reason(str(st)))
        for (s, d), st in firsts.items()
    ]
    if sentence := re_.missing_sentence(entries):  # type: ignore[arg-type]
        paragraphs.append(Paragraph(text=sentence))
    scales = RatingScales.from_desk(desk.ratings)
    order = scales.names("company") + scales.names("industry")
    chart = excess_chart(card, names)
    extras: dict[str, Any] = {}
    return ReportPart(
        sections=[
            Section(
                key="ratings",
                title="Rating review",
                order=ORDER_RATINGS,
                paragraphs=paragraphs,
                figures=[
                    "ratings_scorecard",
                    *(["ratings_excess"] if chart else []),
                    "ratings_detail",
                ],
                sample=card.sample,
            )
        ],
        tables=[scorecard_table(card, names), detail_table(card, order, names)],
        charts=[chart] if chart else [],
        extras=extras,
    )
