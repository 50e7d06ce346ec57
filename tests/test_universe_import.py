"""`import universe` of the real whole-market slice (../shared/data/market), and what the store's
market readers then say, in numbers a user can check against published figures."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sys
from pathlib import Path

import pytest

from market_slice import HAVE_SLICE, MARKET_DIR
from sectorweekly import store
from sectorweekly.cli import main
from sectorweekly.store import market

D = dt.date


MARKET = MARKET_DIR if HAVE_SLICE else None
pytestmark = pytest.mark.skipif(MARKET is None, reason="the shared market slice is not here")


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str):
    monkeypatch.setattr(sys, "argv", ["sectorweekly", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """An empty desk, the slice imported once: (store path, console out, console err)."""
    desk = tmp_path_factory.mktemp("universe") / "desk"
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(sys, "argv", ["sectorweekly", "init", str(desk)])
        with pytest.raises(SystemExit):
            main()
        mp.setattr(sys, "argv", ["sectorweekly", "import", "universe", str(MARKET), "--desk",
                                 str(desk)])  # fmt: skip
        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            pytest.raises(SystemExit) as exit_,
        ):
            main()
    finally:
        mp.undo()
    return {
        "code": exit_.value.code,
        "desk": desk,
        "db": desk / "store.duckdb",
        "out": out.getvalue(),
        "err": err.getvalue(),
    }


def test_the_summary_line_counts_the_slice_and_says_what_is_unknown(imported) -> None:
    assert imported["code"] in (0, None), imported["err"]
    line = imported["out"].strip()
    assert line.startswith(
        "5,094 stocks, 162,644 bar rows over 32 sessions (2024-08-20..2024-10-11), "
        "31 申万 level-1 industries (511 codes): "
    ), line
    err = imported["err"]
    for words in ("stock names (add names.csv", "ST status (add st_spans.csv",
                  "reference prices on ex-dates", "listing dates"):  # fmt: skip
        assert words in err, err


def test_reimport_adds_nothing_and_leaves_the_file_as_it_was(imported, monkeypatch, capsys):
    before = store.fingerprint(imported["db"])
    code, out, _ = run(monkeypatch, capsys, "import", "universe", str(MARKET),
                       "--desk", str(imported["desk"]))  # fmt: skip
    assert code in (0, None)
    assert ": 0 new rows into " in out
    assert store.fingerprint(imported["db"]) == before


def test_industries_point_in_time(imported) -> None:
    with store.reader(imported["db"]) as con:
        on = market.industries_on(con, D(2024, 10, 9)).set_index("symbol")
        levels = {s: tuple(on.loc[s, ["level1", "level2", "level3"]]) for s in on.index}
        assert levels["688981"] == ("电子", "半导体", "集成电路制造")
        assert levels["688256"] == ("电子", "半导体", "数字芯片设计")
        assert levels["601138"][:2] == ("电子", "消费电子")
        assert on.loc["688981", "level1_code"] == "270000"
        # 000025 moved on 2023-07-04: the old row the day before, the new one from that day
        rows = con.execute(
            "SELECT included_on, industry_code FROM sw_membership WHERE symbol = '000025' "
            "AND included_on >= '2021-07-30' ORDER BY included_on"
        ).fetchall()
        (_, first_code), (change, new_code) = rows
        assert change == D(2023, 7, 4) and first_code != new_code
        before = market.industries_on(con, change - dt.timedelta(days=1)).set_index("symbol")
        after = market.industries_on(con, change).set_index("symbol")
        assert before.loc["000025", "industry_code"] == first_code
        assert after.loc["000025", "industry_code"] == new_code
        # a stock listed after the day has no industry yet (301618 was included in 2024-09/10)
        included = con.execute(
            "SELECT min(included_on) FROM sw_membership WHERE symbol = '301618'"
        ).fetchall()[0][0]
        assert "301618" not in market.industries_on(con, included - dt.timedelta(days=1)).index
        assert "301618" in market.industries_on(con, included).symbol.tolist()
        # a code the 申万 2021 list does not have (600472's 2007 row: a 2014 code) gets no
        # names, never the names of the 2021 code that shares its digits
        assert on.loc["600472", "industry_code"] == "240102"
        assert on.loc["600472", ["level1", "level2", "level3"]].isna().all()
        codes = {r[0] for r in con.execute("SELECT industry_code FROM sw_codes").fetchall()}
        unnamed = on[~on.industry_code.isin(codes)]
        assert len(unnamed) == 89 and unnamed.level1.isna().all()


def test_the_universe_from_code_shapes_leaves_unknowns_unknown(imported) -> None:
    with store.reader(imported["db"]) as con:
        u = market.universe_on(con, D(2024, 9, 30)).set_index("symbol")
        assert len(u) == 5094
        assert tuple(u.loc["688981", ["exchange", "board"]]) == ("SH", "star")
        assert tuple(u.loc["300750", ["exchange", "board"]]) == ("SZ", "chinext")
        assert tuple(u.loc["002693", ["exchange", "board"]]) == ("SZ", "main")
        assert u["list_date"].isna().all() and u["registration_ipo"].isna().all()
        assert u["name"].isna().all() and u["st"].isna().all()  # no names, no ST list: unknown
        source = con.execute("SELECT DISTINCT source FROM cn_universe").fetchall()
        assert source == [("code shape",)]
        held = market.summary(con)
        assert (held["stocks"], held["bars"], held["sessions"], held["memberships"]) == (
            5094, 162644, 32, 12519,
        )  # fmt: skip
        assert held["coverage"] == {} and market.coverage(con).empty  # no fact list is complete


def test_turnover_and_breadth_match_published_figures(imported) -> None:
    with store.reader(imported["db"]) as con:
        bars = market.bars(con, D(2024, 9, 30), D(2024, 10, 9))
    turnover = bars.groupby("date")["amount"].sum()
    assert round(turnover[D(2024, 9, 30)] / 1e12, 2) == 2.59  # published: 2.59 trillion yuan
    assert round(turnover[D(2024, 10, 8)] / 1e12, 2) == 3.45  # published: 3.45 trillion yuan
    assert round(turnover[D(2024, 10, 9)] / 1e12, 4) == 2.9356
    day = bars[bars.date == D(2024, 10, 9)]
    change = day.close.astype(float) - day.last_close.astype(float)
    # 5,082 stocks traded on 10-09; 300427 resumed that day from a suspension (last close
    # 5.08, closed 6.10) and counts as up. SOURCES.md states 278 up / 4,803 down / 1 flat over
    # the same 5,082: one stock apart. An independent count straight from the file (each row
    # against the stock's previous row, no package code) agrees with the store, not the note.
    assert len(day) == 5082
    counts = ((change > 0).sum(), (change < 0).sum(), (change == 0).sum())
    assert counts == (279, 4802, 1)
    import duckdb

    gz = str(MARKET / "cn_a_daily_2024-08-20_2024-10-11.csv.gz")
    independent = duckdb.sql(
        "SELECT count(*) FILTER (close > pc), count(*) FILTER (close < pc), "
        "count(*) FILTER (close = pc) FROM (SELECT date, close, lag(close) OVER "
        f"(PARTITION BY symbol ORDER BY date) AS pc FROM read_csv('{gz}', "
        "types = {'symbol': 'VARCHAR'})) WHERE date = DATE '2024-10-09'"
    ).fetchall()[0]
    assert independent == counts
    both = day.symbol.isin(set(bars[bars.date == D(2024, 10, 8)].symbol))
    assert day[~both].symbol.tolist() == ["300427"]


def test_bars_carry_the_previous_sessions_close(imported) -> None:
    with store.reader(imported["db"]) as con:
        smic = market.bars(con, D(2024, 9, 30), D(2024, 10, 8), ["688981"])
        halted = market.bars(con, D(2024, 8, 28), D(2024, 9, 11), ["002693"])
    assert smic[["date", "close", "last_close"]].values.tolist() == [
        [D(2024, 9, 30), 59.99, 49.99],
        [D(2024, 10, 8), 71.99, 59.99],
    ]
    assert smic.pre_close.isna().all()  # the slice gives no reference prices
    # 002693 was suspended from 08-28 and resumed 09-11 at the limit: round(5.22 × 1.1, 2)
    assert halted.date.tolist() == [D(2024, 8, 28), D(2024, 9, 11)] or halted.date.tolist() == [
        D(2024, 9, 11)
    ]
    resumed = halted[halted.date == D(2024, 9, 11)].iloc[0]
    assert resumed.close == round(resumed.last_close * 1.1, 2) == 5.74


def test_a_build_without_the_market_says_how_to_add_it(tmp_path, monkeypatch, capsys) -> None:
    from sectorweekly.cli.universe import market_hint

    market_hint(tmp_path / "absent.duckdb")
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "sectorweekly import universe FOLDER" in err
    assert "sectorweekly update --universe CN_A" in err


def test_dated_fixture_facts_fill_listing_dates_and_a_2024_name(imported, tmp_path) -> None:
    """tests/fixtures/market on top of the slice (a copy of the store): 10 listing dates
    filled in, 002693 named 双成药业 only on the days its sources show (never *ST双成), and
    000609's stated *ST span; every other stock's ST status stays unknown."""
    import shutil

    desk = tmp_path / "desk"
    shutil.copytree(imported["desk"], desk)
    facts = Path(__file__).parent / "fixtures" / "market"
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(sys, "argv", ["sectorweekly", "import", "universe", str(facts), "--desk",
                                 str(desk)])  # fmt: skip
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
            main()
    finally:
        mp.undo()
    assert exit_.value.code in (0, None)
    assert "5 new rows, 10 unknown facts filled in" in out.getvalue()
    with store.reader(desk / "store.duckdb") as con:
        on = market.universe_on(con, D(2024, 9, 30)).set_index("symbol")
        after = market.universe_on(con, D(2024, 11, 7)).set_index("symbol")
        demo_end = market.universe_on(con, D(2024, 10, 9)).set_index("symbol")
        first = dict(con.execute("SELECT symbol, min(date) FROM cn_bars GROUP BY 1").fetchall())
    dated = on[on.list_date.notna()]
    assert len(dated) == 10 and str(on.loc["600000", "list_date"]) == "1999-11-10"
    assert all(d < first[s] for s, d in dated.list_date.items())
    assert on.loc["002693", "name"] == demo_end.loc["002693", "name"] == "双成药业"
    assert after.loc["002693", "name"] is None  # after 11-06 no source names it (never *ST双成)
    assert on.loc["000609", "name"] == "*ST中迪" and on.loc["000609", "st_tag"] == "*ST"
    assert on.name.notna().sum() == 2 and bool(on.loc["000609", "st"])
    assert on.drop(index="000609").st.isna().all()  # no complete ST list: unknown, not "not ST"
