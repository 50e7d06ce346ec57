"""What the store states changes the count: a stated ST span, a ST list that covers the days, the
official 申万 index closes — on a small store written through the writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from sectorweekly import store
from sectorweekly.analysis.market_context import market_context
from sectorweekly.markets.calendars import Calendars

DAYS = [dt.date(2024, 9, 27), dt.date(2024, 9, 30), dt.date(2024, 10, 8), dt.date(2024, 10, 9)]
AS_OF = dt.date(2024, 10, 11)


def _write(path: Path, kind: str, rows: list[dict]) -> None:
    frame = pd.DataFrame(rows)
    frame["file"], frame["line"] = f"{kind}.csv", range(2, len(frame) + 2)
    store.ingest(path, kind, frame)


def _bars(symbol: str, closes: list[float]) -> list[dict]:
    return [
        {"symbol": symbol, "date": d, "open": c, "high": c, "low": c, "close": c,
         "pre_close": None, "volume": 1e6, "amount": c * 1e6, "source": "test"}
        for d, c in zip(DAYS, closes, strict=True)
    ]  # fmt: skip


def _store(path: Path, *, st_list: bool, official: bool) -> Path:
    # 600001 is *ST (stated); 600002 has no span; both close +5% on 10-08
    _write(path, "cn-universe", [
        {"symbol": s, "exchange": "SH", "board": "main", "list_date": None, "delist_date": None,
         "registration_ipo": None, "source": "test", "as_of": AS_OF}
        for s in ("600001", "600002", "600003")
    ])  # fmt: skip
    _write(path, "cn-bars", _bars("600001", [10.0, 10.0, 10.5, 10.5])
           + _bars("600002", [20.0, 20.0, 21.0, 21.0]) + _bars("600003", [5.0, 5.0, 5.5, 5.0]))  # fmt: skip
    _write(path, "cn-st", [{"symbol": "600001", "st_start": dt.date(2024, 5, 6), "st_end": None,
                            "tag": "*ST", "source": "test", "as_of": AS_OF}])  # fmt: skip
    if st_list:
        _write(path, "cn-coverage", [{"fact": "st", "start": dt.date(2024, 9, 1),
               "end": dt.date(2024, 10, 31), "source": "test", "as_of": AS_OF}])  # fmt: skip
    _write(path, "sw-codes", [
        {"industry_code": "270000", "level1": "电子", "level2": None, "level3": None,
         "source": "test"},
        {"industry_code": "480000", "level1": "银行", "level2": None, "level3": None,
         "source": "test"},
    ])  # fmt: skip
    _write(path, "sw-membership", [
        {"symbol": s, "included_on": dt.date(2021, 7, 30), "industry_code": c,
         "updated_on": None, "source": "test"}
        for s, c in (("600001", "270000"), ("600002", "270000"), ("600003", "480000"))
    ])  # fmt: skip
    if official:
        _write(path, "sw-index", [
            {"index_code": "801080", "date": d, "close": c, "level": 1, "name": "电子",
             "source": "test"}
            for d, c in ((DAYS[1], 4000.0), (DAYS[3], 4400.0))
        ])  # fmt: skip
    return path


def _context(path: Path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return market_context(
            con, Calendars.build(), dt.date(2024, 10, 7), dt.date(2024, 10, 9), "电子", ["600001"]
        )
    finally:
        con.close()


def test_an_unknown_st_status_is_counted_apart(tmp_path: Path) -> None:
    ctx = _context(_store(tmp_path / "s.duckdb", st_list=False, official=False))
    oct8 = ctx.week.days[0]
    # 600001's span is stated: its +5% is a limit-up; 600002's status is unknown: apart;
    # 600003 closed +10%: a limit-up whatever its status
    assert (oct8.limit_up, oct8.st_ambiguous, oct8.up) == (2, 1, 3)
    assert not ctx.st_known
    assert ctx.industries[0].method == "equal" and ctx.method == "equal"


def test_official_closes_are_used_where_stored(tmp_path: Path) -> None:
    ctx = _context(_store(tmp_path / "s.duckdb", st_list=False, official=True))
    top = ctx.industries[0]
    assert (top.name, top.method, round(top.change_pct, 6)) == ("电子", "official", 10.0)
    assert ctx.method == "mixed"  # 银行 has no official closes stored: computed
    assert ctx.places["600001"][0] == 100.0  # 600001 +5.00% ≥ 600002 +5.00% ≥ 600003 +0%
    assert [r.height for r in ctx.week.ladder] == []  # 10-09: no stock closed at the limit


def test_a_covering_st_list_settles_the_status(tmp_path: Path) -> None:
    ctx = _context(_store(tmp_path / "s.duckdb", st_list=True, official=False))
    oct8 = ctx.week.days[0]
    assert (oct8.limit_up, oct8.st_ambiguous) == (2, 0)  # 600002 is not ST: +5% is a rise
    assert ctx.st_known
