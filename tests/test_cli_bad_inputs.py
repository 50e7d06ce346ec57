"""Every command over a table of bad inputs: a documented exit code (never 1), one line on
stderr, no traceback, and the store byte for byte as it was."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from sectorweekly import store
from sectorweekly.cli import main

DOCUMENTED = {2, 3, 4, 5, 6, 7}


def assert_refused(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    db: Path,
    code: int,
    words: str,
    *,
    other_lines: bool = False,
) -> str:
    """Run the command line ``args``: it exits with the documented ``code`` and one ``error:``
    line holding ``words`` (with ``other_lines``, warnings may stand beside it), no traceback,
    and the store ``db`` byte for byte as it was, with the files beside it (its lock, its WAL)
    as they were. Returns the error line."""
    before = store.fingerprint(db)
    beside = _beside(db)
    monkeypatch.setattr(sys, "argv", ["sectorweekly", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    out = capsys.readouterr()
    assert exit_.value.code == code, out.err
    assert code in DOCUMENTED
    errors = [e for e in out.err.strip().splitlines() if e.startswith("error: ")]
    assert len(errors) == 1, out.err
    if not other_lines:
        assert out.err.strip() == errors[0], out.err
    assert "Traceback" not in out.err + out.out
    assert words in errors[0], out.err
    assert store.fingerprint(db) == before
    assert _beside(db) == beside
    return errors[0]


def _beside(db: Path) -> list[str]:
    """The store's own files: ``store.duckdb``, ``store.duckdb.lock``, ``store.duckdb.wal``."""
    if not db.parent.is_dir():
        return []
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name))


