"""What changed against the previous archived issue: breadth that turned, limit-up streaks
that went on, names up several weeks in a row.

From archived figures only (passed in as plain values), so a week's comparison does not
depend on what the store holds today; the narrative turns the result into a sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class WeekOverWeek:
    """What changed against the previous archived issue, from archived figures only."""

    previous: dt.date
    breadth_turns: list[tuple[str, str, str]] = field(default_factory=list)  # board, was, now
    streaks_continued: list[tuple[str, int, int]] = field(default_factory=list)  # name, was, now
    rising_weeks: list[tuple[str, int]] = field(default_factory=list)  # name, weeks up in a row


def week_over_week(
    previous: dt.date,
    boards_now: Mapping[str, str],
    boards_before: Mapping[str, str],
    streaks_now: Mapping[str, int],
    streaks_before: Mapping[str, int],
    weekly_changes: Mapping[str, Sequence[float | None]],
    min_weeks: int = 3,
) -> WeekOverWeek:
    """``weekly_changes``: name -> changes of the archived issues then this one, oldest first."""
    out = WeekOverWeek(previous)
    for board, now in boards_now.items():
        was = boards_before.get(board)
        if was and was != now:
            out.breadth_turns.append((board, was, now))
    for name, now in streaks_now.items():
        was = streaks_before.get(name, 0)
        if was > 0 and now > was:
            out.streaks_continued.append((name, was, now))
    for name, changes in weekly_changes.items():
        run = 0
        for c in reversed(changes):
            if c is None or c <= 0:
                break
            run += 1
        if run >= min_weeks:
            out.rising_weeks.append((name, run))
    return out
