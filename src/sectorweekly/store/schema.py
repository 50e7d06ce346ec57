"""Every table of the store, its schema version, and the migration of older stores.

Version 1 stores (before 2026-11) had prices, shares and instruments in the core schema and
created the tracker and rating tables on first use, without an ``origin`` column. Version 2
holds every table from the start and records where each row came from, so that a conflict can
name the stored row's origin. Version 3 stores every instrument under one canonical symbol and
every volume in shares (``migrate.py`` brings older stores there). Version 4 adds the whole
A-share market (``cn_*`` and ``sw_*`` tables, see ``MARKET_TABLES``). Extra nullable price columns
(e.g. ``prev_close``) may be added by later versions: writers insert by column name, never by
position.
"""

from __future__ import annotations

import duckdb

from .. import clock
from ..errors import StoreError
from . import migrate

SCHEMA_VERSION = 4

TABLES: dict[str, str] = {
    "meta": "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "instruments": """CREATE TABLE IF NOT EXISTS instruments (
        symbol VARCHAR PRIMARY KEY, market VARCHAR NOT NULL, name VARCHAR, currency VARCHAR)""",
    "prices": """CREATE TABLE IF NOT EXISTS prices (
        symbol VARCHAR NOT NULL,
        market VARCHAR NOT NULL,
        date DATE NOT NULL,
        open DOUBLE, high DOUBLE, low DOUBLE,
        close DOUBLE NOT NULL,
        volume DOUBLE,
        volume_unit VARCHAR,
        adjustment VARCHAR,
        adj_close DOUBLE,
        source VARCHAR NOT NULL,
        fetched_at TIMESTAMP,
        prev_close DOUBLE,           -- the exchange's reference previous close (除权除息参考价)
        prev_close_source VARCHAR,
        origin VARCHAR,
        PRIMARY KEY (symbol, date))""",
    "shares": """CREATE TABLE IF NOT EXISTS shares (
        symbol VARCHAR NOT NULL, as_of DATE NOT NULL, shares DOUBLE NOT NULL,
        source VARCHAR, note VARCHAR, origin VARCHAR, PRIMARY KEY (symbol, as_of))""",
    "tracker_series": """CREATE TABLE IF NOT EXISTS tracker_series (
        category VARCHAR NOT NULL,      -- visits | downloads | other
        series VARCHAR NOT NULL,        -- site or app name as shown in the report
        series_group VARCHAR NOT NULL,  -- e.g. 文本-海外 ('' when none)
        period_start DATE NOT NULL,
        period_end DATE NOT NULL,
        value DOUBLE NOT NULL,
        unit VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        partial BOOLEAN NOT NULL,       -- the period was not finished when the data was taken
        alias_of VARCHAR,               -- the series' former name (an app renamed)
        sample BOOLEAN NOT NULL,        -- invented demonstration numbers (示例数据)
        fetched_at TIMESTAMP,
        origin VARCHAR,
        PRIMARY KEY (category, series, period_start))""",
    "gpu_prices": """CREATE TABLE IF NOT EXISTS gpu_prices (
        date DATE NOT NULL,
        model VARCHAR NOT NULL,
        condition VARCHAR NOT NULL,     -- new | used
        price DOUBLE NOT NULL,
        currency VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        sample BOOLEAN NOT NULL,
        fetched_at TIMESTAMP,
        origin VARCHAR,
        PRIMARY KEY (model, condition, date))""",
    "ratings": """CREATE TABLE IF NOT EXISTS ratings (
        symbol VARCHAR NOT NULL,
        date DATE NOT NULL,
        rating VARCHAR NOT NULL,
        analyst VARCHAR,
        target_price DOUBLE,
        note VARCHAR,
        source VARCHAR NOT NULL,
        sample BOOLEAN NOT NULL DEFAULT false,
        imported_at TIMESTAMP,
        origin VARCHAR,
        PRIMARY KEY (symbol, date))""",
}

# The whole A-share market (version 4): the universe and its dated facts, every stock's daily
# bars, and the 申万 2021 classification, point in time. Every fact row names its source and the
# day the source said it (``as_of``); a fact no source gives has no row (unknown), and
# ``cn_coverage`` says over which days a source's list of a fact is complete, so that "no ST
# span" can be told from "ST status unknown".
MARKET_TABLES: dict[str, str] = {
    "cn_universe": """CREATE TABLE IF NOT EXISTS cn_universe (
        symbol VARCHAR PRIMARY KEY,     -- six digits
        exchange VARCHAR NOT NULL,      -- SH | SZ | BJ
        board VARCHAR NOT NULL,         -- main | chinext | star | bse
        list_date DATE,                 -- NULL: unknown
        delist_date DATE,               -- NULL: still listed (or unknown)
        registration_ipo BOOLEAN,       -- NULL: unknown (decides first sessions without limit)
        source VARCHAR NOT NULL, as_of DATE NOT NULL, fetched_at TIMESTAMP, origin VARCHAR)""",
    "cn_names": """CREATE TABLE IF NOT EXISTS cn_names (
        symbol VARCHAR NOT NULL, name VARCHAR NOT NULL,
        start DATE NOT NULL,            -- first day the source shows this name
        "end" DATE,                     -- last day under it; NULL: still (or unknown)
        source VARCHAR NOT NULL, as_of DATE NOT NULL, fetched_at TIMESTAMP, origin VARCHAR,
        PRIMARY KEY (symbol, start))""",
    "cn_st_spans": """CREATE TABLE IF NOT EXISTS cn_st_spans (
        symbol VARCHAR NOT NULL,
        st_start DATE NOT NULL,         -- first session under the tag
        st_end DATE,                    -- last session under it (inclusive); NULL: open
        tag VARCHAR NOT NULL,           -- ST | *ST
        source VARCHAR NOT NULL, as_of DATE NOT NULL, fetched_at TIMESTAMP, origin VARCHAR,
        PRIMARY KEY (symbol, st_start))""",
    "cn_coverage": """CREATE TABLE IF NOT EXISTS cn_coverage (
        fact VARCHAR NOT NULL,          -- st | names | listing | prev_close | bars
        start DATE NOT NULL, "end" DATE NOT NULL,  -- days over which the source's list is whole
        source VARCHAR NOT NULL, as_of DATE NOT NULL, fetched_at TIMESTAMP, origin VARCHAR,
        PRIMARY KEY (fact, start, source))""",
    "cn_bars": """CREATE TABLE IF NOT EXISTS cn_bars (
        symbol VARCHAR NOT NULL,
        date DATE NOT NULL,
        open DOUBLE, high DOUBLE, low DOUBLE,
        close DOUBLE NOT NULL,          -- unadjusted, as traded
        pre_close DOUBLE,               -- the exchange's reference previous close; NULL: not given
        volume DOUBLE,                  -- shares
        amount DOUBLE,                  -- 成交额, yuan
        source VARCHAR NOT NULL, fetched_at TIMESTAMP, origin VARCHAR,
        PRIMARY KEY (symbol, date))""",
    "sw_codes": """CREATE TABLE IF NOT EXISTS sw_codes (
        industry_code VARCHAR PRIMARY KEY,  -- six digits, e.g. 270100
        level1 VARCHAR NOT NULL, level2 VARCHAR, level3 VARCHAR,
        source VARCHAR NOT NULL, fetched_at TIMESTAMP, origin VARCHAR)""",
    "sw_membership": """CREATE TABLE IF NOT EXISTS sw_membership (
        symbol VARCHAR NOT NULL,
        included_on DATE NOT NULL,      -- the stock is in industry_code from this day
        industry_code VARCHAR NOT NULL,
        updated_on DATE,
        source VARCHAR NOT NULL, fetched_at TIMESTAMP, origin VARCHAR,
        PRIMARY KEY (symbol, included_on))""",
    "sw_index_closes": """CREATE TABLE IF NOT EXISTS sw_index_closes (
        index_code VARCHAR NOT NULL,    -- Shenwan's index code, e.g. 801080 (电子)
        date DATE NOT NULL,
        close DOUBLE NOT NULL,
        level INTEGER, name VARCHAR,
        source VARCHAR NOT NULL, fetched_at TIMESTAMP, origin VARCHAR,
        PRIMARY KEY (index_code, date))""",
}
TABLES.update(MARKET_TABLES)

# Nullable columns added to version-1 stores after their release (a store may have them already)
NULLABLE_ADDITIONS = (
    "ALTER TABLE prices ADD COLUMN IF NOT EXISTS prev_close DOUBLE",
    "ALTER TABLE prices ADD COLUMN IF NOT EXISTS prev_close_source VARCHAR",
)
ORIGIN_TABLES = ("prices", "shares", "tracker_series", "gpu_prices", "ratings")


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main'"
    ).fetchall()
    return {r[0] for r in rows}


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND database_name <> 'temp' "
        "AND schema_name = 'main' ORDER BY column_index",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def stored_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The store's schema version; None for a new (empty) store, 1 for a store without one."""
    tables = table_names(con)
    if "meta" not in tables:
        return 1 if tables else None
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 1


def check_readable(con: duckdb.DuckDBPyConnection, path: object) -> None:
    version = stored_version(con)
    if version is not None and version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: the store has schema version {version}, newer than this sectorweekly "
            f"knows ({SCHEMA_VERSION}); upgrade sectorweekly"
        )


def ensure(con: duckdb.DuckDBPyConnection, path: object = "store") -> bool:
    """Create every table and bring an older store to ``SCHEMA_VERSION`` (inside the writer);
    True when an existing store was migrated (the write must be committed even if it adds
    no row)."""
    check_readable(con, path)
    version = stored_version(con)
    if version == SCHEMA_VERSION:
        return False
    for ddl in TABLES.values():
        con.execute(ddl).fetchall()
    for table in ORIGIN_TABLES:  # version 1 -> 2
        if "origin" not in table_columns(con, table):
            con.execute(f"ALTER TABLE {table} ADD COLUMN origin VARCHAR").fetchall()
    for statement in NULLABLE_ADDITIONS:
        con.execute(statement).fetchall()
    if version is not None and version < 3:  # 1 or 2 -> 3 (a new store has nothing to convert)
        now = clock.now_utc().replace(tzinfo=None, microsecond=0).isoformat()
        migrate.to_version_3(con, path, now)
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
    ).fetchall()
    return version is not None


def create_all(con: duckdb.DuckDBPyConnection) -> None:
    """Every table on a fresh connection (an in-memory store for tests and absent files)."""
    ensure(con)
