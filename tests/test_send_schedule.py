"""When the weekly job acts: the report week closes at the last close of its last session in every
market the desk covers, by the exchange calendars (2024–2026), never by the weekday."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from sectorweekly.desk.parse import demo_desk_dir, parse_desk
from sectorweekly.markets.calendars import Calendars
from sectorweekly.send.schedule import decide, week_close

D = dt.date.fromisoformat
ALL = ("CN_A", "HK", "US")


def at(text: str) -> dt.datetime:
    """A moment in Shanghai time."""
    return dt.datetime.fromisoformat(text + "+08:00")


def shanghai(moment: dt.datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")


@pytest.fixture(scope="module")
def cals() -> Calendars:
    return Calendars.build(today=D("2026-06-01"))


@pytest.mark.parametrize(
    ("monday", "markets", "last", "closes", "market"),
    [
        # National Day 2024: A shares trade Monday only; HK (Oct 1 closed) and the US to Friday
        ("2024-09-30", ("CN_A",), {"CN_A": "2024-09-30"}, "2024-09-30 15:30", "CN_A"),
        ("2024-09-30", ALL, {"CN_A": "2024-09-30", "HK": "2024-10-04", "US": "2024-10-04"},
         "2024-10-05 04:30", "US"),
        # 2024-10-12 is a 调休 Saturday (a working day, no session); HK closed for 重阳 on Friday
        ("2024-10-07", ("CN_A",), {"CN_A": "2024-10-11"}, "2024-10-11 15:30", "CN_A"),
        ("2024-10-07", ("CN_A", "HK"), {"CN_A": "2024-10-11", "HK": "2024-10-10"},
         "2024-10-11 15:30", "CN_A"),
        # Lunar New Year 2024: the A-share week ends on Thursday 2-8 and closes then
        ("2024-02-05", ("CN_A",), {"CN_A": "2024-02-08"}, "2024-02-08 15:30", "CN_A"),
        ("2024-02-05", ("CN_A", "HK"), {"CN_A": "2024-02-08", "HK": "2024-02-09"},
         "2024-02-09 12:30", "HK"),  # HK's Lunar New Year's Eve is a half day
        # National Day 2025: Tuesday 9-30 is the last session; 10-11 is a 调休 Saturday
        ("2025-09-29", ("CN_A",), {"CN_A": "2025-09-30"}, "2025-09-30 15:30", "CN_A"),
        ("2025-10-06", ("CN_A",), {"CN_A": "2025-10-10"}, "2025-10-10 15:30", "CN_A"),
        # US Thanksgiving: Thursday closed, Friday closes at 13:00 New York (02:00 Shanghai)
        ("2024-11-25", ("US",), {"US": "2024-11-29"}, "2024-11-30 02:30", "US"),
        ("2025-11-24", ALL, {"CN_A": "2025-11-28", "HK": "2025-11-28", "US": "2025-11-28"},
         "2025-11-29 02:30", "US"),
        # the US closes after Asia, and later in Shanghai time once New York is off DST
        ("2026-03-02", ALL, {"CN_A": "2026-03-06", "HK": "2026-03-06", "US": "2026-03-06"},
         "2026-03-07 05:30", "US"),
        # Lunar New Year 2026: 2-14 and 2-28 are 调休 Saturdays without sessions
        ("2026-02-09", ("CN_A",), {"CN_A": "2026-02-13"}, "2026-02-13 15:30", "CN_A"),
        ("2026-02-23", ("CN_A",), {"CN_A": "2026-02-27"}, "2026-02-27 15:30", "CN_A"),
    ],
)  # fmt: skip
def test_the_week_closes_at_its_last_session_in_every_market(
    cals, monday, markets, last, closes, market
):
    week = week_close(cals, markets, D(monday))
    assert {m: d.isoformat() for m, d in week.last_sessions.items()} == last
    assert shanghai(week.closes_at) == closes and week.closing_market == market


def test_a_week_without_any_session_is_skipped_for_the_one_before(cals):
    # Lunar New Year 2024: no A-share session from 2-9 to 2-16
    empty = week_close(cals, ("CN_A",), D("2024-02-12"))
    assert empty.last_sessions == {} and empty.closes_at is None
    decision = decide(cals, ("CN_A",), at("2024-02-17T10:00"))
    assert decision.due is not None and decision.due.monday == D("2024-02-05")
    assert decision.due.end == D("2024-02-08")
    # 2026: the A-share market is closed 2-16..2-23
    decision = decide(cals, ("CN_A",), at("2026-02-21T10:00"))
    assert decision.due is not None and decision.due.end == D("2026-02-13")


def test_before_the_close_the_previous_week_is_the_one_due(cals):
    before = decide(cals, ALL, at("2024-10-12T04:29"))
    assert before.due is not None and before.due.monday == D("2024-09-30")
    assert not before.next.closed(at("2024-10-12T04:29"))
    after = decide(cals, ALL, at("2024-10-12T04:30"))
    assert after.due is not None and after.due.monday == D("2024-10-07")
    assert after.due.end == D("2024-10-11")
    # a weekday scheduler would run on Friday 2024-10-11 after the A-share close: still open
    assert decide(cals, ALL, at("2024-10-11T16:00")).due.monday == D("2024-09-30")  # type: ignore[union-attr]
    # Thanksgiving 2024: closed in Shanghai at 02:30 on Saturday, not at the usual 05:30
    assert decide(cals, ("US",), at("2024-11-30T02:31")).due.monday == D("2024-11-25")  # type: ignore[union-attr]


def test_a_closure_the_desk_declares_moves_the_last_session(tmp_path: Path):
    data = yaml.safe_load((demo_desk_dir() / "desk.yaml").read_text(encoding="utf-8"))
    data["holidays"] = {"HK": {2025: ["2025-11-14"]}}  # a typhoon-style Friday closure
    desk = parse_desk(data, tmp_path / "desk.yaml")
    cals = Calendars.of_desk(desk)
    week = week_close(cals, ("HK",), D("2025-11-10"))
    assert week.last_sessions == {"HK": D("2025-11-13")}
    assert shanghai(week.closes_at) == "2025-11-13 16:30"
    plain = week_close(Calendars.build(), ("HK",), D("2025-11-10"))
    assert plain.last_sessions == {"HK": D("2025-11-14")}
