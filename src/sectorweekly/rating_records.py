"""The store's ``ratings`` table: its schema, reading it, and the one transaction that adds rows.

The table belongs to the ratings feature, so it is created here (``CREATE TABLE IF NOT EXISTS``
inside the writer) rather than in the core schema; readers treat a store without it as having
no ratings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from . import store

RATINGS_DDL = """
CREATE TABLE IF NOT EXISTS ratings (
    symbol VARCHAR NOT NULL,
    date DATE NOT NULL,
    rating VARCHAR NOT NULL,
    analyst VARCHAR,
    target_price DOUBLE,
    note VARCHAR,
    source VARCHAR NOT NULL,
    sample BOOLEAN NOT NULL DEFAULT false,
    imported_at TIMESTAMP,
    PRIMARY KEY (symbol, date)
)
"""

RATING_COLUMNS = ["symbol", "date", "rating", "analyst", "target_price", "note", "source", "sample"]
COMPARED = ["rating", "analyst", "target_price", "note"]  # what makes two rows "the same"


def has_ratings_table(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ratings' AND NOT temporary"
    ).fetchall()
    return rows[0][0] > 0


def read_ratings(
    con: duckdb.DuckDBPyConnection, *, dated_to: dt.date | None = None
) -> pd.DataFrame:
    """Stored ratings (optionally only those dated on or before ``dated_to``), oldest first."""
    if not has_ratings_table(con):
        return empty_ratings()
    where = "" if dated_to is None else "WHERE date <= ?"
    frame = con.execute(
        f"SELECT {', '.join(RATING_COLUMNS)} FROM ratings {where} ORDER BY date, symbol",
        [] if dated_to is None else [dated_to],
    ).df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def empty_ratings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RATING_COLUMNS})


def current_ratings(path: Path, on: dt.date) -> dict[str, tuple[str, bool]]:
    """Each symbol's latest rating dated on or before ``on``: symbol -> (rating, sample)."""
    if not path.exists():
        return {}
    with store.reader(path) as con:
        frame = read_ratings(con, dated_to=on)
    latest = frame.sort_values("date").groupby("symbol").tail(1)
    return {
        s: (r, bool(x))
        for s, r, x in zip(latest["symbol"], latest["rating"], latest["sample"], strict=True)
    }


def stored_symbols(path: Path) -> set[str]:
    """Symbols the store knows (its instruments table), for validating rating files."""
    if not path.exists():
        return set()
    with store.reader(path) as con:
        return {r[0] for r in con.execute("SELECT symbol FROM instruments").fetchall()}


def stored_for_keys(path: Path, keys: pd.DataFrame) -> pd.DataFrame:
    """Stored ratings matching the (symbol, date) pairs of ``keys``; for duplicate checks."""
    if not path.exists():
        return empty_ratings()
    with store.reader(path) as con:
        if not has_ratings_table(con):
            return empty_ratings()
        con.register("k", keys[["symbol", "date"]])
        try:
            found = con.execute(
                f"SELECT {', '.join('r.' + c for c in RATING_COLUMNS)} "
                "FROM ratings r JOIN k USING (symbol, date)"
            ).df()
        finally:
            con.unregister("k")
    found["date"] = pd.to_datetime(found["date"]).dt.date
    return found


def write_ratings(path: Path, rows: pd.DataFrame, meta: Mapping[str, str] | None = None) -> int:
    """Insert validated rows (and optional meta entries) in one transaction; returns rows added."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    frame = rows.reindex(columns=RATING_COLUMNS).assign(imported_at=now)
    frame["sample"] = frame["sample"].fillna(False).astype(bool)
    with store.writer(path) as con:
        con.execute(RATINGS_DDL).fetchall()
        added = store.insert_new(
            con, "ratings", frame, f"{', '.join(RATING_COLUMNS)}, imported_at", "symbol, date"
        )
        for key, value in (meta or {}).items():
            store.set_meta(con, key, value)
    return int(added)
