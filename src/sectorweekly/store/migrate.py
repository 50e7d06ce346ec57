"""Schema version 3: one name per instrument and one volume unit, brought to older stores once.

Stores written before version 3 may hold one instrument under several spellings (``nvda``
beside ``NVDA``, ``0981.hk`` beside ``0981.HK``, ``600000.SH`` beside ``600000``) and price
volumes in lots of 100 shares (手) beside volumes in shares. The first write after an upgrade
converts lots to shares, then moves every variant's rows to the canonical symbol
(:func:`markets.codes.canonical_symbol`): a row that repeats a row of the canonical symbol with
the same values is merged; a row with other values for the same key is a conflict, and the
migration refuses with the conflicting rows listed and leaves the store as it was. What it did
is recorded in the meta table (``migration.3.*``).
"""

from __future__ import annotations

import duckdb

from ..errors import StoreError
from ..markets import codes

# Volume units meaning lots of 100 shares, as files and older sources wrote them
LOT_UNITS = ("手", "lot", "lots", "lots(100sh)", "lots (100 shares)", "hands")
LOT_SIZE = 100.0
SHARES_UNIT = "shares"
SHOWN_CONFLICTS = 10

# table -> (key after the symbol, compared columns, numeric compared columns)
_SYMBOL_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]] = {
    "prices": (
        ("date",),
        ("close", "open", "high", "low", "volume"),
        frozenset({"close", "open", "high", "low", "volume"}),
    ),
    "shares": (("as_of",), ("shares",), frozenset({"shares"})),
    "ratings": (
        ("date",),
        ("rating", "analyst", "target_price", "note"),
        frozenset({"target_price"}),
    ),
}


def is_lots_sql(unit: str) -> str:
    """SQL true when the unit text means lots of 100 shares."""
    units = ", ".join("'" + u.replace("'", "''") + "'" for u in LOT_UNITS)
    return f"lower(trim(coalesce({unit}, ''))) IN ({units})"


