"""Limit-up runs across suspensions, the distribution's bucket edges and the limit engine's
shortcut, on small stores written through the writer. Every expected figure is worked out by
hand in the comments (no package code computes them)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from sectorweekly import store
from sectorweekly.analysis.market_context import buckets_of, market_context
from sectorweekly.markets import cn_limits
from sectorweekly.markets.calendars import Calendars

AS_OF = dt.date(2024, 10, 11)
D = dt.date


def _write(path: Path, kind: str, rows: list[dict]) -> None:
    frame = pd.DataFrame(rows)
    frame["file"], frame["line"] = f"{kind}.csv", range(2, len(frame) + 2)
    store.ingest(path, kind, frame)


def _bars(symbol: str, closes: dict[dt.date, float]) -> list[dict]:
    return [
        {"symbol": symbol, "date": d, "open": c, "high": c, "low": c, "close": c,
         "pre_close": None, "volume": 1e6, "amount": c * 1e6, "source": "test"}
        for d, c in closes.items()
    ]  # fmt: skip


def _store(path: Path) -> Path:
    """Main-board stocks (±10%) around the week 2024-10-08..10-09 (10-01..10-07 closed):
    600010 closes at the up-limit 09-24, 09-25, 09-26, is suspended 09-27 and 09-30, and closes
    at the up-limit again 10-08 and 10-09; 600011 the same from 09-24 to 09-25, suspended
    09-26 to 09-30; 600012 moves 1% a day."""
    sessions = [D(2024, 9, d) for d in (19, 20, 23, 24, 25, 26, 27, 30)] + [
        D(2024, 10, 8),
        D(2024, 10, 9),
    ]
    a = {D(2024, 9, 23): 10.00, D(2024, 9, 24): 11.00, D(2024, 9, 25): 12.10,
         D(2024, 9, 26): 13.31, D(2024, 10, 8): 14.64, D(2024, 10, 9): 16.10}  # fmt: skip
    b = {D(2024, 9, 23): 20.00, D(2024, 9, 24): 22.00, D(2024, 9, 25): 24.20,
         D(2024, 10, 8): 26.62, D(2024, 10, 9): 29.28}  # fmt: skip
    c = {d: round(5.0 * 1.01**i, 2) for i, d in enumerate(sessions)}
    _write(path, "cn-universe", [
        {"symbol": s, "exchange": "SH", "board": "main", "list_date": None, "delist_date": None,
         "registration_ipo": None, "source": "test", "as_of": AS_OF}
        for s in ("600010", "600011", "600012")
    ])  # fmt: skip
    _write(path, "cn-bars", _bars("600010", a) + _bars("600011", b) + _bars("600012", c))
    _write(path, "cn-coverage", [{"fact": "st", "start": D(2024, 9, 1), "end": D(2024, 10, 31),
                                  "source": "test", "as_of": AS_OF}])  # fmt: skip
    _write(path, "sw-codes", [{"industry_code": "270000", "level1": "电子", "level2": None,
                               "level3": None, "source": "test"}])  # fmt: skip
    _write(path, "sw-membership", [
        {"symbol": s, "included_on": D(2021, 7, 30), "industry_code": "270000",
         "updated_on": None, "source": "test"}
        for s in ("600010", "600011", "600012")
    ])  # fmt: skip
    return path


def test_a_suspension_skips_days_it_does_not_end_a_run(tmp_path: Path) -> None:
    path = _store(tmp_path / "s.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    try:
        ctx = market_context(con, Calendars.build(), D(2024, 10, 7), D(2024, 10, 9), "电子", [])
    finally:
        con.close()
    oct8, oct9 = ctx.week.days
    # 10-08: both close at the up-limit after their suspensions; the rows before were the 3rd
    # (600010, 09-26) and the 2nd (600011, 09-25) board, and both made the next one
    assert (oct8.limit_up, oct8.prev_up, oct8.promoted) == (2, 2, 2)
    assert oct8.by_height == ((2, 1, 1), (3, 1, 1))
    # 10-09: 600010 at 5 boards (09-24, 09-25, 09-26, 10-08, 10-09), 600011 at 4
    assert oct9.by_height == ((3, 1, 1), (4, 1, 1))
    assert [(r.height, r.symbols, r.capped) for r in ctx.week.ladder] == [
        (5, ("600010",), False),
        (4, ("600011",), False),
    ]
    assert ctx.week.limit_up_stocks == 2
    # last week (09-30 only, base 09-27): both suspended all week, 600012 +1%
    assert ctx.last is not None and (ctx.last.suspended, ctx.last.up) == (2, 1)


def test_the_distribution_buckets_keep_their_edges() -> None:
    pcts = np.array([-5.01, -5.0, -3.0, -1.0, -0.01, 0.0, 1.0, 1.01, 3.0, 5.0, 5.01])
    # <-5%, then each lower edge belongs to its bucket below 0, each upper edge from 0 on
    assert buckets_of(pcts).tolist() == [0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 7]


@pytest.mark.parametrize("board", ["main", "chinext", "star"])
def test_only_rows_that_reach_the_nearest_limit_price_can_meet_a_limit(board: str) -> None:
    """Every row the engine finds at or beyond a limit, under ST or not, reached the nearest
    limit price there is (what lets the section ask the engine about those rows only)."""
    cals = Calendars.build()
    symbol = {"main": "600000", "chinext": "300001", "star": "688001"}[board]
    prevs = [0.5, 0.99, 1.0, 1.09, 2.33, 9.99, 10.0, 33.33, 101.01]
    moves = [x / 1000 for x in range(-320, 321, 3)]
    rows = pd.DataFrame(
        [{"symbol": symbol, "date": D(2024, 10, 9), "prev_close": p, "close": round(p * (1 + m), 2)}
         for p, m in itertools.product(prevs, moves)]
    )  # fmt: skip
    for st in ((), ((D(2024, 1, 2), None),)):
        spec = cn_limits.MemberSpec(symbol, "CN_A", st_periods=st)
        got = cn_limits.day_limits(rows, [spec], cals)
        c, p = np.floor(rows["close"] * 100 + 0.5), np.floor(rows["prev_close"] * 100 + 0.5)
        meets = (c >= np.floor(got["up"] * 100 + 0.5)) | (c <= np.floor(got["down"] * 100 + 0.5))
        reached = cn_limits.reaches_a_limit(p.to_numpy(), c.to_numpy(), c.to_numpy())
        assert meets.any() and not (meets & ~reached).any()


def test_an_industry_is_cap_weighted_where_every_constituent_has_a_share_count(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.duckdb"
    days = [D(2024, 9, 27), D(2024, 9, 30), D(2024, 10, 8), D(2024, 10, 9)]
    closes = {
        "600020": [10.00, 10.00, 10.50, 11.00],  # 电子, +10% on the week
        "600021": [20.00, 20.00, 19.50, 19.00],  # 电子, -5%
        "600022": [5.00, 5.00, 5.02, 5.05],  # 银行, +1%, no share count
    }
    _write(path, "cn-universe", [
        {"symbol": s, "exchange": "SH", "board": "main", "list_date": None, "delist_date": None,
         "registration_ipo": None, "source": "test", "as_of": AS_OF}
        for s in closes
    ])  # fmt: skip
    bars = [r for s, c in closes.items() for r in _bars(s, dict(zip(days, c, strict=True)))]
    _write(path, "cn-bars", bars)
    _write(path, "sw-codes", [
        {"industry_code": c, "level1": n, "level2": None, "level3": None, "source": "test"}
        for c, n in (("270000", "电子"), ("480000", "银行"))
    ])  # fmt: skip
    _write(path, "sw-membership", [
        {"symbol": s, "included_on": D(2021, 7, 30), "industry_code": c, "updated_on": None,
         "source": "test"}
        for s, c in (("600020", "270000"), ("600021", "270000"), ("600022", "480000"))
    ])  # fmt: skip
    _write(path, "shares", [
        {"symbol": s, "as_of": D(2024, 9, 30), "shares": n, "source": "test"}
        for s, n in (("600020", 1e9), ("600021", 5e8))
    ])  # fmt: skip
    con = duckdb.connect(str(path), read_only=True)
    try:
        ctx = market_context(con, Calendars.build(), D(2024, 10, 7), D(2024, 10, 9), "电子", [])
    finally:
        con.close()
    moves = {m.name: (m.method, round(m.change_pct, 9), m.stocks) for m in ctx.industries}
    # 电子 by cap at the week's last close: (11.00 x 1e9 x 10% - 19.00 x 5e8 x 5%) /
    # (11.00 x 1e9 + 19.00 x 5e8) = 6.25e10 / 2.05e10 = 3.048780488%; equal weights would
    # give 2.5%. 银行's one stock has no share count: equal, +1%
    assert moves == {"电子": ("cap", 3.048780488, 2), "银行": ("equal", 1.0, 1)}
    assert ctx.method == "mixed"
