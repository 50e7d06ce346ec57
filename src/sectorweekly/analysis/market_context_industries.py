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
    stocks: pd.DataFrame, groups: list[tuple[str, str]], column: str, level: int
) -> list[IndustryMove]:
    """Each industry of ``groups`` (code, name; even one with no stock) from its ``stocks``
    (rows with ``column`` its code, ``chg`` and ``weight``): cap-weighted where every
    constituent has a weight, else equally weighted."""
    by = stocks.groupby(column, sort=False)
    count, mean = by["chg"].count(), by["chg"].mean()
    weighted = (stocks["chg"] * stocks["weight"]).groupby(stocks[column]).sum()
    total, least = by["weight"].sum(), by["weight"].min()
    out = []
    for code, name in groups:
        n = int(count.get(code, 0))
        if n and least[code] > 0:
            out.append(IndustryMove(name, code, level, weighted[code] / total[code], n, CAP))
        else:
            change = float(mean[code]) if n else None
            out.append(IndustryMove(name, code, level, change, n, EQUAL))
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
    stocks: pd.DataFrame  # the stocks with a weekly change: symbol, name1, chg


def industry_moves(
    con: duckdb.DuckDBPyConnection,
    changes: pd.Series,
    view: MarketWindow,
    industry: str,
    closes: Callable[[], pd.Series],
) -> Industries:
    """The 申万 industries of the stocks of ``changes`` (weekly change, %, by symbol) and the
    desk ``industry``'s level 2; ``closes`` gives each stock's last close up to the week's end,
    asked only where share counts weigh them."""
    codes = con.execute("SELECT industry_code, level1, level2 FROM sw_codes").fetchall()
    groups1 = [(c, n1) for c, n1, _ in codes if c.endswith("0000")]
    groups2 = [
        (c, n2) for c, n1, n2 in codes if not c.endswith("0000") and c.endswith("00")
        and n1 == industry and n2
    ]  # fmt: skip
    member = con.execute(q.INDUSTRY_SQL, {"day": view.end_date}).df()
    of = dict(zip(member["symbol"].tolist(), member["name1"].tolist(), strict=True))
    member["chg"] = changes.reindex(member["symbol"]).to_numpy()
    stocks = member[member["chg"].notna()].reset_index(drop=True)
    shares = con.execute(q.SHARES_SQL, {"end": view.end_date}).df()
    if len(shares):
        worth = shares.set_index("symbol")["shares"] * closes().reindex(shares["symbol"]).values
        stocks["weight"] = worth.reindex(stocks["symbol"]).fillna(0.0).to_numpy()
    else:
        stocks["weight"] = 0.0
    own = stocks[(stocks["name1"] == industry) & stocks["name2"].notna() & (stocks["name2"] != "")]
    seen = set(groups2)
    groups2 += [
        g for g in zip(own["c2"], own["name2"], strict=True) if not (g in seen or seen.add(g))
    ]
    level1 = _computed(stocks, groups1, "c1", 1)
    level2 = _computed(own, groups2, "c2", 2)
    official = _official(con, view, view.base_date)
    if official:
        level1 = [_with_official(m, official) for m in level1]
        level2 = [_with_official(m, official) for m in level2]
    methods = {m.method for m in level1 + level2}
    method = methods.pop() if len(methods) == 1 else "mixed"
    return Industries(
        _ranked(level1), _ranked(level2), method, of, stocks[["symbol", "name1", "chg"]]
    )


def _with_official(move: IndustryMove, official: dict[tuple[str, int], float]) -> IndustryMove:
    found = official.get((move.name, move.level))
    if found is None:
        return move
    return IndustryMove(move.name, move.code, move.level, found, move.stocks, OFFICIAL)
