"""The 申万 industries' weekly changes: the official index closes where the store has them, else
computed from the constituents (weighted by market cap where every constituent has a share
count, else equally) — and which of the three each figure is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

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


def percentile(value: float | None, population: np.ndarray) -> float | None:
    """Share of ``population`` (sorted) at or below ``value``, in percent (None when either is
    empty)."""
    if value is None or not len(population):
        return None
    return float(np.searchsorted(population, value, side="right")) / len(population) * 100


def _computed(
    codes: np.ndarray,
    chg: np.ndarray,
    weight: np.ndarray,
    groups: list[tuple[str, str]],
    level: int,
) -> list[IndustryMove]:
    """Each industry of ``groups`` (code, name; even one with no stock) from its stocks (their
    ``codes``, weekly changes and weights): cap-weighted where every constituent has a weight,
    else equally weighted."""
    inv, keys = pd.factorize(codes)
    size = len(keys)
    count = np.bincount(inv, minlength=size)
    total = np.bincount(inv, weights=chg, minlength=size)
    worth = np.bincount(inv, weights=weight, minlength=size)
    weighted = np.bincount(inv, weights=weight * chg, minlength=size)
    least = np.full(size, np.inf)
    np.minimum.at(least, inv, weight)
    at = {k: i for i, k in enumerate(keys.tolist())}
    out = []
    for code, name in groups:
        i = at.get(code)
        if i is None:
            out.append(IndustryMove(name, code, level, None, 0, EQUAL))
        elif least[i] > 0:
            out.append(IndustryMove(name, code, level, weighted[i] / worth[i], int(count[i]), CAP))
        else:
            out.append(IndustryMove(name, code, level, total[i] / count[i], int(count[i]), EQUAL))
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


@dataclass(frozen=True)
class Industries:
    """The industries ranked, how they were made, and every stock's level-1 industry."""

    level1: list[IndustryMove]  # ranked
    level2: list[IndustryMove]  # the desk industry's, ranked
    method: str  # official | cap | equal | mixed
    of: dict[str, str]  # symbol -> level-1 name (every stock of the membership)


def industry_moves(
    con: duckdb.DuckDBPyConnection,
    changes: dict[str, float],
    view: MarketWindow,
    industry: str,
    closes: Callable[[], dict[str, float]],
) -> Industries:
    """The 申万 industries of the stocks of ``changes`` (symbol -> weekly change, %) and the
    desk ``industry``'s level 2; ``closes`` gives each stock's last close up to the week's end,
    asked only where share counts weigh them."""
    names = {c: (n1, n2) for c, n1, n2 in con.execute(q.CODES_SQL).fetchall()}
    groups1 = [(c, n1) for c, (n1, _) in names.items() if c.endswith("0000")]
    groups2 = [
        (c, n2) for c, (n1, n2) in names.items() if not c.endswith("0000") and c.endswith("00")
        and n1 == industry and n2
    ]  # fmt: skip
    of: dict[str, str] = {}  # every stock of the membership whose level 1 is a stored code
    stocks: list[str] = []  # those with a weekly change, and their codes and changes
    code1: list[str] = []
    code2: list[str] = []
    chg: list[float] = []
    for sym, c1, c2 in con.execute(q.INDUSTRY_SQL, {"day": view.end_date}).fetchall():
        found = names.get(c1)
        if found is None:
            continue
        of[sym] = found[0]
        change = changes.get(sym)
        if change is not None:
            stocks.append(sym)
            code1.append(c1)
            code2.append(c2)
            chg.append(change)
    shares = dict(con.execute(q.SHARES_SQL, {"end": view.end_date}).fetchall())
    weight = np.zeros(len(stocks))
    if shares:
        last = closes()
        weight = np.array([shares.get(s, 0.0) * last.get(s, 0.0) for s in stocks], "float64")
    changes_arr = np.array(chg, dtype="float64")
    level1 = _computed(np.array(code1, dtype=object), changes_arr, weight, groups1, 1)
    own = [  # the desk industry's stocks with a level 2 of its own
        i for i, (c1, c2) in enumerate(zip(code1, code2, strict=True))
        if names[c1][0] == industry and c2 in names and names[c2][1]
    ]  # fmt: skip
    mine = np.array([code2[i] for i in own], dtype=object)
    groups2 += sorted({(c, names[c][1]) for c in mine.tolist()} - set(groups2))
    level2 = _computed(mine, changes_arr[own], weight[own], groups2, 2)
    official = _official(con, view, view.base_date)
    if official:
        level1 = [_with_official(m, official) for m in level1]
        level2 = [_with_official(m, official) for m in level2]
    methods = {m.method for m in level1 + level2}
    method = methods.pop() if len(methods) == 1 else "mixed"
    return Industries(_ranked(level1), _ranked(level2), method, of)


def _with_official(move: IndustryMove, official: dict[tuple[str, int], float]) -> IndustryMove:
    found = official.get((move.name, move.level))
    if found is None:
        return move
    return IndustryMove(move.name, move.code, move.level, found, move.stocks, OFFICIAL)
