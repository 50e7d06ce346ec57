"""English sentences of the market review, mirroring ``zh`` function for function.

Written, not translated: each sentence is a fixed template filled from the same analysis
results as the Chinese one, in the glossary's terms (``glossary.en.yaml``: limit-up,
consecutive limit-ups, sector, …). No number is computed here; none is rounded differently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from ..analysis.market import LimitRun, MemberMove
from ..analysis.week_over_week import WeekOverWeek
from . import zh
from .zh import NamedMove, signed_pct

__all__ = ["NamedMove", "signed_pct"]

MARKET_LABEL = {"CN_A": "A-shares", "HK": "Hong Kong", "US": "US"}
CAP_UNIT = {"CN_A": "RMB bn", "HK": "HK$ bn", "US": "US$ bn"}
LIMIT_BOARD = {"main": "Main Board", "chinext": "ChiNext", "star": "STAR Market", "bse": "BSE"}
BREADTH = {
    zh.BREADTH_ALL_UP: "all up",
    zh.BREADTH_ALL_DOWN: "all down",
    zh.BREADTH_MIXED: "mixed",
    zh.BREADTH_FLAT: "flat",
    zh.BREADTH_UP_OR_FLAT: "up or flat",
    zh.BREADTH_DOWN_OR_FLAT: "down or flat",
    zh.BREADTH_CLOSED: "market closed",
    zh.BREADTH_NONE: "no data",
}
ACTIONS = {
    "initiate": "initiated",
    "maintain": "maintained",
    "upgrade": "upgraded",
    "downgrade": "downgraded",
    "change": "changed",
}
SAMPLE_RATING = "sample rating"


def md(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def ymd(day: dt.date) -> str:
    """`9 Oct 2024`."""
    return f"{day.day} {day:%b} {day.year}"


def day_en(day: dt.date, year: int) -> str:
    """`9 Oct`, or `30 Dec 2024` when the day is not of ``year`` (the window end's)."""
    return md(day) if day.year == year else ymd(day)


def window_label(start: dt.date, end: dt.date) -> str:
    """`7–11 Oct 2024`, `30 Sep–4 Oct 2024`, `30 Dec 2024–3 Jan 2025`."""
    if start.year != end.year:
        return f"{ymd(start)}–{ymd(end)}"
    if start.month != end.month:
        return f"{md(start)}–{ymd(end)}"
    return f"{start.day}–{ymd(end)}"


def breadth_word(changes: Sequence[float | None], *, closed: bool = False) -> str:
    return BREADTH[zh.breadth_word(changes, closed=closed)]


def name_with_change(name: str, change: float | None, *, closed: bool = False) -> str:
    """`Cambricon +1.23%`, `CSI 300 unchanged`, `Intel (market closed)`."""
    if closed:
        return f"{name} (market closed)"
    if change is None:
        return f"{name} (change not available)"
    if change == 0:
        return f"{name} unchanged"
    return f"{name} {signed_pct(change)}"


def streak_phrase(streak: int, touch_only: bool) -> str | None:
    if streak <= 0:
        return None
    if touch_only:
        if streak == 1:
            return "touched limit-up intraday"
        return f"{streak} consecutive limit-ups, the last only touched intraday"
    return "closed limit-up" if streak == 1 else f"{streak} consecutive limit-ups"


def run_phrase(run: LimitRun, year: int) -> str:
    end = day_en(run.end_date, year)
    if run.touch_only:
        return f"touched limit-up intraday on {end}"
    if run.sessions == 1:
        return f"closed limit-up on {end}"
    return f"{run.sessions} consecutive limit-ups from {day_en(run.start_date, year)} to {end}"


def member_notes(move: MemberMove, year: int) -> list[str]:
    """The same phrases as ``zh.member_notes``, in the same order."""
    notes: list[str] = []
    if move.market_closed:
        notes.append(f"{MARKET_LABEL[move.market]} market closed this week")
    elif move.suspended:
        notes.append(f"suspended (last close {move.end_close:.2f})")
    if move.data_behind and move.last_date is not None:
        missing = ", no prices this week" if move.change_pct is None and not move.no_base else ""
        notes.append(f"data through {day_en(move.last_date, year)}{missing}")
    for day in move.ex_dates:
        notes.append(
            f"ex-rights/ex-dividend on {day_en(day, year)}; the change chains the exchange's "
            "reference prices"
        )
    if move.reference_missing is not None:
        notes.append(
            f"the move on {day_en(move.reference_missing, year)} exceeds the price limit, likely "
            "an ex-rights/ex-dividend day without a reference price in the store; change not given"
        )
    if (
        move.base_row_date is not None
        and move.base_row_date < move.base_date
        and not move.suspended
        and move.change_pct is not None
    ):
        notes.append(f"base close taken from {day_en(move.base_row_date, year)}")
    if move.end_close is None:
        notes.append("no prices for it in the local store")
    elif move.no_base:
        notes.append("no base close, change not available")
    notes.extend(run_phrase(r, year) for r in move.window_runs)
    streak = streak_phrase(move.limit_up_streak, move.limit_touch_only)
    if streak:
        notes.append(streak)
    if move.reversal:
        notes.append("gave back an intraweek high")
    if move.big_drop:
        notes.append("saw a sharp pullback")
    return notes


def board_item(
    index: int,
    board_name: str,
    members: Sequence[NamedMove],
    breadth: str,
    market_through: Mapping[str, dt.date] | None = None,
    *,
    year: int,
) -> str:
    """`(1) CPU/GPU sector: mixed; Cambricon +28.48%, …. Of these, …` (as ``zh.board_item``)."""
    market_through = market_through or {}
    parts = []
    for m in members:
        if m.move.suspended and not m.move.market_closed:
            parts.append(f"{m.name} suspended")
        else:
            parts.append(name_with_change(m.name, m.move.change_pct, closed=m.move.market_closed))
    text = f"({index}) {board_name} sector: {breadth}; " + ", ".join(parts) + ". "
    events = []
    for m in members:
        notes = [
            n
            for n in member_notes(m.move, year)
            if not n.startswith("suspended") and not n.endswith("market closed this week")
        ]
        if m.move.last_date is not None and m.move.last_date == market_through.get(m.move.market):
            notes = [n for n in notes if not n.startswith("data through")]
        if notes:
            events.append(f"{m.name}: " + ", ".join(notes))
    if events:
        text += "Of these, " + "; ".join(events) + ". "
    return text


def review_table_lead(n_boards: int) -> str:
    sectors = "sector" if n_boards == 1 else "sectors"
    return (
        f"This week's names are listed by {n_boards} {sectors} and the themes of the names to "
        "watch, each sector from the best week to the worst; market values and changes follow "
        "each exchange's own sessions."
    )


def benchmark_sentence(benchmarks: Sequence[NamedMove]) -> str:
    if not benchmarks:
        return ""
    parts = [
        name_with_change(b.name, b.move.change_pct, closed=b.move.market_closed) for b in benchmarks
    ]
    return "Over the same week: " + ", ".join(parts) + ". "


def as_of_note(end_dates: dict[str, dt.date], ex_rights: Sequence[str] = ()) -> str:
    """`Note: market values and changes as of 11 Oct 2024 local time …`."""
    if not end_dates:
        return ""
    latest = max(end_dates.values())
    others = [f"{MARKET_LABEL[m]} {ymd(d)}" for m, d in sorted(end_dates.items()) if d != latest]
    note = f"Note: market values and changes as of {ymd(latest)}, local time"
    if others:
        note += " (" + ", ".join(others) + ")"
    if ex_rights:
        note += (
            f"; {', '.join(ex_rights)} went ex-rights/ex-dividend this week: their changes chain "
            "the exchange's reference previous close on that day, the others use closing prices"
        )
    return note


def calendar_note(markets: Mapping[str, tuple[Sequence[int], Sequence[dt.date]]], year: int) -> str:
    parts = []
    for code, (years, inferred) in sorted(markets.items()):
        label = MARKET_LABEL[code]
        if years:
            ys = ", ".join(str(y) for y in years)
            parts.append(
                f"the {label} calendar for {ys} is provisional (weekdays; no holidays yet)"
            )
        if inferred:
            days = ", ".join(day_en(d, year) for d in inferred)
            parts.append(f"no {label} prices in the store on {days}, taken as market closed")
    return "Note: " + "; ".join(parts) if parts else ""


def review_paragraph(
    label: str, items: Sequence[str], benchmarks: str, note: str, behind: str = ""
) -> str:
    head = f"This week ({label}), the names we follow moved as follows: "
    text = (head + "".join(items) + benchmarks + behind).rstrip()
    return f"{text} {note}." if note else text


def data_through_sentence(through: Mapping[str, dt.date]) -> str:
    by_day: dict[dt.date, list[str]] = {}
    for market, day in sorted(through.items()):
        by_day.setdefault(day, []).append(MARKET_LABEL[market])
    return "".join(
        f"{' and '.join(labels)} data run through {ymd(day)}; later prices are not in the "
        "store yet. "
        for day, labels in sorted(by_day.items())
    )


def suggested_headline(
    best: tuple[str, float] | None, board_name: str | None, breadth: str | None
) -> str:
    if best is None:
        return "Compute sector weekly review"
    lead = f"{board_name} sector {breadth}" if board_name and breadth else "Compute sector"
    if best[1] == 0:
        return f"{lead}; {best[0]} unchanged on the week"
    verb = "up" if best[1] > 0 else "down"
    return f"{lead}; {best[0]} {verb} {abs(best[1]):.2f}% on the week"


def watch_line_rated(theme: str, members: Sequence[tuple[str, float | None, str | None]]) -> str:
    """`Domestic compute chain: Cambricon (Buy, +28.48% this week), …`."""
    entries = []
    for name, change, rating in members:
        week = f"{signed_pct(change)} this week" if change is not None else "change n/a"
        entries.append(f"{name} ({rating}, {week})" if rating else f"{name} ({week})")
    return f"{theme}: {', '.join(entries)}"


def watch_rating(rating: str, sample: bool) -> str:
    return f"{SAMPLE_RATING}: {rating}" if sample else rating


def rated(action: str | None, rating: str | None) -> str | None:
    """`maintained Buy`, `sample rating: upgraded to Buy`."""
    if not action or not rating:
        return rating
    prefix, sep, name = rating.rpartition(": ")
    joined = f"{action} to {name}" if action in ("upgraded", "downgraded") else f"{action} {name}"
    return f"{prefix}{sep}{joined}" if sep else joined


def dated_rating(rating: str | None, day: dt.date) -> str:
    """A rating older than the horizon: `rated Buy on 5 Jan 2023`, never this week's view."""
    prefix, sep, name = (rating or "").rpartition(": ")
    return f"{prefix}{sep}rated {name} on {ymd(day)}"


def week_over_week_sentence(wow: WeekOverWeek, year: int) -> str:
    """`Against the previous issue (3 Oct): the CPU/GPU sector turned from all down to all up; …`."""
    parts = [f"the {b} sector turned from {was} to {now}" for b, was, now in wow.breadth_turns]
    parts += [
        f"{n} extended its run of consecutive limit-ups ({was} last issue, {now} now)"
        for n, was, now in wow.streaks_continued
    ]
    by_weeks: dict[int, list[str]] = {}
    for name, k in wow.rising_weeks:
        by_weeks.setdefault(k, []).append(name)
    parts += [
        f"{', '.join(n)} rose {k} weeks in a row" for k, n in sorted(by_weeks.items(), reverse=True)
    ]
    if not parts:
        return ""
    return f"Against the previous issue ({day_en(wow.previous, year)}): " + "; ".join(parts) + ". "
