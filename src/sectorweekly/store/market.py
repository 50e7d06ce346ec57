"""Reading the whole A-share market from the store, point in time: who was listed on a day, under
which name, ST or not (or unknown), in which 申万 industry, and the bars of a window.

Every reader takes an open connection (``reader(path)``) and a day or window, and reads only
what that day or window needs (``cn_bars`` is keyed by symbol and date), so a store holding
many years answers a week as fast as one holding that week. A fact the store has no row for
comes back as None (unknown), never as a guess: ST status is False only on days a source's
complete ST list covers (``cn_coverage``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from .schema import table_names

LOOKBACK_DAYS = 400  # how far back a window's first bar looks for the stock's last close


def has_market(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the store holds any whole-market bar (``import universe`` or the update)."""
    if "cn_bars" not in table_names(con):
        return False
    return bool(con.execute("SELECT count(*) FROM (FROM cn_bars LIMIT 1)").fetchall()[0][0])


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pd.DataFrame:
    frame = con.execute(sql, params).df()
    for col in frame.columns:
        if str(frame[col].dtype).startswith("datetime64"):
            frame[col] = [None if pd.isna(v) else v.date() for v in frame[col]]
    return frame.astype(object).where(frame.notna(), None)


def universe_on(con: duckdb.DuckDBPyConnection, day: dt.date) -> pd.DataFrame:
    """The stocks listed on ``day`` (listing date on or before it or unknown, not delisted),
    one row each: symbol, exchange, board, list_date, registration_ipo, name (None: no name
    known on that day), st (True, False, or None when no complete ST list covers the day),
    st_tag ('ST', '*ST' or None)."""
    if "cn_universe" not in table_names(con):
        return pd.DataFrame(columns=UNIVERSE_COLUMNS)
    return _frame(
        con,
        """
        SELECT u.symbol, u.exchange, u.board, u.list_date, u.registration_ipo, n.name,
            CASE WHEN s.symbol IS NOT NULL THEN true
                 WHEN EXISTS (SELECT 1 FROM cn_coverage c WHERE c.fact = 'st'
                              AND c.start <= $day AND c."end" >= $day) THEN false END AS st,
            s.tag AS st_tag
        FROM cn_universe u
        LEFT JOIN cn_names n ON n.symbol = u.symbol AND n.start <= $day
            AND (n."end" IS NULL OR n."end" >= $day)
        LEFT JOIN cn_st_spans s ON s.symbol = u.symbol AND s.st_start <= $day
            AND (s.st_end IS NULL OR s.st_end >= $day)
        WHERE (u.list_date IS NULL OR u.list_date <= $day)
            AND (u.delist_date IS NULL OR u.delist_date >= $day)
        QUALIFY row_number() OVER (PARTITION BY u.symbol ORDER BY n.start DESC NULLS LAST,
            s.st_start DESC NULLS LAST) = 1
        ORDER BY u.symbol
        """,
        {"day": day},  # type: ignore[arg-type]
    )


UNIVERSE_COLUMNS = [
    "symbol", "exchange", "board", "list_date", "registration_ipo", "name", "st", "st_tag",
]  # fmt: skip
INDUSTRY_COLUMNS = [
    "symbol", "industry_code", "level1_code", "level1", "level2_code", "level2", "level3",
    "included_on",
]  # fmt: skip
BAR_COLUMNS = [
    "symbol", "date", "open", "high", "low", "close", "pre_close", "last_close", "volume",
    "amount",
]  # fmt: skip


