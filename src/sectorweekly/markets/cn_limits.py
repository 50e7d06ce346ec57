"""The A-share daily price limit engine (涨跌停): the one home of the rule.

The weekly review (``analysis.market``) and the update's checks (``update.checks``) both ask
this module, through the same SQL (:func:`limits_select`), which limit applies to a row and at
which prices it binds. What it knows, written down once:

- **Rules with effective dates.** A limit is looked up by board, ST status and *date* (ChiNext
  went to ±20% on 2020-08-24, main-board ST to ±10% on 2025-07-07), never hard-coded for today.
- **ST spans.** A desk's ``st: [{start, end}]`` span covers ``start <= day <= end``: both days
  are inclusive, ``end`` is the last session traded under the ST tag (the exchange's
  撤销风险警示 notice names the day *after* it), and a span without ``end`` is still open.
- **Listing-free sessions.** The first sessions after listing have no daily limit (five on STAR,
  ChiNext since 2020-08-24, the BSE and main-board registration IPOs from 2023-04-10); under
  the old rules the first day alone was capped (+44%) instead, which this engine does not judge.
- **Reference previous close.** The limit is computed from the row's ``prev_close`` — the
  exchange's reference previous close on an ex-rights day (除权除息参考价) — and from the prior
  row's close where it has none.
- **Price.** Limit price = previous close × (1 ± limit), rounded half-up to 0.01 yuan, in
  integer cents so that no float rounding moves it by a cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import numpy as np
import pandas as pd

from .codes import BOARD_ZH, BSE, CHINEXT, MAIN, STAR, board_of

if TYPE_CHECKING:
    from .calendars import Calendars

__all__ = [
    "BOARD_ZH",
    "BSE",
    "CHINEXT",
    "MAIN",
    "STAR",
    "LimitRule",
    "ListingRule",
    "MemberSpec",
    "board_of",
    "day_limits",
    "limits_select",
    "register_tables",
]

OPEN_END = dt.date(9999, 12, 31)


@dataclass(frozen=True)
class LimitRule:
    """Daily limit in whole percent for a board (and ST status) over [start, end)."""

    board: str
    st: bool
    start: dt.date
    end: dt.date | None
    pct: int


FAR_PAST = dt.date(1990, 1, 1)

LIMIT_RULES: tuple[LimitRule, ...] = (
    LimitRule(MAIN, False, dt.date(1996, 12, 16), None, 10),
    LimitRule(MAIN, True, dt.date(1998, 4, 22), dt.date(2025, 7, 7), 5),
    LimitRule(MAIN, True, dt.date(2025, 7, 7), None, 10),
    LimitRule(CHINEXT, False, dt.date(2009, 10, 30), dt.date(2020, 8, 24), 10),
    LimitRule(CHINEXT, True, dt.date(2009, 10, 30), dt.date(2020, 8, 24), 5),
    LimitRule(CHINEXT, False, dt.date(2020, 8, 24), None, 20),
    LimitRule(CHINEXT, True, dt.date(2020, 8, 24), None, 20),
    LimitRule(STAR, False, dt.date(2019, 7, 22), None, 20),
    LimitRule(STAR, True, dt.date(2019, 7, 22), None, 20),
    LimitRule(BSE, False, dt.date(2021, 11, 15), None, 30),
    LimitRule(BSE, True, dt.date(2021, 11, 15), None, 30),
)

LIMIT_PCTS = tuple(sorted({r.pct for r in LIMIT_RULES}))  # every limit there is, in percent


def reaches_a_limit(
    prev_cents: np.ndarray, high_cents: np.ndarray, low_cents: np.ndarray
) -> np.ndarray:
    """Rows whose day reached the nearest limit price of any rule (the lowest limit's, up or
    down) from their previous close, all in cents: only these can close at, touch or pass a
    limit, so only these need :func:`limits_select` (NaN previous close: none)."""
    pct = LIMIT_PCTS[0]
    up = np.floor_divide(prev_cents * (100 + pct) + 50, 100)
    down = np.floor_divide(prev_cents * (100 - pct) + 50, 100)
    return (high_cents >= up) | (low_cents <= down)


@dataclass(frozen=True)
class ListingRule:
    """What applies in the first sessions after listing, by board and listing date."""

    board: str
    listed_from: dt.date
    listed_to: dt.date | None
    free_sessions: int  # sessions with no limit at all
    first_day_cap_pct: int | None  # old rule: first-day cap instead of no limit


LISTING_RULES: tuple[ListingRule, ...] = (
    ListingRule(MAIN, FAR_PAST, dt.date(2023, 4, 10), 0, 44),
    ListingRule(MAIN, dt.date(2023, 4, 10), None, 5, None),  # registration-system IPOs
    ListingRule(CHINEXT, FAR_PAST, dt.date(2020, 8, 24), 0, 44),
    ListingRule(CHINEXT, dt.date(2020, 8, 24), None, 5, None),
    ListingRule(STAR, FAR_PAST, None, 5, None),
    ListingRule(BSE, FAR_PAST, None, 5, None),
)

MOST_FREE_SESSIONS = max(max(r.free_sessions, 1) for r in LISTING_RULES)


# The ST span semantics (see the module docstring): one predicate, used by every query.
ST_COVERS_SQL = "{day} BETWEEN st.st_start AND st.st_end"


def free_sessions(board: str | None, listed: dt.date | None) -> int:
    """Sessions from listing (the listing day is 1) without a daily limit from the table: the
    board's free sessions, and at least the listing day itself, which every rule treats apart."""
    if board is None or listed is None:
        return 0
    for rule in LISTING_RULES:
        if rule.board == board and rule.listed_from <= listed < (rule.listed_to or OPEN_END):
            return max(rule.free_sessions, 1)
    return 0