def _init(folder: Path, *flags: str) -> None:
    """`sectorweekly init FOLDER [FLAGS]` in this process; it must succeed."""
    argv = sys.argv
    sys.argv = ["sectorweekly", "init", str(folder), *flags]
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None)
    finally:
        sys.argv = argv


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A desk made by `init --demo-data` (seeded once) and a folder of bad files."""
    root = tmp_path_factory.mktemp("bad_inputs")
    desk = root / "desk"
    _init(desk, "--demo-data")
    files = root / "files"
    files.mkdir()
    (files / "a_file.txt").write_text("not a folder\n", encoding="utf-8")
    (files / "folder").mkdir()
    (files / "full").mkdir()
    (files / "full" / "x.txt").write_text("x", encoding="utf-8")
    (files / "binary.csv").write_bytes(b"symbol,date,close\n\x00\x01\x02\n")
    (files / "workbook.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    (files / "undecodable.csv").write_bytes(b"date,symbol,rating\n2024-01-15,300308,\xff\xfe\n")
    (files / "month13.csv").write_text("month,豆包\n2024-13,100\n", encoding="utf-8")
    (files / "bad_date.csv").write_text("symbol,date,close\n300308,2024-13-01,1\n")
    (files / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (files / "text.xlsx").write_text("date,model\n", encoding="utf-8")
    (files / "prices.csv").write_text("symbol,date,close\n300308,2024-10-08,185.83\n")
    (files / "conflict.csv").write_text("symbol,date,close\n300308,2024-10-08,999\n")
    (files / "long.csv").write_bytes(b"symbol,date,close\n300308,2024-10-08," + b"1" * 9000 + b"\n")
    (files / "ragged.csv").write_text("symbol,date,close\n300308,2024-10-08\n")
    (files / "empty.csv").write_text("")
    (files / "future.csv").write_text("symbol,date,close\n300308,2031-01-06,1\n")
    (files / "ratings_unknown.csv").write_text("date,symbol,rating\n2024-01-15,AAPL,买入\n")
    (desk / "notes").mkdir(exist_ok=True)
    empty = root / "empty_desk"
    _init(empty)
    broken = root / "broken_desk"
    broken.mkdir()
    (broken / "desk.yaml").write_text("firm: [unclosed\n", encoding="utf-8")
    return {"desk": desk, "files": files, "broken": broken, "root": root}


# (command line with {desk} {files} {root} {broken} placeholders, expected exit code, words)
CASES = [
    ("build --start 2024-13-01", 2, "is not a date"),
    ("build --start 2024-10-07 --end 2024-10-09 --out {files}/a_file.txt", 2, "is a file"),
    ("build --start 2024-10-07 --end 2024-10-09 --bogus", 2, "No such option"),
    ("build --start 2019-01-07 --end 2019-01-11", 4, "no prices for any of the desk's symbols"),
    ("build --start 2031-01-06 --end 2031-01-10", 3, "exchange"),
    ("build --desk {files}/folder", 2, "no desk.yaml here"),
    ("build --desk {broken}", 2, "not valid YAML"),
    ("import prices {files}/missing.csv", 2, "no such file"),
    ("import prices {files}/folder", 2, "a folder"),
    ("import prices {files}/binary.csv", 2, "binary data"),
    ("import prices {files}/workbook.csv", 2, "an Excel workbook"),
    ("import prices {files}/bad_date.csv", 2, "is not a date"),
    ("import prices {files}/long.csv", 2, "a field of 9000 characters"),
    ("import prices {files}/ragged.csv", 2, "2 fields, expected 3"),
    ("import prices {files}/empty.csv", 2, "empty file"),
    ("import prices {files}/future.csv", 2, "expected no prices from the future"),
    ("import prices {files}/conflict.csv", 2, "differs from the stored 185.83 (stored from "),
    ("import prices {files}/prices.csv --wait -1", 2, "--wait"),
    ("import prices {files}/prices.csv --encoding klingon", 2, "unknown encoding"),
    ("import prices", 2, "Missing argument"),
    ("import shares {files}/workbook.csv", 2, "an Excel workbook"),
    ("import shares {files}/prices.csv", 2, "missing column 'as_of'"),
    ("import series {files}/month13.csv --kind downloads --group x", 2, "'2024-13' is not a month"),
    ("import series {files}/old.xls --kind visits", 2, "unsupported file type"),
    ("import series {files}/text.xlsx --kind gpu-price", 2, "not a readable .xlsx"),
    ("import series {files}/prices.csv --kind nope", 2, "'nope' is not one of"),
    ("import series {files}/month13.csv --kind downloads --alias x", 2, "expected NEW=OLD"),
    ("ratings import {files}/undecodable.csv", 2, "byte 0xff"),
    ("ratings import {files}/ratings_unknown.csv", 2, "symbol 'AAPL' is neither"),
    ("ratings evaluate --out {files}/a_file.txt", 2, "is a file"),
    ("ratings evaluate --out {root}/card --horizon soon", 2, "--horizon"),
    ("ratings evaluate --out {root}/card --ratings {files}/binary.csv", 2, "binary data"),
    ("ratings evaluate --out {root}/card --as-of 2024-02-30", 2, "is not a date"),
    ("init {files}/a_file.txt", 2, "is a file"),
    ("init {files}/full", 2, "folder is not empty"),
    ("update --since yesterday", 2, "is not a date"),
    ("update --symbols AAPL", 2, "AAPL"),
    ("update --workers 99", 2, "--workers"),
    ("frobnicate", 2, "No such command"),
    ("calendar MARS 2027", 2, "'MARS' is not a market"),
    ("backfill --weeks 0", 2, "--weeks"),
    ("build --jobs 3", 2, "--jobs"),
    ("backfill --weeks 2 --before 2024-02-30", 2, "is not a date"),
    ("build --desk {root}/empty_desk", 4, "the store has no prices for the desk's markets"),
    ("calendar CN_A 99999", 2, "less than or equal to 2100 (see sectorweekly calendar --help)"),
    ("calendar CN_A 1995", 3, "before the first session"),
]


@pytest.mark.parametrize(("line", "code", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_exit_code_one_line_store_unchanged(
    world, capsys, monkeypatch, line, code, words
):
    places = {k: str(v) for k, v in world.items()}
    args = [part.format(**places) for part in line.split()]
    if args[0] not in ("init", "frobnicate") and "--desk" not in args:
        args += ["--desk", places["desk"]]
    assert_refused(monkeypatch, capsys, args, world["desk"] / "store.duckdb", code, words)
    shutil.rmtree(world["root"] / "card", ignore_errors=True)


def test_logs_get_whole_lines_and_whole_tables(tmp_path):
    """Output to a pipe (logs, CI) is neither wrapped nor cut; --version and help read plainly."""
    import subprocess

    from rich.table import Table

    from sectorweekly import console as consoles

    folder = tmp_path / ("a-rather-long-folder-name-for-a-desk-" * 4) / "desk"
    run = subprocess.run(
        [sys.executable, "-m", "sectorweekly", "init", str(folder)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\n") == 1 and str(folder / "desk.yaml") in run.stdout
    table = Table()
    table.add_column("symbol")
    table.add_column("status")
    table.add_row("688256", "FAILED: offline: no data source could be reached " * 3)
    out = consoles.out()  # stdout is not a terminal under pytest
    with out.capture() as captured:
        out.print(table)
    assert "…" not in captured.get() and captured.get().count("offline") == 3
    version = subprocess.run(
        [sys.executable, "-m", "sectorweekly", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.startswith("sectorweekly ")
    helps = subprocess.run(
        [sys.executable, "-m", "sectorweekly", "import", "prices", "--help"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert "FILE..." in helps.stdout and "<" not in helps.stdout and "list[" not in helps.stdout
