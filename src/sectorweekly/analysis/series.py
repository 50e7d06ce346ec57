"""Numbers a weekly issue draws from the series: the sector basket against its benchmark,
names to watch since they were first listed, rating actions, and the industry rating judged.

Prices come from the store (closes up to the window's end: an issue knows only what was known
when it was written); what was published comes from the archive, passed in as plain values.
No text here: the narrative turns these results into sentences.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from ..desk.parse import Band
from ..desk.rating_scale import band_of


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), clamped to the month's last day."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def load_closes(
    con: duckdb.DuckDBPyConnection,
    symbols: Sequence[str],
    lo: dt.date,
    hi: dt.date,
    closed: Mapping[str, Sequence[dt.date]] | None = None,
) -> pd.DataFrame:
    """Stored closes of ``symbols`` in ``[lo, hi]``, one row per day, with ``adjusted``: the
    close divided by the running product of the ex-rights factors (reference previous close
    over the prior stored close) since ``lo``, so that the ratio of two adjusted closes is the
    return with dividends and splits neutralised, as the weekly review measures it. Rows on a
    day ``closed`` lists for their market (the desk's declared closures) are not read, as the
    review reads none."""
    if not symbols:
        return pd.DataFrame(columns=["symbol", "date", "close", "adjusted"])
    found = con.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'prices' AND column_name = 'prev_close'"
    ).fetchall()[0][0]
    reference = "prev_close" if found else "CAST(NULL AS DOUBLE)"
    frame = con.execute(
        f"""
        WITH f AS (
            SELECT symbol, date, close,
                   coalesce({reference} / lag(close) OVER (PARTITION BY symbol ORDER BY date),
                            1.0) AS factor
            FROM prices
            WHERE symbol IN (SELECT unnest(?)) AND date BETWEEN ? AND ?
              AND NOT EXISTS (
                  SELECT 1 FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS m,
                                        unnest(CAST(? AS DATE[])) AS d) c
                  WHERE c.m = prices.market AND c.d = prices.date)
        )
        SELECT symbol, date, close,
               close / exp(sum(ln(factor)) OVER (PARTITION BY symbol ORDER BY date
                                                 ROWS UNBOUNDED PRECEDING)) AS adjusted
        FROM f ORDER BY symbol, date
        """,
        [list(symbols), lo, hi, *_closed_lists(closed)],
    ).df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def _closed_lists(
    closed: Mapping[str, Sequence[dt.date]] | None,
) -> tuple[list[str], list[dt.date]]:
    """``closed`` as (market, day) pairs in two lists, for the query."""
    pairs = [(m, d) for m, days in (closed or {}).items() for d in days]
    return [m for m, _ in pairs], [d for _, d in pairs]


def load_shares(
    con: duckdb.DuckDBPyConnection, symbols: Sequence[str], on: dt.date
) -> dict[str, float]:
    """Each symbol's share count nearest to ``on`` (latest on or before it, else the earliest)."""
    if not symbols:
        return {}
    rows = con.execute(
        "SELECT symbol, as_of, shares FROM shares WHERE symbol IN (SELECT unnest(?)) "
        "ORDER BY symbol, as_of",
        [list(symbols)],
    ).fetchall()
    out: dict[str, float] = {}
    for symbol, as_of, shares in rows:
        if symbol not in out or as_of <= on:
            out[symbol] = float(shares)
    return out


# --- the sector basket ------------------------------------------------------------------------


@dataclass
class BasketIndex:
    """The basket and the benchmark rebased to 100 on ``dates[0]``, with how it was built."""

    dates: list[dt.date]
    basket: list[float]
    benchmark: list[float]
    weighting: str  # "equal" or "cap"
    requested_start: dt.date
    members: list[str]  # counted at some point
    joined: dict[str, dt.date]  # member -> first day it counted, when after dates[0]
    left_out: dict[str, str]  # member -> why it never counted ("no_data", "no_shares", …)

    @property
    def short(self) -> bool:
        return bool(self.dates) and self.dates[0] > self.requested_start + dt.timedelta(days=7)


