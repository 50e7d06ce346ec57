"""Report part: 评级回顾 — the desk's past ratings judged against their benchmarks.

A report judges only what was known when it was written: ratings dated up to the publication
date, prices up to the window's end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from .. import clock
from ..analysis.ratings_scorecard import Scorecard, desk_scorecard
from ..analysis.series import rating_actions
from ..build.week import Week
from ..desk.parse import Desk
from ..desk.rating_scale import RatingScales
from ..markets import MARKETS
from ..narrative import ratings_zh as rz
from ..narrative.series_zh import ACTIONS
from ..report.model import (
    ORDER_RATINGS,
    Chart,
    DataColumn,
    DataTable,
    Paragraph,
    Review,
    Section,
    Table,
)
from .base import ReportPart

SOURCE = "本地数据库：评级记录及交易所日收盘价"


def _day(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _bench_names(desk: Desk, card: Scorecard) -> dict[str, str]:
    names = {}
    for market, symbol in card.benchmarks.items():
        inst = desk.instruments.get(symbol)
        label = MARKETS[market].label_zh if market in MARKETS else market
        names[label] = inst.name if inst else symbol
    return names


def scorecard_table(card: Scorecard) -> Table:
    rows, data = [], []
    for horizon, part in card.summary.items():
        entries = [*part["by_rating"].items(), ("合计", part["overall"])]
        for name, s in entries:
            data.append(
                [name, rz.horizon_zh(horizon), s["ratings"], s["evaluated"], s["hits"],
                 s["hit_rate_pct"], s["mean_excess_pct"], s["pending"], s["no_data"]]
            )  # fmt: skip
            rows.append(
                [
                    name,
                    rz.horizon_zh(horizon),
                    s["ratings"],
                    s["evaluated"],
                    s["hits"],
                    rz.rate(s["hit_rate_pct"]),
                    rz.pp(s["mean_excess_pct"]),
                    s["pending"],
                    s["no_data"],
                ]
            )
    notes = ["平均超额收益只计已到期评级；命中率=命中数/已到期数"]
    if card.sample:
        notes.insert(0, rz.SAMPLE_LABEL)
    return Table(
        key="ratings_scorecard",
        title="评级回顾：命中率与平均超额收益",
        unit=None,
        columns=[
            "评级",
            "期限",
            "评级数",
            "已到期",
            "命中",
            "命中率",
            "平均超额收益（百分点）",
            "待到期",
            "数据缺失",
        ],
        rows=rows,
        source=SOURCE,
        notes=notes,
        sample=card.sample,
        data=DataTable(
            columns=[
                DataColumn(name="评级"),
                DataColumn(name="期限"),
                *(DataColumn(name=n, format="int") for n in ("评级数", "已到期", "命中")),
                DataColumn(name="命中率", format="pct"),
                DataColumn(name="平均超额收益", format="pp"),
                *(DataColumn(name=n, format="int") for n in ("待到期", "数据缺失")),
            ],
            rows=data,
        ),
        as_of=card.as_of,
    )


def detail_table(card: Scorecard, order: list[str]) -> Table:
    """One row per rating, the horizons side by side, with its action against the same
    name's previous rating (首次覆盖/维持/上调/下调; ``order`` is the scale, best first)."""
    horizons = list(card.summary)
    rows = card.rows
    given = rows.drop_duplicates(["symbol", "date"])[["symbol", "date", "rating"]]
    actions = rating_actions(given.astype({"symbol": str, "rating": str}), order)
    columns = ["评级日", "公司", "评级", "基准"]
    year = (card.as_of or clock.today()).year  # a pending rating's date of another year says so
    typed = [DataColumn(name="评级日", format="date"), DataColumn(name="公司"),
             DataColumn(name="代码"), DataColumn(name="评级"), DataColumn(name="基准")]  # fmt: skip
    for h in horizons:
        columns += [f"{rz.horizon_zh(h)}超额", f"{rz.horizon_zh(h)}结果"]
        typed += [
            DataColumn(name=f"{rz.horizon_zh(h)}超额", format="pp"),
            DataColumn(name=f"{rz.horizon_zh(h)}结果"),
        ]
    out, data = [], []
    for (symbol, day), group in rows.groupby(["symbol", "date"], sort=False, observed=True):
        first = group.iloc[0]
        line = [
            _day(day).isoformat() if _day(day) else "",
            f"{card.names.get(str(symbol), str(symbol))}（{symbol}）",
            str(first["rating"]),
            card.names.get(str(first["benchmark"]), str(first["benchmark"]))
            if pd.notna(first["benchmark"])
            else "无",
        ]
        cells: list[Any] = [
            _day(day), card.names.get(str(symbol), str(symbol)), str(symbol), *line[2:]
        ]  # fmt: skip
        by_h = {str(r["horizon"]): r for _, r in group.iterrows()}
        for h in horizons:
            r = by_h.get(h)
            if r is None:
                line += ["", ""]
                cells += [None, None]
                continue
            realized = None if pd.isna(r["realized_rating"]) else str(r["realized_rating"])
            outcome = rz.outcome(str(r["status"]), realized, _day(r["as_of_date"]), year)
            line += [rz.pp(_num(r["excess_pct"])), outcome]
            cells += [_num(r["excess_pct"]), outcome]
        line.append(ACTIONS.get(actions.get((str(symbol), _day(day)), ""), ""))  # type: ignore[arg-type]
        out.append(line)
        data.append([*cells, line[-1] or None])
    columns.append("评级变动")  # against the same name's previous rating
    notes = ["待到期评级的超额收益为截至最新交易日的区间数"]
    if card.sample:
        notes.insert(0, rz.SAMPLE_LABEL)
    return Table(
        key="ratings_detail",
        title="评级明细",
        unit="超额收益：百分点",
        columns=columns,
        rows=out,
        source=SOURCE,
        notes=notes,
        sample=card.sample,
        data=DataTable(columns=[*typed, DataColumn(name="评级变动")], rows=data),
        as_of=card.as_of,
    )


