"""The English edition's front page from the series: the earlier issues (相关报告) and the sector
basket against its benchmark (行业相对走势), the same numbers as the Chinese edition's.

The archive holds the Chinese edition, whose titles are Chinese: an earlier issue is listed by
the series' English name and its date, never by a Chinese title.
"""

from __future__ import annotations

from .. import store
from ..analysis import series as an
from ..narrative import series_en as se
from ..narrative.en import ymd
from ..report.model import Chart, RelatedIssue, Review
from ..week import Week
from .base import ReportPart
from .names import Names
from .series import RELATED_SHOWN, _membership_changes, _rebase, basket_members


def english_series_part(week: Week, review: Review) -> ReportPart:
    desk, history = week.desk, week.history
    series = desk.en.series or "Weekly"
    part = ReportPart(
        related=[
            RelatedIssue(
                publication_date=r.front.publication_date,
                title=f"{series}, {ymd(r.front.publication_date)} (Chinese edition)",
            )
            for r in reversed(history[-RELATED_SHOWN:])
        ]
    )
    members = basket_members(desk)
    markets = {s: desk.instruments[s].market for s in members}
    bench_market = desk.instruments[desk.basket.benchmark].market
    with store.reader(week.store) as con:
        long_index = an.basket_index(
            con, markets, desk.basket.benchmark, week.window.end, desk.basket.months,
            desk.basket.weighting, [bench_market],
        )  # fmt: skip
    if long_index.dates:
        index = _rebase(long_index, an.add_months(week.window.end, -desk.basket.months))
        part.charts.append(_relative_chart(week, index, review))
        part.front_figures.append("relative_performance")
    return part


def _relative_chart(week: Week, index: an.BasketIndex, review: Review) -> Chart:
    desk, names = week.desk, Names(week.desk, "en")
    shown = {s: names.instrument(s) for s in desk.instruments}
    bench = desk.basket.benchmark
    notes = se.basket_note(index, shown, shown.get(bench, bench), desk.basket.months)
    if note := se.membership_note(_membership_changes(week.history, review, shown)):
        notes.append(note)
    industry = desk.en.industry or "Sector"
    return Chart(
        key="relative_performance",
        title="Sector vs benchmark",
        unit=None,
        kind="line",
        data={
            "categories": [d.isoformat() for d in index.dates],
            "series": [
                {"name": f"{industry} (watchlist)", "values": index.basket},
                {"name": shown.get(bench, bench), "values": index.benchmark},
            ],
        },
        source=(
            f"Local store: exchange daily closes ({ymd(index.dates[0])} to {ymd(index.dates[-1])})"
        ),
        notes=notes,
    )
