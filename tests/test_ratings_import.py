"""`sectorweekly ratings import`: names in Chinese or English, file:row errors, store unchanged."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from sectorweekly import store
from sectorweekly.cli import main
from sectorweekly.desk.parse import load_desk
from sectorweekly.desk.paths import store_path
from sectorweekly.markets.calendars import Calendars
from sectorweekly.update.imports import import_price_files

DESK_YAML = """
firm: {name: 测试研究所}
series: 算力周跟踪
industry: 电子
instruments:
  "688256": {name: 寒武纪, market: CN_A}
  NVDA: {name: 英伟达, market: US}
  "000300": {name: 沪深300, market: CN_A, kind: index}
  "^GSPC": {name: 标普500, market: US, kind: index}
boards:
  - name: CPU/GPU
    members: ["688256", NVDA]
benchmarks:
  CN_A: ["000300"]
  US: ["^GSPC"]
"""


@pytest.fixture
def desk_dir(tmp_path: Path) -> Path:
    """A small desk whose store holds prices for its names and for TSM (not in the desk)."""
    root = tmp_path / "desk"
    root.mkdir()
    (root / "desk.yaml").write_text(DESK_YAML, encoding="utf-8")
    lines = ["symbol,market,date,close"]
    for sym, mkt in (("688256", "CN_A"), ("000300", "CN_A"), ("NVDA", "US"), ("TSM", "US")):
        for day in Calendars.build().sessions(mkt, dt.date(2024, 1, 2), dt.date(2024, 3, 29)):
            lines.append(f"{sym},{mkt},{day},100")
    prices = tmp_path / "prices.csv"
    prices.write_text("\n".join(lines) + "\n", encoding="utf-8")
    desk = load_desk(root)
    import_price_files(store_path(desk), [prices], {}, calendars=Calendars.build())
    return root


def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setattr(sys, "argv", ["sectorweekly", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def stored(desk_dir: Path) -> list[tuple]:
    with store.reader(desk_dir / "store.duckdb") as con:
        return con.execute(
            "SELECT symbol, CAST(date AS VARCHAR), rating, analyst, target_price, note, source "
            "FROM ratings ORDER BY date, symbol"
        ).fetchall()


GOOD = """date,symbol,rating,analyst,target_price,note
2024-01-15,688256,买入,张三,150.5,首次覆盖
2024-01-16,NVDA,buy,,,
2024-02-01,TSM,Hold,李四,,
2024-02-02,688256, NEUTRAL ,张三,,
2024-02-05,NVDA,回避,,,
2024-02-06,688256,Sell,,,
2024/02/07,NVDA,持有,,,
"""


def test_import_accepts_chinese_and_english_names_and_stores_the_scale_names(
    desk_dir, tmp_path, capsys, monkeypatch
):
    f = write(tmp_path / "r.csv", GOOD)
    code, out, err = cli(capsys, monkeypatch, "ratings", "import", str(f), "--desk", str(desk_dir))
    assert code == 0, err
    assert "7 new ratings (0 already stored)" in out
    rows = stored(desk_dir)
    assert [r[2] for r in rows] == ["买入", "买入", "持有", "中性", "回避", "卖出", "持有"]
    assert rows[0] == ("688256", "2024-01-15", "买入", "张三", 150.5, "首次覆盖", "csv:r.csv")
    assert rows[2][0] == "TSM"  # known to the store, not to the desk: accepted


def test_reimport_of_identical_rows_is_a_no_op(desk_dir, tmp_path, capsys, monkeypatch):
    f = write(tmp_path / "r.csv", GOOD)
    assert cli(capsys, monkeypatch, "ratings", "import", str(f), "--desk", str(desk_dir))[0] == 0
    before = store.fingerprint(desk_dir / "store.duckdb")
    again = write(tmp_path / "again.csv", GOOD.replace(" NEUTRAL ", "中性"))
    code, out, _ = cli(
        capsys, monkeypatch, "ratings", "import", str(again), "--desk", str(desk_dir)
    )
    assert code == 0 and "0 new ratings (7 already stored)" in out
    assert store.fingerprint(desk_dir / "store.duckdb") == before


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("date,symbol\n2024-01-15,688256\n", ":1:", "missing column 'rating'"),
        ("date,symbol,rating,price\n2024-01-15,688256,买入,1\n", ":1:", "unknown column 'price'"),
        ("date,symbol,rating\n2024-01-15,688256,买入\n2024-13-01,688256,买入\n", ":3:",
         "date '2024-13-01' is not a date; expected YYYY-MM-DD"),
        ("date,symbol,rating\n2024-01-15,688256,强烈推荐\n", ":2:",
         "rating '强烈推荐' is not on the desk's scales; expected 买入/持有/中性/回避/卖出 "
         "(Buy/Hold/Neutral/Avoid/Sell)"),
        ("date,symbol,rating\n2024-01-15,AAPL,买入\n", ":2:",
         "symbol 'AAPL' is neither under the desk's instruments nor in the store"),
        ("date,symbol,rating\n2024-01-15,,买入\n", ":2:", "symbol is empty"),
        ("date,symbol,rating,target_price\n2024-01-15,688256,买入,-3\n", ":2:",
         "target_price '-3' is not a positive number"),
        ("date,symbol,rating\n2024-01-15,688256,买入,x\n", ":2:", "4 fields, expected 3"),
        ("date,symbol,rating\n2024-01-15,688256,买入\n2024-01-15,688256,持有\n", ":3:",
         "duplicate 688256 2024-01-15 with rating '持有' (already '买入' at bad.csv:2)"),
        ("date,symbol,rating\n", ":2:", "no data rows"),
    ],
)  # fmt: skip
def test_bad_rating_files_name_file_and_row_and_leave_the_store_unchanged(
    desk_dir, tmp_path, capsys, monkeypatch, text, where, message
):
    good = write(tmp_path / "good.csv", "date,symbol,rating\n2024-01-10,688256,中性\n")
    assert cli(capsys, monkeypatch, "ratings", "import", str(good), "--desk", str(desk_dir))[0] == 0
    before = store.fingerprint(desk_dir / "store.duckdb")
    bad = write(tmp_path / "bad.csv", text)
    # the good first file of the same call must not be written either
    other = write(tmp_path / "other.csv", "date,symbol,rating\n2024-03-01,NVDA,买入\n")
    code, _, err = cli(
        capsys, monkeypatch, "ratings", "import", str(other), str(bad), "--desk", str(desk_dir)
    )
    assert code == 2
    line = err.strip()
    assert line.startswith(f"error: {bad}{where}") and message in line, line
    assert "\n" not in line
    assert store.fingerprint(desk_dir / "store.duckdb") == before


def test_a_row_conflicting_with_the_store_is_an_error_not_an_overwrite(
    desk_dir, tmp_path, capsys, monkeypatch
):
    f = write(tmp_path / "r.csv", GOOD)
    assert cli(capsys, monkeypatch, "ratings", "import", str(f), "--desk", str(desk_dir))[0] == 0
    before = store.fingerprint(desk_dir / "store.duckdb")
    changed = write(tmp_path / "changed.csv", "date,symbol,rating\n2024-01-16,NVDA,Sell\n")
    code, _, err = cli(
        capsys, monkeypatch, "ratings", "import", str(changed), "--desk", str(desk_dir)
    )
    assert code == 2
    assert f"{changed}:2: NVDA 2024-01-16 rating '卖出' differs from the stored '买入'" in err
    assert store.fingerprint(desk_dir / "store.duckdb") == before