def excess_chart(card: Scorecard) -> Chart | None:
    """Mean excess return of matured ratings, per rating given; None when none has matured."""
    names: list[str] = []
    for part in card.summary.values():
        names += [n for n in part["by_rating"] if n not in names]
    series = []
    for horizon, part in card.summary.items():
        values = [part["by_rating"].get(n, {}).get("mean_excess_pct") for n in names]
        if any(v is not None for v in values):
            series.append({"name": f"{rz.horizon_zh(horizon)}（已到期）", "values": values})
    if not series:
        return None
    notes = ["无已到期评级的类别标为“无数据”"]
    if card.sample:
        notes.insert(0, rz.SAMPLE_LABEL)
    return Chart(
        key="ratings_excess",
        title="各评级已到期评级的平均超额收益",
        unit="百分点",
        kind="bar",
        data={"categories": names, "series": series},
        source=SOURCE,
        notes=notes,
        sample=card.sample,
        as_of=card.as_of,
    )


def ratings_part(week: Week, review: Review) -> ReportPart:
    """The 评级回顾 section; nothing when the desk has no ratings. (Each name's current rating,
    shown beside it in the review, is gathered with the week.)"""
    desk, window, published = week.desk, week.window, week.published
    card = desk_scorecard(desk, calendars=week.calendars, as_of=window.end, dated_to=published)
    if card.rows.empty:
        return ReportPart()
    paragraphs = []
    if card.sample:
        paragraphs.append(Paragraph(text=rz.sample_sentence()))
    unadjusted = bool((card.rows["price_basis"] == "unadjusted").any())
    paragraphs.append(
        Paragraph(
            text=rz.method_sentence(
                published, window.end, list(card.summary), _bench_names(desk, card), unadjusted
            )
        )
    )
    paragraphs += [
        Paragraph(text=rz.horizon_sentence(h, p["overall"])) for h, p in card.summary.items()
    ]
    missing = card.rows[card.rows["status"].isin(["no_data", "no_benchmark"])]
    entries = [
        (card.names.get(str(s), str(s)), _day(d), rz.missing_reason(str(st)))
        for (s, d), st in missing.groupby(["symbol", "date"], sort=False, observed=True)["status"]
        .first()
        .items()
    ]
    if sentence := rz.missing_sentence(entries):
        paragraphs.append(Paragraph(text=sentence))
    scales = RatingScales.from_desk(desk.ratings)
    order = scales.names("company") + scales.names("industry")
    tables = [scorecard_table(card), detail_table(card, order)]
    chart = excess_chart(card)
    figures = ["ratings_scorecard", *(["ratings_excess"] if chart else []), "ratings_detail"]
    section = Section(
        key="ratings",
        title="评级回顾",
        order=ORDER_RATINGS,
        paragraphs=paragraphs,
        figures=figures,
        sample=card.sample,
    )
    return ReportPart(
        sections=[section],
        tables=tables,
        charts=[chart] if chart else [],
        extras={"scorecard": card.to_dict()},
    )
