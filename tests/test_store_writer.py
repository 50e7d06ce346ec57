"""The store's one writer, seen as a user sees it: two processes at once, a reader open during a
write, every encoding users' files come in, and the rules shared by every kind of row."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from sectorweekly import store
from sectorweekly.cli import main
from sectorweekly.desk.notes import load_notes
from sectorweekly.desk.parse import load_desk
from sectorweekly.markets.calendars import Calendars

PY = sys.executable


def sw(capsys, monkeypatch, *args: object) -> tuple[int, str, str]:
    """Run the command line in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["sectorweekly", *map(str, args)])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(err: str) -> str:
    line = err.strip()
    assert line.startswith("error: ") and "\n" not in line and "Traceback" not in line, err
    return line


@pytest.fixture()
def desk(tmp_path, capsys, monkeypatch) -> Path:
    """A desk made by `init` (no demo data): the demo's instruments, an empty store."""
    folder = tmp_path / "desk"
    code, _, err = sw(capsys, monkeypatch, "init", folder)
    assert code == 0, err
    return folder


def prices_csv(path: Path, symbols: list[str], close: float = 10.0, **changed: float) -> Path:
    """symbol,date,close for 2024 sessions; ``changed`` maps 'SYMBOL_YYYY-MM-DD' to a close."""
    lines = ["symbol,date,close"]
    for sym in symbols:
        for day in Calendars.build().sessions("CN_A", dt.date(2024, 1, 2), dt.date(2024, 9, 30)):
            value = changed.get(f"{sym}_{day}", close)
            lines.append(f"{sym},{day},{value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_close(db: Path, symbol: str, day: str) -> float:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT close FROM prices WHERE symbol = ? AND date = ?", [symbol, day]
        ).fetchall()[0][0]


# --- two writers, and a reader during a write ----------------------------------------------


