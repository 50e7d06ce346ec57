"""The 申万 industries' weekly changes: the official index closes where the store has them, else
computed from the constituents (weighted by market cap where every constituent has a share
count, else equally) — and which of the three each figure is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from ..markets.calendars import MarketWindow
from . import market_context_sql as q

OFFICIAL, CAP, EQUAL = "official", "cap", "equal"


@dataclass(frozen=True)
class IndustryMove:
    name: str
    code: str  # the 申万 industry code of the level (e.g. 270000), '' for an official index
    level: int
    change_pct: float | None
    stocks: int  # constituents with a weekly change
    method: str  # official | cap | equal


def percentile(value: float | None, population: list[float]) -> float | None:
    """Share of ``population`` at or below ``value``, in percent (None when either is empty)."""
    if value is None or not population:
        return None
    return sum(1 for p in population if p <= value) / len(population) * 100


def _computed(
    groups: dict[tuple[str, str], list[tuple[str, float]]],
    shares: dict[str, float],
    closes: dict[str, float],
    level: int,
) -> list[IndustryMove]:
    out = []
    for (code, name), members in groups.items():
        weights = [shares.get(s, 0.0) * closes.get(s, 0.0) for s, _ in members]
        if members and all(w > 0 for w in weights):
            total = sum(weights)
            change = sum(w * c for w, (_, c) in zip(weights, members, strict=True)) / total
            method = CAP
        else:
            change = sum(c for _, c in members) / len(members) if members else None
            method = EQUAL
        out.append(IndustryMove(name, code, level, change, len(members), method))
    return out


def _official(
    con: duckdb.DuckDBPyConnection, view: MarketWindow, lo: object
) -> dict[tuple[str, int], float]:
    rows = con.execute(
        q.SW_INDEX_SQL, {"base": view.base_date, "end": view.end_date, "lo": lo}
    ).fetchall()
    return {
        (name, int(level or 0)): (end / base - 1) * 100
        for name, level, base, end in rows
        if base and end is not None
    }


def _ranked(moves: list[IndustryMove]) -> list[IndustryMove]:
    return sorted(moves, key=lambda m: (m.change_pct is None, -(m.change_pct or 0.0), m.code))


def industry_moves(
    con: duckdb.DuckDBPyConnection,
    changes: dict[str, float],
    view: MarketWindow,
    industry: str,
    closes: Callable[[], dict[str, float]],
) -> tuple[list[IndustryMove], list[IndustryMove], str, dict[str, str]]:
    """(level 1 ranked, the desk industry's level 2 ranked, how they were made, symbol ->
    level-1 name) for the stocks of ``changes`` (symbol -> weekly change, %); ``closes`` gives
    each stock's last close up to the week's end, asked only where share counts weigh them."""
    codes = {
        c: (l1, l2)
        for c, l1, l2 in con.execute(
            "SELECT industry_code, level1, level2 FROM sw_codes"
        ).fetchall()
    }
    member = dict(con.execute(q.INDUSTRY_SQL, {"day": view.end_date}).fetchall())
    by_symbol: dict[str, str] = {}
    l1: dict[tuple[str, str], list[tuple[str, float]]] = {}
    l2: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for code1, (name1, name2) in codes.items():  # every industry, even one with no stock
        if code1.endswith("0000"):
            l1.setdefault((code1, name1), [])
        elif code1.endswith("00") and name1 == industry and name2:
            l2.setdefault((code1, name2), [])
    for sym, code in member.items():
        c1, c2 = code[:2] + "0000", code[:4] + "00"
        if c1 not in codes:
            continue
        name1 = codes[c1][0]
        by_symbol[sym] = name1
        if sym not in changes:
            continue
        l1.setdefault((c1, name1), []).append((sym, changes[sym]))
        if name1 == industry and c2 in codes and codes[c2][1]:
            l2.setdefault((c2, codes[c2][1]), []).append((sym, changes[sym]))
    shares = dict(con.execute(q.SHARES_SQL, {"end": view.end_date}).fetchall())
    last_closes = closes() if shares else {}
    level1, level2 = _computed(l1, shares, last_closes, 1), _computed(l2, shares, last_closes, 2)
    official = _official(con, view, view.base_date)
    if official:
        level1 = [_with_official(m, official) for m in level1]
        level2 = [_with_official(m, official) for m in level2]
    methods = {m.method for m in level1 + level2}
    method = methods.pop() if len(methods) == 1 else "mixed"
    return _ranked(level1), _ranked(level2), method, by_symbol


def _with_official(move: IndustryMove, official: dict[tuple[str, int], float]) -> IndustryMove:
    found = official.get((move.name, move.level))
    if found is None:
        return move
    return IndustryMove(move.name, move.code, move.level, found, move.stocks, OFFICIAL)
