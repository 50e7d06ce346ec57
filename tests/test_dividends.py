"""Dividend events: the ex-date's reference previous close computed the way the exchange does,
imported with the prices or after them, and the demo week that holds 海光信息's 2025-05-16
ex-date reading its change through that reference, not as a fall of the dividend's size."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from helpers import home_as
from sectorweekly import store
from sectorweekly.cli import main
from sectorweekly.markets.calendars import Calendars
from sectorweekly.providers.dividends import Event
from sectorweekly.update.imports import import_prices

KNOWN = {"688041": "CN_A", "0981.HK": "HK"}
PRICES = "symbol,date,close\n688041,2025-05-15,142.11\n688041,2025-05-16,138.49\n"


def _event(cash: str, bonus: str = "0", price: str = "0", ratio: str = "0", market: str = "CN_A"):
    return Event(
        0, Path("d.csv"), 2, "X", market, dt.date(2025, 5, 16),
        Decimal(cash), Decimal(bonus), Decimal(price), Decimal(ratio), "test",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("prior", "event", "reference"),
    [
        (21.38, _event("0.58"), 20.80),  # 601138 2024-08-15, the notice's own example
        (112.13, _event("0.45", "0.4"), 79.77),  # 300502 2025-05-28, 10派4.5转4
        (32.40, _event("0.20", "0.3"), 24.77),  # 002837 2025-05-30, 10派2转3
        (142.11, _event("0.17"), 141.94),  # 688041 2025-05-16
        (10.00, _event("0.1", "0", "5", "0.3"), 8.77),  # rights: (10 − 0.1 + 5 × 0.3) ÷ 1.3
        (10.00, _event("0.005"), 10.00),  # 9.995 rounds half up to the cent
        (27.20, _event("0.5", market="HK"), 26.70),
        (27.205, _event("0.0004", market="HK"), 27.205),  # HK keeps 0.001
    ],
)
def test_reference_follows_the_exchange_rule(prior, event, reference):
    assert event.reference(prior) == reference


def _stored(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT date, close, prev_close, prev_close_source FROM prices ORDER BY date"
        ).fetchall()


def test_dividend_in_the_same_call_sets_the_ex_date_reference(tmp_path, monkeypatch):
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2025-07-02")
    (tmp_path / "p.csv").write_text(PRICES, encoding="utf-8")
    (tmp_path / "d.csv").write_text(
        "symbol,date,cash,source\n688041,2025-05-16,0.17,notice 2025-05-09\n", encoding="utf-8"
    )
    db = tmp_path / "s.duckdb"
    result = import_prices(
        db, [tmp_path / "d.csv", tmp_path / "p.csv"], KNOWN, calendars=Calendars.build()
    )
    assert (result.read, result.added, result.replaced) == (2, 2, 0)
    assert _stored(db) == [
        (dt.date(2025, 5, 15), 142.11, None, None),
        (dt.date(2025, 5, 16), 138.49, 141.94, "notice 2025-05-09"),
    ]


def test_dividend_after_the_prices_fills_the_stored_row_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2025-07-02")
    (tmp_path / "p.csv").write_text(PRICES, encoding="utf-8")
    (tmp_path / "d.csv").write_text("symbol,date,cash\n688041,2025-05-16,0.17\n")
    db = tmp_path / "s.duckdb"
    import_prices(db, [tmp_path / "p.csv"], KNOWN, calendars=Calendars.build())
    result = import_prices(db, [tmp_path / "d.csv"], KNOWN, calendars=Calendars.build())
    assert (result.added, result.replaced) == (0, 1)
    assert _stored(db)[1] == (dt.date(2025, 5, 16), 138.49, 141.94, "csv:d.csv:2")
    before = store.fingerprint(db)
    again = import_prices(db, [tmp_path / "d.csv"], KNOWN, calendars=Calendars.build())
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 1)
    assert store.fingerprint(db) == before  # nothing written when nothing changed
    # and the command line says what happened, in one line
    desk = tmp_path / "desk"
    assert _cli(monkeypatch, "init", str(desk)) in (0, None)
    capsys.readouterr()
    assert _cli(monkeypatch, "import", "prices", str(tmp_path / "p.csv"), "--desk", str(desk)) == 0
    assert capsys.readouterr().out.startswith("2 new rows (0 already stored) into ")
    assert _cli(monkeypatch, "import", "prices", str(tmp_path / "d.csv"), "--desk", str(desk)) == 0
    out = capsys.readouterr().out
    assert out.startswith("0 new rows (0 already stored, 1 reference price filled in) into ")


def _cli(monkeypatch, *args: str) -> int | None:
    monkeypatch.setattr(sys, "argv", ["sectorweekly", *args])
    try:
        main()
    except SystemExit as exc:
        return 0 if exc.code is None else int(exc.code)
    return 0


def test_demo_week_with_a_cash_dividend_chains_through_the_reference(demo_store):
    """688041 海光信息, 2025-05-12..16: 143.88 (05-09) → 142.11 (05-15) → ex-date 05-16, reference
    141.94 after 0.17 a share, close 138.49. Chained: 138.49 ÷ 141.94 × 142.11 ÷ 143.88 − 1 =
    −3.63%; the raw closes would say −3.75%, a fall of the dividend's size too many."""

    from sectorweekly.build.flow import build_report
    from sectorweekly.desk.parse import load_desk

    with duckdb.connect(str(demo_store), read_only=True) as con:
        row = con.execute(
            "SELECT prev_close, prev_close_source FROM prices "
            "WHERE symbol = '688041' AND date = DATE '2025-05-16'"
        ).fetchall()
    assert row[0][0] == 141.94 and "海光信息 2024年年度权益分派实施公告" in row[0][1]
    with home_as(demo_store.parent.parent):
        report = build_report(load_desk(), dt.date(2025, 5, 12), dt.date(2025, 5, 16))
    member = next(m for b in report.review.boards for m in b.members if m.symbol == "688041")
    assert (member.base_close, member.end_close, member.change_pct) == (143.88, 138.49, -3.63)
    assert any("5月16日除权除息" in n for n in member.notes)
