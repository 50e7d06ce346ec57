"""Tracker imports: long and wide layouts in CSV and xlsx, GPU prices, and every bad input
failing with FILE:ROW while the store stays byte-for-byte as it was."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from sectorweekly import store
from sectorweekly.errors import InputError
from sectorweekly.providers.tracker_files import SeriesOptions
from sectorweekly.store import series as stored_series
from sectorweekly.update.imports import import_tracker_files

LONG = (
    "series,group,period_start,period_end,value,unit\n"
    "ChatGPT,文本-海外,2024-09-20,2024-09-26,77600,万次\n"
    "ChatGPT,文本-海外,2024-09-27,2024-10-03,79900,万次\n"
    "Claude,文本-海外,2024-09-20,2024-09-26,1780,万次\n"
    "Claude,文本-海外,2024-09-27,2024-10-03,2190,万次\n"
)
WIDE = (
    "month,豆包,Kimi智能助手,文小言,partial\n"
    "2024-08,2250,590,380,false\n"
    "2024-09,2480,650,360,false\n"
    "2024-10,820,,115,true\n"
)
GPU = (
    "date,model,condition,price,currency,source\n"
    "2024-09-30,H100,new,28900,USD,tracker\n"
    "2024-09-30,H100,二手,22700,usd,tracker\n"
    "2024-10-07,H100,new,28620,USD,tracker\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def series_table(path: Path) -> list[tuple]:
    with store.reader(path) as con:
        return con.execute(
            "SELECT series, series_group, period_start, period_end, value, unit, partial, "
            "alias_of, sample, source FROM tracker_series ORDER BY series, period_start"
        ).fetchall()


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store that already holds good visits, downloads and GPU rows (built once)."""
    folder = tmp_path_factory.mktemp("seeded")
    db = folder / "store.duckdb"
    import_tracker_files(db, [write(folder, "v.csv", LONG)], "visits")
    opts = SeriesOptions(group="国内应用", aliases={"文小言": "文心一言"}, sample=True)
    import_tracker_files(db, [write(folder, "d.csv", WIDE)], "downloads", opts)
    import_tracker_files(db, [write(folder, "g.csv", GPU)], "gpu-price")
    return db


