"""`import universe` of broken folders: one line `FILE:ROW: what; expected`, exit 2, the store
byte for byte as it was; and the layouts it accepts (Chinese headers, gzip, fact files)."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
import sys
from pathlib import Path

import pytest

from sectorweekly import store
from sectorweekly.cli import main
from sectorweekly.store import market
from test_cli_bad_inputs import assert_refused

BARS = """symbol,date,open,high,low,close,volume,amount
600000,2024-09-30,8.00,8.50,7.90,8.40,1000,8400
600000,2024-10-08,8.60,9.20,8.50,9.00,2000,18000
000001,2024-09-30,11.00,11.50,10.90,11.40,3000,34200
000001,2024-10-08,11.80,12.50,11.70,12.30,4000,49200
"""
CODES = """industry_code,level1,level2,level3
480000,银行,,
480300,银行,国有大型银行Ⅱ,
480301,银行,国有大型银行Ⅱ,国有大型银行Ⅲ
"""
MEMBERS = """symbol,included_on,industry_code,updated_on,file
600000,2021-07-30,480301,2021-07-30,test copy
000001,2021-07-30,480301,2021-07-30,test copy
"""
INDEX = "index_code,date,close,level,name,source\n801780,2024-09-30,3500.5,1,银行,test\n"
UNIVERSE = "symbol,exchange,board,list_date,delist_date,registration_ipo,source,as_of\n"


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def good(folder: Path, **changes: str) -> Path:
    files = {
        "bars.csv": BARS,
        "sw2021_codes.csv": CODES,
        "sw2021_membership.csv": MEMBERS,
        "sw_index_closes.csv": INDEX,
    }
    files.update({k.replace("__", "."): v for k, v in changes.items()})
    return _write(folder, {k: v for k, v in files.items() if v})


def _cli(*args: str) -> None:
    argv = sys.argv
    sys.argv = ["sectorweekly", *args]
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None)
    finally:
        sys.argv = argv


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A desk whose store holds the good folder."""
    root = tmp_path_factory.mktemp("universe_bad")
    _cli("init", str(root / "desk"))
    _cli("import", "universe", str(good(root / "good")), "--desk", str(root / "desk"))
    return root / "desk"


def _bars(*lines: str) -> str:
    return BARS + "".join(line + "\n" for line in lines)


