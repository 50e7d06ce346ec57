"""The report as one document model, in reading order; ``report.json`` is its serialisation.

Renderers read only this model. Every number here was computed upstream (analysis) and every
sentence written upstream (narrative); the model just holds them with where they came from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from ..desk.rules import MemberStatus, SeriesSource


def strings(value: Any) -> Iterable[str]:
    """Every string inside a dumped model (dicts, lists and tuples walked)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings(v)


class WindowOut(BaseModel):
    start: dt.date
    end: dt.date
    label: str


class MarketOut(BaseModel):
    base_date: dt.date
    end_date: dt.date
    sessions: list[dt.date]
    closed: bool  # no session of this market inside the window
    data_through: dt.date | None = None  # set when the store stops before end_date
    provisional_years: list[int] = Field(default_factory=list)  # no holiday list loaded yet
    inferred_closed: list[dt.date] = Field(default_factory=list)  # weekdays without any row


class MemberOut(BaseModel):
    symbol: str
    name: str
    market: str
    currency: str
    base_date: dt.date
    end_date: dt.date
    base_close: float | None
    end_close: float | None
    change_pct: float | None
    market_cap: float | None
    market_cap_as_of_shares: dt.date | None = None
    limit_board: str | None = None
    limit_up_streak: int = 0
    limit_touch_only: bool = False
    status: MemberStatus = "ok"
    last_date: dt.date | None = None
    notes: list[str] = Field(default_factory=list)
    rating: str | None = None
    rating_action: str | None = None  # 首次覆盖/维持/上调/下调 against the previous rating


class BoardOut(BaseModel):
    name: str
    breadth: str
    members: list[MemberOut]


SourceOut = SeriesSource  # the analysis's own type, serialised as it is


class WatchThemeOut(BaseModel):
    theme: str
    members: list[MemberOut]
    line: str


class Review(BaseModel):
    window: WindowOut
    markets: dict[str, MarketOut]
    boards: list[BoardOut]
    benchmarks: list[MemberOut]
    watch: list[WatchThemeOut]
    summary_zh: str  # the review paragraph in the edition's words (English in en/report.json)
    items_zh: list[str]  # (the field names are the schema's since the Chinese-only days)
    as_of_note: str
    calendar_note: str = ""  # provisional calendar years and closures inferred from the store
    sources: list[SourceOut]


# Where each kind of section sits in reading order (Section.order); gaps leave room.
ORDER_MARKET_CONTEXT = 5  # the whole market (全市场周度复盘), before the watchlist
ORDER_MARKET = 10
ORDER_NEWS = 20  # + index of the news theme
ORDER_AI_TRACKING = 40
ORDER_GPU = 50
ORDER_RATINGS = 60
ORDER_WATCH = 70
ORDER_RISKS = 80


def figure_file(number: int, key: str) -> str:
    """Where a figure's image goes, from its number (or its key, for an unnumbered one): the
    build names it, so no renderer has to write it into the model."""
    if number:
        return f"charts/figure_{number:02d}.png"
    return "charts/figure_" + re.sub(r"[^A-Za-z0-9_-]+", "_", key) + ".png"


CellFormat = Literal["text", "int", "number", "pct", "pp", "date"]
Cell = int | float | dt.date | str | None


class DataColumn(BaseModel):
    """One column of a figure's data: its heading, what its cells are and their unit.

    ``pct`` cells are percentages as the report writes them (28.48 for +28.48%), ``pp``
    percentage points; ``number`` cells are in ``unit``.
    """

    name: str
    format: CellFormat = "text"
    unit: str | None = None


class DataTable(BaseModel):
    """The numbers behind a table as drawn, typed: numbers as numbers, dates as dates, words
    (停牌, 缺失) in a column of their own. The chart data workbook (charts.xlsx) writes it."""

    columns: list[DataColumn]
    rows: list[list[Cell]]


