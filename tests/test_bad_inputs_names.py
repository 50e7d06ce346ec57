"""The names, the encodings, the field limit and the sheets (issue 20): bad inputs as a table
(exit code, one line, its words, the store byte for byte as it was), then what the same doors
accept: every spelling of one instrument lands under its one symbol."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from sectorweekly.cli import main
from sectorweekly.desk.parse import load_desk
from sectorweekly.errors import InputError
from sectorweekly.update.plan import update_symbols
from test_cli_bad_inputs import assert_refused, world  # noqa: F401  (the shared fixture)

LONG = "x" * 5000


def _workbook(path: Path, sheets: dict[str, list[list]]) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(path)


@pytest.fixture(scope="module")
def names(world):  # noqa: F811
    """Bad files of this table beside the shared world's, and desks with bad symbols."""
    files = world["files"]
    (files / "suffix.csv").write_text("symbol,date,close\n300308.SH,2024-10-08,185.83\n")
    (files / "hk_letters.csv").write_text("symbol,date,close\nABC.HK,2024-10-08,1\n")
    (files / "long_symbol.csv").write_text(f"symbol,date,close\n{LONG},2024-10-08,1\n")
    (files / "long_source.csv").write_text(
        f"symbol,date,close,source\n300308,2024-10-08,185.83,{LONG}\n"
    )
    (files / "shares_suffix.csv").write_text("symbol,as_of,shares\n300308.SH,2024-09-30,5\n")
    (files / "shares_long.csv").write_text(
        f"symbol,as_of,shares,source\n300308,2024-09-30,5,{LONG}\n"
    )
    (files / "ratings_suffix.csv").write_text("date,symbol,rating\n2024-01-15,688256.SZ,买入\n")
    (files / "ratings_long.csv").write_text(
        f"date,symbol,rating,note\n2024-01-15,688256,买入,{LONG}\n"
    )
    (files / "visits.csv").write_text("month,豆包\n2024-09,100\n", encoding="utf-8")
    _workbook(
        files / "book.xlsx",
        {"封面": [], "notes": [["说明", "x"]], "行情": [["symbol", "date", "close"],
                                                   ["300308.SZ", "2024-10-08", 999]]},
    )  # fmt: skip
    desk_text = (world["desk"] / "desk.yaml").read_text(encoding="utf-8")
    for name, old, new in (
        ("twice", "  NVDA: {name: 英伟达, name_en: Nvidia, market: US}\n",
         "  NVDA: {name: 英伟达, name_en: Nvidia, market: US}\n  nvda: {name: 英伟达, market: US}\n"),
        ("wrong_suffix", '"688981": {name: 中芯国际', '"688981.SZ": {name: 中芯国际'),
        ("wrong_market", '"0981.HK": {name: 中芯国际H, name_en: "SMIC (H)", market: HK}',
         '"0981.HK": {name: 中芯国际H, name_en: "SMIC (H)", market: US}'),
    ):  # fmt: skip
        assert old in desk_text
        folder = world["root"] / f"desk_{name}"
        folder.mkdir()
        (folder / "desk.yaml").write_text(desk_text.replace(old, new), encoding="utf-8")
    return world


