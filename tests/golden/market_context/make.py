"""Recompute the whole-market week from the shared CSV files, without the package's code.

Run:  python tests/golden/market_context/make.py   (writes week_<start>_<end>.json here)

Plain pandas over /work/shared/data/market; its own session list (the days with any row), its
own limit prices (Decimal, half-up to the cent) and its own board rule from the code's digits.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

DATA = Path("/work/shared/data/market")
HERE = Path(__file__).parent
WEEKS = [("2024-10-07", "2024-10-09"), ("2024-10-07", "2024-10-11"), ("2024-09-30", "2024-10-04")]
BUCKET_EDGES = ("<-5%", "-5%~-3%", "-3%~-1%", "-1%~0", "0~1%", "1%~3%", "3%~5%", ">5%")


def pct_of(code: str) -> int:
    """Daily limit in percent for a stock whose ST status is not stated (as if not ST)."""
    return 20 if code.startswith(("688", "689", "300", "301", "302")) else 10


def cents(price: float, pct: int) -> int:
    """Limit price in cents: previous close x (1 + pct/100), half up to the cent."""
    value = Decimal(repr(round(price, 2))) * (Decimal(100 + pct) / 100)
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def judge(bars: pd.DataFrame) -> pd.DataFrame:
    bars = bars.sort_values(["symbol", "date"]).copy()
    bars["prev"] = bars.groupby("symbol")["close"].shift(1)
    rows = []
    for r in bars.itertuples(index=False):
        c = round(r.close * 100)
        out = {
            "symbol": r.symbol,
            "date": r.date,
            "close": r.close,
            "amount": r.amount,
            "c": c,
            "p": None,
            "up": False,
            "down": False,
            "broken": False,
            "one": False,
            "amb": False,
        }
        if pd.notna(r.prev):
            pct = pct_of(r.symbol)
            up, dn = cents(r.prev, pct), cents(r.prev, -pct)
            st_up, st_dn = cents(r.prev, 5), cents(r.prev, -5)
            out["p"] = round(r.prev * 100)
            amb = pct == 10 and (c in (st_up, st_dn))
            out["amb"] = amb
            out["up"] = c == up and not amb
            out["down"] = c == dn and not amb
            out["broken"] = round(r.high * 100) >= up and c < up and not amb
            out["one"] = out["up"] and round(r.open * 100) == c == round(r.high * 100) == round(
                r.low * 100
            )
        rows.append(out)
    j = pd.DataFrame(rows)
    j["prev_up"] = j.groupby("symbol")["up"].shift(1, fill_value=False)
    streak, last_sym, run = [], None, 0
    for sym, up in zip(j["symbol"], j["up"], strict=False):
        run = (run + 1 if sym == last_sym else 1) if up else 0
        if sym != last_sym and not up:
            run = 0
        last_sym = sym
        streak.append(run)
    j["streak"] = streak
    # the run the stock's previous row ended (0: it did not close at the up-limit)
    j["prev_streak"] = j.groupby("symbol")["streak"].shift(1, fill_value=0)
    return j


def week(j: pd.DataFrame, sessions: list, start: str, end: str, codes, member) -> dict:
    inside = [d for d in sessions if start <= d <= end]
    base = max(d for d in sessions if d < start)
    last = inside[-1]
    days = []
    for d in inside:
        x = j[j["date"] == d]
        has = x["p"].notna()
        days.append(
            {
                "date": d,
                "up": int((has & (x["c"] > x["p"])).sum()),
                "flat": int((has & (x["c"] == x["p"])).sum()),
                "down": int((has & (x["c"] < x["p"])).sum()),
                "limit_up": int(x["up"].sum()),
                "one_price": int(x["one"].sum()),
                "limit_down": int(x["down"].sum()),
                "broken": int(x["broken"].sum()),
                "st_ambiguous": int(x["amb"].sum()),
                "prev_up": int(x["prev_up"].sum()),
                "promoted": int((x["prev_up"] & x["up"]).sum()),
                "amount": float(x["amount"].sum()),
                # 晋级率 per height: N-board names on the row before, and those that made N+1
                "by_height": {
                    str(int(n)): [len(g), int(g["up"].sum())]
                    for n, g in x[x["prev_streak"] > 0].groupby("prev_streak")
                },
            }
        )
    upto = j[j["date"] <= last]
    b = upto[upto["date"] <= base].groupby("symbol")["close"].last()
    e = upto[upto["date"] > base].groupby("symbol")["close"].last()
    both = pd.concat([b.rename("b"), e.rename("e")], axis=1)
    counted = both.dropna()
    ratio = counted["e"] / counted["b"]
    change = (ratio - 1) * 100
    # the 0~1% bucket holds exactly 1%, and the buckets above it hold their upper edge
    buckets = [0] * 8
    for v in change:
        k = (
            0
            if v < -5
            else 1
            if v < -3
            else 2
            if v < -1
            else 3
            if v < 0
            else 4
            if v <= 1
            else 5
            if v <= 3
            else 6
            if v <= 5
            else 7
        )
        buckets[k] += 1
    ladder = {}
    top = j[(j["date"] == last) & (j["streak"] > 0)]
    for sym, n in zip(top["symbol"], top["streak"], strict=False):
        ladder.setdefault(int(n), []).append(sym)
    industries = {}
    sub = {}
    for sym, v in change.items():
        code = member.get(sym)
        if code is None or code[:2] + "0000" not in codes:
            continue
        name1 = codes[code[:2] + "0000"][0]
        industries.setdefault(name1, []).append(v)
        c2 = code[:4] + "00"
        if name1 == "电子" and c2 in codes:
            sub.setdefault(codes[c2][1], []).append(v)
    own = sorted(
        ((s, v) for s, v in change.items() if member.get(s, "")[:2] == "27"),
        key=lambda sv: (-sv[1], sv[0]),
    )
    return {
        "sessions": inside,
        "base": base,
        "up": int((ratio > 1 + 1e-12).sum()),
        "down": int((ratio < 1 - 1e-12).sum()),
        "flat": int(((ratio <= 1 + 1e-12) & (ratio >= 1 - 1e-12)).sum()),
        "suspended": int((both["b"].notna() & both["e"].isna()).sum()),
        "no_base": int((both["b"].isna() & both["e"].notna()).sum()),
        "limit_up_stocks": int(j[j["date"].isin(inside) & j["up"]]["symbol"].nunique()),
        "limit_down_stocks": int(j[j["date"].isin(inside) & j["down"]]["symbol"].nunique()),
        "buckets": dict(zip(BUCKET_EDGES, buckets, strict=False)),
        "days": days,
        "ladder": {str(h): sorted(s) for h, s in sorted(ladder.items(), reverse=True)},
        "industries": {
            k: {"change_pct": round(sum(v) / len(v), 6), "stocks": len(v)}
            for k, v in industries.items()
        },
        "electronics_level2": {
            k: {"change_pct": round(sum(v) / len(v), 6), "stocks": len(v)} for k, v in sub.items()
        },
        "electronics_best": [[s, round(v, 6)] for s, v in own[:5]],
        "electronics_worst": [[s, round(v, 6)] for s, v in own[::-1][:5]],
        "changes_sample": {
            s: round(change[s], 6) for s in ("688256", "688981", "601138", "002693") if s in change
        },
    }


def main() -> None:
    bars = pd.read_csv(DATA / "cn_a_daily_2024-08-20_2024-10-11.csv.gz", dtype={"symbol": str})
    codes = {
        r.industry_code: (r.level1, r.level2)
        for r in pd.read_csv(DATA / "sw2021_codes.csv", dtype=str).itertuples()
    }
    sw = pd.read_csv(DATA / "sw2021_membership.csv", dtype=str)
    j = judge(bars)
    sessions = sorted(bars["date"].unique())
    for start, end in WEEKS:
        last = max(d for d in sessions if d <= end)
        now = sw[sw["included_on"] <= last].sort_values("included_on")
        member = now.groupby("symbol")["industry_code"].last().to_dict()
        out = week(j, sessions, start, end, codes, member)
        path = HERE / f"week_{start}_{end}.json"
        path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(path.name, out["up"], out["flat"], out["down"], out["days"][-1])


if __name__ == "__main__":
    main()
