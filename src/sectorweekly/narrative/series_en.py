"""English sentences about the series' front page: the sector basket's rule and the watchlist's
changes (as ``series_zh`` says them in Chinese). No number is computed here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from ..analysis.series import BasketIndex
from .en import ymd

LEFT_OUT = {
    "no_data": "no prices in the local store",
    "no_shares": "no share count",
    "other_currency": "quoted in another currency than the benchmark's market",
}
WEIGHTING = {"equal": "equal-weighted", "cap": "market-cap-weighted"}


def basket_note(
    index: BasketIndex, names: Mapping[str, str], bench_name: str, months: int
) -> list[str]:
    counted = [names.get(s, s) for s in index.members]
    notes = [
        f"The industry index is an {WEIGHTING[index.weighting]} basket of the {len(counted)} "
        "names on the watchlist (daily returns from local closes, ex-dates at the exchange's "
        f"reference prices, rebalanced daily); the benchmark is {bench_name}; both are 100 on "
        f"{ymd(index.dates[0])}"
    ]
    if index.short:
        notes.append(
            f"the local store's prices begin on {ymd(index.dates[0])}, less than {months} months "
            f"(from {ymd(index.requested_start)} asked for)"
        )
    if index.joined:
        joined = ", ".join(
            f"{names.get(s, s)} from {ymd(d)}"
            for s, d in sorted(index.joined.items(), key=lambda x: x[1])
        )
        notes.append(f"some members' prices begin later and count from then: {joined}")
    if index.left_out:
        left = ", ".join(
            f"{names.get(s, s)} ({LEFT_OUT.get(why, why)})" for s, why in index.left_out.items()
        )
        notes.append(f"left out: {left}")
    return notes


def membership_note(changes: Sequence[tuple[dt.date, list[str], list[str]]]) -> str | None:
    if not changes:
        return None
    parts = []
    for day, added, removed in changes:
        bits = []
        if added:
            bits.append("added " + ", ".join(added))
        if removed:
            bits.append("removed " + ", ".join(removed))
        parts.append(f"the issue of {ymd(day)} " + " and ".join(bits))
    return (
        "The watchlist changed: " + "; ".join(parts) + "; the chart follows this issue's list back"
    )
