"""Alternative-data tables of the store: tracker series (visits, downloads…) and GPU prices.

Kept apart from ``store.SCHEMA`` so that the tables are created by the first tracker import
(inside the one writer transaction) and readers of older stores simply see no tracker data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from . import store

CATEGORIES = ("visits", "downloads", "gpu-price", "other")

SERIES_SCHEMA = """
CREATE TABLE IF NOT EXISTS tracker_series (
    category VARCHAR NOT NULL,      -- visits | downloads | other
    series VARCHAR NOT NULL,        -- site or app name as shown in the report
    series_group VARCHAR NOT NULL,  -- e.g. 文本-海外, 文本-国内, 图像, 视频 ('' when none)
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    value DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    partial BOOLEAN NOT NULL,       -- the period was not finished when the data was taken
    alias_of VARCHAR,               -- the series' former name (an app renamed)
    sample BOOLEAN NOT NULL,        -- invented demonstration numbers (示例数据)
    fetched_at TIMESTAMP,
    PRIMARY KEY (category, series, period_start)
);
CREATE TABLE IF NOT EXISTS gpu_prices (
    date DATE NOT NULL,
    model VARCHAR NOT NULL,
    condition VARCHAR NOT NULL,     -- new | used
    price DOUBLE NOT NULL,
    currency VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    sample BOOLEAN NOT NULL,
    fetched_at TIMESTAMP,
    PRIMARY KEY (model, condition, date)
);
"""

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


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tracker tables (call inside ``store.writer``)."""
    con.execute(SERIES_SCHEMA).fetchall()


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


def stored_gpu_keys(con: duckdb.DuckDBPyConnection, keys: pd.DataFrame) -> pd.DataFrame:
    if not has_tables(con):
        return pd.DataFrame(columns=GPU_COLUMNS)
    con.register("k", keys[["model", "condition", "date"]].drop_duplicates())
    try:
        return con.execute(
            "SELECT g.* FROM gpu_prices g JOIN k USING (model, condition, date)"
        ).df()
    finally:
        con.unregister("k")


def write_series(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, replace: pd.DataFrame) -> int:
    """Replace the stored unfinished periods in ``replace`` and insert ``rows``; returns rows."""
    ensure_tables(con)
    if len(replace):
        con.register("gone", replace[["category", "series", "period_start"]])
        try:
            con.execute(
                "DELETE FROM tracker_series t USING gone g WHERE t.category = g.category "
                "AND t.series = g.series AND t.period_start = g.period_start"
            ).fetchall()
        finally:
            con.unregister("gone")
    if rows.empty:
        return 0
    return store.insert_new(
        con, "tracker_series", rows.reindex(columns=SERIES_COLUMNS), ", ".join(SERIES_COLUMNS)
    )


def write_gpu(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> int:
    ensure_tables(con)
    if rows.empty:
        return 0
    return store.insert_new(
        con, "gpu_prices", rows.reindex(columns=GPU_COLUMNS), ", ".join(GPU_COLUMNS)
    )
