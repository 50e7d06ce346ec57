"""Schema version 3 on a store written by version 2: lots become shares, symbol variants are
merged into the canonical symbol, and two spellings holding other values are refused with the
rows listed and the store as it was."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sectorweekly import store
from sectorweekly.cli import main
from sectorweekly.errors import StoreError

# The version-2 layout as sectorweekly 2026-11 wrote it (the tables a variant can live in).
V2_SQL = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
INSERT INTO meta VALUES ('schema_version', '2');
CREATE TABLE instruments (symbol VARCHAR PRIMARY KEY, market VARCHAR NOT NULL, name VARCHAR,
    currency VARCHAR);
CREATE TABLE prices (symbol VARCHAR NOT NULL, market VARCHAR NOT NULL, date DATE NOT NULL,
    open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE NOT NULL, volume DOUBLE,
    volume_unit VARCHAR, adjustment VARCHAR, adj_close DOUBLE, source VARCHAR NOT NULL,
    fetched_at TIMESTAMP, prev_close DOUBLE, prev_close_source VARCHAR, origin VARCHAR,
    PRIMARY KEY (symbol, date));
CREATE TABLE shares (symbol VARCHAR NOT NULL, as_of DATE NOT NULL, shares DOUBLE NOT NULL,
    source VARCHAR, note VARCHAR, origin VARCHAR, PRIMARY KEY (symbol, as_of));
CREATE TABLE ratings (symbol VARCHAR NOT NULL, date DATE NOT NULL, rating VARCHAR NOT NULL,
    analyst VARCHAR, target_price DOUBLE, note VARCHAR, source VARCHAR NOT NULL,
    sample BOOLEAN NOT NULL DEFAULT false, imported_at TIMESTAMP, origin VARCHAR,
    PRIMARY KEY (symbol, date));
"""


def _price(symbol, market, day, close, volume=1000.0, unit="shares", origin="a.csv"):
    return (symbol, market, day, close, close, close, close, volume, unit, "none", None,
            "csv", None, None, None, origin)  # fmt: skip


def _v2_store(path: Path, prices: list[tuple], shares: list[tuple] = ()) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(V2_SQL)
        for row in prices:
            con.execute(
                "INSERT INTO prices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row
            )
            con.execute(
                "INSERT INTO instruments VALUES (?, ?, NULL, NULL) ON CONFLICT DO NOTHING",
                [row[0], row[1]],
            )
        for row in shares:
            con.execute("INSERT INTO shares VALUES (?, ?, ?, 'x', NULL, 'old.csv')", row)


def _one_share_row() -> pd.DataFrame:
    return pd.DataFrame([{"symbol": "688256", "as_of": dt.date(2024, 9, 30), "shares": 7.0,
                          "source": "t", "note": None, "file": "s.csv", "line": 2}])  # fmt: skip


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_variants_are_merged_and_lots_converted_once_and_recorded(tmp_path):
    db = tmp_path / "store.duckdb"
    d1, d2, d3 = dt.date(2025, 7, 1), dt.date(2025, 7, 2), dt.date(2025, 7, 3)
    _v2_store(
        db,
        [
            _price("NVDA", "US", d1, 143.85),
            _price("nvda", "US", d1, 143.85, origin="b.csv"),  # the same row: merged
            _price("nvda", "US", d2, 150.0, origin="b.csv"),  # only under the variant: moved
            _price("0981.hk", "HK", d1, 20.5),
            _price("600000.SH", "CN_A", d1, 13.2, volume=5000.0, unit="手"),
            _price("600000", "CN_A", d2, 13.4, volume=6000.0, unit="lots(100sh)"),
            _price("600000", "CN_A", d3, 13.5, volume=700000.0, unit="shares"),
        ],
        shares=[("sh.600000", dt.date(2025, 6, 30), 1e9)],
    )
    store.ingest(db, "shares", _one_share_row())
    assert _rows(db, "SELECT symbol, date, close, origin FROM prices ORDER BY symbol, date") == [
        ("0981.HK", d1, 20.5, "a.csv"),
        ("600000", d1, 13.2, "a.csv"),
        ("600000", d2, 13.4, "a.csv"),
        ("600000", d3, 13.5, "a.csv"),
        ("NVDA", d1, 143.85, "a.csv"),
        ("NVDA", d2, 150.0, "b.csv"),
    ]
    volumes = _rows(db, "SELECT date, volume, volume_unit FROM prices WHERE symbol = '600000' "
                        "ORDER BY date")  # fmt: skip
    assert volumes == [(d1, 500000.0, "shares"), (d2, 600000.0, "shares"), (d3, 700000.0, "shares")]
    assert _rows(db, "SELECT symbol, market FROM instruments ORDER BY symbol") == [
        ("0981.HK", "HK"), ("600000", "CN_A"), ("NVDA", "US")
    ]  # fmt: skip
    assert _rows(db, "SELECT symbol, shares FROM shares ORDER BY symbol") == [
        ("600000", 1e9), ("688256", 7.0)
    ]  # fmt: skip
    meta = dict(_rows(db, "SELECT key, value FROM meta"))
    assert meta["schema_version"] == str(store.SCHEMA_VERSION)
    assert meta["migration.3.volume_rows_converted_from_lots"] == "2"
    assert meta["migration.3.symbol_rows_merged"] == "5"  # 2 nvda, 0981.hk, 600000.SH, sh.600000
    # once: the next write finds version 3 and neither converts nor records again
    before = _rows(db, "SELECT * FROM prices ORDER BY symbol, date")
    store.ingest(db, "shares", _one_share_row().assign(as_of=dt.date(2024, 10, 8)))
    assert _rows(db, "SELECT * FROM prices ORDER BY symbol, date") == before
    assert (
        dict(_rows(db, "SELECT key, value FROM meta"))["migration.3.at"] == meta["migration.3.at"]
    )