class Table(BaseModel):
    """A numbered data table (图表 N) with its caption lines."""

    key: str
    number: int = 0  # assigned by the build in order of appearance
    title: str
    unit: str | None = None
    columns: list[str]
    rows: list[list[Any]]
    source: str
    notes: list[str] = Field(default_factory=list)
    sample: bool = False
    lang: str = "zh"  # the edition's words on the image (单位/unit, 示例数据/sample data)
    up: str = "red"  # the colour of a rise: red (A-share convention) or green
    data: DataTable | None = None  # the typed cells behind ``rows`` (for charts.xlsx)
    as_of: dt.date | None = None  # the last date of its data; None: the review's cut-off

    @computed_field  # type: ignore[prop-decorator]
    @property
    def file(self) -> str:
        """The table also drawn as an image, relative to the output folder (for documents)."""
        return figure_file(self.number, self.key)


class Chart(BaseModel):
    """A numbered figure: spec + data; renderers embed ``file`` (drawn once, by the charts)."""

    key: str
    number: int = 0  # assigned by the build in order of appearance
    title: str
    unit: str | None = None
    kind: str
    data: dict[str, Any]
    source: str
    notes: list[str] = Field(default_factory=list)
    sample: bool = False
    lang: str = "zh"
    up: str = "red"
    as_of: dt.date | None = None  # the last date of its data; None: the review's cut-off

    @computed_field  # type: ignore[prop-decorator]
    @property
    def file(self) -> str:
        """Its image, relative to the output folder: named by the figure, drawn by the charts."""
        return figure_file(self.number, self.key)


class Paragraph(BaseModel):
    text: str
    source: str | None = None  # e.g. 根据<媒体>10月9日报道


class Section(BaseModel):
    """A titled block of paragraphs (news themes, trackers, watch list, risks…)."""

    key: str
    title: str
    order: int
    paragraphs: list[Paragraph] = Field(default_factory=list)
    bullets: list[str] = Field(default_factory=list)
    figures: list[str] = Field(default_factory=list)  # keys of the tables/charts shown here
    sample: bool = False


class RelatedIssue(BaseModel):
    """A previous issue of the series, as the front page lists it (相关报告)."""

    publication_date: dt.date
    title: str


class FrontMatter(BaseModel):
    title: str
    headline: str
    headline_suggested: bool
    series: str
    firm: str
    firm_template: bool
    industry: str
    industry_rating: str
    analysts: list[dict[str, str]]
    publication_date: dt.date
    generated_at: dt.datetime
    related: list[RelatedIssue] = Field(default_factory=list)  # previous issues, newest first
    figures: list[str] = Field(default_factory=list)  # front-page charts (unnumbered)


class RatingRow(BaseModel):
    name: str
    name_en: str
    text: str


class Closing(BaseModel):
    analyst_statement: str
    disclaimer: str
    special_statement: str
    copyright: str
    company_ratings: list[RatingRow]
    industry_ratings: list[RatingRow]
    benchmarks_text: str
    template: bool
    missing: list[str] = Field(default_factory=list)  # firm texts the desk left empty


class Report(BaseModel):
    schema_version: int = 1
    lang: str = "zh"  # the edition: zh, or en (the same numbers, other words)
    up: str = "red"  # the colour of a rise in tables and charts: red or green
    front: FrontMatter
    key_points: list[str]
    review: Review
    sections: list[Section]
    tables: list[Table]
    charts: list[Chart]
    closing: Closing
    extras: dict[str, Any] = Field(default_factory=dict)  # e.g. trackers, scorecard

    def figure_numbers(self) -> list[int]:
        return sorted([t.number for t in self.tables] + [c.number for c in self.charts])

    def figure(self, key: str) -> Table | Chart:
        for f in [*self.tables, *self.charts]:
            if f.key == key:
                return f
        raise KeyError(key)

    def number_figures(self) -> None:
        """Sort sections into reading order and number figures in order of appearance."""
        self.sections.sort(key=lambda s: s.order)
        front = set(self.front.figures)  # the front page's charts carry their title only
        keys = [k for s in self.sections for k in s.figures if k not in front]
        keys += [f.key for f in [*self.tables, *self.charts] if f.key not in [*keys, *front]]
        for n, key in enumerate(keys, start=1):
            self.figure(key).number = n

    def set_edition(self, lang: str, up: str) -> None:
        """The edition's language and rise colour, on the report and on every figure."""
        self.lang, self.up = lang, up
        for f in [*self.tables, *self.charts]:
            f.lang, f.up = lang, up

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)