@pytest.fixture
def seeded(seeded_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(seeded_template, db)
    return db


def test_long_csv_rows_land_as_written(tmp_path):
    db = tmp_path / "store.duckdb"
    result = import_tracker_files(db, [write(tmp_path, "v.csv", LONG)], "visits")
    assert (result.read, result.added, result.unchanged) == (4, 4, 0)
    rows = series_table(db)
    assert rows[0] == (
        "ChatGPT", "文本-海外", dt.date(2024, 9, 20), dt.date(2024, 9, 26), 77600.0, "万次",
        False, None, False, "csv:v.csv",
    )  # fmt: skip
    assert [r[4] for r in rows] == [77600, 79900, 1780, 2190]


def test_wide_csv_months_partial_flag_alias_and_empty_cell(tmp_path):
    db = tmp_path / "store.duckdb"
    opts = SeriesOptions(group="国内应用", aliases={"文小言": "文心一言"}, source="tracker")
    result = import_tracker_files(db, [write(tmp_path, "d.csv", WIDE)], "downloads", opts)
    assert result.added == 8  # 9 cells, one empty (Kimi October): missing, not zero
    rows = {(r[0], r[2]): r for r in series_table(db)}
    oct_ = rows[("豆包", dt.date(2024, 10, 1))]
    assert oct_[3] == dt.date(2024, 10, 31) and oct_[4] == 820 and oct_[6] is True
    assert rows[("豆包", dt.date(2024, 9, 1))][6] is False
    assert ("Kimi智能助手", dt.date(2024, 10, 1)) not in rows
    assert {r[7] for r in rows.values() if r[0] == "文小言"} == {"文心一言"}
    assert {r[9] for r in rows.values()} == {"tracker"}


def _xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "周度"
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def test_xlsx_long_and_wide_layouts_read_like_csv(tmp_path):
    db = tmp_path / "store.duckdb"
    long = _xlsx(tmp_path / "v.xlsx", [
        ["series", "group", "period_start", "period_end", "value"],
        ["Kimi", "文本-国内", dt.datetime(2024, 9, 20), dt.datetime(2024, 9, 26), 940],
        ["Kimi", "文本-国内", dt.datetime(2024, 9, 27), dt.datetime(2024, 10, 3), 1010.5],
    ])  # fmt: skip
    # Excel turns a typed "2024-10" into a date: the month column takes it as that month.
    wide = _xlsx(tmp_path / "d.xlsx", [
        ["month", "豆包", "腾讯元宝", "partial"],
        [dt.datetime(2024, 9, 1), 2480, 180, None],
        [dt.datetime(2024, 10, 1), 820, 70, True],
    ])  # fmt: skip
    assert import_tracker_files(db, [long], "visits").added == 2
    assert import_tracker_files(db, [wide], "downloads").added == 4
    rows = {(r[0], r[2]): r for r in series_table(db)}
    assert rows[("Kimi", dt.date(2024, 9, 27))][3:7] == (
        dt.date(2024, 10, 3),
        1010.5,
        "万次",
        False,
    )
    assert rows[("腾讯元宝", dt.date(2024, 10, 1))][3:7] == (
        dt.date(2024, 10, 31),
        70.0,
        "万次",
        True,
    )
    assert rows[("豆包", dt.date(2024, 9, 1))][9] == "xlsx:d.xlsx"


def test_gpu_prices_condition_words_and_currency(tmp_path):
    db = tmp_path / "store.duckdb"
    assert import_tracker_files(db, [write(tmp_path, "g.csv", GPU)], "gpu-price").added == 3
    with store.reader(db) as con:
        rows = stored_series.gpu_rows(con)
    assert [(r.date, r.condition, r.price, r.currency) for r in rows] == [
        (dt.date(2024, 9, 30), "new", 28900.0, "USD"),
        (dt.date(2024, 10, 7), "new", 28620.0, "USD"),
        (dt.date(2024, 9, 30), "used", 22700.0, "USD"),
    ]


def test_reimport_is_a_no_op_that_leaves_the_file_untouched(seeded, tmp_path):
    before = store.fingerprint(seeded)
    result = import_tracker_files(seeded, [write(tmp_path, "v2.csv", LONG)], "visits")
    assert (result.added, result.unchanged) == (0, 4)
    assert store.fingerprint(seeded) == before


def test_unfinished_month_is_replaced_by_newer_numbers(seeded, tmp_path):
    final = "month,豆包,partial\n2024-10,2600,false\n"
    opts = SeriesOptions(group="国内应用")
    result = import_tracker_files(seeded, [write(tmp_path, "oct.csv", final)], "downloads", opts)
    assert (result.added, result.replaced) == (0, 1)
    rows = {(r[0], r[2]): r for r in series_table(seeded)}
    assert rows[("豆包", dt.date(2024, 10, 1))][4:7] == (2600.0, "万次", False)


BAD_SERIES = [
    ("nodate.csv", "series,value\nA,1\n", "visits", 1, "no period column"),
    ("half.csv", "series,period_start,value\nA,2024-09-20,1\n", "visits", 1,
     "missing column 'period_end'"),
    ("date.csv", LONG + "Gemini,文本-海外,2024-13-01,2024-10-03,1,万次\n", "visits", 6,
     "period_start '2024-13-01' is not a date; expected YYYY-MM-DD"),
    ("num.csv", LONG.replace("2190", "n/a"), "visits", 5, "value 'n/a' is not a number"),
    ("neg.csv", LONG.replace("2190", "-5"), "visits", 5, "value -5 is negative; expected ≥ 0"),
    ("order.csv", LONG.replace("2024-09-20,2024-09-26,1780", "2024-09-26,2024-09-20,1780"),
     "visits", 4, "period ends 2024-09-20 before it starts 2024-09-26"),
    ("dup.csv", LONG + "Claude,文本-海外,2024-09-27,2024-10-03,2200,万次\n", "visits", 6,
     "duplicate Claude 2024-09-27 with value 2200 (already 2190 at dup.csv:5)"),
    ("overlap.csv", LONG + "Claude,文本-海外,2024-10-01,2024-10-07,1,万次\n", "visits", 6,
     "overlaps 2024-09-27..2024-10-03"),
    ("noname.csv", LONG + ",文本-海外,2024-10-04,2024-10-10,1,万次\n", "visits", 6,
     "series is empty"),
    ("nogroup.csv", LONG.replace("Claude,文本-海外,2024-09-20", "Claude,,2024-09-20"), "visits",
     4, "group is empty; expected e.g. 文本-海外"),
    ("twogroups.csv", LONG + "Gemini,文本-海外,2024-09-20,2024-09-26,7500,万次\n"
     "Gemini,图像,2024-09-27,2024-10-03,7560,万次\n", "visits", 7,
     "Gemini has group '图像' but '文本-海外' in twogroups.csv:6; expected one group per series"),
    ("regroup.csv", LONG.replace("Claude,文本-海外,2024-09-20", "Claude,图像,2024-09-20"),
     "visits", 4, "Claude 2024-09-20 group '图像' differs from the stored '文本-海外' (stored from "),
    ("partial.csv", "month,豆包,partial\n2024-09,1,maybe\n", "downloads", 2,
     "partial 'maybe' is not a yes/no"),
    ("month.csv", "month,豆包\n2024-9-x,1\n", "downloads", 2, "month '2024-9-x' is not a month"),
    ("twice.csv", "month,豆包,豆包\n2024-09,1,2\n", "downloads", 1, "column '豆包' appears twice"),
    ("empty.csv", "month,豆包\n", "downloads", 2, "no data rows"),
    ("nothing.csv", "", "downloads", 1, "empty file"),
    ("stored.csv", LONG.replace("79900", "80000"), "visits", 3,
     "ChatGPT 2024-09-27 value 80000 differs from the stored 79900 (stored from "),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "kind", "row", "message"), BAD_SERIES)