class InstrumentLike(Protocol):
    """What the engine reads of a desk instrument (``desk.Instrument`` has it)."""

    market: str
    kind: str
    listed: dt.date | None

    @property
    def st(self) -> Sequence[Any]: ...


@dataclass(frozen=True)
class MemberSpec:
    """What the engine needs to know of an instrument beyond its prices."""

    symbol: str
    market: str
    listed: dt.date | None = None
    st_periods: tuple[tuple[dt.date, dt.date | None], ...] = ()  # inclusive spans, see above
    kind: str = "stock"  # "index": no board, no limits, whatever the code looks like

    @classmethod
    def of(cls, symbol: str, inst: InstrumentLike) -> MemberSpec:
        """The spec of a desk instrument."""
        return cls(
            symbol=symbol,
            market=inst.market,
            listed=inst.listed,
            st_periods=tuple((p.start, p.end) for p in inst.st),
            kind=inst.kind,
        )

    @property
    def board(self) -> str | None:
        return board_of(self.symbol, self.market, self.kind)


def _session_ordinals(
    cals: Calendars, market: str, days: Sequence[dt.date | None]
) -> list[int | None]:
    sess = cals.all_sessions(market)
    return [None if d is None else int(sess.searchsorted(pd.Timestamp(d))) for d in days]


def members_frame(specs: Iterable[MemberSpec], cals: Calendars) -> pd.DataFrame:
    """One row per instrument: market, board, listing session ordinal and free sessions."""
    specs = list(specs)
    listed_idx: list[int | None] = []
    for spec in specs:
        listed_idx += _session_ordinals(cals, spec.market, [spec.listed]) if spec.listed else [None]
    return pd.DataFrame(
        {
            "symbol": pd.Series([s.symbol for s in specs], dtype=object),
            "market": pd.Series([s.market for s in specs], dtype=object),
            "board": pd.Series([s.board for s in specs], dtype=object),
            "listed_idx": pd.array(listed_idx, dtype="Int64"),
            "free_sessions": pd.array([free_sessions(s.board, s.listed) for s in specs], "Int64"),
        }
    )


def st_frame(specs: Iterable[MemberSpec]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"symbol": s.symbol, "st_start": a, "st_end": b or OPEN_END}
            for s in specs
            for a, b in s.st_periods
        ],
        columns=["symbol", "st_start", "st_end"],
    )


def rules_frame() -> pd.DataFrame:
    """The limit rules as a table for joins in the store."""
    return pd.DataFrame(
        [
            {"board": r.board, "st": r.st, "start": r.start, "end": r.end or OPEN_END, "pct": r.pct}
            for r in LIMIT_RULES
        ]
    )