# (files changed from the good folder, words of the one error line)
CASES = {
    "code shape": (
        {"universe__csv": UNIVERSE + "60000X,SH,main,,,,Tushare,2024-10-11\n"},
        "universe.csv:2: code '60000X' is not in the shape of a code; expected an A-share",
    ),
    "board contradicts code": (
        {"universe__csv": UNIVERSE + "600000,SH,star,1999-11-10,,,Tushare,2024-10-11\n"},
        "universe.csv:2: board star contradicts code 600000; expected main",
    ),
    "exchange contradicts code": (
        {"universe__csv": UNIVERSE + "600000,SZ,main,1999-11-10,,,Tushare,2024-10-11\n"},
        "universe.csv:2: exchange SZ contradicts code 600000; expected SH",
    ),
    "ST span ends before it starts": (
        {
            "st_spans__csv": "symbol,st_start,st_end,tag,source,as_of\n"
            "600000,2024-03-01,2024-01-05,ST,exchange notice,2024-10-11\n"
        },
        "st_spans.csv:2: ST span ends 2024-01-05 before it starts 2024-03-01; expected st_end",
    ),
    "industry code not in the classification": (
        {"sw2021_membership__csv": MEMBERS + "600000,2024-07-30,999999,2024-07-30,x\n"},
        "sw2021_membership.csv:4: industry code 999999 is not in the 申万 2021 classification",
    ),
    "bars for a stock not in the universe": (
        {"universe__csv": UNIVERSE + "600000,SH,main,1999-11-10,,false,Tushare,2024-10-11\n"},
        "bars.csv:4: bars for 000001, which is not in universe.csv; expected a stock listed",
    ),
    "bad date": (
        {"bars__csv": _bars("600000,2024-13-01,8,9,7,8,1,1")},
        "bars.csv:6: date '2024-13-01' is not a date; expected YYYY-MM-DD",
    ),
    "bad number": (
        {"bars__csv": _bars("600000,2024-10-09,8,9,7,abc,1,1")},
        "bars.csv:6: close 'abc' is not a number; expected a decimal",
    ),
    "high below low": (
        {"bars__csv": _bars("600000,2024-10-09,9.5,9,10,9.5,1,1")},
        "bars.csv:6: high 9 is below low 10; expected high ≥ low",
    ),
    "negative volume": (
        {"bars__csv": _bars("600000,2024-10-09,9,9.5,8.9,9.2,-5,1")},
        "bars.csv:6: volume -5 is not >= 0; expected >= 0",
    ),
    "not a session": (
        {"bars__csv": _bars("600000,2024-10-05,9,9.5,8.9,9.2,5,1")},
        "bars.csv:6: date 2024-10-05 is not a CN_A trading session",
    ),
    "not a stock code": (
        {"bars__csv": _bars("123456,2024-10-09,9,9.5,8.9,9.2,5,1")},
        "bars.csv:6: code 123456 is not an A-share stock code",
    ),
    "a stored bar with another close": (
        {"bars__csv": BARS.replace("8.40,1000", "8.45,1000")},
        "bars.csv:2: 600000 2024-09-30 close 8.45 differs from the stored 8.4",
    ),
    "a key twice with other values": (
        {
            "bars__csv": _bars(
                "600000,2024-10-09,9,9.5,8.9,9.2,5,1", "600000,2024-10-09,9,9.5,8.9,9.3,5,1"
            )
        },
        "bars.csv:7: duplicate 600000 2024-10-09 with close 9.3",
    ),
    "missing column": (
        {
            "bars__csv": "symbol,date,open,high,low,close,volume\n600000,2024-10-09,9,9.5,8.9,9.2,5\n"
        },
        "bars.csv:1: missing column 'amount'; expected a header symbol,date,open,high,low,close,",
    ),
    "ragged line": (
        {"bars__csv": _bars("600000,2024-10-09,9,9.5")},
        "bars.csv: not a well-formed CSV file",
    ),
    # the last kind written is refused after the bars were inserted: all or nothing
    "a conflict in the last part": (
        {
            "bars__csv": _bars("600000,2024-10-09,9,9.5,8.9,9.2,5,1"),
            "sw_index_closes__csv": INDEX.replace("3500.5", "3600"),
        },
        "sw_index_closes.csv:2: 801780 2024-09-30 close 3600 differs from the stored 3500.5",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_with_file_row_and_the_store_unchanged(desk, tmp_path, monkeypatch, capsys, case):
    changes, words = CASES[case]
    folder = good(tmp_path / "in", **changes)
    line = assert_refused(
        monkeypatch, capsys, ["import", "universe", str(folder), "--desk", str(desk)],
        desk / "store.duckdb", 2, words,
    )  # fmt: skip
    assert str(folder) in line


@pytest.mark.parametrize(
    ("name", "words"), [("nowhere", "no such folder"), ("empty", "no market files")]
)
def test_no_folder_or_no_files(desk, tmp_path, monkeypatch, capsys, name, words) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.txt").write_text("not a market file\n", encoding="utf-8")
    args = ["import", "universe", str(tmp_path / name), "--desk", str(desk)]
    assert_refused(monkeypatch, capsys, args, desk / "store.duckdb", 2, words)


def test_a_universe_file_fills_what_the_code_shape_left_unknown(tmp_path, monkeypatch, capsys):
    """Bars first (listing dates unknown), then a universe file alone: the dates are filled
    in and attributed to that file; a later file that contradicts them is refused."""
    desk = tmp_path / "desk"
    _cli("init", str(desk))
    _cli("import", "universe", str(good(tmp_path / "bars")), "--desk", str(desk))
    facts = _write(tmp_path / "facts", {
        "universe.csv": UNIVERSE + "600000,SH,main,1999-11-10,,,Tushare stock_basic,2024-10-11\n"
    })  # fmt: skip
    _cli("import", "universe", str(facts), "--desk", str(desk))
    out = capsys.readouterr().out
    assert "no bars, no 申万 codes: 0 new rows, 1 unknown fact filled in into " in out
    with store.reader(desk / "store.duckdb") as con:
        rows = con.execute(
            "SELECT symbol, list_date, source FROM cn_universe ORDER BY symbol"
        ).fetchall()
    assert rows == [
        ("000001", None, "code shape"),
        ("600000", dt.date(1999, 11, 10), "Tushare stock_basic"),
    ]
    wrong = _write(tmp_path / "wrong", {
        "universe.csv": UNIVERSE + "600000,SH,main,1999-11-11,,,another list,2024-10-11\n"
    })  # fmt: skip
    assert_refused(
        monkeypatch, capsys, ["import", "universe", str(wrong), "--desk", str(desk)],
        desk / "store.duckdb", 2,
        "universe.csv:2: 600000 list_date 1999-11-11 differs from the stored 1999-11-10 "
        "(stored from Tushare stock_basic)",
    )  # fmt: skip


def test_chinese_headers_gzip_and_fact_files(tmp_path) -> None:
    """Per-stock files with 日期,开盘价,… (the code from the file name), gzipped, beside
    the fact files: the names, ST status and listing dates they give are read back on a day."""
    folder = good(tmp_path / "in", bars__csv="")
    header = "日期,开盘价,最高价,最低价,收盘价,成交量,成交额\n"
    with gzip.open(folder / "600000.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write(header + "2024-09-30,8.00,8.50,7.90,8.40,1000,8400\n")
    (folder / "000001.csv").write_text(  # with the exchange's reference price (前收盘价)
        header.replace("\n", ",前收盘价\n")
        + "2024-09-30,11.00,11.50,10.90,11.40,3000,34200,10.95\n",
        encoding="utf-8",
    )
    _write(folder, {
        "universe.csv": UNIVERSE + "600000,SH,main,1999-11-10,,false,Tushare,2024-10-11\n"
                                   "000001,SZ,主板,1991-04-03,,,Tushare,2024-10-11\n",
        "names.csv": "symbol,name,start,end,source,as_of\n"
                     "600000,浦发银行,2024-01-02,,list of 2024-06-28,2024-06-28\n",
        "st_spans.csv": "symbol,st_start,st_end,tag,source,as_of\n"
                        "000001,2024-09-30,2024-09-30,*ST,invented for the test,2024-10-11\n",
        "coverage.csv": "fact,start,end,source,as_of\n"
                        "st,2024-09-01,2024-09-30,invented for the test,2024-10-11\n",
    })  # fmt: skip
    desk = tmp_path / "desk"
    _cli("init", str(desk))
    _cli("import", "universe", str(folder), "--desk", str(desk))
    db = desk / "store.duckdb"
    with store.reader(db) as con:
        bars = market.bars(con, dt.date(2024, 9, 30),
                           dt.date(2024, 9, 30))  # fmt: skip
        on = market.universe_on(con, dt.date(2024, 9, 30)).set_index("symbol")
        later = market.universe_on(con, dt.date(2024, 10, 8))
    assert bars.set_index("symbol").close.to_dict() == {"000001": 11.4, "600000": 8.4}
    assert bars.set_index("symbol").pre_close.to_dict() == {"000001": 10.95, "600000": None}
    assert on.loc["600000", "name"] == "浦发银行" and on.loc["000001", "name"] is None
    assert on.loc["000001", "st"] is True and on.loc["000001", "st_tag"] == "*ST"
    assert on.loc["600000", "st"] is False  # the ST list covers the day, 600000 is not on it
    assert (
        on.loc["000001", "board"] == "main" and str(on.loc["600000", "list_date"]) == "1999-11-10"
    )
    assert later.set_index("symbol").st.isna().all()  # 10-08: no ST list covers it
    shutil.rmtree(folder)


def test_gb18030_files_are_read_as_excel_on_chinese_windows_saves_them(tmp_path) -> None:
    """A per-stock file with Chinese headers and a names file, both saved as GB18030: read,
    with the code still taken from the file's name and the Chinese name stored as written."""
    folder = good(tmp_path / "in", bars__csv="")
    (folder / "000001.csv").write_text(
        "日期,开盘价,最高价,最低价,收盘价,成交量,成交额\n2024-09-30,11.00,11.50,10.90,11.40,3000,34200\n",
        encoding="gb18030",
    )
    (folder / "names.csv").write_text(
        "symbol,name,start,end,source,as_of\n000001,平安银行,2024-01-02,,2024年名单,2024-06-28\n",
        encoding="gb18030",
    )
    desk = tmp_path / "desk"
    _cli("init", str(desk))
    _cli("import", "universe", str(folder), "--desk", str(desk))
    with store.reader(desk / "store.duckdb") as con:
        bars = market.bars(con, dt.date(2024, 9, 30), dt.date(2024, 9, 30))
        on = market.universe_on(con, dt.date(2024, 9, 30)).set_index("symbol")
    assert bars.set_index("symbol").close.to_dict() == {"000001": 11.4}
    assert on.loc["000001", "name"] == "平安银行"
