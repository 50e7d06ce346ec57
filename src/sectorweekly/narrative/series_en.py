"""English sentences about the series' front page: the sector basket's rule and the watchlist's
changes (as ``series_zh`` says them in Chinese). No number is computed here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from ..analysis.series import BasketIndex, IndustryJudgement, SinceListed
from .en import signed_pct, ymd

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


STATUS = {"new": "added this week", "kept": "kept", "dropped": "removed this week"}


def first_listed_text(item: SinceListed) -> str:
    if item.first_listed is None:
        return "this issue"
    day = f"{item.first_listed:%Y-%m-%d}"
    return f"{day} (first archived)" if item.at_archive_start else day


def archive_start_note(start: dt.date) -> str:
    return (
        f"the report archive begins on {ymd(start)}: a name marked 'first archived' may have "
        "been listed earlier, with no record of its performance before"
    )


def watch_key_point(
    items: Sequence[SinceListed],
    mean_return: float | None,
    mean_excess: float | None,
    names: Mapping[str, str],
) -> str:
    """One key point: the names to watch as a whole since first listed, who came and went."""
    measured = [i for i in items if i.return_pct is not None and i.status != "dropped"]
    text = "Names to watch as a basket: "
    if measured and mean_return is not None:
        text += (
            f"the {len(measured)} current names to watch moved {signed_pct(mean_return)} on "
            "average (equal-weighted) since first listed"
        )
        text += (
            f", {pp(mean_excess)} percentage points on average against their benchmarks"
            if mean_excess is not None
            else ", benchmark data missing"
        )
    else:
        text += "the archive has no earlier names to watch yet; tracked from this issue"
    new = [names.get(i.symbol, i.symbol) for i in items if i.status == "new"]
    dropped = [names.get(i.symbol, i.symbol) for i in items if i.status == "dropped"]
    if new:
        text += "; added this week: " + ", ".join(new)
    if dropped:
        text += "; removed this week: " + ", ".join(dropped)
    return text + "."


def pp(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def signed(value: float | None) -> str:
    return signed_pct(value) if value is not None else "n/a"


def industry_status(j: IndustryJudgement, rating: Callable[[str], str]) -> str:
    if j.status == "pending":
        return f"pending (to {j.end_date:%Y-%m-%d})" if j.end_date else "pending"
    if j.status == "no_data":
        return "no price data"
    actual = rating(j.realized) if j.realized else "no band"
    return f"{'hit' if j.status == 'hit' else 'miss'} (actual {actual})"


def industry_sentence(stats: Mapping[int, tuple[int, int, int]]) -> str:
    parts = []
    for months, (rated_n, evaluated, hits) in sorted(stats.items()):
        rate = f"{hits / evaluated * 100:.1f}%" if evaluated else "none yet"
        parts.append(
            f"{months} months: of {rated_n} ratings, {evaluated} matured, {hits} hits "
            f"(hit rate {rate})"
        )
    return (
        "Industry ratings are judged by the industry index (the watchlist basket) against the "
        "benchmark, as company ratings are. " + "; ".join(parts) + "."
    )
