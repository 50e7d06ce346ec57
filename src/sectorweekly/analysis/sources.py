"""Where each price series used by a report came from (per symbol and source)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from ..desk.rules import SeriesSource


def price_sources(
    con: duckdb.DuckDBPyConnection, symbols: list[str], start: dt.date, end: dt.date
) -> list[SeriesSource]:
    con.register("wanted", pd.DataFrame({"symbol": symbols}))
    try:
        rows = con.execute(
            """
            SELECT symbol, source, any_value(adjustment), count(*), min(date), max(date),
                   max(fetched_at)
            FROM prices JOIN wanted USING (symbol)
            WHERE date BETWEEN ? AND ?
            GROUP BY symbol, source ORDER BY symbol, min(date)
            """,
            [start, end],
        ).fetchall()
        if _has_references(con):  # where the ex-rights reference prices came from
            rows += con.execute(
                """
                SELECT symbol, prev_close_source, 'reference_prev_close', count(*), min(date),
                       max(date), max(fetched_at)
                FROM prices JOIN wanted USING (symbol)
                WHERE date BETWEEN ? AND ? AND prev_close_source IS NOT NULL
                  AND prev_close_source <> source
                GROUP BY symbol, prev_close_source ORDER BY symbol, min(date)
                """,
                [start, end],
            ).fetchall()
    finally:
        con.unregister("wanted")
    fields = list(SeriesSource.model_fields)
    return [SeriesSource(**dict(zip(fields, r, strict=True))) for r in rows]


def _has_references(con: duckdb.DuckDBPyConnection) -> bool:
    """A store made before the prev_close_source column has no reference prices to cite."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'prices' AND column_name = 'prev_close_source'"
        ).fetchall()[0][0]
    )


def store_last_dates(con: duckdb.DuckDBPyConnection, markets: list[str]) -> dict[str, dt.date]:
    rows = con.execute(
        "SELECT market, max(date) FROM prices WHERE list_contains(?, market) GROUP BY market",
        [markets],
    ).fetchall()
    return dict(rows)