# (command line with {desk} {files} {root} placeholders, expected exit code, words)
CASES = [
    ("import prices {files}/suffix.csv", 2, "suffix.csv:2: symbol '300308.SH' is listed in "
     "Shenzhen (SZ), not SH; expected a code such as 688256, 600000.SH, 0981.HK or NVDA"),
    ("import prices {files}/hk_letters.csv", 2, "hk_letters.csv:2: symbol 'ABC.HK' is an "
     "exchange suffix without the code's digits"),
    ("import prices {files}/long_symbol.csv", 2, "long_symbol.csv:2: a field of 5000 characters"),
    ("import prices {files}/long_source.csv", 2, "long_source.csv:2: a field of 5000 characters"),
    ("import shares {files}/shares_suffix.csv", 2, "shares_suffix.csv:2: symbol '300308.SH' is "
     "listed in Shenzhen (SZ), not SH"),
    ("import shares {files}/shares_long.csv", 2, "shares_long.csv:2: a field of 5000 characters"),
    ("ratings import {files}/ratings_suffix.csv", 2, "ratings_suffix.csv:2: symbol '688256.SZ' "
     "is listed in Shanghai (SH), not SZ"),
    ("ratings import {files}/ratings_long.csv", 2, "ratings_long.csv:2: a field of 5000 "
     "characters"),
    ("import series {files}/visits.csv --kind visits --group g --source " + LONG, 2,
     "--source': 5000 characters; expected at most 4000"),
    ("import series {files}/visits.csv --kind visits --group " + LONG, 2,
     "--group': 5000 characters; expected at most 4000"),
    ("import prices {files}/prices.csv --encoding latin-1", 2,
     "unknown encoding 'latin-1'; expected one of utf-8, utf-8-sig, gb18030, gbk"),
    ("import shares {files}/prices.csv --encoding cp1252", 2, "unknown encoding 'cp1252'"),
    ("import series {files}/visits.csv --kind visits --group g --encoding latin-1", 2,
     "unknown encoding 'latin-1'"),
    ("ratings import {files}/ratings_suffix.csv --encoding ascii", 2, "unknown encoding 'ascii'"),
    ("import prices {files}/book.xlsx --sheet 9", 2,
     "book.xlsx: no sheet '9'; expected one of '封面', 'notes', '行情' or a number 1-3"),
    ("import prices {files}/book.xlsx --sheet notes", 2,
     "book.xlsx[notes]:1: missing column 'symbol'"),
    ("import prices {files}/book.xlsx", 2, "book.xlsx[行情]:2: 300308 2024-10-08 close 999 "
     "differs from the stored 185.83"),
    ("import shares {files}/book.xlsx --sheet 2", 2, "book.xlsx[notes]:1: missing column"),
    ("ratings import {files}/book.xlsx --sheet 封面", 2, "book.xlsx[封面]:1: empty file"),
    ("import prices {files}/prices.csv --sheet 2", 2,
     "prices.csv: --sheet 2 names a workbook's sheet, but this is a text file"),
    ("update --symbols 600000.SZ", 2, "--symbols: symbol '600000.SZ' is listed in Shanghai (SH)"),
    ("update --symbols nvda,AAPL", 2, "--symbols AAPL: not an instrument of this desk"),
    ("ratings evaluate --out {root}/card --benchmark US=0981.HK", 2,
     "--benchmark: symbol '0981.HK' is a Hong Kong code, not a US symbol"),
    ("build --desk {root}/desk_twice", 2, "desk.yaml:instruments.nvda: the same instrument as "
     "'NVDA' (both are NVDA); expected one entry per instrument"),
    ("build --desk {root}/desk_wrong_suffix", 2, "desk.yaml:instruments.688981.SZ: symbol "
     "'688981.SZ' is listed in Shanghai (SH), not SZ"),
    ("build --desk {root}/desk_wrong_market", 2, "desk.yaml:instruments.0981.HK: symbol "
     "'0981.HK' is a Hong Kong code, not a US symbol"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "code", "words"), CASES, ids=[c[0][:70] for c in CASES])
def test_bad_names_encodings_fields_and_sheets(names, capsys, monkeypatch, line, code, words):
    places = {k: str(v) for k, v in names.items()}
    args = [part.format(**places) for part in line.split()]
    if "--desk" not in args:
        args += ["--desk", places["desk"]]
    assert_refused(monkeypatch, capsys, args, names["desk"] / "store.duckdb", code, words)


