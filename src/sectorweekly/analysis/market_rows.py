"""The rows of the whole A-share market a 全市场周度复盘 reads, in one bounded query, as arrays.

Every stock's rows from ``start`` (a session before the earlier week's base) to ``hi``, the last
row before ``start`` (its close is the first row's prior close, and a base close for a stock
suspended since), and the whole lookback from ``lo`` of the stocks whose limit-up run may reach
back: those whose first row closed at a limit-up price of any rule there is, or did not trade on
``start`` (their run may end before a suspension). Nothing older is read, so a store of twenty
years costs what a store of one does. The rows come sorted by stock and date; the prior close of
each row is the row before's, from the arrays, without a window in the query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import duckdb
import numpy as np
import pandas as pd

from ..markets import cn_limits

ROWS_SQL = f"""
WITH before AS (
    SELECT symbol, max(date) AS date, arg_max(close, date) AS close
    FROM cn_bars WHERE date >= $lo AND date < $start GROUP BY symbol
), first AS (
    SELECT symbol, min(date) AS date, arg_min(close, date) AS close,
           arg_min(pre_close, date) AS pre_close
    FROM cn_bars WHERE date BETWEEN $start AND $hi GROUP BY symbol
), deep AS (
    SELECT f.symbol FROM first f LEFT JOIN before b ON b.symbol = f.symbol
    WHERE f.date > $start OR list_contains(
        list_transform({list(cn_limits.LIMIT_PCTS)}, lambda x:
            (CAST(round(coalesce(f.pre_close, b.close) * 100) AS BIGINT) * (100 + x) + 50)
            // 100),
        CAST(round(f.close * 100) AS BIGINT))
)
SELECT symbol, date, open, high, low, close, amount, pre_close, bare,
       symbol IN (SELECT symbol FROM cn_universe) AS member FROM (
    SELECT symbol, date, open, high, low, close, amount, pre_close, false AS bare FROM cn_bars
    WHERE date BETWEEN $start AND $hi
    UNION ALL
    SELECT symbol, date, open, high, low, close, amount, pre_close, false FROM cn_bars
    WHERE date >= $lo AND date < $start AND symbol IN (SELECT symbol FROM deep)
    UNION ALL
    SELECT symbol, date, NULL, NULL, NULL, close, NULL, NULL, true FROM before
    WHERE symbol NOT IN (SELECT symbol FROM deep)
) ORDER BY symbol, date
"""


@dataclass(frozen=True)
class Rows:
    """The rows read, sorted by stock and date, with each stock's span of them."""

    symbol: np.ndarray  # object (str)
    date: np.ndarray  # datetime64[D]
    open: np.ndarray  # float64, NaN where not stored
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    amount: np.ndarray
    pre_close: np.ndarray  # the exchange's reference previous close (ex-dates), NaN where none
    bare: np.ndarray  # bool: only a prior close (the last row before the read), not judged
    member: np.ndarray  # bool: a stock of the stored universe (only those are judged)
    start: dt.date  # rows from here on are every stock's; before it, the lookback rows

    @property
    def size(self) -> int:
        return len(self.symbol)

    @cached_property
    def new_stock(self) -> np.ndarray:
        """Whether each row is its stock's first."""
        return _new_stock(self.symbol)

    @cached_property
    def first(self) -> np.ndarray:
        """Index of each row's stock's first row."""
        idx = np.where(self.new_stock, np.arange(self.size), 0)
        return np.maximum.accumulate(idx) if self.size else idx

    @cached_property
    def starts(self) -> np.ndarray:
        """Index of each stock's first row, in order."""
        return np.flatnonzero(self.new_stock)

    @cached_property
    def prior_close(self) -> np.ndarray:
        """The close of the stock's row before (NaN on its first row)."""
        prior = np.empty(self.size)
        prior[:1] = np.nan
        prior[1:] = self.close[:-1]
        prior[self.new_stock] = np.nan
        return prior

    @cached_property
    def prev_close(self) -> np.ndarray:
        """The limit's reference: the stored reference price, else the prior close."""
        return np.where(np.isnan(self.pre_close), self.prior_close, self.pre_close)


def _new_stock(symbol: np.ndarray) -> np.ndarray:
    new = np.ones(len(symbol), dtype=bool)
    new[1:] = symbol[1:] != symbol[:-1]
    return new


def _floats(values: np.ndarray) -> np.ndarray:
    return np.ma.filled(np.ma.asarray(values, dtype="float64"), np.nan)


def read(
    con: duckdb.DuckDBPyConnection,
    lo: dt.date,
    start: dt.date,
    hi: dt.date,
    sessions: pd.DatetimeIndex,
) -> Rows:
    """The rows of the read ``lo`` / ``start`` .. ``hi`` on the market's ``sessions`` (see the
    module's docstring)."""
    got = con.execute(ROWS_SQL, {"lo": lo, "start": start, "hi": hi}).fetchnumpy()
    date = np.asarray(got["date"]).astype("datetime64[D]")
    on = np.isin(date, sessions.values.astype("datetime64[D]"))
    return Rows(
        symbol=np.asarray(got["symbol"], dtype=object)[on],
        date=date[on],
        **{k: _floats(got[k])[on] for k in ("open", "high", "low", "close", "amount", "pre_close")},
        bare=np.asarray(got["bare"], dtype=bool)[on],
        member=np.asarray(got["member"], dtype=bool)[on],
        start=start,
    )


@dataclass(frozen=True)
class Moves:
    """One week's stocks: base close (NaN: none on or before the base session), end close (NaN:
    no row in the week) and the reference factor of the week's ex-dates."""

    symbols: np.ndarray
    base: np.ndarray
    end: np.ndarray
    factor: np.ndarray


def moves(rows: Rows, base: dt.date, end: dt.date) -> Moves:
    """Every stock's week ``base`` (exclusive) .. ``end``: the last close on or before the base
    session, the last close in the week, and the product of (prior close / reference close) over
    the week's stored ex-dates, which puts the base close on the end close's footing."""
    starts = rows.starts
    if not len(starts):
        empty = np.array([], dtype="float64")
        return Moves(np.array([], dtype=object), empty, empty, empty)
    i = np.arange(rows.size)
    b, e = np.datetime64(base, "D"), np.datetime64(end, "D")
    in_base, in_week = rows.date <= b, (rows.date > b) & (rows.date <= e)

    def last_close(mask: np.ndarray) -> np.ndarray:
        at = np.maximum.reduceat(np.where(mask, i, -1), starts)
        return np.where(at >= 0, rows.close[np.maximum(at, 0)], np.nan)

    prior, pre = rows.prior_close, rows.pre_close
    ex = in_week & ~np.isnan(pre) & ~np.isnan(prior)
    logs = np.zeros(rows.size)
    logs[ex] = np.log(prior[ex] / pre[ex])
    factor = np.exp(np.add.reduceat(logs, starts))
    return Moves(rows.symbol[starts], last_close(in_base), last_close(in_week), factor)


def cents(prices: np.ndarray) -> np.ndarray:
    """Prices in whole cents, rounded half-up as the store's SQL rounds (NaN stays NaN)."""
    return np.floor(prices * 100 + 0.5)


def day_index(dates: np.ndarray, days: list[dt.date]) -> np.ndarray:
    """Each row's position in ``days`` (sorted), -1 for a row on none of them."""
    wanted = np.array(sorted(days), dtype="datetime64[D]")
    if not len(wanted):
        return np.full(len(dates), -1)
    pos = np.searchsorted(wanted, dates)
    hit = (pos < len(wanted)) & (wanted[np.minimum(pos, len(wanted) - 1)] == dates)
    return np.where(hit, pos, -1)


def as_frame(rows: Rows, mask: np.ndarray, sessions: pd.DatetimeIndex) -> pd.DataFrame:
    """The rows of ``mask`` as the limit engine reads them: row id, symbol, day (days since
    1970-01-01), session ordinal and reference previous close."""
    idx = np.flatnonzero(mask)
    days = rows.date[idx]
    return pd.DataFrame(
        {
            "row_id": idx,
            "symbol": rows.symbol[idx],
            "day": (days - np.datetime64("1970-01-01", "D")).astype("int64"),
            "session_idx": np.searchsorted(sessions.values.astype("datetime64[D]"), days),
            "prev_close": rows.prev_close[idx],
        }
    )
