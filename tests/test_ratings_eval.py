"""Scorecard rules on small synthetic stores: bands, holidays, suspensions, pending, benchmarks."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from helpers import add_bars, memory_store, sessions
from sectorweekly.analysis.scorecard import evaluate, parse_horizons, summarise
from sectorweekly.desk.parse import Ratings
from sectorweekly.desk.rating_scale import RatingScales, band_of
from sectorweekly.errors import StoreError
from sectorweekly.markets.calendars import Calendars

D = dt.date.fromisoformat
SCALES = RatingScales.from_desk(Ratings())
BENCH = {"CN_A": "000300", "HK": "HSI", "US": "^GSPC"}


def flat(con, symbol, market, start, end, price, volume=1000.0):
    add_bars(con, symbol, market, [(d, price, None, None) for d in sessions(market, start, end)],
             volume=volume)  # fmt: skip


def set_close(con, symbol, day, close):
    con.execute(
        "UPDATE prices SET close = ?, high = ?, low = ?, open = ? WHERE symbol = ? AND date = ?",
        [close, close, close, close, symbol, D(day)],
    ).fetchall()


def ratings(*rows):
    return pd.DataFrame(
        [{"symbol": s, "date": D(d), "rating": r, "analyst": None} for s, d, r in rows]
    )


def one(out, symbol, horizon="6M"):
    row = out[(out["symbol"] == symbol) & (out["horizon"] == horizon)]
    assert len(row) == 1
    return row.iloc[0]


@pytest.mark.parametrize(
    ("excess", "band"),
    [
        (20.0, "持有"),  # at most +20 is 持有; strictly above is 买入
        (20.000001, "买入"),
        (10.0, "中性"),
        (10.000001, "持有"),
        (-10.0, "回避"),
        (-9.999999, "中性"),
        (-20.0, "卖出"),
        (-19.999999, "回避"),
        (19.999999999999996, "持有"),  # +20 as floating point computes it
    ],
)
def test_band_of_boundaries(excess, band):
    assert band_of(SCALES.company, excess) == band


@pytest.mark.parametrize(
    ("symbol", "end_close", "expected"),
    [("UP20", 130.0, "持有"), ("UP10", 120.0, "中性"), ("DN10", 100.0, "回避"),
     ("DN20", 90.0, "卖出"), ("UP20X", 130.02, "买入")],
)  # fmt: skip
def test_band_boundaries_through_the_evaluation(symbol, end_close, expected):
    """Benchmark +10%, stock from 100 to end_close: excess exactly +20/+10/-10/-20 pp."""
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-03-01", "2024-10-31", 100.0)
    set_close(con, "000300", "2024-09-30", 110.0)
    flat(con, symbol, "CN_A", "2024-03-01", "2024-10-31", 100.0)
    set_close(con, symbol, "2024-09-30", end_close)
    out = evaluate(
        con, Calendars.build(), ratings((symbol, "2024-04-01", expected)), SCALES, BENCH, {}, [6]
    )
    row = one(out, symbol)
    assert row["benchmark_return_pct"] == pytest.approx(10.0)
    assert row["excess_pct"] == pytest.approx((end_close / 100 - 1) * 100 - 10, abs=1e-6)
    assert row["realized_rating"] == expected
    assert row["status"] == "hit"


def test_horizon_ending_on_a_holiday_uses_the_last_session_before():
    """2024-04-01 + 6M = 2024-10-01, an A-share holiday: the end is the 2024-09-30 close."""
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-03-01", "2024-10-31", 100.0)
    flat(con, "688256", "CN_A", "2024-03-01", "2024-10-31", 50.0)
    set_close(con, "688256", "2024-09-30", 60.0)
    set_close(con, "688256", "2024-10-08", 99.0)  # after the holiday: must not be used
    out = evaluate(
        con, Calendars.build(), ratings(("688256", "2024-04-01", "买入")), SCALES, BENCH, {}, [6]
    )
    row = one(out, "688256")
    assert (row["start_date"].date(), row["end_date"].date()) == (D("2024-04-01"), D("2024-09-30"))
    assert row["stock_return_pct"] == pytest.approx(20.0)
    assert row["realized_rating"] == "持有" and row["status"] == "miss"


def test_rating_on_a_weekend_starts_from_the_friday_close_and_hk_uses_its_own_calendar():
    """HK: 2024-04-01 is Easter Monday and 2024-10-01 National Day; 03-29 Good Friday."""
    con = memory_store()
    flat(con, "HSI", "HK", "2024-03-01", "2024-10-31", 100.0)
    flat(con, "0981.HK", "HK", "2024-03-01", "2024-10-31", 10.0)
    set_close(con, "0981.HK", "2024-03-28", 8.0)
    out = evaluate(
        con, Calendars.build(), ratings(("0981.HK", "2024-04-01", "买入")), SCALES, BENCH, {}, [6]
    )
    row = one(out, "0981.HK")
    assert row["start_date"].date() == D("2024-03-28")
    assert row["end_date"].date() == D("2024-09-30")
    assert row["start_close"] == 8.0 and row["stock_return_pct"] == pytest.approx(25.0)
    assert row["benchmark"] == "HSI" and row["realized_rating"] == "买入"


def test_stock_suspended_at_the_end_date_is_measured_at_its_last_close():
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-03-01", "2024-10-31", 100.0)
    days = [d for d in sessions("CN_A", "2024-03-01", "2024-10-31")
            if not D("2024-09-24") <= d <= D("2024-10-10")]  # fmt: skip
    add_bars(con, "300308", "CN_A", [(d, 100.0, None, None) for d in days])
    set_close(con, "300308", "2024-09-23", 111.0)
    out = evaluate(
        con, Calendars.build(), ratings(("300308", "2024-04-01", "持有")), SCALES, BENCH, {}, [6]
    )
    row = one(out, "300308")
    assert row["end_date"].date() == D("2024-09-30")
    assert row["end_close_date"].date() == D("2024-09-23")
    assert bool(row["suspended_at_end"]) is True
    assert row["end_close"] == 111.0 and row["status"] == "hit"


def test_zero_volume_row_on_the_end_session_marks_a_suspension():
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-03-01", "2024-10-31", 100.0)
    flat(con, "601138", "CN_A", "2024-03-01", "2024-10-31", 20.0)
    con.execute(
        "UPDATE prices SET volume = 0 WHERE symbol = '601138' AND date = DATE '2024-09-30'"
    ).fetchall()
    out = evaluate(
        con, Calendars.build(), ratings(("601138", "2024-04-01", "中性")), SCALES, BENCH, {}, [6]
    )
    row = one(out, "601138")
    assert bool(row["suspended_at_end"]) is True and row["status"] == "hit"


def test_market_without_a_benchmark_keeps_the_stock_return_and_says_so():
    con = memory_store()
    flat(con, "0020.HK", "HK", "2024-03-01", "2024-10-31", 2.0)
    set_close(con, "0020.HK", "2024-10-08", 3.0)
    # HK has no benchmark configured; CN_A's is configured but has no prices in the store
    flat(con, "688981", "CN_A", "2024-03-01", "2024-10-31", 40.0)
    out = evaluate(
        con,
        Calendars.build(),
        ratings(("0020.HK", "2024-04-08", "买入"), ("688981", "2024-04-08", "买入")),
        SCALES,
        {"CN_A": "000300"},
        {},
        [6],
    )
    hk = one(out, "0020.HK")
    assert hk["status"] == "no_benchmark" and pd.isna(hk["benchmark"])
    assert hk["stock_return_pct"] == pytest.approx(50.0)
    assert pd.isna(hk["excess_pct"]) and pd.isna(hk["realized_rating"])
    cn = one(out, "688981")
    assert cn["status"] == "no_benchmark" and cn["benchmark"] == "000300"
    assert summarise(out, SCALES)["6M"]["overall"]["no_data"] == 2


def test_pending_rating_carries_its_interim_excess_to_the_last_stored_session():
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-03-01", "2024-08-30", 100.0)
    set_close(con, "000300", "2024-08-30", 95.0)
    flat(con, "688047", "CN_A", "2024-03-01", "2024-08-30", 70.0)
    set_close(con, "688047", "2024-08-30", 77.0)
    out = evaluate(
        con,
        Calendars.build(),
        ratings(("688047", "2024-04-01", "买入")),
        SCALES,
        BENCH,
        {},
        [6, 12],
    )
    for horizon in ("6M", "12M"):
        row = one(out, "688047", horizon)
        assert row["status"] == "pending"
        assert row["as_of_date"].date() == D("2024-08-30")
        assert row["excess_pct"] == pytest.approx(10.0 + 5.0)
        assert pd.isna(row["realized_rating"])
    assert one(out, "688047", "12M")["end_date"].date() == D("2025-04-01")


def test_as_of_hides_later_prices_and_a_rating_after_the_store_is_pending_without_returns():
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-03-01", "2024-10-31", 100.0)
    flat(con, "688702", "CN_A", "2024-03-01", "2024-10-31", 40.0)
    set_close(con, "688702", "2024-09-30", 80.0)
    rows = ratings(("688702", "2024-04-01", "买入"), ("688702", "2024-10-21", "中性"))
    out = evaluate(con, Calendars.build(), rows, SCALES, BENCH, {}, [6], as_of=D("2024-09-27"))
    first = out.iloc[0]
    assert first["status"] == "pending" and first["as_of_date"].date() == D("2024-09-27")
    assert first["excess_pct"] == pytest.approx(0.0)  # the 09-30 jump is after as_of
    later = out.iloc[1]
    assert later["status"] == "pending" and pd.isna(later["excess_pct"])
    assert pd.isna(later["start_close"])


def test_no_price_before_the_rating_is_missing_data_never_a_later_price():
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-01-02", "2024-12-31", 100.0)
    flat(con, "300502", "CN_A", "2024-07-05", "2024-12-31", 95.0)  # data starts mid-2024
    out = evaluate(
        con, Calendars.build(), ratings(("300502", "2024-03-11", "买入")), SCALES, BENCH, {}, [6]
    )
    row = one(out, "300502")
    assert row["status"] == "no_data"
    assert pd.isna(row["start_close"]) and pd.isna(row["stock_return_pct"])


def test_adjusted_closes_are_used_where_the_store_has_them():
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-03-01", "2024-10-31", 100.0)
    flat(con, "002463", "CN_A", "2024-03-01", "2024-10-31", 30.0)
    # a 1:2 split on 2024-06-03: the close halves, the adjusted close does not
    con.execute(
        "UPDATE prices SET close = close / 2 WHERE symbol = '002463' AND date >= DATE '2024-06-03'"
    ).fetchall()
    con.execute(
        "UPDATE prices SET adj_close = 15.0 WHERE symbol = '002463' AND date >= DATE '2024-03-01'"
    ).fetchall()
    flat(con, "002837", "CN_A", "2024-03-01", "2024-10-31", 20.0)
    out = evaluate(
        con,
        Calendars.build(),
        ratings(("002463", "2024-04-01", "中性"), ("002837", "2024-04-01", "中性")),
        SCALES,
        BENCH,
        {},
        [6],
    )
    adj = one(out, "002463")
    assert adj["price_basis"] == "adjusted" and adj["stock_return_pct"] == pytest.approx(0.0)
    assert one(out, "002837")["price_basis"] == "unadjusted"


def test_summary_hit_rates_confusion_and_analysts():
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-03-01", "2024-10-31", 100.0)
    for sym, end in (("A1", 150.0), ("A2", 100.0), ("A3", 70.0)):
        flat(con, sym, "CN_A", "2024-03-01", "2024-10-31", 100.0)
        set_close(con, sym, "2024-09-30", end)
    rows = ratings(("A1", "2024-04-01", "买入"), ("A2", "2024-04-01", "买入"),
                   ("A3", "2024-04-01", "卖出"))  # fmt: skip
    rows["analyst"] = ["张三", "李四", "张三"]
    out = evaluate(
        con, Calendars.build(), rows, SCALES, BENCH, {"A1": "CN_A", "A2": "CN_A", "A3": "CN_A"}, [6]
    )
    s = summarise(out, SCALES)["6M"]
    assert s["overall"] == {"ratings": 3, "evaluated": 3, "hits": 2, "hit_rate_pct": 66.67,
                            "mean_excess_pct": pytest.approx((50 + 0 - 30) / 3, abs=1e-4),
                            "pending": 0, "no_data": 0}  # fmt: skip
    assert s["by_rating"]["买入"]["hit_rate_pct"] == 50.0
    assert s["by_rating"]["买入"]["mean_excess_pct"] == pytest.approx(25.0)
    assert s["confusion"]["company"]["买入"] == {
        "买入": 1,
        "持有": 0,
        "中性": 1,
        "回避": 0,
        "卖出": 0,
    }
    assert s["by_analyst"]["张三"]["hits"] == 2 and s["by_analyst"]["李四"]["hits"] == 0


def test_industry_scale_is_judged_on_its_own_bands():
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-03-01", "2024-10-31", 100.0)
    flat(con, "IND", "CN_A", "2024-03-01", "2024-10-31", 100.0)
    set_close(con, "IND", "2024-09-30", 105.0)
    out = evaluate(con, Calendars.build(), ratings(("IND", "2024-04-01", "跟随大市")), SCALES, BENCH,
                   {"IND": "CN_A"}, [6])  # fmt: skip
    row = one(out, "IND")
    assert row["scale"] == "industry" and row["realized_rating"] == "跟随大市"
    assert row["status"] == "hit"  # +5 is at most +5


def test_unknown_rating_in_the_store_names_it():
    con = memory_store()
    with pytest.raises(StoreError, match=r"'强烈推荐'.*not on the desk's scales"):
        evaluate(
            con, Calendars.build(), ratings(("X", "2024-04-01", "强烈推荐")), SCALES, BENCH, {}, [6]
        )


def test_horizon_option():
    assert parse_horizons("both") == [6, 12] and parse_horizons("12m") == [12]
    with pytest.raises(ValueError, match="expected 6M, 12M or both"):
        parse_horizons("6 months")


def test_horizon_beyond_the_calendar_is_pending_not_an_error(monkeypatch):
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2026-11-27")  # provisional sessions to 2027-12-31
    con = memory_store()
    flat(con, "000300", "CN_A", "2024-03-01", "2024-10-31", 100.0)
    flat(con, "688256", "CN_A", "2024-03-01", "2024-10-31", 50.0)
    out = evaluate(
        con,
        Calendars.build(),
        ratings(("688256", "2027-03-01", "买入")),
        SCALES,
        BENCH,
        {},
        [6, 12],
    )
    assert list(out["status"]) == ["pending", "pending"]
    assert pd.Timestamp(out.iloc[0]["end_date"]) == pd.Timestamp("2027-09-01")  # provisional
    assert pd.isna(out.iloc[1]["end_date"])  # 2028-03-01 is past the provisional horizon