# --- what the doors accept ----------------------------------------------------------------------


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["sectorweekly", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    out = capsys.readouterr()
    return int(exit_.value.code or 0), out.out + out.err


@pytest.fixture
def desk(tmp_path, monkeypatch, capsys) -> Path:
    folder = tmp_path / "desk"
    assert _cli(monkeypatch, capsys, "init", str(folder))[0] == 0
    return folder


def _prices(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT symbol, market, date, close, volume, volume_unit FROM prices "
            "ORDER BY symbol, date"
        ).fetchall()


def test_every_spelling_of_one_instrument_lands_under_its_symbol(
    desk, tmp_path, monkeypatch, capsys
):
    (tmp_path / "a.csv").write_text(
        "symbol,date,close,volume\n"
        "sh.600000,2024-10-08,10.5,100\n"
        "600000.SS,2024-10-09,10.6,100\n"
        "nvda,2024-10-08,132.89,100\n"
        "0981.hk,2024-10-08,25.1,100\n"
        "700.HK,2024-10-08,461.0,100\n"
    )
    (tmp_path / "b.csv").write_text(
        "symbol,market,date,close,volume,volume_unit\n"
        "SH600000,CN_A,2024-10-08,10.5,1,手\n"
        "NVDA,US,2024-10-08,132.89,100,shares\n"
        "00700,HK,2024-10-08,461.0,100,shares\n"
    )
    db = desk / "store.duckdb"
    code, out = _cli(monkeypatch, capsys, "import", "prices", str(tmp_path / "a.csv"),
                     "--desk", str(desk))  # fmt: skip
    assert code == 0 and "5 new rows" in out, out
    # the same instruments spelt the other ways: the same rows, nothing new (the lot is 100 shares)
    code, out = _cli(monkeypatch, capsys, "import", "prices", str(tmp_path / "b.csv"),
                     "--desk", str(desk))  # fmt: skip
    assert code == 0 and "0 new rows (3 already stored)" in out, out
    assert [(s, m, str(d)) for s, m, d, *_ in _prices(db)] == [
        ("0700.HK", "HK", "2024-10-08"),
        ("0981.HK", "HK", "2024-10-08"),
        ("600000", "CN_A", "2024-10-08"),
        ("600000", "CN_A", "2024-10-09"),
        ("NVDA", "US", "2024-10-08"),
    ]
    (tmp_path / "s.csv").write_text("symbol,as_of,shares\nsz300308,2024-09-30,5\n")
    assert _cli(monkeypatch, capsys, "import", "shares", str(tmp_path / "s.csv"),
                "--desk", str(desk))[0] == 0  # fmt: skip
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT symbol FROM shares").fetchall() == [("300308",)]


def test_a_workbook_is_read_from_the_first_sheet_the_import_knows(
    desk, tmp_path, monkeypatch, capsys
):
    book = tmp_path / "prices.xlsx"
    _workbook(book, {"Sheet1": [], "说明": [["本表为行情"]],
                     "data": [["symbol", "date", "close"], ["300308", "2024-10-08", 185.83]]})  # fmt: skip
    code, out = _cli(monkeypatch, capsys, "import", "prices", str(book), "--desk", str(desk))
    assert code == 0 and "1 new row (" in out, out
    with duckdb.connect(str(desk / "store.duckdb"), read_only=True) as con:
        assert con.execute("SELECT symbol, date, close, origin FROM prices").fetchall() == [
            ("300308", dt.date(2024, 10, 8), 185.83, f"{book}[data]")
        ]
    # by number: the same sheet, nothing new
    code, out = _cli(monkeypatch, capsys, "import", "prices", str(book), "--sheet", "3",
                     "--desk", str(desk))  # fmt: skip
    assert code == 0 and "0 new rows (1 already stored)" in out, out


def test_desk_notes_and_update_read_symbols_in_their_one_form(tmp_path):
    from sectorweekly.demo import __path__ as _  # noqa: F401  (the package ships the demo desk)
    from sectorweekly.desk.parse import demo_desk_dir

    text = (demo_desk_dir() / "desk.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  NVDA: {name: 英伟达, name_en: Nvidia, market: US}", "  nvda: {name: 英伟达, market: US}"
    )
    text = text.replace('members: ["688981", "0981.HK", TSM]', "members: [SH688981, 981.hk, tsm]")
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "desk.yaml").write_text(text, encoding="utf-8")
    desk = load_desk(folder)
    assert "NVDA" in desk.instruments and "nvda" not in desk.instruments
    assert desk.boards[1].members == ["688981", "0981.HK", "TSM"]
    assert desk.boards[0].members[3] == "NVDA"
    assert update_symbols(desk, ["nvda", "0981.hk", "688981.SH"]) == ["NVDA", "0981.HK", "688981"]
    with pytest.raises(InputError, match=r"--symbols: symbol '1234567' is 7 digits"):
        update_symbols(desk, ["1234567"])


def test_the_notes_names_to_watch_take_any_spelling(tmp_path):
    from sectorweekly.build.week import week_desk
    from sectorweekly.desk.notes import parse_notes
    from sectorweekly.desk.parse import load_desk as load

    notes = parse_notes(
        "---\nwatch:\n  - {theme: 代工, names: [sh688981, 981.HK, nvda, 中际旭创]}\n---\n## 主题\n正文\n",
        tmp_path / "2024-10-10.md",
    )
    assert week_desk(load(None), notes).watch[0].names == ["688981", "0981.HK", "NVDA", "300308"]
