"""Desk configuration: ``desk.yaml`` -> validated models, with errors naming file, key and fix.

A desk is one analyst's coverage: instruments, boards, names to watch, benchmarks, rating
scales, firm text and review thresholds. The embedded demo desk lives in ``demo/desk``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import DeskError
from ..markets import MARKETS
from ..textfile import read_text
from .distribution import Distribution
from .english import English, FirmEnglish
from .rules import Thresholds, TrendRules
from .yaml_symbols import DeskLoader, canonical_symbols, codes_as_text

DESK_FILE = "desk.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StPeriod(_Strict):
    """A span in which the stock carried an ST / *ST risk warning (tighter limits)."""

    start: dt.date
    end: dt.date | None = None


class Instrument(_Strict):
    name: str
    name_en: str = ""  # the English edition's name; none: shown as 中文名 (code)
    market: str
    listed: dt.date | None = None  # listing date, for the first-sessions-without-limit rule
    registration_ipo: bool = False  # main-board IPO under the registration system
    st: list[StPeriod] = Field(default_factory=list)
    kind: Literal["stock", "index"] = "stock"  # index: no board, no limits (000300, 000001…)
    exchange: str | None = None  # listing venue where a data source needs it (US: NASDAQ/NYSE/AMEX)

    @field_validator("market")
    @classmethod
    def _known_market(cls, v: str) -> str:
        if v not in MARKETS:
            raise ValueError(f"unknown market {v!r}, expected one of {', '.join(MARKETS)}")
        return v


class Board(_Strict):
    name: str
    name_en: str = ""
    members: list[str]

    @field_validator("members")
    @classmethod
    def _members(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("empty board; expected at least one member symbol")
        return v


class WatchTheme(_Strict):
    theme: str
    theme_en: str = ""
    names: list[str]


class Band(_Strict):
    """One rating band: relative return in percentage points, lower bound exclusive."""

    name: str
    name_en: str = ""
    above: float | None = None  # excess return strictly above this (pp); None = no lower bound
    up_to: float | None = None  # and at most this (pp); None = no upper bound
    text: str = ""
    text_en: str = ""


def _default_company_scale() -> list[Band]:
    return [
        Band(name="买入", name_en="Buy", above=20, text="相对同期基准指数涨幅在20%以上"),
        Band(
            name="持有",
            name_en="Hold",
            above=10,
            up_to=20,
            text="相对同期基准指数涨幅在10%～20%之间",
        ),
        Band(
            name="中性",
            name_en="Neutral",
            above=-10,
            up_to=10,
            text="相对同期基准指数涨幅在-10%～10%之间",
        ),
        Band(
            name="回避",
            name_en="Avoid",
            above=-20,
            up_to=-10,
            text="相对同期基准指数跌幅在10%～20%之间",
        ),
        Band(name="卖出", name_en="Sell", up_to=-20, text="相对同期基准指数跌幅在20%以上"),
    ]


def _default_industry_scale() -> list[Band]:
    return [
        Band(name="强于大市", name_en="Outperform", above=5, text="相对同期基准指数涨幅在5%以上"),
        Band(
            name="跟随大市",
            name_en="Market-perform",
            above=-5,
            up_to=5,
            text="相对同期基准指数涨幅在-5%～5%之间",
        ),
        Band(
            name="弱于大市", name_en="Underperform", up_to=-5, text="相对同期基准指数跌幅在5%以上"
        ),
    ]


class Ratings(_Strict):
    horizon_months: int = 6
    company: list[Band] = Field(default_factory=_default_company_scale)
    industry: list[Band] = Field(default_factory=_default_industry_scale)
    benchmarks: dict[str, str] = Field(
        default_factory=lambda: {"CN_A": "000300", "HK": "HSI", "US": "^GSPC"}
    )
    history: str | None = None  # CSV of the desk's past ratings, loaded into the store
    history_sample: bool = False  # True when that history is illustrative (示例评级)


ReviewRules = Thresholds  # desk key ``review``: the analysis's own thresholds


class BasketRules(_Strict):
    """The sector basket drawn against the benchmark on the front page (行业相对走势)."""

    members: list[str] | None = None  # default: the watchlist (boards and names to watch)
    weighting: Literal["equal", "cap"] = "equal"  # cap: members with share counts only
    benchmark: str = "000300"
    months: int = Field(default=12, ge=1, le=60)


class TrackerSeed(_Strict):
    """A tracker file the desk imports into a new store (like ``seed_prices``)."""

    file: str
    kind: Literal["visits", "downloads", "gpu-price", "other"]
    group: str | None = None  # for wide files: the group of every column
    unit: str | None = None
    source: str | None = None
    aliases: dict[str, str] = Field(default_factory=dict)  # new name -> old name
    sample: bool = False  # invented numbers: labelled 示例数据 wherever they appear


class TrackerRules(TrendRules):
    """Desk key ``trackers``: the analysis's trend thresholds (:class:`TrendRules`, fractions)
    plus the layout of the AI tracking charts and the files a new store is seeded with."""

    model_config = ConfigDict(extra="forbid", frozen=False)

    visit_groups: list[str] = Field(
        default_factory=lambda: ["文本-海外", "文本-国内", "图像", "视频"]
    )
    visit_periods_shown: int = 2  # weeks per site in a visits chart
    download_periods_shown: int = 5  # months per app in the downloads chart
    gpu_models: list[str] = Field(default_factory=lambda: ["H100", "A100"])
    gpu_change_weeks: int = 4
    gpu_weeks_shown: int = 27
    seed: list[TrackerSeed] = Field(default_factory=list)


class Analyst(_Strict):
    name: str
    name_en: str = ""
    registration: str = ""
    email: str = ""


class Firm(_Strict, FirmEnglish):  # and the English edition's texts, firm.*_en
    name: str
    template: bool = False  # True while the text is the project's default, to be replaced
    analyst_statement: str = ""
    disclaimer: str = ""
    special_statement: str = ""
    copyright: str = ""


class Desk(_Strict):
    firm: Firm
    series: str
    industry: str
    industry_rating: str = ""
    analysts: list[Analyst] = Field(default_factory=list)
    publication_lag_days: int = Field(default=1, ge=0)
    instruments: dict[str, Instrument]
    boards: list[Board]
    benchmarks: dict[str, list[str]]
    watch: list[WatchTheme] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    en: English = Field(default_factory=English)  # the English edition's words (desk_english)
    ratings: Ratings = Field(default_factory=Ratings)
    review: ReviewRules = Field(default_factory=ReviewRules)
    trackers: TrackerRules = Field(default_factory=TrackerRules)
    basket: BasketRules = Field(default_factory=BasketRules)
    store: str = "store.duckdb"
    seed_prices: list[str] = Field(default_factory=list)  # CSVs imported into a new store
    seed_shares: str | None = None
    notes_dir: str = "notes"  # the analyst's weekly notes: <notes_dir>/<publication date>.md
    # closed weekdays by market and year, added to or replacing the calendars' (see holidays/)
    holidays: dict[str, dict[int, Any]] = Field(default_factory=dict)
    # a whole market every `sectorweekly update` also brings up to date (update --universe)
    universe: Literal["CN_A"] | None = None
    distribution: Distribution = Field(default_factory=Distribution)  # where issues are sent

    # where the desk was read from; not part of the YAML
    root: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _references_known(self) -> Desk:
        known = set(self.instruments)
        placed: dict[str, tuple[int, int]] = {}
        for i, board in enumerate(self.boards):
            for j, sym in enumerate(board.members):
                if sym not in known:
                    raise ValueError(
                        f"boards[{i}].members[{j}]: {sym!r} is not under instruments; add it there"
                    )
                if sym in placed:
                    bi, bj = placed[sym]
                    where = (
                        f"twice in this board (also members[{bj}])"
                        if bi == i
                        else f"also in board {self.boards[bi].name!r} (boards[{bi}].members[{bj}])"
                    )
                    raise ValueError(
                        f"boards[{i}].members[{j}]: {sym!r} is {where}; expected each symbol "
                        "in one board once"
                    )
                placed[sym] = (i, j)
        for i, theme in enumerate(self.watch):
            for j, sym in enumerate(theme.names):
                if sym not in known:
                    raise ValueError(
                        f"watch[{i}].names[{j}]: {sym!r} is not under instruments; add it there"
                    )
        for j, sym in enumerate(self.basket.members or []):
            if sym not in known:
                raise ValueError(f"basket.members[{j}]: {sym!r} is not under instruments; add it")
        if self.basket.benchmark not in known:
            raise ValueError(
                f"basket.benchmark: {self.basket.benchmark!r} is not under instruments; add it"
            )
        for mkt, syms in self.benchmarks.items():
            if mkt not in MARKETS:
                raise ValueError(
                    f"benchmarks: unknown market {mkt!r}, expected {', '.join(MARKETS)}"
                )
            for sym in syms:
                if sym not in known:
                    raise ValueError(f"benchmarks.{mkt}: {sym!r} is not under instruments; add it")
        return self

    # --- derived views -------------------------------------------------------------------
    def members(self) -> list[str]:
        """Every instrument the review covers: board members, then names to watch, in order."""
        seen: dict[str, None] = {}
        for board in self.boards:
            seen.update(dict.fromkeys(board.members))
        for theme in self.watch:
            seen.update(dict.fromkeys(theme.names))
        return list(seen)

    def benchmark_symbols(self) -> list[str]:
        return [s for syms in self.benchmarks.values() for s in syms]

    def publication_date(self, end: dt.date) -> dt.date:
        return end + dt.timedelta(days=self.publication_lag_days)


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_desk(data: Any, path: Path) -> Desk:
    if isinstance(data, dict):
        data = canonical_symbols(codes_as_text(data), path)
    if not isinstance(data, dict):
        raise DeskError(path, None, "expected a mapping of desk keys (firm, series, instruments…)")
    try:
        desk = Desk.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = _format_loc(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "missing; add this key"
        elif err["type"] == "extra_forbidden":
            msg = "unknown key; remove it or check its spelling"
        elif not err["loc"] and ": " in msg:  # a cross-key check names its key in the message
            key, msg = msg.split(": ", 1)
        raise DeskError(path, key, msg) from None
    desk.root = path.parent
    return desk


def load_desk(directory: Path | str | None = None) -> Desk:
    """Read and validate ``<directory>/desk.yaml``; ``None`` means the embedded demo desk."""
    root = Path(directory) if directory is not None else demo_desk_dir()
    path = root / DESK_FILE
    if not path.is_file():
        raise DeskError(
            path, None, "no desk.yaml here; run `sectorweekly init DIR` to create a desk"
        )
    try:
        data = yaml.load(read_text(path), Loader=DeskLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = mark.line + 1 if mark is not None else None
        raise DeskError(path, where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    desk = parse_desk(data, path)
    from ..markets.calendars import Calendars

    Calendars.of_desk(desk)  # the holidays: key is checked with the rest of the file
    return desk


def demo_desk_dir() -> Path:
    return Path(__file__).parents[1] / "demo" / "desk"
