"""One limit engine: the review's SQL and the update's checks agree on every A-share session of
the golden windows, and the update judges an ex-date against its reference previous close."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from golden import GOLDEN_DIR, golden_rows
from helpers import home_as
from sectorweekly import store
from sectorweekly.analysis.market import MemberSpec, Window, session_limits
from sectorweekly.desk.parse import Desk, Instrument, load_desk
from sectorweekly.markets import codes
from sectorweekly.markets.calendars import Calendars
from sectorweekly.markets.cn_limits import day_limits
from sectorweekly.update.checks import limit_flags, new_row_limits
from sectorweekly.update.plan import SymbolPlan
from sectorweekly.update.workspace import prepare

D = dt.date.fromisoformat
CASES = [("demo", w) for w in sorted(golden_rows(GOLDEN_DIR / "review_windows.csv"))] + [
    ("synthetic", w) for w in sorted(golden_rows(GOLDEN_DIR / "synthetic_windows.csv"))
]


@pytest.fixture(scope="module")
def desks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Desk, Path]]:

    home = tmp_path_factory.mktemp("engine_home")
    with home_as(home):
        demo = load_desk()
        root = tmp_path_factory.mktemp("engine") / "desk"
        shutil.copytree(GOLDEN_DIR / "synthetic", root)
        synthetic = load_desk(root)
        return {
            "demo": (demo, prepare(demo)[0]),
            "synthetic": (synthetic, prepare(synthetic)[0]),
        }


def _update_view(path: Path, symbol: str, inst: Instrument, days: list[dt.date]) -> pd.DataFrame:
    """The update's judgement of the window's rows, as if they had just been fetched."""
    with store.reader(path) as con:
        rows = con.execute(
            "SELECT date, close, prev_close FROM prices WHERE symbol = ? AND date <= ? "
            "ORDER BY date",
            [symbol, days[-1]],
        ).df()
    rows["date"] = pd.to_datetime(rows["date"]).dt.date
    before = rows[rows["date"] < days[0]]
    fetched = rows[rows["date"] >= days[0]].reset_index(drop=True)
    plan = SymbolPlan(
        symbol=symbol,
        market=inst.market,
        kind=inst.kind,
        exchange=None,
        last_closed=days[-1],
        last_stored=None,
        wanted=tuple(days),
        prev=(before["date"].iloc[-1], float(before["close"].iloc[-1])) if len(before) else None,
        calendars=Calendars.build(),
    )
    return new_row_limits(plan, fetched, inst)


@pytest.mark.parametrize(("desk_name", "window"), CASES, ids=lambda c: str(c))
def test_review_and_update_agree_on_every_session(desks, desk_name, window) -> None:
    desk, path = desks[desk_name]
    stocks = {s: i for s, i in desk.instruments.items() if codes.board_of(s, i.market, i.kind)}
    days = Calendars.build().sessions("CN_A", D(window[0]), D(window[1]))
    if not days:
        pytest.skip("the mainland market is closed all window")
    specs = [MemberSpec.of(s, i) for s, i in stocks.items()]
    with store.reader(path) as con:
        review = session_limits(con, Calendars.build(), specs, Window(D(window[0]), D(window[1])))
    by_update: dict[tuple[str, dt.date], tuple[int | None, float | None, float | None]] = {}
    for symbol, inst in stocks.items():
        update = _update_view(path, symbol, inst, days)
        for rec in update.itertuples(index=False):
            by_update[(symbol, rec.date)] = (
                None if pd.isna(rec.limit_pct) else int(rec.limit_pct),
                None if pd.isna(rec.up) else round(float(rec.up), 2),
                None if pd.isna(rec.down) else round(float(rec.down), 2),
            )
    inside = [r for r in review if r.date >= days[0]]
    for r in inside:  # every stored row of the window (none for a window past the store)
        if r.prev_close is None:  # a symbol's first row: nothing to judge it against, anywhere
            assert r.limit_pct is None and (r.symbol, r.date) not in by_update
            continue
        assert by_update[(r.symbol, r.date)] == (r.limit_pct, r.up, r.down), (r.symbol, r.date)
    assert len(by_update) == sum(1 for r in inside if r.prev_close is not None)


def test_ex_date_close_is_judged_against_the_reference(desks) -> None:
    """300502 closed at 88.27 on 2025-05-28, −21% from 112.13, but the exchange's reference
    after the 10转4 bonus was 79.77: within ChiNext's ±20% (63.82..95.72), so no flag."""
    desk, _ = desks["demo"]
    inst = desk.instruments["300502"]
    plan = SymbolPlan(
        "300502",
        "CN_A",
        "stock",
        None,
        D("2025-05-28"),
        D("2025-05-27"),
        (D("2025-05-28"),),
        prev=(D("2025-05-27"), 112.13),
        calendars=Calendars.build(),
    )
    with_ref = pd.DataFrame({"date": [D("2025-05-28")], "close": [88.27], "prev_close": [79.77]})
    assert limit_flags(plan, with_ref, inst) == []
    judged = new_row_limits(plan, with_ref, inst).iloc[0]
    assert (judged["up"], judged["down"]) == (95.72, 63.82)
    bare = with_ref.assign(prev_close=[float("nan")])
    flags = limit_flags(plan, bare, inst)
    assert [f.date for f in flags] == [D("2025-05-28")]
    assert "-21.28% from 112.13 (2025-05-27), beyond the ±20% limit of 创业板" in flags[0].detail


