"""The scorecard against a slow, straightforward recomputation, rating by rating.

A small synthetic store with the awkward cases (suspensions, late listings, a series that
stops, rows long before the first rating, adjusted closes on some symbols and only partly on
one, zero-volume rows, a benchmark stored through an earlier day than its stocks, a market
without a benchmark, a symbol nobody knows) is judged by ``evaluate`` and by a plain Python
loop over the rules (bisect on each symbol's rows, the calendar's sessions, decimal rounding
half away from zero); every column of every row must be the same.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import json
import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from helpers import memory_store
from sectorweekly.analysis.ratings_scorecard import Scorecard, write_scorecard
from sectorweekly.analysis.scorecard import OUTPUT_COLUMNS, evaluate, summarise
from sectorweekly.desk.parse import Ratings
from sectorweekly.desk.rating_scale import BAND_DECIMALS, RatingScales, band_of
from sectorweekly.markets.calendars import Calendars

D = dt.date.fromisoformat
SCALES = RatingScales.from_desk(Ratings())
BENCH = {"CN_A": "000300", "HK": "HSI"}  # no US benchmark: US stocks are no_benchmark
MARKETS = {"688256": "CN_A", "NEWCO": "CN_A"}  # the desk's own markets, ahead of the store


def _store(rng: np.random.Generator):
    """Rows per symbol: (market, first day, last day, gaps, adjusted, zero-volume days)."""
    con = memory_store()
    plan = {
        "000300": ("CN_A", "2022-01-04", "2025-03-31", [], False),
        "HSI": ("HK", "2022-01-04", "2025-06-30", [], True),
        "688256": ("CN_A", "2022-01-04", "2025-06-30", [], True),
        "300308": ("CN_A", "2022-01-04", "2025-06-30", [("2023-09-20", "2023-11-15")], False),
        "601138": ("CN_A", "2023-08-01", "2025-06-30", [], True),  # listed late
        "002837": ("CN_A", "2022-01-04", "2024-02-29", [], False),  # stops
        "600519": ("CN_A", "2020-01-02", "2025-06-30", [("2020-06-01", "2023-12-31")], False),
        "NEWCO": ("CN_A", "2024-11-01", "2025-06-30", [], False),  # after most ratings
        "0981.HK": ("HK", "2022-01-04", "2025-06-30", [("2024-03-01", "2024-03-20")], False),
        "NVDA": ("US", "2022-01-04", "2025-06-30", [], True),
    }
    for symbol, (market, first, last, gaps, adjusted) in plan.items():
        days = [
            d
            for d in Calendars.build().sessions(market, D(first), D(last))
            if not any(D(a) <= d <= D(b) for a, b in gaps)
        ]
        close = np.round(50 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days)))), 2)
        adj = np.round(close * 0.93, 4) if adjusted else [None] * len(days)
        volume = np.where(rng.random(len(days)) < 0.03, 0.0, 1000.0)
        frame = pd.DataFrame(
            {
                "symbol": symbol,
                "market": market,
                "date": days,
                "close": close,
                "adj_close": adj,
                "volume": volume,
                "adjustment": "qfq" if adjusted else "none",
            }
        )
        con.register("sw_rows", frame)
        con.execute(
            "INSERT INTO prices (symbol, market, date, open, high, low, close, volume, "
            "volume_unit, adjustment, adj_close, source) SELECT symbol, market, date, close, "
            "close, close, close, volume, 'shares', adjustment, adj_close, 'test' FROM sw_rows"
        ).fetchall()
        con.unregister("sw_rows")
        if symbol not in MARKETS:
            con.execute(
                "INSERT INTO instruments VALUES (?, ?, ?, NULL)", [symbol, market, symbol]
            ).fetchall()
    # 688256 has adjusted closes only up to mid-2024; a null adjustment on a few rows
    con.execute(
        "UPDATE prices SET adj_close = NULL WHERE symbol = '688256' AND date > DATE '2024-06-30'"
    ).fetchall()
    con.execute(
        "UPDATE prices SET adjustment = NULL WHERE symbol = '300308' AND date BETWEEN "
        "DATE '2024-03-01' AND DATE '2024-03-31'"
    ).fetchall()
    return con


def _ratings(rng: np.random.Generator, n: int) -> pd.DataFrame:
    symbols = ["688256", "300308", "601138", "002837", "600519", "NEWCO", "0981.HK", "NVDA",
               "GHOST"]  # fmt: skip
    names = [b.name for b in SCALES.company]
    first, span = D("2023-01-01"), 700
    return pd.DataFrame(
        {
            "symbol": rng.choice(symbols, n),
            "date": [first + dt.timedelta(days=int(k)) for k in rng.integers(0, span, n)],
            "rating": rng.choice(names, n),
            "analyst": rng.choice(["甲", "乙", None], n),
            "sample": rng.random(n) < 0.5,
        }
    )


# --- the straightforward recomputation ------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _round(x: float | None) -> float | None:
    """SQL round(x, 6): the exact value of x to 6 decimals, halves away from zero."""
    if x is None or not math.isfinite(x):
        return x
    step = Decimal(1).scaleb(-BAND_DECIMALS)
    return float(Decimal(x).quantize(step, rounding=ROUND_HALF_UP))


def _reference(con, ratings, horizons, as_of):
    limit = as_of or dt.date(9999, 12, 31)
    stored = con.execute(
        "SELECT symbol, date, close, adj_close, volume, adjustment FROM prices "
        "WHERE date <= ? ORDER BY symbol, date",
        [limit],
    ).fetchall()
    rows: dict[str, list[tuple]] = {}
    for r in stored:
        rows.setdefault(r[0], []).append(r[1:])
    known = dict(con.execute("SELECT symbol, market FROM instruments").fetchall())

    def market_of(s):
        return MARKETS.get(s) or known.get(s)

    sessions = {m: Calendars.build().sessions(m, D("2019-01-02"), D("2026-12-31")) for m in BENCH}
    sessions["US"] = Calendars.build().sessions("US", D("2019-01-02"), D("2026-12-31"))
    dates = {s: [r[0] for r in series] for s, series in rows.items()}

    def session(market, day):
        if market is None:
            return None
        k = bisect.bisect_right(sessions[market], day)
        return sessions[market][k - 1] if k else None

    def at_or_before(symbol, day):
        k = bisect.bisect_right(dates.get(symbol, []), day)
        return rows[symbol][k - 1] if k else None

    def last(symbol):
        return rows[symbol][-1][0] if rows.get(symbol) else None

    def change(a, b, adjusted):
        return ((b[2] / a[2] if adjusted else b[1] / a[1]) - 1) * 100

    out = []
    for rec in ratings.itertuples():
        mkt = market_of(rec.symbol)
        bench = BENCH.get(mkt) if mkt else None
        bmkt = (market_of(bench) or mkt) if bench else None
        s_last, b_last = last(rec.symbol), (last(bench) if bench else None)
        start, b_start = session(mkt, rec.date), session(bmkt, rec.date)
        s_started = bool(start and s_last and start <= s_last)
        b_started = bool(b_start and b_last and b_start <= b_last)
        started = s_started and b_started
        s0 = at_or_before(rec.symbol, start) if s_started else None
        for months in horizons:
            target = _add_months(rec.date, months)
            end, b_end = session(mkt, target), session(bmkt, target)
            complete = bool(
                end and b_end and s_last and b_last and end <= s_last and b_end <= b_last
            )
            stock_to = bench_to = None
            if complete:
                stock_to, bench_to = end, b_end
            elif s_last:
                stock_to = min(end or s_last, s_last, b_last or s_last)
                if b_last:
                    bench_to = min(b_end or b_last, b_last, s_last)
            reach = s_started and stock_to >= start
            s1 = at_or_before(rec.symbol, stock_to) if reach else None
            b0 = at_or_before(bench, b_start) if started and reach else None
            b1 = (
                at_or_before(bench, bench_to) if started and reach and bench_to >= b_start else None
            )
            measured = reach and s0 is not None
            b_measured = started and reach and bench_to >= b_start and b0 is not None
            b_measured = b_measured and s0 is not None and b1 is not None
            s_adj = s0 is not None and s1 is not None and s0[2] is not None and s1[2] is not None
            b_adj = b0 is not None and b1 is not None and b0[2] is not None and b1[2] is not None
            s_ret = change(s0, s1, s_adj) if measured else None
            b_ret = change(b0, b1, b_adj) if b_measured else None
            excess = _round(s_ret - b_ret) if measured and b_measured else None
            scale = SCALES.company
            band = band_of(scale, excess) if excess is not None else None
            if mkt is None or s_last is None:
                status = "no_data"
            elif bench is None or b_last is None:
                status = "no_benchmark"
            elif not s_started and start is None and rec.date <= s_last:
                status = "no_data"
            elif not started:
                status = "pending"
            elif s0 is None:
                status = "no_data"
            elif b0 is None:
                status = "no_benchmark"
            elif not complete:
                status = "pending"
            else:
                status = "hit" if band == rec.rating else "miss"
            out.append(
                {
                    "symbol": rec.symbol,
                    "market": mkt,
                    "date": pd.Timestamp(rec.date),
                    "rating": rec.rating,
                    "scale": "company",
                    "analyst": rec.analyst,
                    "horizon": f"{months}M",
                    "start_date": start,
                    "end_date": end,
                    "as_of_date": stock_to if measured else None,
                    "start_close": (s0[2] if s_adj else s0[1]) if s0 else None,
                    "end_close": (s1[2] if s_adj else s1[1]) if measured else None,
                    "end_close_date": s1[0] if measured else None,
                    "suspended_at_end": (s1[0] < stock_to or s1[3] == 0) if measured else None,
                    "stock_return_pct": _round(s_ret),
                    "benchmark": bench,
                    "benchmark_start_close": (b0[2] if b_adj else b0[1]) if b0 else None,
                    "benchmark_end_close": (b1[2] if b_adj else b1[1]) if b_measured else None,
                    "benchmark_return_pct": _round(b_ret),
                    "excess_pct": excess if status in ("hit", "miss", "pending") else None,
                    "realized_rating": band if status in ("hit", "miss") else None,
                    "status": status,
                    "price_basis": ("adjusted" if s_adj else "unadjusted") if measured else None,
                    "adjustment": s1[4] if measured else None,
                    "sample": bool(rec.sample),
                }
            )
    return out


def _plain(value):
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value
    if hasattr(value, "item"):
        return value.item()
    return value


@pytest.mark.parametrize(
    ("horizons", "as_of"),
    [((6, 12), None), ((12, 6), D("2024-05-15")), ((6,), D("2023-03-31"))],
)
def test_every_column_of_every_row_matches_a_rating_by_rating_recomputation(horizons, as_of):
    rng = np.random.default_rng(13)
    con = _store(rng)
    ratings = _ratings(rng, 400)
    got = evaluate(con, Calendars.build(), ratings, SCALES, BENCH, MARKETS, horizons, as_of)
    want = _reference(con, ratings, horizons, as_of)
    assert list(got.columns) == OUTPUT_COLUMNS and len(got) == len(want)
    statuses = set(got["status"])
    assert {"pending", "no_data", "no_benchmark"} <= statuses
    if as_of is None:
        assert {"hit", "miss"} <= statuses and got["suspended_at_end"].eq(True).any()
        assert set(got["price_basis"].dropna()) == {"adjusted", "unadjusted"}
    for i, (row, expected) in enumerate(zip(got.to_dict("records"), want, strict=True)):
        for column in OUTPUT_COLUMNS:
            a, b = _plain(row[column]), _plain(expected[column])
            if isinstance(b, dt.date) and isinstance(a, dt.datetime):
                a = a.date()
            where = f"row {i} {expected['symbol']} {expected['date'].date()} {expected['horizon']}"
            assert a == b, f"{where} {column}: {a!r} != {b!r}"


def test_dtypes_callers_see():
    rng = np.random.default_rng(5)
    con = _store(rng)
    got = evaluate(
        con, Calendars.build(), _ratings(rng, 50), SCALES, BENCH, MARKETS, (6, 12), D("2024-05-15")
    )
    dtypes = {c: str(t) for c, t in got.dtypes.items()}
    assert {c for c, t in dtypes.items() if t == "category"} == {
        "symbol", "market", "rating", "scale", "analyst", "horizon", "benchmark",
        "realized_rating", "status", "price_basis",
    }  # fmt: skip
    assert dtypes["date"] == "datetime64[s]"
    for c in ("start_date", "end_date", "as_of_date", "end_close_date"):
        assert dtypes[c] == "datetime64[ms]"
    assert dtypes["suspended_at_end"] == "object"  # True/False, None where not measured
    assert dtypes["adjustment"] == "str" and dtypes["sample"] == "bool"
    assert got["suspended_at_end"].map(type).isin([bool, type(None)]).all()


def test_scorecard_files_hold_what_json_dumps_and_to_csv_give(tmp_path):
    """write_scorecard has DuckDB write the rows: scorecard.json parses to exactly what
    json.dumps of the whole card gives (values bit for bit, infinities and missing values
    included), and scorecard.csv is the text to_csv gives."""
    rng = np.random.default_rng(21)
    con = _store(rng)
    rows = evaluate(
        con, Calendars.build(), _ratings(rng, 300), SCALES, BENCH, MARKETS, (6, 12), D("2024-05-15")
    )
    rows.loc[3, "excess_pct"] = float("inf")  # the encoder's own spelling, not repr's
    rows.loc[4, "start_close"] = -float("inf")
    rows["analyst"] = rows["analyst"].cat.add_categories(['王, "五"', "a\nb"])
    rows.loc[5, "analyst"] = '王, "五"'  # a field the CSV must quote
    rows.loc[6, "analyst"] = "a\nb"
    card = Scorecard(
        rows=rows,
        summary=summarise(rows, SCALES),
        horizons=[6, 12],
        benchmarks=dict(BENCH),
        names={"688256": "寒武纪", "GHOST": 'a "quoted" name'},
        as_of=D("2024-05-15"),
        ratings_source="store:x",
        sample=True,
    )
    write_scorecard(card, tmp_path)
    text = (tmp_path / "scorecard.json").read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(json.dumps(card.to_dict(), ensure_ascii=False))
    assert json.loads(text)["rows"][0]["symbol"] == rows["symbol"].iloc[0]
    assert sum(line.startswith('\t{"symbol":') for line in text.splitlines()) == len(rows)
    csv_text = (tmp_path / "scorecard.csv").read_text(encoding="utf-8")
    assert csv_text == rows.to_csv(index=False)
    assert '"王, ""五"""' in csv_text
