"""Golden answers on synthetic rows: a stock leaving ST inside the window, 冲高回落 exactly at
its thresholds, a 10% fall exactly at 出现大幅回调, a streak broken by a missing row, a streak
ending on a touch. The price files and the desk fragment giving the ST span are written by the
stand-alone ``fixtures/golden/make_golden.py``; here they go through the normal import path (a
desk's ``seed_prices``) into a store, and every field of every member is compared."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from golden import GOLDEN_DIR, compare_with_golden, golden_rows
from sectorweekly import store
from sectorweekly.analysis.market import MemberMove, MemberSpec, Window, compute_moves
from sectorweekly.desk.parse import Desk, load_desk
from sectorweekly.markets.calendars import Calendars
from sectorweekly.update.workspace import prepare

D = dt.date.fromisoformat
WINDOWS = golden_rows(GOLDEN_DIR / "synthetic_windows.csv")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Desk, Path]:
    root = tmp_path_factory.mktemp("golden") / "desk"
    shutil.copytree(GOLDEN_DIR / "synthetic", root)
    desk = load_desk(root)
    path, added = prepare(desk)
    assert (
        added == 6 * 55 - 1
    )  # six stocks, 55 sessions 2024-08-01..10-25, 600995 without its 10-15 row
    return desk, path


def moves(desk: Desk, path: Path, start: str, end: str) -> dict[str, MemberMove]:
    specs = [MemberSpec.of(s, desk.instruments[s]) for s in desk.members()]
    with store.reader(path) as con:
        got, _ = compute_moves(con, Calendars.build(), specs, Window(D(start), D(end)))
    return {m.symbol: m for m in got}


@pytest.mark.parametrize("window", sorted(WINDOWS), ids=lambda w: f"{w[0]}..{w[1]}")
def test_every_field_of_every_synthetic_member_matches_the_golden_answers(
    synthetic, window
) -> None:
    desk, path = synthetic
    compare_with_golden(window, WINDOWS[window], moves(desk, path, *window))


def test_the_cases_say_what_they_are_for(synthetic) -> None:
    """The golden rows, read as a person would: what each synthetic case must show."""
    rows = {r["symbol"]: r for r in WINDOWS[("2024-10-14", "2024-10-18")]}
    # 10-14..10-17 at +5% (ST, 10-17 its last ST day), 10-18 at +10% after it: 5连板
    assert (rows["600999"]["limit_up_streak"], rows["600999"]["window_runs"]) == ("5", "")
    # no row on 10-15: the run restarts on 10-16 (3连板), 10-11..10-14 is an earlier run
    assert rows["600995"]["limit_up_streak"] == "3"
    assert rows["600995"]["window_runs"] == "2024-10-11~2024-10-14:2"
    assert (rows["600994"]["limit_up_streak"], rows["600994"]["limit_touch_only"]) == ("3", "True")
    rows = {r["symbol"]: r for r in WINDOWS[("2024-10-21", "2024-10-25")]}
    assert rows["600998"]["reversal"] == "True"  # high 10.80 on a 10.00 base: exactly +8%
    assert rows["600997"]["reversal"] == "True"  # close 11.50 on a 12.50 high: exactly −8%
    assert rows["600996"]["big_drop"] == "True"  # 10.00 to 9.00: exactly −10%


def test_the_report_words_follow(synthetic, monkeypatch) -> None:
    from sectorweekly.build.flow import BuildContext, build_report

    desk, _ = synthetic
    summary = build_report(desk, D("2024-10-14"), D("2024-10-18"), BuildContext()).review
    text = summary.summary_zh
    assert "合成摘帽" in text and "5连板" in text
    assert "触及涨停走出3连板" in text