def test_st_span_is_inclusive_at_both_ends() -> None:
    def pct(end: dt.date | None, day: dt.date) -> int:
        spec = MemberSpec("600519", "CN_A", st_periods=((D("2024-01-02"), end),))
        rows = pd.DataFrame({"symbol": ["600519"], "date": [day], "prev_close": [10.0]})
        return int(day_limits(rows, [spec], Calendars.build())["limit_pct"].iloc[0])

    assert pct(D("2024-10-17"), D("2024-10-17")) == 5  # the last ST session
    assert pct(D("2024-10-17"), D("2024-01-02")) == 5  # the first
    assert pct(D("2024-10-17"), D("2024-10-18")) == 10  # the day after: the main-board 10%
    assert pct(D("2024-10-17"), D("2023-12-29")) == 10  # the day before
    assert pct(None, D("2025-07-04")) == 5  # an open span still covers


@pytest.mark.parametrize(
    ("symbol", "market", "kind", "board", "exchange"),
    [
        ("000001", "CN_A", "stock", "main", "SZ"),  # Ping An Bank
        ("000001", "CN_A", "index", None, "SH"),  # the SSE Composite: kind wins over the shape
        ("000300", "CN_A", "index", None, "SH"),
        ("399006", "CN_A", "index", None, "SZ"),
        ("688256", "CN_A", "stock", "star", "SH"),
        ("300308", "CN_A", "stock", "chinext", "SZ"),
        ("920002", "CN_A", "stock", "bse", "BJ"),
        ("0981.HK", "HK", "stock", None, None),
        ("NVDA", "US", "stock", None, None),
    ],
)
def test_code_shapes_have_one_home(symbol, market, kind, board, exchange) -> None:
    assert codes.board_of(symbol, market, kind) == board
    assert codes.a_share_exchange(symbol, kind) == exchange
    assert codes.guess_market(symbol) == (market if market != "US" else None)
    in_sql = f"SELECT {codes.guess_market_sql(repr(symbol))}"
    assert duckdb.sql(in_sql).fetchall()[0][0] == codes.guess_market(symbol)


REFERENCE = (
    Path(__file__).parents[1]
    / "src/sectorweekly/demo/desk/data/reference/a_share_limit_moves_2024-09-20_2024-10-18.csv"
)


def test_review_limits_match_the_shipped_limit_move_file(desks) -> None:
    """The demo's limit-move file (its source and derivation in data/SOURCES.md, cross-checked
    against a data vendor's 是否涨停 flags) for 13 stocks over 2024-09-20..10-18."""
    desk, path = desks["demo"]
    shipped = pd.read_csv(REFERENCE, dtype={"symbol": str})
    specs = [MemberSpec.of(s, desk.instruments[s]) for s in sorted(set(shipped["symbol"]))]
    with store.reader(path) as con:
        review = session_limits(
            con, Calendars.build(), specs, Window(D("2024-09-23"), D("2024-10-18"))
        )
    by_review = {(r.symbol, r.date.isoformat()): r for r in review}
    for rec in shipped.itertuples(index=False):
        got = by_review[(rec.symbol, rec.date)]
        assert (got.limit_pct, got.up, got.down) == (
            int(rec.limit_pct),
            rec.limit_up_price,
            rec.limit_down_price,
        ), (rec.symbol, rec.date)
        assert got.close_hit == rec.limit_up_close, (rec.symbol, rec.date)
    assert len(shipped) == 13 * 16 and sum(shipped["limit_up_close"]) > 0
