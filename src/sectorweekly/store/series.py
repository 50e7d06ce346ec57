"""Alternative-data tables of the store: tracker series (visits, downloads…) and GPU prices.

The tables themselves are part of the store's schema (``store/schema.py``); rows reach them only
through ``store.ingest``. Readers of a version-1 store that never had them see no tracker data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

CATEGORIES = ("visits", "downloads", "gpu-price", "other")

SERIES_COLUMNS = [
    "category",
    "series",
    "series_group",
    "period_start",
    "period_end",
    "value",
    "unit",
    "source",
    "partial",
    "alias_of",
    "sample",
    "fetched_at",
]
GPU_COLUMNS = ["date", "model", "condition", "price", "currency", "source", "sample", "fetched_at"]


def has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_name IN ('tracker_series', 'gpu_prices')"
    ).fetchall()
    return rows[0][0] == 2


@dataclass(frozen=True)
class SeriesRow:
    """One stored period of one tracker series."""

    category: str
    series: str
    group: str
    period_start: dt.date
    period_end: dt.date
    value: float
    unit: str
    source: str
    partial: bool
    alias_of: str | None
    sample: bool


@dataclass(frozen=True)
class GpuRow:
    date: dt.date
    model: str
    condition: str
    price: float
    currency: str
    source: str
    sample: bool


def series_rows(
    con: duckdb.DuckDBPyConnection, category: str | None = None, series: list[str] | None = None
) -> list[SeriesRow]:
    """Stored tracker rows, by category and series name, oldest period first."""
    if not has_tables(con):
        return []
    where, args = [], []
    if category is not None:
        where.append("category = ?")
        args.append(category)
    if series is not None:
        where.append("list_contains(?, series)")
        args.append(series)
    sql = (
        "SELECT category, series, series_group, period_start, period_end, value, unit, source, "
        "partial, alias_of, sample FROM tracker_series"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY category, series, period_start"
    )
    return [SeriesRow(*r) for r in con.execute(sql, args).fetchall()]


def gpu_rows(con: duckdb.DuckDBPyConnection, until: dt.date | None = None) -> list[GpuRow]:
    """Stored GPU prices on or before ``until``, by model, condition and date."""
    if not has_tables(con):
        return []
    sql = (
        "SELECT date, model, condition, price, currency, source, sample FROM gpu_prices"
        + (" WHERE date <= ?" if until else "")
        + " ORDER BY model, condition, date"
    )
    return [GpuRow(*r) for r in con.execute(sql, [until] if until else []).fetchall()]


def stored_series_keys(con: duckdb.DuckDBPyConnection, keys: pd.DataFrame) -> pd.DataFrame:
    """Stored rows of the series named in ``keys`` (category, series), for conflict checks."""
    if not has_tables(con):
        return pd.DataFrame(columns=SERIES_COLUMNS)
    con.register("k", keys[["category", "series"]].drop_duplicates())
    try:
        return con.execute("SELECT t.* FROM tracker_series t JOIN k USING (category, series)").df()
    finally:
        con.unregister("k")
