"""What the series archive adds to the English edition, from the same numbers as the Chinese
``parts/series.py``: the earlier issues and the sector basket against its benchmark on the front
page, the names to watch since first listed, and the archived industry ratings judged.

The archive holds the Chinese edition, whose titles are Chinese: an earlier issue is listed by
the series' English name and its date, never by a Chinese title.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import store
from ..analysis import series as an
from ..build.week import Week
from ..narrative import series_en as se
from ..narrative.en import MARKET_LABEL, ymd
from ..report.model import (
    ORDER_RATINGS,
    ORDER_WATCH,
    Chart,
    Paragraph,
    RelatedIssue,
    Report,
    Review,
    Section,
    Table,
)
from .base import ReportPart
from .names import Names
from .series import (
    INDUSTRY_ROWS,
    RELATED_SHOWN,
    _membership_changes,
    _rebase,
    basket_members,
    declared_closed,
    watch_items,
)

PRICE_SOURCE = "Local store: exchange daily closes"
WATCH_COLUMNS = [
    "Company", "First listed", "Close then", "Latest close", "Since listed",
    "Benchmark", "Excess", "Status",
]  # fmt: skip


def english_series_part(week: Week, review: Review) -> ReportPart:
    desk, window, history = week.desk, week.window, week.history
    series, names = desk.en.series or "Weekly", Names(desk, "en")
    shown = {s: names.instrument(s) for s in desk.instruments}
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
    months = desk.basket.months
    if history:  # long enough to judge the oldest archived industry rating (as series.py)
        span = (window.end.year - history[0].front.publication_date.year) * 12
        months = max(months, span + window.end.month - history[0].front.publication_date.month + 1)
    with store.reader(week.store) as con:
        long_index = an.basket_index(
            con, markets, desk.basket.benchmark, window.end, months,
            desk.basket.weighting, [bench_market], declared_closed(week),
        )  # fmt: skip
        items = watch_items(con, desk, review, history, window.end, declared_closed(week))
    if long_index.dates:
        index = _rebase(long_index, an.add_months(window.end, -desk.basket.months))
        part.charts.append(_relative_chart(week, index, review, shown))
        part.front_figures.append("relative_performance")
    if items:
        current = [i for i in items if i.status != "dropped" and i.first_listed is not None]
        mean_ret = an.mean_of([i.return_pct for i in current])
        mean_exc = an.mean_of([i.excess_pct for i in current])
        part.key_points.append(se.watch_key_point(items, mean_ret, mean_exc, shown))
        start = history[0].front.publication_date if history else None
        part.tables.append(watch_table(week, items, start, shown))
        part.sections.append(
            Section(
                key="watch_performance",
                title="Names to watch: performance",
                order=ORDER_WATCH + 1,
                figures=["watch_performance"],
            )
        )
    if long_index.dates and (found := industry_review(week, long_index, history, names)):
        part.sections.append(found[0])
        part.tables.append(found[1])
    return part


def _relative_chart(
    week: Week, index: an.BasketIndex, review: Review, shown: dict[str, str]
) -> Chart:
    desk = week.desk
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
        source=f"{PRICE_SOURCE} ({ymd(index.dates[0])} to {ymd(index.dates[-1])})",
        notes=notes,
    )


def watch_table(
    week: Week, items: list[an.SinceListed], archive_start: dt.date | None, shown: dict[str, str]
) -> Table:
    rows = []
    for i in items:
        listed = i.first_listed is not None
        rows.append(
            [
                f"{shown.get(i.symbol, i.symbol)} ({i.symbol})",
                se.first_listed_text(i),
                f"{i.start_close:,.2f} ({i.start_date:%m-%d})" if i.start_close else "—",
                f"{i.end_close:,.2f} ({i.end_date:%m-%d})" if i.end_close else "—",
                se.signed(i.return_pct) if listed else "—",
                se.signed(i.benchmark_return_pct) if listed else "—",
                se.pp(i.excess_pct) if listed else "—",
                se.STATUS[i.status],
            ]
        )
    bench = ", ".join(
        f"{MARKET_LABEL.get(m, m)}: {shown.get(b, b)}"
        for m, b in week.desk.ratings.benchmarks.items()
    )
    notes = [
        "change since listed = this issue's last close / the close of the issue that first "
        "listed the name − 1, ex-dates at the exchange's reference prices (closes shown "
        f"unadjusted); benchmarks: {bench}",
        se.archive_start_note(archive_start)
        if archive_start is not None
        else "the report archive has no earlier issues: each name is tracked from this issue",
    ]
    return Table(
        key="watch_performance",
        title="Names to watch since first listed",
        unit="change: %; excess: percentage points",
        columns=WATCH_COLUMNS,
        rows=rows,
        source=f"{PRICE_SOURCE}; report archive (earlier names to watch)",
        notes=notes,
    )


def industry_review(
    week: Week, index: an.BasketIndex, history: list[Report], names: Names
) -> tuple[Section, Table] | None:
    issues = [(r.front.publication_date, r.front.industry_rating) for r in history]
    issues = [(d, r) for d, r in issues if r]
    if not issues:
        return None
    judged = an.judge_industry(index, issues, week.desk.ratings.industry, (6, 12))
    stats: dict[int, tuple[int, int, int]] = {}
    for months in (6, 12):
        mine = [j for j in judged if j.months == months]
        done = [j for j in mine if j.status in ("hit", "miss")]
        stats[months] = (len(mine), len(done), sum(j.status == "hit" for j in done))
    by_day: dict[dt.date, dict[int, an.IndustryJudgement]] = {}
    for j in judged:
        by_day.setdefault(j.publication_date, {})[j.months] = j
    rows: list[list[Any]] = []
    for day in sorted(by_day, reverse=True)[:INDUSTRY_ROWS]:
        h = by_day[day]
        rows.append(
            [f"{day:%Y-%m-%d}", names.rating(h[6].rating)]
            + [
                v
                for m in (6, 12)
                for v in (se.pp(h[m].excess_pct), se.industry_status(h[m], names.rating))
            ]
        )
    notes = [
        "excess return = the industry index (watchlist basket) change − the benchmark change; "
        "a pending rating's runs to this issue's last day"
    ]
    if len(by_day) > INDUSTRY_ROWS:
        notes.append(f"the latest {INDUSTRY_ROWS} issues shown; the counts cover all {len(by_day)}")
    table = Table(
        key="industry_rating_review",
        title="Industry rating review",
        unit="excess return: percentage points",
        columns=["Published", "Rating", "6M excess", "6M outcome", "12M excess", "12M outcome"],
        rows=rows,
        source=f"{PRICE_SOURCE}; report archive (earlier industry ratings)",
        notes=notes,
    )
    section = Section(
        key="industry_rating_review",
        title="Industry rating review",
        order=ORDER_RATINGS + 5,
        paragraphs=[Paragraph(text=se.industry_sentence(stats))],
        figures=["industry_rating_review"],
    )
    return section, table