def volume_in_shares_sql(volume: str, unit: str) -> tuple[str, str]:
    """(volume, unit) SQL expressions that store a volume given in lots as shares."""
    lots = is_lots_sql(unit)
    return (
        f"CASE WHEN {lots} THEN {volume} * {LOT_SIZE} ELSE {volume} END",
        f"CASE WHEN {lots} THEN '{SHARES_UNIT}' ELSE {unit} END",
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def convert_lots(con: duckdb.DuckDBPyConnection) -> int:
    """Every stored volume in lots becomes shares; returns the number of rows converted."""
    lots = is_lots_sql("volume_unit")
    n = _count(con, f"SELECT count(*) FROM main.prices WHERE {lots}")
    if n:
        con.execute(
            f"UPDATE main.prices SET volume = volume * {LOT_SIZE}, volume_unit = '{SHARES_UNIT}' "
            f"WHERE {lots}"
        ).fetchall()
    return n


def _variants(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Stored symbol -> its canonical form, for the symbols stored in another form. A stored
    symbol with no canonical form (a shape the rules refuse) is left as it is."""
    markets = dict(con.execute("SELECT symbol, market FROM main.instruments").fetchall())
    pairs = set(con.execute("SELECT DISTINCT symbol, market FROM main.prices").fetchall())
    for table in ("instruments", "shares", "ratings"):
        for (sym,) in con.execute(f"SELECT DISTINCT symbol FROM main.{table}").fetchall():
            pairs.add((sym, markets.get(sym)))
    out: dict[str, str] = {}
    for sym, market in pairs:
        try:
            canon = codes.canonical_symbol(sym, market)
        except ValueError:
            try:
                canon = codes.canonical_symbol(sym)
            except ValueError:
                continue
        if canon and canon != sym:
            out[sym] = canon
    return out


def _show(value: object) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _conflicts(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Rows of one key, under two spellings of one instrument, with different values."""
    key, compared, numeric = _SYMBOL_TABLES[table]

    def differs(c: str) -> str:
        x, y = f"a.{c}", f"b.{c}"
        if c in numeric:
            return f"(({x} IS NULL) <> ({y} IS NULL) OR abs({x} - {y}) > 1e-9 * greatest(1.0, abs({x})))"
        return f"({x} IS DISTINCT FROM {y})"

    on = " AND ".join(f"a.{c} = b.{c}" for c in key)
    case = "CASE " + " ".join(f"WHEN {differs(c)} THEN '{c}'" for c in compared) + " END"
    cols = ", ".join(f"a.{c} AS a_{c}, b.{c} AS b_{c}" for c in compared)
    rows = con.execute(
        f"SELECT a._canon, {', '.join('a.' + c for c in key)}, a.symbol, b.symbol, {case}, "
        f"{cols} FROM _v3_{table} a JOIN _v3_{table} b ON a._canon = b._canon AND {on} "
        f"AND a.symbol < b.symbol WHERE {case} IS NOT NULL "
        f"ORDER BY a._canon, {', '.join('a.' + c for c in key)}, a.symbol, b.symbol"
    ).fetchall()
    out = []
    for row in rows:
        canon, *keys = row[: 1 + len(key)]
        sym_a, sym_b, col = row[1 + len(key) : 4 + len(key)]
        values = dict(
            zip([f"{s}_{c}" for c in compared for s in "ab"], row[4 + len(key) :], strict=True)
        )
        when = " ".join(_show(k) for k in keys)
        out.append(
            f"{table} {canon} {when}: {col} {_show(values['a_' + col])} as '{sym_a}' but "
            f"{_show(values['b_' + col])} as '{sym_b}'"
        )
    return out


def merge_variants(con: duckdb.DuckDBPyConnection, path: object) -> int:
    """Move every variant's rows to the canonical symbol; returns the number of rows moved.
    Raises StoreError listing the conflicting rows (nothing changed: the caller rolls back)."""
    variants = _variants(con)
    if not variants:
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE _v3_canon (old VARCHAR, new VARCHAR)").fetchall()
    con.executemany("INSERT INTO _v3_canon VALUES (?, ?)", list(variants.items()))
    conflicts: list[str] = []
    touched = "(SELECT old FROM _v3_canon UNION SELECT new FROM _v3_canon)"
    for table in _SYMBOL_TABLES:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _v3_{table} AS SELECT t.*, coalesce(c.new, t.symbol) "
            f"AS _canon FROM main.{table} t LEFT JOIN _v3_canon c ON c.old = t.symbol "
            f"WHERE t.symbol IN {touched}"
        ).fetchall()
        conflicts += _conflicts(con, table)
    if conflicts:
        shown = "; ".join(conflicts[:SHOWN_CONFLICTS])
        more = len(conflicts) - SHOWN_CONFLICTS
        raise StoreError(
            f"{path}: cannot bring the store to schema version 3: {len(conflicts)} stored "
            f"row(s) hold other values for the same instrument and day under two spellings "
            f"of its symbol: {shown}"
            + (f"; and {more} more" if more > 0 else "")
            + "; delete the wrong row of each pair (duckdb, DELETE FROM <table> WHERE symbol = "
            "'<spelling>' AND …) and run the command again"
        )
    moved = 0
    for table, (key, _, _) in _SYMBOL_TABLES.items():
        keys = ", ".join(key)
        n = _count(
            con, f"SELECT count(*) FROM main.{table} WHERE symbol IN (SELECT old FROM _v3_canon)"
        )
        if not n:
            continue
        moved += n
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _v3_moved AS SELECT * EXCLUDE (symbol, _canon), "
            f"_canon AS symbol FROM _v3_{table} WHERE symbol <> _canon "
            f"QUALIFY row_number() OVER (PARTITION BY _canon, {keys} ORDER BY symbol) = 1"
        ).fetchall()
        con.execute(
            f"DELETE FROM main.{table} WHERE symbol IN (SELECT old FROM _v3_canon)"
        ).fetchall()
        on = " AND ".join(f"s.{c} = m.{c}" for c in ("symbol", *key))
        con.execute(
            f"INSERT INTO main.{table} BY NAME SELECT * FROM _v3_moved m "
            f"WHERE NOT EXISTS (SELECT 1 FROM main.{table} s WHERE {on})"
        ).fetchall()
    _merge_instruments(con)
    for t in ("canon", "moved", *_SYMBOL_TABLES):
        con.execute(f"DROP TABLE IF EXISTS _v3_{t}").fetchall()
    return moved


def _merge_instruments(con: duckdb.DuckDBPyConnection) -> None:
    """One instruments row per canonical symbol (the canonical spelling's own row first)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _v3_inst AS SELECT c.new AS symbol, i.market, i.name, "
        "i.currency FROM main.instruments i JOIN _v3_canon c ON c.old = i.symbol "
        "QUALIFY row_number() OVER (PARTITION BY c.new ORDER BY i.symbol) = 1"
    ).fetchall()
    con.execute(
        "DELETE FROM main.instruments WHERE symbol IN (SELECT old FROM _v3_canon)"
    ).fetchall()
    con.execute(
        "INSERT INTO main.instruments BY NAME SELECT * FROM _v3_inst v WHERE NOT EXISTS "
        "(SELECT 1 FROM main.instruments s WHERE s.symbol = v.symbol)"
    ).fetchall()
    con.execute("DROP TABLE IF EXISTS _v3_inst").fetchall()


def to_version_3(con: duckdb.DuckDBPyConnection, path: object, now: str) -> None:
    """Lots to shares, variants merged, both counts recorded; inside the caller's transaction."""
    converted = convert_lots(con)
    merged = merge_variants(con, path)
    for key, value in {
        "migration.3.at": now,
        "migration.3.volume_rows_converted_from_lots": str(converted),
        "migration.3.symbol_rows_merged": str(merged),
    }.items():
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value]).fetchall()
