"""`sectorweekly import prices`: one transaction, file:row errors, store unchanged on failure."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sectorweekly.desk.parse import demo_desk_dir
from sectorweekly.errors import InputError
from sectorweekly.markets.calendars import Calendars
from sectorweekly.store import fingerprint
from sectorweekly.update.imports import import_price_files

KNOWN = {"688256": "CN_A", "NVDA": "US", "HSI": "HK"}
GOOD = "symbol,date,close,open,high,low,volume\n688256,2024-10-08,346.99,346.99,346.99,325.0,100\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def seeded(tmp_path: Path) -> Path:
    store = tmp_path / "store.duckdb"
    import_price_files(
        store, [write(tmp_path, "good.csv", GOOD)], KNOWN, calendars=Calendars.build()
    )
    return store


BAD_CASES = [
    ("missing column", "symbol,date,open\n688256,2024-10-09,1\n", ":1: missing column 'close'"),
    (
        "bad date",
        "symbol,date,close\n688256,2024-13-09,371.5\n",
        ":2: date '2024-13-09' is not a date; expected YYYY-MM-DD",
    ),
    ("zero price", "symbol,date,close\n688256,2024-10-09,0\n", ":2: close 0 is not positive"),
    (
        "negative open",
        "symbol,date,close,open\n688256,2024-10-09,371.5,-1\n",
        ":2: open -1 is not positive",
    ),
    (
        "not a number",
        "symbol,date,close\n688256,2024-10-09,abc\n",
        ":2: close 'abc' is not a number",
    ),
    (
        "high below close",
        "symbol,date,close,high\n688256,2024-10-09,371.5,300\n",
        ":2: high 300 is below open/close",
    ),
    (
        "holiday",
        "symbol,date,close\n688256,2024-10-03,371.5\n",
        ":2: 2024-10-03 is not a CN_A (XSHG) trading session",
    ),
    (
        "unknown market value",
        "symbol,market,date,close\n688256,MARS,2024-10-09,371.5\n",
        ":2: unknown market 'MARS'; expected one of CN_A, HK, US",
    ),
    (
        "unknown market symbol",
        "symbol,date,close\nXYZW,2024-10-09,1\n",
        ":2: unknown market for 'XYZW'",
    ),
    (
        "duplicate in file",
        "symbol,date,close\n688256,2024-10-09,371.5\n688256,2024-10-09,371.6\n",
        ":3: duplicate 688256 2024-10-09 with close 371.6",
    ),
    (
        "conflicts with store",
        "symbol,date,close,open,high,low,volume\n688256,2024-10-08,346.98,346.99,346.99,325.0,100\n",
        ":2: 688256 2024-10-08 close 346.98 differs from the stored 346.99",
    ),
    ("ragged row", "symbol,date,close\n688256,2024-10-09\n", ":2: 2 fields, expected 3"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_fails_whole_call_and_leaves_store_unchanged(
    tmp_path, seeded, case, text, message
):
    before = fingerprint(seeded)
    good_too = write(tmp_path, "more.csv", "symbol,date,close\nNVDA,2024-10-09,132.65\n")
    bad = write(tmp_path, "bad.csv", text)
    with pytest.raises(InputError) as err:
        import_price_files(seeded, [good_too, bad], KNOWN, calendars=Calendars.build())
    assert str(err.value).startswith(str(bad))
    assert message in str(err.value)
    assert fingerprint(seeded) == before  # byte for byte, the good file was not half-imported


def test_failed_first_import_creates_no_store(tmp_path):
    store = tmp_path / "new.duckdb"
    with pytest.raises(InputError):
        import_price_files(
            store,
            [write(tmp_path, "b.csv", "symbol,date,close\n688256,x,1\n")],
            KNOWN,
            calendars=Calendars.build(),
        )
    assert not store.exists()


def test_reimport_of_identical_rows_is_a_no_op(tmp_path, seeded):
    before = fingerprint(seeded)
    read, added = import_price_files(
        seeded, [write(tmp_path, "again.csv", GOOD)], KNOWN, calendars=Calendars.build()
    )
    assert (read, added) == (1, 0)
    assert fingerprint(seeded) == before


def test_minimal_and_shared_layouts_both_import(tmp_path):
    store = tmp_path / "s.duckdb"
    shared = demo_desk_dir() / "data/prices/HSI.csv"
    minimal = write(
        tmp_path, "m.csv", "symbol,date,close\n0981.HK,2024-10-09,27.2\nNVDA,2024-10-09,132.65\n"
    )
    read, added = import_price_files(store, [shared, minimal], KNOWN, calendars=Calendars.build())
    con = duckdb.connect(str(store), read_only=True)
    rows = dict(con.execute("SELECT symbol, count(*) FROM prices GROUP BY symbol").fetchall())
    hsi = con.execute(
        "SELECT close, source FROM prices WHERE symbol='HSI' AND date='2024-10-08'"
    ).fetchall()
    con.close()
    assert rows["HSI"] == 366 and rows["0981.HK"] == 1 and rows["NVDA"] == 1
    assert added == read == 368
    assert hsi == [(20926.79, "ShresthTiwari823/QuantEdge-AI@18a1e8e758:data/HSI.csv")]


def test_cli_import_error_is_one_line_with_nonzero_exit(tmp_path):
    desk = tmp_path / "desk"
    shutil.copytree(demo_desk_dir(), desk)
    (desk / "desk.yaml").write_text(
        (desk / "desk.yaml")
        .read_text(encoding="utf-8")
        .replace("seed_prices: [data/prices]", "seed_prices: []"),
        encoding="utf-8",
    )
    bad = write(tmp_path, "bad.csv", "symbol,date,close\n688256,2024-10-09,-3\n")
    run = subprocess.run(
        [sys.executable, "-m", "sectorweekly", "import", "prices", str(bad), "--desk", str(desk)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == f"error: {bad}:2: close -3 is not positive; expected a price > 0"
    assert not (desk / "store.duckdb").exists()


def test_files_sharing_a_header_are_read_together_yet_named_one_by_one(tmp_path):
    """Files with one header are parsed in one read; each row keeps its own file and line,
    whatever each file's encoding, and a bad row is named in its own file."""
    head = "symbol,date,close\n"
    a = tmp_path / "a.csv"
    a.write_text(head + "688256,2024-10-08,346.99\n688256,2024-10-09,371.5\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_bytes((head + "NVDA,2024-10-08,132.89\n").encode("gb18030"))
    c = tmp_path / "c.csv"
    c.write_bytes(b"\xef\xbb\xbf" + (head + "NVDA,2024-10-09,132.65\n").encode())
    store = tmp_path / "s.duckdb"
    read, added = import_price_files(store, [a, b, c], KNOWN, calendars=Calendars.build())
    assert (read, added) == (4, 4)
    con = duckdb.connect(str(store), read_only=True)
    got = con.execute("SELECT symbol, CAST(date AS VARCHAR), source FROM prices ORDER BY 1, 2")
    assert got.fetchall() == [
        ("688256", "2024-10-08", "csv:a.csv"),
        ("688256", "2024-10-09", "csv:a.csv"),
        ("NVDA", "2024-10-08", "csv:b.csv"),
        ("NVDA", "2024-10-09", "csv:c.csv"),
    ]
    con.close()
    before = fingerprint(store)
    d = write(tmp_path, "d.csv", head + "NVDA,2024-10-10,131\nNVDA,2024-10-11,x\n")
    e = write(tmp_path, "e.csv", head + "NVDA,2024-10-14,1,5\n")  # ragged: 4 fields
    with pytest.raises(InputError) as err:
        import_price_files(store, [a, d, e], KNOWN, calendars=Calendars.build())
    assert str(err.value).startswith(f"{d}:3: close 'x' is not a number")
    with pytest.raises(InputError) as err:
        import_price_files(store, [a, e], KNOWN, calendars=Calendars.build())
    assert str(err.value).startswith(f"{e}:2: 4 fields, expected 3")
    assert fingerprint(store) == before


def test_a_folder_of_hundreds_of_files_imports_within_the_memory_limit(tmp_path):
    """One file per symbol is how terminals export: 300 files, headers differing (an extra
    column of their own), go in as one import without DuckDB running out of memory."""
    paths = []
    for k in range(300):
        symbol = f"{600000 + k:06d}"
        path = tmp_path / f"{symbol}.csv"
        path.write_text(
            f"symbol,date,close,source_note_{k}\n"
            f"{symbol},2024-10-08,{10 + k / 100:.2f},x\n{symbol},2024-10-09,{11 + k / 100:.2f},y\n",
            encoding="utf-8",
        )
        paths.append(path)
    store = tmp_path / "s.duckdb"
    read, added = import_price_files(store, paths, {}, calendars=Calendars.build())
    assert (read, added) == (600, 600)
    con = duckdb.connect(str(store), read_only=True)
    last = con.execute(
        "SELECT close, source FROM prices WHERE symbol = '600299' AND date = '2024-10-09'"
    ).fetchall()
    con.close()
    assert last == [(13.99, "csv:600299.csv")]
