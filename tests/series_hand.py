"""Hand computations from the demo's price CSVs (csv module only, no project helper), shared by
the series tests: closes on or before a date and the equal-weighted basket.

Returns across an ex-rights day start from the exchange's reference previous close
(``prev_close`` in the CSV, e.g. 工业富联 on 2024-08-15: 20.80 after a 21.38 close, or, for an
ex-date of the desk's ``dividends.csv``, (prior close − cash) ÷ (1 + bonus) rounded half-up to the
cent, e.g. 天孚通信 on 2024-10-17: 96.78 − 0.50 = 96.28), so each symbol also gets adjusted
closes: the close divided by the running product of reference / prior close."""

from __future__ import annotations

import bisect
import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sectorweekly.desk.parse import demo_desk_dir

D = dt.date.fromisoformat
PRICES = demo_desk_dir() / "data" / "prices"
DIVIDENDS = demo_desk_dir() / "data" / "dividends.csv"


def read_dividends() -> dict[tuple[str, dt.date], tuple[Decimal, Decimal]]:
    """(symbol, ex-date) -> (cash, bonus) per share, from the desk's dividend file."""
    with DIVIDENDS.open(encoding="utf-8") as fh:
        return {
            (r["symbol"], D(r["date"])): (Decimal(r["cash"] or "0"), Decimal(r["bonus"] or "0"))
            for r in csv.DictReader(fh)
        }


def dividend_reference(prior: float, cash: Decimal, bonus: Decimal) -> str:
    """The exchange's reference previous close, rounded half-up to the cent."""
    value = (Decimal(repr(prior)) - cash) / (1 + bonus)
    return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def read_prices() -> tuple[dict, dict]:
    """(raw, adjusted): symbol -> (dates, closes)."""
    raw: dict[str, tuple[list[dt.date], list[float]]] = {}
    adjusted: dict[str, tuple[list[dt.date], list[float]]] = {}
    events = read_dividends()
    for path in sorted(PRICES.glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            rows = sorted(
                (D(r["date"]), float(r["close"]), r.get("prev_close") or "", r["symbol"])
                for r in csv.DictReader(fh)
            )
        symbol = rows[0][3]
        factor, adj, prior = 1.0, [], None
        for day, close, reference, _ in rows:
            if not reference and prior is not None and (symbol, day) in events:
                reference = dividend_reference(prior, *events[(symbol, day)])
            if reference and prior is not None:
                factor *= float(reference) / prior
            adj.append(close / factor)
            prior = close
        raw[symbol] = ([r[0] for r in rows], [r[1] for r in rows])
        adjusted[symbol] = ([r[0] for r in rows], adj)
    return raw, adjusted


P, A = read_prices()


def close_on(symbol: str, day: dt.date, prices: dict | None = None) -> tuple[dt.date, float]:
    dates, closes = (prices or P)[symbol]
    i = bisect.bisect_right(dates, day) - 1
    assert i >= 0
    return dates[i], closes[i]


def hand_basket(members: list[str], start: dt.date, end: dt.date) -> tuple[list, list, list]:
    """Equal-weighted, rebalanced daily on CSI 300's dates: (dates, basket, benchmark)."""
    grid = [d for d in P["000300"][0] if start <= d <= end]

    def close(s: str, d: dt.date) -> float | None:
        dates, closes = A[s]
        i = bisect.bisect_right(dates, d) - 1
        return closes[i] if i >= 0 else None

    levels, dates = [], []
    for k in range(1, len(grid)):
        rets = []
        for s in members:
            a, b = close(s, grid[k - 1]), close(s, grid[k])
            if a is not None and b is not None:
                rets.append(b / a - 1)
        if not rets and not levels:
            continue
        if not levels:
            dates, levels = [grid[k - 1]], [100.0]
        levels.append(levels[-1] * (1 + (sum(rets) / len(rets) if rets else 0.0)))
        dates.append(grid[k])
    base = close("000300", dates[0])
    bench = [close("000300", d) / base * 100 for d in dates]  # type: ignore[operator]
    return dates, levels, bench
