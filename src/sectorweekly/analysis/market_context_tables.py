"""The small tables the whole-market judging joins, the limit engine's members, ST spans and
rules (``markets.cn_limits``), and the read's sessions that a stored ST list covers.

They live as temporary tables on the caller's connection for the length of one section and are
dropped after it (``drop``), so that a shared read-only connection is left as it was. Each is
made in one statement from parameters (no frame to convert): the section reads a few tens of
thousands of rows, and a statement's fixed cost is what it pays most.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from ..markets import cn_limits
from ..markets.calendars import Calendars
from ..markets.cn_limits import MemberSpec

MARKET = "CN_A"
TABLES = cn_limits.TABLES

# every stock of the universe; the listing session and free sessions of those listed recently
# enough for their first sessions to fall in the read (earlier listings are limited all along)
MEMBERS_SQL = """
CREATE OR REPLACE TEMP TABLE lim_members AS
SELECT u.symbol, $market AS market, u.board, l.listed_idx, coalesce(l.free_sessions, 0)
    AS free_sessions
FROM cn_universe u LEFT JOIN (
    SELECT unnest(CAST($symbols AS VARCHAR[])) AS symbol,
           unnest(CAST($listed AS BIGINT[])) AS listed_idx,
           unnest(CAST($free AS BIGINT[])) AS free_sessions) l ON l.symbol = u.symbol
"""

# the stored ST spans, an open one running to the engine's open end
ST_SQL = """
CREATE OR REPLACE TEMP TABLE lim_st AS
SELECT symbol, st_start, coalesce(st_end, $open) AS st_end FROM cn_st_spans
"""

RULES_SQL = """
CREATE OR REPLACE TEMP TABLE lim_rules AS
SELECT unnest(CAST($board AS VARCHAR[])) AS board, unnest(CAST($st AS BOOLEAN[])) AS st,
       unnest(CAST($start AS DATE[])) AS start, unnest(CAST($end AS DATE[])) AS "end",
       unnest(CAST($pct AS BIGINT[])) AS pct
"""

# the read's sessions that a stored ST list covers (there, a status not stated is no ST)
ST_DAYS_SQL = """
SELECT d FROM unnest(CAST($days AS DATE[])) t(d)
WHERE EXISTS (SELECT 1 FROM cn_coverage c WHERE c.fact = 'st' AND d BETWEEN c.start AND c."end")
ORDER BY d
"""


def register(
    con: duckdb.DuckDBPyConnection, cals: Calendars, lo: dt.date, hi: dt.date
) -> list[dt.date]:
    """The tables for a read of the sessions ``lo..hi``; the sessions a ST list covers."""
    sess = cals.all_sessions(MARKET)
    a, b = int(sess.searchsorted(pd.Timestamp(lo))), int(sess.searchsorted(pd.Timestamp(hi)))
    recent = cals.sessions_back(MARKET, lo, cn_limits.MOST_FREE_SESSIONS + 1)
    listed = con.execute(
        "SELECT symbol, list_date FROM cn_universe WHERE list_date >= $d", {"d": recent}
    ).fetchall()
    frame = cn_limits.members_frame([MemberSpec(s, MARKET, listed=d) for s, d in listed], cals)
    con.execute(
        MEMBERS_SQL,
        {
            "market": MARKET,
            "symbols": list(frame["symbol"]),
            "listed": [int(i) for i in frame["listed_idx"]],
            "free": [int(i) for i in frame["free_sessions"]],
        },
    ).fetchall()
    con.execute(ST_SQL, {"open": cn_limits.OPEN_END}).fetchall()
    rules = cn_limits.rules_frame()
    con.execute(RULES_SQL, {k: list(rules[k]) for k in ("board", "st", "start", "end", "pct")})
    days = list(sess[a : b + 1].date)
    return [d for (d,) in con.execute(ST_DAYS_SQL, {"days": days}).fetchall()]


def drop(con: duckdb.DuckDBPyConnection) -> None:
    """Leave the (shared, read-only) connection as it was: no table of ours."""
    con.execute(";".join(f"DROP TABLE IF EXISTS {t}" for t in TABLES))
