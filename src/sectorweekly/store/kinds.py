"""What the store holds per kind of data: its table, key, compared values and column types.

The writer needs nothing else to check and insert any kind: rows with the same key and the same
compared values are one row (re-imports add nothing); the same key with another value is a
conflict that is refused, never silently dropped or overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    key: tuple[str, ...]
    compared: tuple[str, ...]  # a stored key with another value here is a conflict
    types: dict[str, str]  # every column the writer stores, with its SQL type
    label: tuple[str, ...]  # columns that name a row in a message ("688256 2024-10-08")
    replace_partial: bool = False  # a stored unfinished period may be replaced by a newer one
    time_column: str = "fetched_at"
    # columns a later import fills where the stored row has none (never overwritten)
    fill: tuple[str, ...] = ()

    @property
    def numeric(self) -> frozenset[str]:
        return frozenset(c for c, t in self.types.items() if t == "DOUBLE")


PRICE_TYPES = {
    "symbol": "VARCHAR",
    "market": "VARCHAR",
    "date": "DATE",
    "open": "DOUBLE",
    "high": "DOUBLE",
    "low": "DOUBLE",
    "close": "DOUBLE",
    "volume": "DOUBLE",
    "volume_unit": "VARCHAR",
    "adjustment": "VARCHAR",
    "adj_close": "DOUBLE",
    "source": "VARCHAR",
    "prev_close": "DOUBLE",
    "prev_close_source": "VARCHAR",
}

KINDS: dict[str, Kind] = {
    "prices": Kind(
        "prices",
        "prices",
        ("symbol", "date"),
        ("close", "open", "high", "low", "volume"),
        PRICE_TYPES,
        ("symbol", "date"),
        fill=("prev_close", "prev_close_source"),
    ),
    "shares": Kind(
        "shares",
        "shares",
        ("symbol", "as_of"),
        ("shares",),
        {
            "symbol": "VARCHAR",
            "as_of": "DATE",
            "shares": "DOUBLE",
            "source": "VARCHAR",
            "note": "VARCHAR",
        },
        ("symbol", "as_of"),
        time_column="",
    ),
    "series": Kind(
        "series",
        "tracker_series",
        ("category", "series", "period_start"),
        ("value", "period_end", "partial", "series_group", "unit"),
        {
            "category": "VARCHAR",
            "series": "VARCHAR",
            "series_group": "VARCHAR",
            "period_start": "DATE",
            "period_end": "DATE",
            "value": "DOUBLE",
            "unit": "VARCHAR",
            "source": "VARCHAR",
            "partial": "BOOLEAN",
            "alias_of": "VARCHAR",
            "sample": "BOOLEAN",
        },
        ("series", "period_start"),
        replace_partial=True,
    ),
    "gpu-price": Kind(
        "gpu-price",
        "gpu_prices",
        ("model", "condition", "date"),
        ("price", "currency"),
        {
            "date": "DATE",
            "model": "VARCHAR",
            "condition": "VARCHAR",
            "price": "DOUBLE",
            "currency": "VARCHAR",
            "source": "VARCHAR",
            "sample": "BOOLEAN",
        },
        ("model", "condition", "date"),
    ),
    "ratings": Kind(
        "ratings",
        "ratings",
        ("symbol", "date"),
        ("rating", "analyst", "target_price", "note"),
        {
            "symbol": "VARCHAR",
            "date": "DATE",
            "rating": "VARCHAR",
            "analyst": "VARCHAR",
            "target_price": "DOUBLE",
            "note": "VARCHAR",
            "source": "VARCHAR",
            "sample": "BOOLEAN",
        },
        ("symbol", "date"),
        time_column="imported_at",
    ),
}

# The whole A-share market (schema version 4): what the universe import and update write.
_FACT = {"source": "VARCHAR", "as_of": "DATE"}
MARKET_KINDS: dict[str, Kind] = {
    "cn-universe": Kind(
        "cn-universe",
        "cn_universe",
        ("symbol",),
        ("exchange", "board"),
        {
            "symbol": "VARCHAR",
            "exchange": "VARCHAR",
            "board": "VARCHAR",
            "list_date": "DATE",
            "delist_date": "DATE",
            "registration_ipo": "BOOLEAN",
            **_FACT,
        },
        ("symbol",),
        # a row read from the code's shape (dates unknown) takes a later source's dates and
        # names that source; a stored date another source contradicts is refused by the
        # importer's check (providers/market_checks.universe_conflicts)
        fill=("list_date", "delist_date", "registration_ipo", "source", "as_of"),
    ),
    "cn-names": Kind(
        "cn-names",
        "cn_names",
        ("symbol", "start"),
        ("name", "end"),
        {"symbol": "VARCHAR", "name": "VARCHAR", "start": "DATE", "end": "DATE", **_FACT},
        ("symbol", "start"),
    ),
    "cn-st": Kind(
        "cn-st",
        "cn_st_spans",
        ("symbol", "st_start"),
        ("tag",),
        {"symbol": "VARCHAR", "st_start": "DATE", "st_end": "DATE", "tag": "VARCHAR", **_FACT},
        ("symbol", "st_start"),
        fill=("st_end",),  # an open span (no end) is closed by a later list; an end stays
    ),
    "cn-coverage": Kind(
        "cn-coverage",
        "cn_coverage",
        ("fact", "start", "source"),
        ("end",),
        {"fact": "VARCHAR", "start": "DATE", "end": "DATE", **_FACT},
        ("fact", "start"),
    ),
    "cn-bars": Kind(
        "cn-bars",
        "cn_bars",
        ("symbol", "date"),
        ("close", "open", "high", "low", "volume", "amount"),
        {
            "symbol": "VARCHAR",
            "date": "DATE",
            "open": "DOUBLE",
            "high": "DOUBLE",
            "low": "DOUBLE",
            "close": "DOUBLE",
            "pre_close": "DOUBLE",
            "volume": "DOUBLE",
            "amount": "DOUBLE",
            "source": "VARCHAR",
        },
        ("symbol", "date"),
        fill=("pre_close",),
    ),
    "sw-codes": Kind(
        "sw-codes",
        "sw_codes",
        ("industry_code",),
        ("level1", "level2", "level3"),
        {
            "industry_code": "VARCHAR",
            "level1": "VARCHAR",
            "level2": "VARCHAR",
            "level3": "VARCHAR",
            "source": "VARCHAR",
        },
        ("industry_code",),
    ),
    "sw-membership": Kind(
        "sw-membership",
        "sw_membership",
        ("symbol", "included_on"),
        ("industry_code",),
        {
            "symbol": "VARCHAR",
            "included_on": "DATE",
            "industry_code": "VARCHAR",
            "updated_on": "DATE",
            "source": "VARCHAR",
        },
        ("symbol", "included_on"),
    ),
    "sw-index": Kind(
        "sw-index",
        "sw_index_closes",
        ("index_code", "date"),
        ("close",),
        {
            "index_code": "VARCHAR",
            "date": "DATE",
            "close": "DOUBLE",
            "level": "INTEGER",
            "name": "VARCHAR",
            "source": "VARCHAR",
        },
        ("index_code", "date"),
    ),
}
KINDS.update(MARKET_KINDS)


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown kind {name!r}; expected one of {', '.join(KINDS)}") from None
