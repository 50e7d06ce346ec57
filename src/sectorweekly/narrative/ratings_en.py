"""English sentences of the rating review, mirroring ``ratings_zh`` (no numbers computed here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .en import day_en, ymd
from .ratings_zh import pp, rate

__all__ = ["pp", "rate"]

SAMPLE_LABEL = "Sample ratings (not real ratings)"


def horizon_en(label: str) -> str:
    """``6M`` -> ``6 months``."""
    return f"{label.removesuffix('M')} months"


def sample_sentence() -> str:
    return (
        f"{SAMPLE_LABEL}: the ratings in this section only show how the rating review is "
        "computed and are not investment advice."
    )


def method_sentence(
    dated_to: dt.date,
    as_of: dt.date,
    horizons: Sequence[str],
    benchmarks: Mapping[str, str],
    unadjusted: bool,
) -> str:
    spans = "/".join(horizon_en(h) for h in horizons)
    bench = ", ".join(f"{name} for {market}" for market, name in benchmarks.items())
    basis = (
        "closes are unadjusted (dividends and bonus shares in the period not adjusted)"
        if unadjusted
        else "closes are adjusted"
    )
    return (
        f"Ratings dated up to {ymd(dated_to)}, prices through {ymd(as_of)}: each starts at the "
        "close of the last session on or before the rating day and ends at the close of the last "
        f"session on or before {spans} later; excess return = the stock's change − the benchmark "
        f"index's change over the same period ({bench}), and a rating is a hit when the excess "
        "falls in the band of the rating given; a rating whose horizon has not ended is pending, "
        f"with its excess return to the latest session; {basis}."
    )


def horizon_sentence(label: str, stats: Mapping[str, Any]) -> str:
    head = f"{horizon_en(label)}: {stats['ratings']} ratings"
    if stats["evaluated"]:
        head += (
            f", {stats['evaluated']} matured, {stats['hits']} hits (hit rate "
            f"{rate(stats['hit_rate_pct'])}), mean excess return of matured ratings "
            f"{pp(stats['mean_excess_pct'])} percentage points"
        )
    else:
        head += ", none matured yet"
    tail = []
    if stats["pending"]:
        tail.append(f"{stats['pending']} pending")
    if stats["no_data"]:
        tail.append(f"{stats['no_data']} without data")
    return head + ("; " + ", ".join(tail) if tail else "") + "."


def missing_sentence(entries: Sequence[tuple[str, dt.date, str]]) -> str | None:
    if not entries:
        return None
    items = "; ".join(f"{name} (rated {ymd(day)}) {why}" for name, day, why in entries)
    return f"Not judged: {items}."


def missing_reason(status: str) -> str:
    if status == "no_benchmark":
        return "has no benchmark prices for the period in the local store"
    return "has no prices on or before the rating day in the local store"


def outcome(status: str, realized: str | None, as_of: dt.date | None, year: int) -> str:
    if status == "hit":
        return "hit"
    if status == "miss":
        return f"miss (actual: {realized})" if realized else "miss"
    if status == "pending":
        return f"pending (to {day_en(as_of, year)})" if as_of else "pending (not started)"
    if status == "no_benchmark":
        return "no benchmark data"
    return "no price data"