def test_an_incoming_lots_row_is_stored_in_shares(tmp_path):
    db = tmp_path / "store.duckdb"
    frame = pd.DataFrame([{"symbol": "600000", "market": "CN_A", "date": dt.date(2025, 7, 1),
                           "close": 13.2, "open": 13.2, "high": 13.2, "low": 13.2,
                           "volume": 5000.0, "volume_unit": "手", "source": "t",
                           "file": "p.csv", "line": 2}])  # fmt: skip
    assert store.ingest(db, "prices", frame).added == 1
    assert _rows(db, "SELECT volume, volume_unit FROM prices") == [(500000.0, "shares")]
    # the same file again: the same row in shares, nothing added, no conflict
    assert store.ingest(db, "prices", frame).added == 0


def test_two_spellings_with_two_closes_refuse_the_migration_listing_them(tmp_path):
    db = tmp_path / "store.duckdb"
    d1 = dt.date(2025, 7, 1)
    _v2_store(
        db,
        [
            _price("NVDA", "US", d1, 143.85),
            _price("nvda", "US", d1, 144.10, origin="b.csv"),
            _price("0981.HK", "HK", d1, 20.5),
            _price("0981.hk", "HK", d1, 20.6),
            _price("600000", "CN_A", d1, 13.2, volume=5000.0, unit="手"),
        ],
    )
    before = store.fingerprint(db)
    with pytest.raises(StoreError) as err:
        store.ingest(db, "shares", _one_share_row())
    text = str(err.value)
    assert "\n" not in text
    assert "cannot bring the store to schema version 3: 2 stored row(s)" in text
    assert "prices NVDA 2025-07-01: close 143.85 as 'NVDA' but 144.1 as 'nvda'" in text
    assert "prices 0981.HK 2025-07-01: close 20.5 as '0981.HK' but 20.6 as '0981.hk'" in text
    assert err.value.exit_code == 4
    assert store.fingerprint(db) == before  # lots not converted either: nothing was written
    assert _rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [("2",)]


def test_the_refusal_is_one_line_exit_4_through_the_cli(tmp_path, capsys, monkeypatch):
    desk = tmp_path / "desk"
    monkeypatch.setattr(sys, "argv", ["sectorweekly", "init", str(desk)])
    with pytest.raises(SystemExit):
        main()
    db = desk / "store.duckdb"
    d1 = dt.date(2024, 10, 8)
    _v2_store(db, [_price("300308", "CN_A", d1, 185.83), _price("300308.SZ", "CN_A", d1, 190.0)])
    (tmp_path / "s.csv").write_text("symbol,as_of,shares\n300308,2024-09-30,5\n")
    before = store.fingerprint(db)
    monkeypatch.setattr(
        sys,
        "argv",
        ["sectorweekly", "import", "shares", str(tmp_path / "s.csv"), "--desk", str(desk)],
    )
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 4
    assert err.startswith("error: ") and "\n" not in err
    assert "prices 300308 2024-10-08: close 185.83 as '300308' but 190 as '300308.SZ'" in err
    assert store.fingerprint(db) == before
