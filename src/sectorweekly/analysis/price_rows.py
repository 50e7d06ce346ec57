"""Stored price rows of a few series, indexed for "the last row on or before day D".

The scorecard asks this question millions of times (a rating's start and end closes, the
benchmark's). Answering it with joins in the store meant hashing millions of (symbol, date)
keys on every call; here the rows are read once (one scan) and laid out per series on a
calendar-day grid whose every cell holds the last row on or before that day, so each answer
is an array lookup. A store's primary key (symbol, date) makes each row's cell unique.

Days are ``int32`` day numbers (days since 1970-01-01); ``NO_DAY`` marks a missing one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

NO_DAY = np.iinfo(np.int32).min
BATCH_ROWS = 1 << 18  # price rows fetched at a time
NO_ROW = -1


def day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


@dataclass
class Nullable:
    """A nullable DOUBLE column: values with NaN for null, and the validity of each row when
    the column also holds NaN as a value (else null is exactly NaN and no mask is kept)."""

    values: np.ndarray
    valid: np.ndarray | None

    @classmethod
    def of(cls, values: np.ndarray, valid: np.ndarray) -> Nullable:
        """From values read with NaN for null, and the validity of each."""
        if int(np.isnan(values).sum()) == len(valid) - int(valid.sum()):
            return cls(values, None)
        return cls(values, valid)

    def at(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values at ``rows`` and whether each is there (not null, row not ``NO_ROW``)."""
        values = take(self.values, rows)
        ok = rows >= 0
        ok &= ~np.isnan(values) if self.valid is None else take(self.valid, rows)
        return values, ok


