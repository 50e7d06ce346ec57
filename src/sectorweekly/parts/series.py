"""Report part: what an issue knows from the ones before it (the series archive).

- 相关报告 and 行业相对走势 on the front page;
- 建议关注 performance since each name was first listed, and a line in 投资要点;
- the week-over-week words (which the market review's paragraph also carries), from archived
  figures only;
- the archived industry ratings judged like company ratings (行业评级回顾).

The archive (``week.history``) holds only issues published before this one, so rebuilding an
old week sees what that week could have known; prices come from the store up to the window end.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from .. import store
from ..analysis import series as an
from ..build.week import Week
from ..desk.parse import Desk
from ..markets import MARKETS
from ..narrative import series_zh as sz
from ..narrative.edition import words
from ..narrative.zh import signed_pct
from ..report.model import (
    ORDER_RATINGS,
    ORDER_WATCH,
    Chart,
    DataColumn,
    DataTable,
    Paragraph,
    RelatedIssue,
    Report,
    Review,
    Section,
    Table,
)
from .base import ReportPart
from .market import week_over_week
from .names import Names

RELATED_SHOWN = 6
INDUSTRY_ROWS = 12
PRICE_SOURCE = "本地数据库：交易所日收盘价"


def _members(review: Review) -> list[str]:
    seen = dict.fromkeys(m.symbol for b in review.boards for m in b.members)
    seen.update(dict.fromkeys(m.symbol for t in review.watch for m in t.members))
    return list(seen)


def _watch(review: Review) -> list[str]:
    return list(dict.fromkeys(m.symbol for t in review.watch for m in t.members))


def basket_members(desk: Desk) -> list[str]:
    if desk.basket.members:
        return list(desk.basket.members)
    return [s for s in desk.members() if desk.instruments[s].kind != "index"]


def _membership_changes(
    history: list[Report], review: Review, names: dict[str, str]
) -> list[tuple[dt.date, list[str], list[str]]]:
    issues = [(r.front.publication_date, _members(r.review)) for r in history]
    issues.append((dt.date.max, _members(review)))
    changes = []
    for (_, before), (day, now) in itertools.pairwise(issues):
        added = [names.get(s, s) for s in now if s not in before]
        removed = [names.get(s, s) for s in before if s not in now]
        if added or removed:
            changes.append((day, added, removed))
    return changes


def _rebase(index: an.BasketIndex, start: dt.date) -> an.BasketIndex:
    """The part of a long index from ``start`` on, both series rebased to 100 there."""
    i = next((k for k, d in enumerate(index.dates) if d >= start), len(index.dates))
    if i == 0 or i >= len(index.dates):
        return index
    b0, m0 = index.basket[i], index.benchmark[i]
    joined = {s: d for s, d in index.joined.items() if d > index.dates[i]}
    return an.BasketIndex(
        dates=index.dates[i:],
        basket=[round(v / b0 * 100.0, 4) for v in index.basket[i:]],
        benchmark=[round(v / m0 * 100.0, 4) for v in index.benchmark[i:]],
        weighting=index.weighting,
        requested_start=start,
        members=index.members,
        joined=joined,
        left_out=index.left_out,
    )


def relative_chart(
    desk: Desk, index: an.BasketIndex, history: list[Report], review: Review
) -> Chart:
    names = {s: i.name for s, i in desk.instruments.items()}
    bench = desk.basket.benchmark
    notes = sz.basket_note(index, names, names.get(bench, bench), desk.basket.months)
    if note := sz.membership_note(_membership_changes(history, review, names)):
        notes.append(note)
    return Chart(
        key="relative_performance",
        title="行业相对走势",
        unit=None,
        kind="line",
        data={
            "categories": [d.isoformat() for d in index.dates],
            "series": [
                {"name": f"{desk.industry}（关注名单组合）", "values": index.basket},
                {"name": names.get(bench, bench), "values": index.benchmark},
            ],
        },
        source=f"{PRICE_SOURCE}（{index.dates[0]:%Y-%m-%d}至{index.dates[-1]:%Y-%m-%d}）",
        notes=notes,
        as_of=index.dates[-1],
    )


def _first_listed(history: list[Report]) -> dict[str, tuple[dt.date, dt.date]]:
    first: dict[str, tuple[dt.date, dt.date]] = {}
    for r in history:
        for s in _watch(r.review):
            first.setdefault(s, (r.front.publication_date, r.review.window.end))
    return first


def declared_closed(week: Week) -> dict[str, list[dt.date]]:
    """The days the desk declares closed, per market: the series reads no row on them."""
    cals = week.calendars
    return {m: list(cals.desk_closed_days(m)) for m in {e.market for e in cals.desk}}


def watch_items(
    con: Any,
    desk: Desk,
    review: Review,
    history: list[Report],
    end: dt.date,
    closed: dict[str, list[dt.date]] | None = None,
) -> list[an.SinceListed]:
    now = _watch(review)
    before = _watch(history[-1].review) if history else []
    names = [(s, desk.instruments[s].market, "kept" if s in before else "new") for s in now]
    names += [(s, desk.instruments[s].market, "dropped") for s in before if s not in now]
    archive_start = history[0].front.publication_date if history else None
    return an.since_listed(
        con, names, _first_listed(history), archive_start, desk.ratings.benchmarks, end, closed
    )


def watch_table(desk: Desk, items: list[an.SinceListed], archive_start: dt.date | None) -> Table:
    names = {s: i.name for s, i in desk.instruments.items()}
    rows, data = [], []
    for i in items:
        measured = i.first_listed is not None
        data.append(
            [
                names.get(i.symbol, i.symbol), i.symbol, i.first_listed,
                "是" if i.at_archive_start else None, i.start_date, i.start_close, i.end_date,
                i.end_close, i.return_pct if measured else None,
                names.get(i.benchmark, i.benchmark) if i.benchmark else None,
                i.benchmark_return_pct if measured else None,
                i.excess_pct if measured else None, sz.STATUS[i.status],
            ]
        )  # fmt: skip
        rows.append(
            [
                f"{names.get(i.symbol, i.symbol)}（{i.symbol}）",
                sz.first_listed_text(i),
                f"{i.start_close:,.2f}（{i.start_date:%m-%d}）" if i.start_close else "—",
                f"{i.end_close:,.2f}（{i.end_date:%m-%d}）" if i.end_close else "—",
                sz.signed(i.return_pct) if i.first_listed else "—",
                sz.signed(i.benchmark_return_pct) if i.first_listed else "—",
                sz.pp(i.excess_pct) if i.first_listed else "—",
                sz.STATUS[i.status],
            ]
        )
    notes = [
        "列入以来涨跌幅＝本期数据截止日收盘价/首次列入那期报告数据截止日收盘价−1，"
        "其间除权除息日按交易所参考价计算（表中收盘价为未复权价）；"
        "基准："
        + "、".join(
            f"{MARKETS[m].label_zh if m in MARKETS else m}为{names.get(b, b)}"
            for m, b in desk.ratings.benchmarks.items()
        )
    ]
    if archive_start is not None:
        notes.append(sz.archive_start_note(archive_start))
    else:
        notes.append("报告存档中尚无往期报告，各标的自本期起跟踪")
    return Table(
        key="watch_performance",
        title="建议关注标的列入以来表现",
        unit="涨跌幅：%；超额：百分点",
        columns=[
            "公司",
            "首次列入",
            "列入时收盘",
            "最新收盘",
            "列入以来",
            "基准同期",
            "超额",
            "状态",
        ],
        rows=rows,
        source=f"{PRICE_SOURCE}；报告存档（往期建议关注名单）",
        notes=notes,
        data=DataTable(columns=WATCH_DATA_COLUMNS, rows=data),
        as_of=max((i.end_date for i in items if i.end_date), default=None),
    )


WATCH_DATA_COLUMNS = [
    DataColumn(name="公司"),
    DataColumn(name="代码"),
    DataColumn(name="首次列入", format="date"),  # empty: first listed in this issue
    DataColumn(name="存档首期"),
    DataColumn(name="列入时收盘日", format="date"),
    DataColumn(name="列入时收盘", format="number"),
    DataColumn(name="最新收盘日", format="date"),
    DataColumn(name="最新收盘", format="number"),
    DataColumn(name="列入以来", format="pct"),
    DataColumn(name="基准"),
    DataColumn(name="基准同期", format="pct"),
    DataColumn(name="超额", format="pp"),
    DataColumn(name="状态"),
]
INDUSTRY_DATA_COLUMNS = [
    DataColumn(name="发布日", format="date"),
    DataColumn(name="行业评级"),
    DataColumn(name="6个月超额", format="pp"),
    DataColumn(name="6个月结果"),
    DataColumn(name="12个月超额", format="pp"),
    DataColumn(name="12个月结果"),
]


def industry_review(
    desk: Desk, index: an.BasketIndex, history: list[Report]
) -> tuple[Section, Table, list[dict[str, Any]]] | None:
    issues = [(r.front.publication_date, r.front.industry_rating) for r in history]
    issues = [(d, r) for d, r in issues if r]
    if not issues:
        return None
    judged = an.judge_industry(index, issues, desk.ratings.industry, (6, 12))
    stats: dict[int, tuple[int, int, int]] = {}
    for months in (6, 12):
        rows = [j for j in judged if j.months == months]
        done = [j for j in rows if j.status in ("hit", "miss")]
        stats[months] = (len(rows), len(done), sum(j.status == "hit" for j in done))
    by_day: dict[dt.date, dict[int, an.IndustryJudgement]] = {}
    for j in judged:
        by_day.setdefault(j.publication_date, {})[j.months] = j
    rows, data = [], []
    for day in sorted(by_day, reverse=True)[:INDUSTRY_ROWS]:
        h = by_day[day]
        rows.append(
            [f"{day:%Y-%m-%d}", h[6].rating]
            + [v for m in (6, 12) for v in (sz.pp(h[m].excess_pct), sz.industry_status(h[m]))]
        )
        data.append(
            [day, h[6].rating]
            + [v for m in (6, 12) for v in (h[m].excess_pct, sz.industry_status(h[m]))]
        )
    notes = [
        "超额收益＝行业指数（关注名单组合）涨跌幅−基准涨跌幅；待到期者为截至本期数据截止日的区间数"
    ]
    if len(by_day) > INDUSTRY_ROWS:
        notes.append(f"表中列示最近{INDUSTRY_ROWS}期，统计含存档全部{len(by_day)}期")
    table = Table(
        key="industry_rating_review",
        title="行业评级回顾",
        unit="超额收益：百分点",
        columns=["发布日", "行业评级", "6个月超额", "6个月结果", "12个月超额", "12个月结果"],
        rows=rows,
        source=f"{PRICE_SOURCE}；报告存档（往期行业评级）",
        notes=notes,
        data=DataTable(columns=INDUSTRY_DATA_COLUMNS, rows=data),
        as_of=index.dates[-1] if index.dates else None,
    )
    section = Section(
        key="industry_rating_review",
        title="行业评级回顾",
        order=ORDER_RATINGS + 5,
        paragraphs=[Paragraph(text=sz.industry_sentence(stats))],
        figures=["industry_rating_review"],
    )
    return section, table, [vars(j) for j in judged]


def series_part(week: Week, review: Review) -> ReportPart:
    """Everything the archive adds to this issue (little when the archive is empty)."""
    desk, window, history = week.desk, week.window, week.history
    members = basket_members(desk)
    markets = {s: desk.instruments[s].market for s in members}
    bench_market = desk.instruments[desk.basket.benchmark].market
    months = desk.basket.months
    if history:  # long enough to judge the oldest archived industry rating
        span = (window.end.year - history[0].front.publication_date.year) * 12
        span += window.end.month - history[0].front.publication_date.month + 1
        months = max(months, span)
    with store.reader(week.store) as con:
        long_index = an.basket_index(
            con, markets, desk.basket.benchmark, window.end, months,
            desk.basket.weighting, [bench_market], declared_closed(week),
        )  # fmt: skip
        items = watch_items(con, desk, review, history, window.end, declared_closed(week))
    part = ReportPart()
    part.related = [
        RelatedIssue(publication_date=r.front.publication_date, title=r.front.title)
        for r in reversed(history[-RELATED_SHOWN:])
    ]
    extras: dict[str, Any] = {"archive_issues": len(history)}
    if long_index.dates:
        index = _rebase(long_index, an.add_months(window.end, -desk.basket.months))
        part.charts.append(relative_chart(desk, index, history, review))
        part.front_figures.append("relative_performance")
        extras["basket"] = {
            "weighting": index.weighting,
            "benchmark": desk.basket.benchmark,
            "members": index.members,
            "joined": {s: d.isoformat() for s, d in index.joined.items()},
            "left_out": index.left_out,
            "first_date": index.dates[0].isoformat(),
            "last_date": index.dates[-1].isoformat(),
        }
    else:
        part.messages.append(
            "sector vs benchmark chart: no stored prices for the basket or its benchmark"
        )
    if items:
        current = [i for i in items if i.status != "dropped"]
        measured = [i for i in current if i.first_listed is not None]
        mean_ret = an.mean_of([i.return_pct for i in measured])
        mean_exc = an.mean_of([i.excess_pct for i in measured])
        names = {s: i.name for s, i in desk.instruments.items()}
        part.key_points.append(sz.watch_key_point(items, mean_ret, mean_exc, names))
        archive_start = history[0].front.publication_date if history else None
        part.tables.append(watch_table(desk, items, archive_start))
        part.sections.append(
            Section(
                key="watch_performance",
                title="建议关注标的表现",
                order=ORDER_WATCH + 1,
                figures=["watch_performance"],
            )
        )
        extras["watch_since_listed"] = [
            {**vars(i), "return_pct_text": signed_pct(i.return_pct)} for i in items
        ]
    zh_words = (words("zh"), Names(desk))
    if sentence := week_over_week(history, review, *zh_words):  # the review's paragraph has it too
        extras["week_over_week"] = sentence
    if long_index.dates and (found := industry_review(desk, long_index, history)):
        section, table, judged = found
        part.sections.append(section)
        part.tables.append(table)
        extras["industry_ratings"] = judged
    part.extras = {"series": extras}
    return part
