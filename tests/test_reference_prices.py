"""The reference previous close (除权除息参考价): how each source fills it, and older stores."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sectorweekly import store
from sectorweekly.analysis.market import MemberSpec, Window, compute_moves
from sectorweekly.desk.parse import demo_desk_dir
from sectorweekly.errors import InputError
from sectorweekly.markets.calendars import Calendars
from sectorweekly.providers.akshare import AkshareProvider
from sectorweekly.providers.base import PriceQuery
from sectorweekly.providers.yfinance import YfinanceProvider
from sectorweekly.update.imports import import_price_files

D = dt.date.fromisoformat
PRICES = demo_desk_dir() / "data" / "prices"


def demo_rows(name: str, start: str, end: str) -> list[dict[str, str]]:
    with (PRICES / name).open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if start <= r["date"] <= end]


def test_akshare_change_column_gives_the_reference_on_the_ex_date() -> None:
    # 300502 in Eastmoney's unadjusted layout: 涨跌额 on 2025-05-28 is measured from the
    # exchange's reference 79.77 (84.62 − 79.77 = 4.85), on other days from the prior close
    rows = demo_rows("300502.csv", "2025-05-23", "2025-05-30")
    closes = [float(r["close"]) for r in rows]
    prev = [None, *closes[:-1]]
    prev[3] = 79.77
    frame = pd.DataFrame(
        {
            "日期": [r["date"] for r in rows],
            "股票代码": "300502",
            "开盘": [float(r["open"]) for r in rows],
            "收盘": closes,
            "最高": [float(r["high"]) for r in rows],
            "最低": [float(r["low"]) for r in rows],
            "成交量": [int(float(r["volume"])) for r in rows],
            "涨跌额": [
                None if p is None else round(c - p, 2) for c, p in zip(closes, prev, strict=True)
            ],
        }
    )
    query = PriceQuery("300502", "CN_A", D("2025-05-26"), D("2025-05-30"), "stock")
    got = AkshareProvider(call=lambda function, **kw: frame).prices(query)
    by_day = dict(zip(got["date"], got["prev_close"], strict=True))
    assert by_day[D("2025-05-28")] == pytest.approx(79.77)
    assert by_day[D("2025-05-27")] == pytest.approx(115.76)  # an ordinary day: the prior close
    assert set(got["prev_close_source"]) == {"akshare:stock_zh_a_hist"}


def test_yfinance_dividend_gives_the_reference_on_the_ex_date() -> None:
    # NVDA went ex-dividend (US$0.01) on 2024-12-05; Yahoo's history carries it in Dividends
    rows = demo_rows("NVDA.csv", "2024-12-03", "2024-12-06")
    index = pd.DatetimeIndex(
        [pd.Timestamp(r["date"]).tz_localize("America/New_York") for r in rows], name="Date"
    )
    frame = pd.DataFrame(
        {
            "Open": [float(r["open"]) for r in rows],
            "High": [float(r["high"]) for r in rows],
            "Low": [float(r["low"]) for r in rows],
            "Close": [float(r["close"]) for r in rows],
            "Adj Close": [float(r["close"]) for r in rows],
            "Volume": [float(r["volume"]) for r in rows],
            "Dividends": [0.0 if r["date"] != "2024-12-05" else 0.01 for r in rows],
            "Stock Splits": 0.0,
        },
        index=index,
    )
    query = PriceQuery("NVDA", "US", D("2024-12-03"), D("2024-12-06"), "stock")
    got = YfinanceProvider(call=lambda t, s, e: frame).prices(query).set_index("date")
    prior = float(next(r["close"] for r in rows if r["date"] == "2024-12-04"))
    assert got.loc[D("2024-12-05"), "prev_close"] == pytest.approx(prior - 0.01)
    assert got["prev_close"].drop(D("2024-12-05")).isna().all()
    assert got.loc[D("2024-12-05"), "prev_close_source"] == "yfinance:Ticker.history"


def _minimal(path: Path, extra: str, rows: list[str]) -> Path:
    path.write_text(f"symbol,date,close,open,high,low,volume{extra}\n" + "\n".join(rows) + "\n")
    return path


def _change(db: Path, symbol: str, start: str, end: str) -> float | None:
    with store.reader(db) as con:
        moves, _ = compute_moves(
            con, Calendars.build(), [MemberSpec(symbol, "CN_A")], Window(D(start), D(end))
        )
    return moves[0].change_pct


def test_csv_prev_close_column_reaches_the_store_and_the_weekly_change(tmp_path) -> None:
    rows = [
        "300502,2025-05-23,115.93,117.1,118.51,115.47,192839",
        "300502,2025-05-26,115.76,117,117.6,113.4,211831",
        "300502,2025-05-27,112.13,114.12,115.05,108.88,366623",
        "300502,2025-05-28,84.62,81.03,85.8,81.03,580524,79.77",
        "300502,2025-05-29,87.16,86,89.88,85,625566",
        "300502,2025-05-30,88.27,85,88.57,84.51,387265",
    ]
    rows = [r + ("" if r.endswith("79.77") else ",") for r in rows]
    db = tmp_path / "s.duckdb"
    import_price_files(
        db, [_minimal(tmp_path / "p.csv", ",prev_close", rows)], {}, calendars=Calendars.build()
    )
    with store.reader(db) as con:
        stored = con.execute(
            "SELECT date, prev_close, prev_close_source FROM prices WHERE prev_close IS NOT NULL"
        ).fetchall()
    assert stored == [(D("2025-05-28"), 79.77, "csv:p.csv")]
    assert _change(db, "300502", "2025-05-26", "2025-05-30") == 7.03


def test_csv_adjustment_factor_gives_the_reference(tmp_path) -> None:
    # cumulative factors as Tushare/Baostock publish them: × 1.4 from 2025-05-28 (10转4 and the
    # cash dividend make it 112.13 / 79.77 = 1.40567…)
    rows = [
        "300502,2025-05-23,115.93,117.1,118.51,115.47,192839,10.0",
        "300502,2025-05-26,115.76,117,117.6,113.4,211831,10.0",
        "300502,2025-05-27,112.13,114.12,115.05,108.88,366623,10.0",
        "300502,2025-05-28,84.62,81.03,85.8,81.03,580524,14.0567",
        "300502,2025-05-29,87.16,86,89.88,85,625566,14.0567",
        "300502,2025-05-30,88.27,85,88.57,84.51,387265,14.0567",
    ]
    db = tmp_path / "s.duckdb"
    import_price_files(
        db, [_minimal(tmp_path / "f.csv", ",adj_factor", rows)], {}, calendars=Calendars.build()
    )
    with store.reader(db) as con:
        stored = con.execute(
            "SELECT date, round(prev_close, 2), prev_close_source FROM prices "
            "WHERE prev_close IS NOT NULL"
        ).fetchall()
    assert stored == [(D("2025-05-28"), 79.77, "csv:f.csv:adj_factor")]
    assert _change(db, "300502", "2025-05-26", "2025-05-30") == 7.03


def test_csv_non_positive_reference_is_an_error_naming_the_row(tmp_path) -> None:
    path = _minimal(tmp_path / "bad.csv", ",prev_close", ["300502,2025-05-28,84.62,,,,,-1"])
    db = tmp_path / "s.duckdb"
    with pytest.raises(InputError, match=r"bad.csv:2: prev_close -1 is not positive"):
        import_price_files(db, [path], {}, calendars=Calendars.build())
    assert not db.exists()


OLD_PRICES = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE instruments (symbol VARCHAR PRIMARY KEY, market VARCHAR NOT NULL, name VARCHAR,
    currency VARCHAR);
CREATE TABLE prices (symbol VARCHAR NOT NULL, market VARCHAR NOT NULL, date DATE NOT NULL,
    open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE NOT NULL, volume DOUBLE,
    volume_unit VARCHAR, adjustment VARCHAR, adj_close DOUBLE, source VARCHAR NOT NULL,
    fetched_at TIMESTAMP, PRIMARY KEY (symbol, date));
CREATE TABLE shares (symbol VARCHAR NOT NULL, as_of DATE NOT NULL, shares DOUBLE NOT NULL,
    source VARCHAR, note VARCHAR, PRIMARY KEY (symbol, as_of));
INSERT INTO prices VALUES
  ('300502', 'CN_A', '2025-05-27', NULL, NULL, NULL, 112.13, NULL, NULL, 'none', NULL, 'old', NULL),
  ('300502', 'CN_A', '2025-05-28', NULL, 85.8, 81.03, 84.62, NULL, NULL, 'none', NULL, 'old', NULL);
"""