def test_two_processes_importing_conflicting_files_one_wins_the_other_is_refused(desk, tmp_path):
    syms = ["688256", "688041", "688047", "300308", "601138"]
    a = prices_csv(tmp_path / "a.csv", syms, 10.0)
    b = prices_csv(tmp_path / "b.csv", syms, 10.0, **{"300308_2024-09-30": 11.0})
    env = {**os.environ}
    runs = [
        subprocess.Popen(
            [PY, "-m", "sectorweekly", "import", "prices", str(f), "--desk", str(desk)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for f in (a, b)
    ]  # fmt: skip
    done = [(p.wait(timeout=180), *p.communicate()) for p in runs]
    codes = sorted(c for c, _, _ in done)
    assert codes == [0, 2], done
    winner, loser = (0, 1) if done[0][0] == 0 else (1, 0)
    won_file, lost_file = (a, b)[winner], (a, b)[loser]
    message = one_line_error(done[loser][2])
    n = len(Calendars.build().sessions("CN_A", dt.date(2024, 1, 2), dt.date(2024, 9, 30)))
    assert n == 181  # XSHG sessions 2024-01-02..09-30
    line = 1 + 3 * n + n  # 300308 is the 4th symbol; 2024-09-30 its last session
    assert message.startswith(f"error: {lost_file}:{line}: 300308 2024-09-30 close ")
    assert f"differs from the stored {10 if won_file == a else 11:g} (stored from {won_file}" in (
        message
    )
    assert "0 new rows" not in done[loser][1]
    db = desk / "store.duckdb"
    assert stored_close(db, "300308", "2024-09-30") == (10.0 if won_file == a else 11.0)


HOLD = (
    "import duckdb, sys, time\n"
    "con = duckdb.connect(sys.argv[1], read_only=True)\n"
    "print('open', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
)


def _hold_reader(db: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [PY, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    return proc


def test_an_import_waits_for_a_reader_or_stops_with_one_line(desk, tmp_path, capsys, monkeypatch):
    first = prices_csv(tmp_path / "first.csv", ["688256"])
    assert sw(capsys, monkeypatch, "import", "prices", first, "--desk", desk)[0] == 0
    db = desk / "store.duckdb"
    more = prices_csv(tmp_path / "more.csv", ["688041"])

    reader = _hold_reader(db, 2.0)
    t0 = time.monotonic()
    code, out, err = sw(capsys, monkeypatch, "import", "prices", more, "--desk", desk, "--wait", 30)
    reader.wait(timeout=30)
    assert code == 0, err
    assert "181 new rows" in out
    assert time.monotonic() - t0 >= 1.0  # it waited for the reader to let go

    before = store.fingerprint(db)
    again = prices_csv(tmp_path / "again.csv", ["688047"])
    reader = _hold_reader(db, 6.0)
    code, out, err = sw(capsys, monkeypatch, "import", "prices", again, "--desk", desk, "--wait", 1)
    reader.kill()
    reader.wait()
    assert code == 4
    line = one_line_error(err)
    assert "the store is busy" in line and "--wait" in line
    assert store.fingerprint(db) == before


def test_a_reader_waits_for_a_writer_holding_the_lock(desk, tmp_path):
    db = desk / "store.duckdb"
    prices_csv(tmp_path / "p.csv", ["688256"])
    store.ingest(db, "shares", _shares_frame(1.0))
    holder = (
        "import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('open', flush=True)\n"
        "time.sleep(2)\n"
    )
    proc = subprocess.Popen([PY, "-c", holder, str(db)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    with store.reader(db, wait=20) as con:  # waits for the writer, then reads
        assert con.execute("SELECT shares FROM shares").fetchall() == [(1.0,)]
    proc.wait(timeout=30)


def _shares_frame(value: float):
    import pandas as pd

    return pd.DataFrame(
        [{"symbol": "688256", "as_of": dt.date(2024, 9, 30), "shares": value, "source": "t",
          "note": None, "file": "s.csv", "line": 2}]
    )  # fmt: skip


# --- encodings --------------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030"]
FILES = {
    "prices": (
        "prices.csv",
        "symbol,market,name,date,close\n300308,CN_A,中际旭创,2024-10-08,185.83\n",
        ["import", "prices"],
    ),
    "shares": (
        "shares.csv",
        "symbol,as_of,shares,source,note\n300308,2024-10-09,1121166509,年报,总股本\n",
        ["import", "shares"],
    ),
    "series": (
        "visits.csv",
        "month,豆包,Kimi智能助手\n2024-09,100,200\n",
        ["import", "series", "--kind", "downloads", "--group", "国内应用"],
    ),
    "gpu": (
        "gpu.csv",
        "date,model,condition,price,currency\n2024-10-07,H100,全新,28620,USD\n",
        ["import", "series", "--kind", "gpu-price"],
    ),
    "ratings": (
        "ratings.csv",
        "date,symbol,rating,analyst\n2024-01-15,300308,买入,示例分析师\n",
        ["ratings", "import"],
    ),
}
STORED = {
    "prices": ("SELECT name FROM instruments WHERE symbol = '300308'", "中际旭创"),
    "shares": ("SELECT note FROM shares", "总股本"),
    "series": ("SELECT string_agg(series, ',' ORDER BY series) FROM tracker_series",
               "Kimi智能助手,豆包"),
    "gpu": ("SELECT condition FROM gpu_prices", "new"),
    "ratings": ("SELECT rating || analyst FROM ratings", "买入示例分析师"),
}  # fmt: skip


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("kind", list(FILES))
def test_every_reader_takes_utf8_with_or_without_bom_and_gb18030(
    desk, tmp_path, capsys, monkeypatch, kind, encoding
):
    name, text, command = FILES[kind]
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    code, _, err = sw(capsys, monkeypatch, *command, path, "--desk", desk)
    assert code == 0, err
    sql, want = STORED[kind]
    with duckdb.connect(str(desk / "store.duckdb"), read_only=True) as con:
        assert con.execute(sql).fetchall()[0][0] == want


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_notes_in_every_encoding(tmp_path, encoding):
    path = tmp_path / "2024-10-10.md"
    path.write_bytes("---\nheadline: 算力需求持续\n---\n## 光模块\n正文。\n".encode(encoding))
    notes = load_notes(path)
    assert notes is not None and notes.headline == "算力需求持续"
    assert [s.title for s in notes.sections] == ["光模块"]


def test_encoding_option_names_the_encoding(desk, tmp_path, capsys, monkeypatch):
    name, text, command = FILES["prices"]
    path = tmp_path / name
    path.write_bytes(text.encode("gb18030"))
    code, _, err = sw(capsys, monkeypatch, *command, path, "--desk", desk, "--encoding", "utf-8")
    assert code == 2
    assert one_line_error(err).startswith(f"error: {path}:2: byte 0x")
    assert "is not utf-8 text" in err
    assert not (desk / "store.duckdb").exists()
    code, _, err = sw(capsys, monkeypatch, *command, path, "--desk", desk, "--encoding", "GBK")
    assert code == 0, err


BAD_BYTES = {
    "undecodable": (b"symbol,date,close\n300308,2024-10-08,1\n\xff\xfe\xfa,x,y\n", 3, "byte 0xff"),
    "binary": (b"symbol,date\x00,close\n", 1, "binary data (a NUL byte), not text"),
    "xlsx as csv": (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, 1, "an Excel workbook"),
    "over-long field": (b"symbol,date,close," + b"9" * 5000 + b"\n", 1, "a field of 5000"),
}
READERS = {k: v for k, v in FILES.items()}


@pytest.mark.parametrize("bad", list(BAD_BYTES))
@pytest.mark.parametrize("kind", list(READERS))
def test_unreadable_files_are_one_line_errors_with_file_and_row(
    desk, tmp_path, capsys, monkeypatch, kind, bad
):
    data, row, words = BAD_BYTES[bad]
    name, _, command = READERS[kind]
    path = tmp_path / name
    path.write_bytes(data)
    code, _, err = sw(capsys, monkeypatch, *command, path, "--desk", desk)
    assert code == 2
    line = one_line_error(err)
    assert line.startswith(f"error: {path}:{row}: ") and words in line, line
    assert not (desk / "store.duckdb").exists()


@pytest.mark.parametrize("bad", list(BAD_BYTES))
def test_unreadable_notes_are_one_line_errors(tmp_path, bad):
    from sectorweekly.errors import InputError

    data, row, words = BAD_BYTES[bad]
    path = tmp_path / "2024-10-10.md"
    path.write_bytes(data)
    if bad == "over-long field":
        pytest.skip("a long line is legal in notes")
    with pytest.raises(InputError) as err:
        load_notes(path)
    assert str(err.value).startswith(f"{path}:{row}: ") and words in str(err.value)


# --- shares follow the price rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "row", "words"),
    [
        ("300308,2024-10-09,inf\n", 2, "shares 'inf' is not a finite number"),
        ("300308,2024-10-09,-5\n", 2, "shares '-5' is not a positive number"),
        ("300308,2024-10-09,0\n", 2, "shares '0' is not a positive number"),
        ("300308,2024-10-10,5\n300308,2024-10-10,6\n", 3,
         "duplicate 300308 2024-10-10 with shares 6 (already 5 at bad.csv:2)"),
        ("300308,2024-10-09,7\n", 2,
         "300308 2024-10-09 shares 7 differs from the stored 5 (stored from "),
    ],
)  # fmt: skip
def test_shares_are_finite_positive_and_never_overwritten(
    desk, tmp_path, capsys, monkeypatch, text, row, words
):
    good = tmp_path / "good.csv"
    good.write_text("symbol,as_of,shares\n300308,2024-10-09,5\n", encoding="utf-8")
    assert sw(capsys, monkeypatch, "import", "shares", good, "--desk", desk)[0] == 0
    db = desk / "store.duckdb"
    before = store.fingerprint(db)
    bad = tmp_path / "bad.csv"
    bad.write_text("symbol,as_of,shares\n" + text, encoding="utf-8")
    code, _, err = sw(capsys, monkeypatch, "import", "shares", bad, "--desk", desk)
    assert code == 2
    line = one_line_error(err)
    assert line.startswith(f"error: {bad}:{row}: ") and words in line, line
    assert store.fingerprint(db) == before


# --- the present is an input ------------------------------------------------------------------


def test_prices_after_the_last_closed_session_are_refused(desk, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2024-10-08T14:00+08:00")  # the session is trading
    path = tmp_path / "p.csv"
    path.write_text("symbol,date,close\n300308,2024-09-30,1\n300308,2024-10-08,2\n")
    code, _, err = sw(capsys, monkeypatch, "import", "prices", path, "--desk", desk)
    assert code == 2
    assert one_line_error(err) == (
        f"error: {path}:3: 2024-10-08 is after the last closed CN_A session 2024-09-30 "
        "(today is 2024-10-08); expected no prices from the future"
    )
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2024-10-08")  # the end of that day: closed
    assert sw(capsys, monkeypatch, "import", "prices", path, "--desk", desk)[0] == 0


def test_ratings_dated_after_today_are_refused(desk, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2024-10-08")
    path = tmp_path / "r.csv"
    path.write_text("date,symbol,rating\n2024-10-08,300308,买入\n2024-10-09,300308,持有\n")
    code, _, err = sw(capsys, monkeypatch, "ratings", "import", path, "--desk", desk)
    assert code == 2
    assert one_line_error(err).startswith(f"error: {path}:3: date 2024-10-09 is after today")


# --- init never blocks the first import --------------------------------------------------------


def test_init_ships_no_data_and_the_first_import_goes_in(desk, tmp_path, capsys, monkeypatch):
    assert not (desk / "data").exists() and not (desk / "ratings.csv").exists()
    yaml_text = (desk / "desk.yaml").read_text(encoding="utf-8")
    assert "seed_prices" not in yaml_text and "history:" not in yaml_text
    path = tmp_path / "mine.csv"
    path.write_text("symbol,date,close\n300308,2024-10-08,190\n", encoding="utf-8")
    code, out, err = sw(capsys, monkeypatch, "import", "prices", path, "--desk", desk)
    assert code == 0, err
    assert out.startswith("1 new row (0 already stored)")


def test_init_with_demo_data_loads_it_and_a_conflict_names_its_origin(
    tmp_path, capsys, monkeypatch
):
    folder = tmp_path / "demo"
    code, _out, err = sw(capsys, monkeypatch, "init", folder, "--demo-data")
    assert code == 0, err
    db = folder / "store.duckdb"
    assert stored_close(db, "300308", "2024-10-08") == 185.83
    before = store.fingerprint(db)
    mine = tmp_path / "mine.csv"
    mine.write_text("symbol,date,close\n300308,2024-10-08,190\n", encoding="utf-8")
    code, _, err = sw(capsys, monkeypatch, "import", "prices", mine, "--desk", folder)
    assert code == 2
    seed = folder / "data" / "prices" / "300308.csv"
    assert f"differs from the stored 185.83 (stored from {seed.resolve()}" in one_line_error(err)
    assert store.fingerprint(db) == before


# --- a build only reads ------------------------------------------------------------------------


def test_building_the_demo_twice_leaves_the_store_unchanged(demo_store, monkeypatch):
    from sectorweekly.build.flow import BuildContext, build_report
    from sectorweekly.update.workspace import prepare

    monkeypatch.setenv("SECTORWEEKLY_HOME", str(demo_store.parent.parent))
    desk = load_desk()
    assert prepare(desk) == (demo_store, 0)  # already seeded: nothing to do, nothing written
    before = store.fingerprint(demo_store)
    for _ in range(2):
        report = build_report(desk, dt.date(2024, 10, 7), dt.date(2024, 10, 9), BuildContext())
        assert report.review.markets["CN_A"].end_date == dt.date(2024, 10, 9)
        assert prepare(desk) == (demo_store, 0)
    assert store.fingerprint(demo_store) == before


# --- schema version and migration ---------------------------------------------------------------


def test_a_version_1_store_is_migrated_on_its_next_write(tmp_path):
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:  # the version-1 layout: no tracker/rating tables
        con.execute(
            "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);"
            "INSERT INTO meta VALUES ('schema_version', '1');"
            "CREATE TABLE instruments (symbol VARCHAR PRIMARY KEY, market VARCHAR NOT NULL,"
            " name VARCHAR, currency VARCHAR);"
            "CREATE TABLE shares (symbol VARCHAR NOT NULL, as_of DATE NOT NULL,"
            " shares DOUBLE NOT NULL, source VARCHAR, note VARCHAR, PRIMARY KEY (symbol, as_of));"
            "INSERT INTO shares VALUES ('300308', '2024-10-09', 5, 'old', NULL);"
        )
    result = store.ingest(db, "shares", _shares_frame(7.0))
    assert result.added == 1
    with duckdb.connect(str(db), read_only=True) as con:
        assert store.table_names(con) >= {"prices", "tracker_series", "gpu_prices", "ratings"}
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            (str(store.SCHEMA_VERSION),)
        ]
        rows = con.execute("SELECT symbol, shares, origin FROM shares ORDER BY symbol").fetchall()
    assert rows == [("300308", 5.0, None), ("688256", 7.0, "s.csv")]


def test_big_calls_find_repeated_keys_through_the_table_key(tmp_path, monkeypatch):
    """Above a size the writer skips the up-front repeat count: the key finds repeats."""
    from sectorweekly.errors import InputError
    from sectorweekly.update.imports import import_price_files

    ingest_module = importlib.import_module("sectorweekly.store.ingest")
    monkeypatch.setattr(ingest_module, "EAGER_REPEAT_CHECK", 0)
    db = tmp_path / "s.duckdb"
    same = tmp_path / "same.csv"
    same.write_text("symbol,date,close\n300308,2024-10-08,1\n300308,2024-10-08,1\n")
    assert import_price_files(db, [same], {}, calendars=Calendars.build()) == (
        2,
        1,
    )  # identical repeat: one row
    other = tmp_path / "other.csv"
    other.write_text("symbol,date,close\n300308,2024-10-09,1\n300308,2024-10-09,2\n")
    before = store.fingerprint(db)
    with pytest.raises(InputError) as err:
        import_price_files(db, [other], {}, calendars=Calendars.build())
    assert str(err.value) == (
        f"{other}:3: duplicate 300308 2024-10-09 with close 2 (already 1 at other.csv:2); "
        "expected one value per symbol and date"
    )
    assert store.fingerprint(db) == before


@pytest.mark.parametrize("kind", list(FILES))
def test_every_reader_takes_an_xlsx_workbook(desk, tmp_path, capsys, monkeypatch, kind):
    from openpyxl import Workbook

    name, text, command = FILES[kind]
    book = Workbook()
    for line in text.strip().splitlines():
        book.active.append(line.split(","))
    path = tmp_path / name.replace(".csv", ".xlsx")
    book.save(path)
    code, _, err = sw(capsys, monkeypatch, *command, path, "--desk", desk)
    assert code == 0, err
    sql, want = STORED[kind]
    with duckdb.connect(str(desk / "store.duckdb"), read_only=True) as con:
        assert con.execute(sql).fetchall()[0][0] == want


def test_a_bad_workbook_row_is_named_by_its_row_number(desk, tmp_path, capsys, monkeypatch):
    from openpyxl import Workbook

    book = Workbook()
    for row in (["symbol", "date", "close"], ["300308", dt.datetime(2024, 10, 8), 185.83],
                [None, None, None], ["300308", dt.datetime(2024, 10, 9), "n/a"]):  # fmt: skip
        book.active.append(row)
    path = tmp_path / "prices.xlsx"
    book.save(path)
    code, _, err = sw(capsys, monkeypatch, "import", "prices", path, "--desk", desk)
    assert code == 2
    assert one_line_error(err) == (
        f"error: {path}[Sheet]:4: close 'n/a' is not a number; expected a decimal such as 12.34"
    )