TABLES = ("lim_members", "lim_st", "lim_rules")


def register_tables(
    con: duckdb.DuckDBPyConnection, specs: Iterable[MemberSpec], cals: Calendars
) -> None:
    """Make ``lim_members``, ``lim_st`` and ``lim_rules`` visible to :func:`limits_select`."""
    specs = list(specs)
    con.register("lim_members", members_frame(specs, cals))
    con.register("lim_st", st_frame(specs))
    con.register("lim_rules", rules_frame())


def unregister_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name in TABLES:
        con.unregister(name)


def limits_select(rows: str, as_if_st: bool = False) -> str:
    """SQL adding ``limit_pct``, ``up_cents`` and ``down_cents`` to every row of ``rows``.

    ``rows`` (a CTE or table) needs ``symbol``, ``date``, ``session_idx`` (the market's session
    ordinal, as :func:`members_frame` counts them) and ``prev_close`` (the reference previous
    close, or the prior row's close); the limit is NULL for an index, another market, a row
    without a previous close, the listing-free sessions, and a day no rule covers. With
    ``as_if_st``, also ``st_up_cents`` and ``st_down_cents``: the prices had the stock been
    under ST that day (what a close is compared with when nobody stated its status).
    """
    st_day = ST_COVERS_SQL.format(day="r.date")
    p_cents = "CAST(round(r.prev_close * 100) AS BIGINT)"
    rule = """JOIN lim_rules {a}
        ON {a}.board = lm.board AND r.prev_close IS NOT NULL
       AND r.date >= {a}.start AND r.date < {a}."end"
       AND NOT coalesce(r.session_idx - lm.listed_idx < lm.free_sessions, false)"""
    st_columns, st_join = "", ""
    if as_if_st:
        st_columns = f""",
        ({p_cents} * (100 + ls.pct) + 50) // 100 AS st_up_cents,
        ({p_cents} * (100 - ls.pct) + 50) // 100 AS st_down_cents"""
        st_join = f"LEFT {rule.format(a='ls')}\n       AND ls.st"
    return f"""
    SELECT r.*,
        lr.pct AS limit_pct,
        ({p_cents} * (100 + lr.pct) + 50) // 100 AS up_cents,
        ({p_cents} * (100 - lr.pct) + 50) // 100 AS down_cents{st_columns}
    FROM {rows} r
    JOIN lim_members lm ON lm.symbol = r.symbol
    LEFT {rule.format(a="lr")}
       AND lr.st = EXISTS (SELECT 1 FROM lim_st st WHERE st.symbol = r.symbol AND {st_day})
    {st_join}
    """


def day_limits(frame: pd.DataFrame, specs: Iterable[MemberSpec], cals: Calendars) -> pd.DataFrame:
    """``frame`` (symbol, date, prev_close) with limit_pct, up and down (yuan) added, by the
    same SQL as the review; rows of a symbol without a spec get no limit."""
    specs = list(specs)
    market_of = {s.symbol: s.market for s in specs}
    rows = frame[["symbol", "date", "prev_close"]].copy()
    rows["session_idx"] = pd.array(
        [
            _session_ordinals(cals, market_of[s], [d])[0] if s in market_of else None
            for s, d in zip(rows["symbol"], rows["date"], strict=True)
        ],
        dtype="Int64",
    )
    rows["prev_close"] = rows["prev_close"].astype("float64")
    rows["date"] = pd.to_datetime(rows["date"]).dt.date
    rows["row_id"] = range(len(rows))
    con = duckdb.connect(":memory:")
    try:
        register_tables(con, specs, cals)
        con.register("lim_rows", rows)
        got = con.execute(
            f"SELECT row_id, limit_pct, up_cents / 100.0 AS up, down_cents / 100.0 AS down "
            f"FROM ({limits_select('lim_rows')}) ORDER BY row_id"
        ).df()
    finally:
        con.close()
    out = frame.copy()
    full = pd.DataFrame({"row_id": range(len(rows))}).merge(got, on="row_id", how="left")
    out["limit_pct"] = full["limit_pct"].astype("Int64").to_numpy()
    out["up"] = full["up"].to_numpy()
    out["down"] = full["down"].to_numpy()
    return out