def test_bad_series_input_names_file_row_and_leaves_store_unchanged(
    seeded, tmp_path, name, text, kind, row, message
):
    before = store.fingerprint(seeded)
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as err:
        import_tracker_files(seeded, [path], kind, SeriesOptions(group=None))
    assert str(err.value).startswith(f"{path}:{row}: ")
    assert message in str(err.value)
    assert store.fingerprint(seeded) == before


BAD_GPU = [
    ("cond.csv", GPU + "2024-10-07,H100,broken,1,USD,x\n", 5, "condition 'broken' is not known"),
    ("cur.csv", GPU + "2024-10-07,A100,new,1,dollars,x\n", 5, "currency 'DOLLARS' is not a code"),
    ("zero.csv", GPU + "2024-10-07,A100,new,0,USD,x\n", 5, "price '0' is not a positive number"),
    ("col.csv", "date,model,price,currency\n2024-10-07,H100,1,USD\n", 1, "missing column 'condition'"),
    ("again.csv", GPU.replace("28620", "28000"), 4,
     "H100 new 2024-10-07 price 28000 differs from the stored 28620 (stored from "),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "row", "message"), BAD_GPU)
def test_bad_gpu_input_names_file_row_and_leaves_store_unchanged(
    seeded, tmp_path, name, text, row, message
):
    before = store.fingerprint(seeded)
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as err:
        import_tracker_files(seeded, [path], "gpu-price")
    assert str(err.value).startswith(f"{path}:{row}: ")
    assert message in str(err.value)
    assert store.fingerprint(seeded) == before


def test_bad_xlsx_cell_names_its_row(seeded, tmp_path):
    before = store.fingerprint(seeded)
    path = _xlsx(tmp_path / "bad.xlsx", [
        ["period_start", "period_end", "Midjourney"],
        [dt.datetime(2024, 9, 20), dt.datetime(2024, 9, 26), 462],
        [dt.datetime(2024, 9, 27), dt.datetime(2024, 10, 3), "约460"],
    ])  # fmt: skip
    with pytest.raises(
        InputError, match=r"bad\.xlsx\[周度\]:3: Midjourney '约460' is not a number"
    ):
        import_tracker_files(seeded, [path], "visits", SeriesOptions(group="图像"))
    assert store.fingerprint(seeded) == before


def test_one_bad_file_of_several_writes_nothing(seeded, tmp_path):
    before = store.fingerprint(seeded)
    good = write(tmp_path, "good.csv", "period_start,period_end,Pika\n2024-09-27,2024-10-03,149\n")
    bad = write(tmp_path, "bad.csv", "period_start,period_end,Runway\n2024-09-27,2024-10-03,x\n")
    with pytest.raises(InputError, match=r"bad\.csv:2:"):
        import_tracker_files(seeded, [good, bad], "visits", SeriesOptions(group="视频"))
    assert store.fingerprint(seeded) == before


def test_unsupported_file_type_and_a_failed_first_import_creates_no_store(tmp_path):
    db = tmp_path / "store.duckdb"
    with pytest.raises(
        InputError, match=r"unsupported file type '\.xls'; expected \.csv or \.xlsx"
    ):
        import_tracker_files(db, [write(tmp_path, "old.xls", "x")], "visits")
    with pytest.raises(InputError):
        import_tracker_files(db, [write(tmp_path, "b.csv", "month,A\n2024-09,-1\n")], "downloads")
    assert not db.exists()


def test_cli_import_series_error_is_one_line_with_exit_code_2(tmp_path):
    desk = tmp_path / "desk"
    subprocess.run([sys.executable, "-m", "sectorweekly", "init", str(desk)], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    bad = write(tmp_path, "bad.csv", "period_start,period_end,Pika\n2024-09-27,2024-10-03,-1\n")
    cmd = [sys.executable, "-m", "sectorweekly", "import", "series", str(bad), "--kind", "visits",
           "--group", "视频", "--desk", str(desk)]  # fmt: skip
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip() == f"error: {bad}:2: Pika -1 is negative; expected ≥ 0"
    assert not (desk / "store.duckdb").exists()
    good = write(tmp_path, "good.csv", "period_start,period_end,Pika\n2024-09-27,2024-10-03,149\n")
    cmd[5] = str(good)
    run = subprocess.run([*cmd, "--sample"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert series_table(desk / "store.duckdb") == [
        ("Pika", "视频", dt.date(2024, 9, 27), dt.date(2024, 10, 3), 149.0, "万次", False, None,
         True, "csv:good.csv"),
    ]  # fmt: skip