def basket_index(
    con: duckdb.DuckDBPyConnection,
    members: Mapping[str, str],
    benchmark: str,
    end: dt.date,
    months: int = 12,
    weighting: str = "equal",
    cap_markets: Sequence[str] = (),
    closed: Mapping[str, Sequence[dt.date]] | None = None,
) -> BasketIndex:
    """Daily-rebalanced basket of ``members`` (symbol -> market) against ``benchmark``.

    The grid is the benchmark's stored sessions in the last ``months`` months to ``end``; each
    member's close on a grid day is its last close on or before it (own calendar). A member
    counts from its second close on the grid (the first return). ``cap`` weights each day's
    returns by the previous close times the share count, for members of ``cap_markets`` (one
    currency) that have share counts; the others are left out and named. Returns are measured
    on ex-rights-adjusted closes (see :func:`load_closes`).
    """
    start = add_months(end, -months)
    symbols = list(members)
    frame = load_closes(con, [*symbols, benchmark], start - dt.timedelta(days=14), end, closed)
    bench = frame[frame["symbol"] == benchmark].set_index("date")["close"]
    grid = [d for d in bench.index if d >= start]
    left_out: dict[str, str] = {}
    shares: dict[str, float] = {}
    if weighting == "cap":
        shares = load_shares(con, symbols, end)
        for s in symbols:
            if members[s] not in cap_markets:
                left_out[s] = "other_currency"
            elif s not in shares:
                left_out[s] = "no_shares"
    wide = (
        frame[frame["symbol"].isin([s for s in symbols if s not in left_out])]
        .pivot(index="date", columns="symbol", values="adjusted")
        .sort_index()
    )
    for s in symbols:
        if s not in left_out and s not in wide.columns:
            left_out[s] = "no_data"
    if not grid or wide.empty:
        return BasketIndex([], [], [], weighting, start, [], {}, left_out)
    every = sorted(set(wide.index) | set(grid))
    on_grid = wide.reindex(every).ffill().reindex(grid)
    # a member counts only from its first stored close (ffill never reaches before it)
    prev = on_grid.shift(1)
    rets = on_grid / prev - 1.0
    total, day_ret = _day_returns(frame, on_grid, rets, every, grid, shares, weighting)
    first = next((i for i, t in enumerate(total) if t > 0), None)
    if first is None:
        return BasketIndex([], [], [], weighting, start, [], {}, left_out)
    origin = first - 1  # the day before the first return: the basket starts at 100 there
    day_ret = day_ret.iloc[origin + 1 :].fillna(0.0)
    level = 100.0 * np.cumprod(1.0 + day_ret.to_numpy())
    dates = grid[origin:]
    base = float(bench.loc[dates[0]])
    counted = [c for c in on_grid.columns if rets[c].notna().any()]
    joined = {}
    for c in counted:
        first_close = on_grid[c].first_valid_index()
        if first_close is not None and first_close > dates[0]:
            joined[c] = first_close
    return BasketIndex(
        dates=list(dates),
        basket=[100.0, *(round(float(v), 4) for v in level)],
        benchmark=[round(float(bench.loc[d]) / base * 100.0, 4) for d in dates],
        weighting=weighting,
        requested_start=start,
        members=counted,
        joined=joined,
        left_out=left_out,
    )


def _day_returns(
    frame: pd.DataFrame,
    on_grid: pd.DataFrame,
    rets: pd.DataFrame,
    every: list[dt.date],
    grid: list[dt.date],
    shares: Mapping[str, float],
    weighting: str,
) -> tuple[pd.Series, pd.Series]:
    """Each grid day's total weight and the basket's return: the members' returns weighted
    equally, or by the previous day's market cap (unadjusted close times shares) for ``cap``."""
    if weighting == "cap":
        raw = frame[frame["symbol"].isin(on_grid.columns)].pivot(
            index="date", columns="symbol", values="close"
        )
        raw_prev = raw.reindex(every).ffill().reindex(grid)[on_grid.columns].shift(1)
        caps = raw_prev * pd.Series(shares).reindex(on_grid.columns)
        weights = caps.where(rets.notna())
    else:
        weights = rets.notna().astype(float).where(rets.notna())
    total = weights.sum(axis=1)
    return total, (rets * weights).sum(axis=1) / total.replace(0.0, np.nan)


# --- names to watch since first listed --------------------------------------------------------


def close_on_or_before(
    closes: Mapping[str, tuple[list[dt.date], list[float]]], symbol: str, day: dt.date
) -> tuple[dt.date, float] | None:
    """The last stored close of ``symbol`` on or before ``day`` (its own sessions)."""
    if symbol not in closes:
        return None
    dates, values = closes[symbol]
    i = _last_on_or_before(dates, day)
    return None if i is None else (dates[i], values[i])


def by_symbol(
    frame: pd.DataFrame, column: str = "close"
) -> dict[str, tuple[list[dt.date], list[float]]]:
    return {
        str(s): (list(g["date"]), [float(v) for v in g[column]])
        for s, g in frame.groupby("symbol", sort=False)
    }


@dataclass
class SinceListed:
    """A name to watch measured from the issue that first listed it to this issue's cut-off."""

    symbol: str
    first_listed: dt.date | None  # publication date of the first archived issue listing it
    at_archive_start: bool  # listed in the archive's first issue: maybe listed earlier
    status: str  # "new" (first listed in this issue), "kept", "dropped"
    start_date: dt.date | None = None
    start_close: float | None = None
    end_date: dt.date | None = None
    end_close: float | None = None
    return_pct: float | None = None
    benchmark: str | None = None
    benchmark_return_pct: float | None = None
    excess_pct: float | None = None


