"""The small tables the whole-market judging joins, the limit engine's members, ST spans and
rules (``markets.cn_limits``), and the read's sessions that a stored ST list covers.

They live as temporary views on the caller's connection for the length of one section and are
dropped after it (``drop``), so that a shared read-only connection is left as it was: views
over the store's own tables and the engine's rules written out as values, made in one round
trip (the section reads a few tens of thousands of rows, and a statement's fixed cost is what
it pays most).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ..markets import cn_limits
from ..markets.calendars import Calendars
from ..markets.cn_limits import MemberSpec

MARKET = "CN_A"
TABLES = cn_limits.TABLES

# every stock of the universe; the listing session and free sessions of those listed recently
# enough for their first sessions to fall in the read (earlier listings are limited all along)
MEMBERS_VIEW = """
CREATE OR REPLACE TEMP VIEW lim_members AS
SELECT u.symbol, '{market}' AS market, u.board, l.listed_idx, coalesce(l.free_sessions, 0)
    AS free_sessions
FROM cn_universe u LEFT JOIN (
    SELECT * FROM (VALUES {listed}) t(symbol, listed_idx, free_sessions)
    WHERE symbol IS NOT NULL) l ON l.symbol = u.symbol
"""

# the stored ST spans, an open one running to the engine's open end
ST_VIEW = """
CREATE OR REPLACE TEMP VIEW lim_st AS
SELECT symbol, st_start, coalesce(st_end, DATE '{open}') AS st_end FROM cn_st_spans
"""

RULES_VIEW = """
CREATE OR REPLACE TEMP VIEW lim_rules AS
SELECT * FROM (VALUES {rules}) t(board, st, start, "end", pct)
"""


def _text(value: object) -> str:
    """A SQL literal of our own value (a code, a date, a number, a flag)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def register(
    con: duckdb.DuckDBPyConnection, cals: Calendars, lo: dt.date, hi: dt.date
) -> list[dt.date]:
    """The engine's tables, as views over the store and the engine's rules, for a read of the
    sessions ``lo..hi``; the sessions a stored ST list covers."""
    recent = cals.sessions_back(MARKET, lo, cn_limits.MOST_FREE_SESSIONS + 1)
    listed = con.execute(
        "SELECT symbol, list_date FROM cn_universe WHERE list_date >= $d", {"d": recent}
    ).fetchall()
    frame = cn_limits.members_frame([MemberSpec(s, MARKET, listed=d) for s, d in listed], cals)
    members = [
        f"({_text(s)}, {int(i)}, {int(f)})"
        for s, i, f in zip(
            frame["symbol"], frame["listed_idx"], frame["free_sessions"], strict=True
        )
    ] or ["(NULL, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT))"]
    rules = [
        "(" + ", ".join(_text(r[k]) for k in ("board", "st", "start", "end", "pct")) + ")"
        for r in cn_limits.rules_frame().to_dict("records")
    ]
    con.execute(
        MEMBERS_VIEW.format(market=MARKET, listed=", ".join(members))
        + ";"
        + ST_VIEW.format(open=cn_limits.OPEN_END.isoformat())
        + ";"
        + RULES_VIEW.format(rules=", ".join(rules))
    )
    covered = con.execute(
        'SELECT start, "end" FROM cn_coverage WHERE fact = \'st\' AND "end" >= $lo '
        "AND start <= $hi",
        {"lo": lo, "hi": hi},
    ).fetchall()
    sess = cals.sessions(MARKET, lo, hi)
    return [d for d in sess if any(a <= d <= b for a, b in covered)]


def drop(con: duckdb.DuckDBPyConnection) -> None:
    """Leave the (shared, read-only) connection as it was: no view of ours."""
    con.execute(";".join(f"DROP VIEW IF EXISTS {t}" for t in TABLES))
