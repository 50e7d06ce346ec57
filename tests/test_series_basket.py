"""The sector basket's other rules on the demo store: cap weighting, the watchlist changing
between archived issues, and the desk.yaml keys. Expected values from the CSVs by hand."""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import itertools
from pathlib import Path

import pytest

from sectorweekly import store
from sectorweekly.analysis.series import basket_index, judge_industry
from sectorweekly.desk.parse import demo_desk_dir, load_desk, parse_desk
from sectorweekly.errors import DeskError
from series_hand import A, P, hand_basket

D = dt.date.fromisoformat


def shares_file() -> dict[str, float]:
    path = demo_desk_dir() / "data" / "shares_outstanding.csv"
    with path.open(encoding="utf-8") as fh:
        return {r["symbol"]: float(r["shares"]) for r in csv.DictReader(fh)}


def test_cap_weighted_basket_uses_share_counts_of_the_benchmark_market(demo_store: Path):
    desk = load_desk()
    members = {
        s: desk.instruments[s].market for s in desk.members() if desk.instruments[s].kind != "index"
    }
    with store.reader(demo_store) as con:
        index = basket_index(con, members, "000300", D("2024-10-09"), 12, "cap", ["CN_A"])
    shares = shares_file()
    assert index.left_out["NVDA"] == "other_currency" and index.left_out["0981.HK"] == (
        "other_currency"
    )
    assert index.left_out["688256"] == "no_shares"  # no stored share count for 寒武纪
    counted = sorted(s for s, m in members.items() if m == "CN_A" and s in shares)
    assert sorted(index.members) == counted
    grid = [d for d in P["000300"][0] if D("2023-10-09") <= d <= D("2024-10-09")]

    def close(s: str, d: dt.date, prices: dict) -> float | None:
        i = bisect.bisect_right(prices[s][0], d) - 1
        return prices[s][1][i] if i >= 0 else None

    level = 100.0  # weights: previous close x shares; returns from adjusted closes
    for a, b in itertools.pairwise(grid):
        legs = [(close(s, a, P), close(s, a, A), close(s, b, A), shares[s]) for s in counted]
        legs = [leg for leg in legs if leg[0] is not None and leg[2] is not None]
        if legs:
            caps = sum(p * n for p, _, _, n in legs)
            level *= 1 + sum(p * n * (y / x - 1) for p, x, y, n in legs) / caps
    assert index.weighting == "cap"
    assert index.basket[-1] == pytest.approx(level, rel=1e-6)


def test_industry_judgement_matures_after_six_months(demo_store: Path):
    """An industry rating of 2024-07-20 judged on 2025-06: 6 months matured, 12 pending."""
    desk = load_desk()
    members = {
        s: desk.instruments[s].market for s in desk.members() if desk.instruments[s].kind != "index"
    }
    with store.reader(demo_store) as con:
        index = basket_index(con, members, "000300", D("2025-03-31"), 24)
    (six, twelve) = judge_industry(index, [(D("2024-07-20"), "强于大市")], desk.ratings.industry)
    dates, basket, bench = hand_basket(list(members), D("2023-03-31"), D("2025-03-31"))
    i0 = bisect.bisect_right(dates, D("2024-07-20")) - 1
    i1 = bisect.bisect_right(dates, D("2025-01-20")) - 1
    excess = (basket[i1] / basket[i0] - bench[i1] / bench[i0]) * 100
    assert six.status in ("hit", "miss") and six.end_date == dates[i1]
    assert six.excess_pct == pytest.approx(excess, abs=1e-3)  # index kept to 4 decimals
    assert six.realized == ("强于大市" if excess > 5 else "跟随大市" if excess > -5 else "弱于大市")
    assert twelve.status == "pending" and twelve.end_date == D("2025-03-31")


def test_basket_keys_in_desk_yaml_are_checked():
    import yaml

    data = yaml.safe_load((demo_desk_dir() / "desk.yaml").read_text(encoding="utf-8"))
    data["basket"] = {"benchmark": "399006"}
    with pytest.raises(DeskError, match=r"basket.benchmark: '399006' is not under instruments"):
        parse_desk(data, demo_desk_dir() / "desk.yaml")
    data["basket"] = {"weighting": "float"}
    with pytest.raises(DeskError, match=r"desk.yaml:basket.weighting"):
        parse_desk(data, demo_desk_dir() / "desk.yaml")