def test_a_store_made_before_the_column_is_read_and_migrated(tmp_path) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(OLD_PRICES)
    con.close()
    # read as it is: no reference, so the ex-date is a gap the review will not price
    with store.reader(db) as con:
        moves, _ = compute_moves(
            con,
            Calendars.build(),
            [MemberSpec("300502", "CN_A")],
            Window(D("2025-05-28"), D("2025-05-28")),
        )
    assert moves[0].change_pct is None and moves[0].reference_missing == D("2025-05-28")
    # the first writer adds the nullable columns; old rows keep NULL, new rows carry a value
    rows = pd.DataFrame(
        [
            {
                "symbol": "300502",
                "market": "CN_A",
                "date": D("2025-05-29"),
                **dict.fromkeys(("open", "high", "low", "volume"), None),
                "close": 87.16,
                "volume_unit": "shares",
                "adjustment": "none",
                "source": "new",
                "prev_close": 84.62,
                "prev_close_source": "new",
            }
        ]
    )
    assert store.ingest(db, "prices", rows).added == 1
    with store.reader(db) as con:
        got = con.execute("SELECT date, prev_close FROM prices ORDER BY date").fetchall()
    assert got == [(D("2025-05-27"), None), (D("2025-05-28"), None), (D("2025-05-29"), 84.62)]


def test_reimport_fills_the_reference_a_seeded_store_lacks(tmp_path) -> None:
    plain = [
        "300502,2025-05-27,112.13,114.12,115.05,108.88,366623,",
        "300502,2025-05-28,84.62,81.03,85.8,81.03,580524,",
    ]
    db = tmp_path / "s.duckdb"
    import_price_files(
        db, [_minimal(tmp_path / "a.csv", ",prev_close", plain)], {}, calendars=Calendars.build()
    )
    assert _change(db, "300502", "2025-05-28", "2025-05-28") is None  # the gap is not priced
    with_ref = [plain[0], plain[1] + "79.77"]
    read, added = import_price_files(
        db, [_minimal(tmp_path / "b.csv", ",prev_close", with_ref)], {}, calendars=Calendars.build()
    )
    assert (read, added) == (2, 0)
    assert _change(db, "300502", "2025-05-28", "2025-05-28") == 6.08
    before = store.fingerprint(db)
    import_price_files(
        db, [tmp_path / "b.csv"], {}, calendars=Calendars.build()
    )  # nothing left to fill: the store is as it was
    assert store.fingerprint(db) == before