def take(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values`` at ``rows``; where a row is ``NO_ROW`` the value is meaningless."""
    if not len(values):
        return np.zeros(rows.shape, dtype=values.dtype)
    return values[rows]


@dataclass
class PriceRows:
    """Rows of the wanted series (``series`` = position in the list given to :func:`load`)."""

    day: np.ndarray  # int32 per row
    close: np.ndarray  # float64 per row (the column is NOT NULL)
    adj_close: Nullable
    no_volume: np.ndarray  # bool per row: volume is 0 (a suspension's row); False if null
    adjustment: np.ndarray  # int32 per row: its adjustment's index in adjustments, -1 if null
    adjustments: list[str]  # the distinct adjustment codes
    last: np.ndarray  # int32 per series: its last stored day, NO_DAY if none
    lo: int  # the first day a lookup may ask for
    _start: np.ndarray  # per series: its cell of day 0 (its cell of day D is _start + D)
    _first: np.ndarray  # per series: its cell 0 ("before lo")
    _last: np.ndarray  # per series: its last cell (the day of its last row)
    _cells: np.ndarray  # per grid cell: the last row on or before its day (in cell 0 of a
    #                     series: before ``lo``), NO_ROW if none

    def at_or_before(self, series: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Row index of the last row of ``series`` dated on or before ``day`` (same shapes),
        ``NO_ROW`` where there is none or where ``series`` < 0 or ``day`` is ``NO_DAY``."""
        ask = (series >= 0) & (day != NO_DAY)
        if ask.all():
            s, d = series, day
        else:
            s, d = np.where(ask, series, 0), np.where(ask, day, self.lo)
        if d.size and int(d.min()) < self.lo:
            raise ValueError(f"lookup before day {self.lo}, the first day this index covers")
        cell = self._start[s] + d
        np.clip(cell, self._first[s], self._last[s], out=cell)
        rows = self._cells[cell]
        rows[~ask] = NO_ROW
        return rows

    def adjustment_at(self, rows: np.ndarray) -> pd.Series:
        """The adjustment of each row (null at ``NO_ROW``), as pandas text, the way a text
        column of the store reaches pandas."""
        code = np.where(rows >= 0, take(self.adjustment, rows), -1)
        missing = code < 0
        index = pa.array(np.where(missing, 0, code).astype(np.int32), mask=missing)
        values = pa.array(self.adjustments, pa.string())
        return pa.DictionaryArray.from_arrays(index, values).cast(pa.string()).to_pandas()


def load(
    con: duckdb.DuckDBPyConnection, symbols: Sequence[str], lo: dt.date, as_of: dt.date
) -> PriceRows:
    """Read every stored row of ``symbols`` dated up to ``as_of`` (one scan of ``prices``);
    lookups may ask for any day from ``lo`` on."""
    wanted = pa.table(
        {
            "series": pa.array(np.arange(len(symbols), dtype=np.int32)),
            "symbol": pa.array(list(symbols), pa.string()),
        }
    )
    # the adjustment travels as its index among the few distinct ones, not as text
    adjustments = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT adjustment FROM prices WHERE adjustment IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    whens = " ".join(
        "WHEN '" + a.replace("'", "''") + f"' THEN {i}" for i, a in enumerate(adjustments)
    )
    adjustment = f"CASE p.adjustment {whens} ELSE -1 END" if whens else "-1"
    con.register("sw_series", wanted)
    try:
        bound = con.execute("SELECT count(*) FROM prices").fetchall()[0][0]
        reader = con.sql(
            "SELECT s.series, p.date, p.close, p.adj_close, "
            f"coalesce(p.volume = 0, false) AS no_volume, CAST({adjustment} AS INTEGER) AS code "
            "FROM prices p JOIN sw_series s ON p.symbol = s.symbol WHERE p.date <= $as_of",
            params={"as_of": as_of},
        ).to_arrow_reader(BATCH_ROWS)
        cols, adj_valid = _collect(reader, bound)
    finally:
        con.unregister("sw_series")
    series, day, close, adj_close, no_volume, code = cols
    rows = _grid(series, day, len(symbols), day_number(lo))
    return PriceRows(
        day=day,
        close=close,
        adj_close=Nullable.of(adj_close, adj_valid),
        no_volume=no_volume,
        adjustment=code,
        adjustments=adjustments,
        lo=day_number(lo),
        **rows,
    )


def _collect(reader: pa.RecordBatchReader, bound: int) -> tuple[list[np.ndarray], np.ndarray]:
    """The batches' columns copied into numpy arrays of at most ``bound`` rows (batch by
    batch, so the batches' memory is reused), dates as day numbers, NaN for a null
    ``adj_close``; and the validity of ``adj_close``."""
    dtypes = [np.int32, np.int32, np.float64, np.float64, np.bool_, np.int32]
    out = [np.empty(bound, dtype=t) for t in dtypes]
    valid = None
    n = 0
    for batch in reader:
        k = batch.num_rows
        for o, column in zip(out, batch.columns, strict=True):
            if pa.types.is_date32(column.type):
                column = column.view(pa.int32())
            o[n : n + k] = column.to_numpy(zero_copy_only=False)
        adj = batch.column(3)
        if adj.null_count:
            if valid is None:
                valid = np.ones(bound, dtype=bool)
            valid[n : n + k] = adj.is_valid().to_numpy(zero_copy_only=False)
        n += k
    return [o[:n] for o in out], (np.ones(n, dtype=bool) if valid is None else valid[:n])


def _grid(series: np.ndarray, day: np.ndarray, n_series: int, lo: int) -> dict[str, np.ndarray]:
    """Per series a run of cells: cell 0 for "before ``lo``", then one per calendar day from
    its first row on or after ``lo`` to its last row; each cell points at the last row on or
    before its day."""
    last = np.full(n_series, NO_DAY, dtype=np.int32)
    np.maximum.at(last, series, day)
    late = day >= lo
    every = bool(late.all())
    s_late, d_late = (series, day) if every else (series[late], day[late])
    first = np.full(n_series, np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(first, s_late, d_late)
    has = last >= lo
    base = np.where(has, first, lo).astype(np.int64)
    span = np.where(has, last - base + 1, 0)
    offset = np.zeros(n_series + 1, dtype=np.int64)
    np.cumsum(span + 1, out=offset[1:])
    total = int(offset[-1])
    index = (
        np.int32 if max(len(day), total + int(np.abs(base).max(initial=0))) < 2**31 else np.int64
    )
    start = (offset[:-1] + 1 - base).astype(index)
    cells = np.full(total, NO_ROW, dtype=index)
    cells[start[s_late] + d_late] = (
        np.arange(len(day), dtype=index) if every else np.flatnonzero(late).astype(index)
    )
    if not every:  # cell 0: each series' last row before lo
        early = ~late
        before = np.full(n_series, NO_DAY, dtype=np.int32)
        np.maximum.at(before, series[early], day[early])
        pick = np.flatnonzero(early & (day == before[series]))
        cells[offset[series[pick]]] = pick.astype(index)
    filled = np.arange(total, dtype=index)
    np.multiply(filled, cells != NO_ROW, out=filled)
    filled[offset[:-1]] = offset[:-1]  # a series never reads the cells of the one before it
    np.maximum.accumulate(filled, out=filled)  # each cell: the last cell with a row
    np.take(cells, filled, out=filled, mode="clip")  # in place: each cell, that cell's row
    return {
        "last": last,
        "_start": start,
        "_first": offset[:-1].astype(index),
        "_last": (offset[:-1] + span).astype(index),
        "_cells": filled,
    }
