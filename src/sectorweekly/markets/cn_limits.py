"""A-share daily price limits (涨跌停), as a table of rules with effective dates.

The rules changed over time (ChiNext in 2020, main-board registration IPOs in 2023, main-board
ST in 2025), so a limit is looked up by board, ST status and *date*, never hard-coded for today.
Limit price = previous close × (1 ± limit), rounded half-up to 0.01 yuan: computed here in
integer cents so that no float rounding can move a price by a cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

MAIN = "main"
STAR = "star"
CHINEXT = "chinext"
BSE = "bse"

BOARD_ZH = {MAIN: "主板", STAR: "科创板", CHINEXT: "创业板", BSE: "北交所"}


def board_of(symbol: str) -> str | None:
    """Board from the A-share code; None for codes that are not A-share stocks."""
    if len(symbol) != 6 or not symbol.isdigit():
        return None
    if symbol.startswith(("688", "689")):
        return STAR
    if symbol.startswith(("300", "301", "302")):
        return CHINEXT
    if symbol.startswith(("600", "601", "603", "605", "000", "001", "002", "003")):
        return MAIN
    if symbol.startswith(("43", "83", "87", "88", "92")):
        return BSE
    return None


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


def limit_pct(board: str, day: dt.date, *, st: bool = False) -> int | None:
    """The daily limit in percent on ``day``; None if no rule covers it."""
    for rule in LIMIT_RULES:
        if (
            rule.board == board
            and rule.st == st
            and rule.start <= day
            and (rule.end is None or day < rule.end)
        ):
            return rule.pct
    return None


def round_half_up_cents(prev_close: float, pct: int, up: bool) -> float:
    """prev × (1 ± pct%) rounded half-up to 0.01, in exact integer arithmetic."""
    cents = round(prev_close * 100)
    num = cents * (100 + pct if up else 100 - pct)  # price in 1/10000 yuan
    return ((num + 50) // 100) / 100


def limit_prices(prev_close: float, pct: int) -> tuple[float, float]:
    return round_half_up_cents(prev_close, pct, True), round_half_up_cents(prev_close, pct, False)


def rules_frame() -> pd.DataFrame:
    """The limit rules as a table for joins in the store."""
    return pd.DataFrame(
        [
            {
                "board": r.board,
                "st": r.st,
                "start": r.start,
                "end": r.end or dt.date(9999, 12, 31),
                "pct": r.pct,
            }
            for r in LIMIT_RULES
        ]
    )


def listing_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "board": r.board,
                "listed_from": r.listed_from,
                "listed_to": r.listed_to or dt.date(9999, 12, 31),
                "free_sessions": r.free_sessions,
                "first_day_cap_pct": r.first_day_cap_pct,
            }
            for r in LISTING_RULES
        ]
    )