def industries_on(con: duckdb.DuckDBPyConnection, day: dt.date) -> pd.DataFrame:
    """Each classified stock's 申万 industry on ``day``: its membership row with the latest
    ``included_on`` on or before the day, with the level 1/2/3 names (None for a code the
    stored 申万 2021 codes do not name, such as a 2014 code of a row before 2021-07-30)."""
    return _frame(
        con,
        """
        SELECT m.symbol, m.industry_code,
            substr(m.industry_code, 1, 2) || '0000' AS level1_code, c1.level1,
            substr(m.industry_code, 1, 4) || '00' AS level2_code, c2.level2, c.level3,
            m.included_on
        FROM sw_membership m
        LEFT JOIN sw_codes c ON c.industry_code = m.industry_code
        LEFT JOIN sw_codes c1 ON c.industry_code IS NOT NULL
            AND c1.industry_code = substr(m.industry_code, 1, 2) || '0000'
        LEFT JOIN sw_codes c2 ON c.industry_code IS NOT NULL
            AND c2.industry_code = substr(m.industry_code, 1, 4) || '00'
        WHERE m.included_on <= $day
        QUALIFY row_number() OVER (PARTITION BY m.symbol ORDER BY m.included_on DESC) = 1
        ORDER BY m.symbol
        """,
        {"day": day},  # type: ignore[arg-type]
    )


def bars(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    end: dt.date,
    symbols: list[str] | None = None,
) -> pd.DataFrame:
    """Every stored bar in [start, end] (or of ``symbols`` only), oldest first per stock, with
    ``last_close``: the close of the stock's previous stored session (for its first bar in the
    window, its last close in the ``LOOKBACK_DAYS`` before; None if none). ``pre_close`` is the
    exchange's reference previous close where a source gave it (None otherwise)."""
    where = "" if symbols is None else "AND symbol IN (SELECT unnest($symbols))"
    params: dict[str, Any] = {"start": start, "end": end}
    if symbols is not None:
        params["symbols"] = list(symbols)
    return _frame(
        con,
        f"""
        WITH w AS (
            SELECT symbol, date, open, high, low, close, pre_close, volume, amount FROM cn_bars
            WHERE date BETWEEN $start AND $end {where}),
        b AS (
            SELECT symbol, arg_max(close, date) AS close FROM cn_bars
            WHERE date < $start AND date >= $start - INTERVAL {LOOKBACK_DAYS} DAY {where}
            GROUP BY symbol)
        SELECT w.symbol, w.date, w.open, w.high, w.low, w.close, w.pre_close,
            coalesce(lag(w.close) OVER (PARTITION BY w.symbol ORDER BY w.date), b.close)
                AS last_close,
            w.volume, w.amount
        FROM w LEFT JOIN b ON b.symbol = w.symbol
        ORDER BY w.symbol, w.date
        """,
        params,  # type: ignore[arg-type]
    )


def coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Over which days each source's list of a fact (st, names, listing, prev_close, bars) is
    complete; a fact with no row here is unknown on every day."""
    return _frame(
        con,
        'SELECT fact, start, "end", source, as_of FROM cn_coverage ORDER BY fact, start',
        [],
    )


def summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Counts of what the store holds of the market (the import's summary, a build's hint)."""
    if "cn_bars" not in table_names(con):
        return {"stocks": 0, "bars": 0, "sessions": 0}
    row = con.execute(
        """
        SELECT (SELECT count(*) FROM cn_universe), count(*), count(DISTINCT date), min(date),
            max(date), count(pre_close), (SELECT count(*) FROM cn_names),
            (SELECT count(*) FROM cn_st_spans), (SELECT count(*) FROM sw_codes),
            (SELECT count(*) FROM sw_membership), (SELECT count(*) FROM sw_index_closes),
            (SELECT count(*) FROM cn_universe WHERE list_date IS NOT NULL)
        FROM cn_bars
        """
    ).fetchall()[0]
    keys = [
        "stocks", "bars", "sessions", "first", "last", "pre_close", "names", "st_spans",
        "industry_codes", "memberships", "index_closes", "list_dates",
    ]  # fmt: skip
    out = dict(zip(keys, row, strict=True))
    out["coverage"] = _covered(con)
    return out


def _covered(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute("SELECT fact, count(*) FROM cn_coverage GROUP BY fact").fetchall()
    return {str(f): int(n) for f, n in rows}