def since_listed(
    con: duckdb.DuckDBPyConnection,
    names: Sequence[tuple[str, str, str]],
    first: Mapping[str, tuple[dt.date, dt.date]],
    archive_start: dt.date | None,
    benchmarks: Mapping[str, str],
    end: dt.date,
    closed: Mapping[str, Sequence[dt.date]] | None = None,
) -> list[SinceListed]:
    """``names``: (symbol, market, status); ``first``: symbol -> (publication date, data cut-off)
    of the first archived issue listing it. Returns are close to close, start = the last close on
    or before that issue's cut-off, end = the last close on or before ``end``; an ex-rights day
    between them counts from its reference previous close (除权除息参考价)."""
    starts = [cut for _, cut in first.values()]
    lo = min(starts) - dt.timedelta(days=14) if starts else end
    symbols = sorted({s for s, _, _ in names} | set(benchmarks.values()))
    frame = load_closes(con, symbols, lo, end, closed)
    closes, adjusted = by_symbol(frame), by_symbol(frame, "adjusted")
    out = []
    for symbol, market, status in names:
        item = SinceListed(symbol, None, False, status)
        out.append(item)
        if symbol not in first:
            continue
        pub, cut = first[symbol]
        item.first_listed = pub
        item.at_archive_start = archive_start is not None and pub <= archive_start
        a, b = close_on_or_before(closes, symbol, cut), close_on_or_before(closes, symbol, end)
        if a is None or b is None:
            continue
        item.start_date, item.start_close = a
        item.end_date, item.end_close = b
        a_adj = close_on_or_before(adjusted, symbol, cut)
        b_adj = close_on_or_before(adjusted, symbol, end)
        assert a_adj is not None and b_adj is not None
        item.return_pct = (b_adj[1] / a_adj[1] - 1.0) * 100.0
        bench = benchmarks.get(market)
        if bench is None:
            continue
        item.benchmark = bench
        ba, bb = close_on_or_before(closes, bench, cut), close_on_or_before(closes, bench, end)
        if ba is None or bb is None:
            continue
        item.benchmark_return_pct = (bb[1] / ba[1] - 1.0) * 100.0
        item.excess_pct = item.return_pct - item.benchmark_return_pct
    return out


def mean_of(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None and not math.isnan(v)]
    return sum(known) / len(known) if known else None


# --- rating actions ---------------------------------------------------------------------------


def rating_action(previous: str | None, current: str, order: Sequence[str]) -> str:
    """ "initiate", "maintain", "upgrade" or "downgrade" (``order`` is best first)."""
    if previous is None:
        return "initiate"
    if previous == current or previous not in order or current not in order:
        return "maintain" if previous == current else "change"
    return "upgrade" if order.index(current) < order.index(previous) else "downgrade"


def rating_actions(ratings: pd.DataFrame, order: Sequence[str]) -> dict[tuple[str, dt.date], str]:
    """Each stored rating's action against the same name's previous rating."""
    out: dict[tuple[str, dt.date], str] = {}
    for symbol, group in ratings.sort_values("date").groupby("symbol", sort=False):
        prev = None
        for day, rating in zip(group["date"], group["rating"], strict=True):
            out[(str(symbol), pd.Timestamp(day).date())] = rating_action(prev, str(rating), order)
            prev = str(rating)
    return out


# --- the industry rating judged ---------------------------------------------------------------


@dataclass
class IndustryJudgement:
    """One archived industry rating over one horizon: basket against benchmark."""

    publication_date: dt.date
    rating: str
    months: int
    status: str  # "hit", "miss", "pending", "no_data"
    start_date: dt.date | None = None
    end_date: dt.date | None = None  # horizon end, or the last day known when pending
    basket_return_pct: float | None = None
    benchmark_return_pct: float | None = None
    excess_pct: float | None = None
    realized: str | None = None


def judge_industry(
    index: BasketIndex,
    issues: Sequence[tuple[dt.date, str]],
    bands: Sequence[Band],
    horizons: Sequence[int] = (6, 12),
) -> list[IndustryJudgement]:
    """Judge each (publication date, industry rating) on the basket index, like a company rating:
    start = the last index day on or before the date, end = the last on or before date + N
    months; an end past the index's last day is pending with the interim excess."""
    out = []
    dates = index.dates
    for day, rating in issues:
        for months in horizons:
            j = IndustryJudgement(day, rating, months, "no_data")
            out.append(j)
            i0 = _last_on_or_before(dates, day)
            if i0 is None or not rating:
                continue
            target = add_months(day, months)
            pending = not dates or target > dates[-1]
            i1 = len(dates) - 1 if pending else _last_on_or_before(dates, target)
            assert i1 is not None
            j.start_date, j.end_date = dates[i0], dates[i1]
            j.basket_return_pct = (index.basket[i1] / index.basket[i0] - 1.0) * 100.0
            j.benchmark_return_pct = (index.benchmark[i1] / index.benchmark[i0] - 1.0) * 100.0
            j.excess_pct = j.basket_return_pct - j.benchmark_return_pct
            if pending:
                j.status = "pending"
                continue
            j.realized = band_of(bands, j.excess_pct)
            j.status = "hit" if j.realized == rating else "miss"
    return out


def _last_on_or_before(dates: Sequence[dt.date], day: dt.date) -> int | None:
    idx = bisect.bisect_right(dates, day)
    return idx - 1 if idx > 0 else None
