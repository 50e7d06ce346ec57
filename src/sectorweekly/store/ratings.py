"""The store's ``ratings`` table: its schema, reading it, and the one transaction that adds rows.

The table is part of the store's schema (``store/schema.py``) and rows reach it only through
``store.ingest``; readers treat a version-1 store without it as having no ratings.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from .connect import reader

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
    with reader(path) as con:
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
    with reader(path) as con:
        return {r[0] for r in con.execute("SELECT symbol FROM instruments").fetchall()}
