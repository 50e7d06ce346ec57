"""The exchange calendars are a value: each desk builds its own, and nothing in the process
remembers the last desk loaded or the last store observed.

Two copies of the seeded demo desk differ only in ``holidays:``: one declares 2024-10-09 (the
demo window's last A-share session) closed, so its A-share week ends on the 10-08 close.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from sectorweekly.build.flow import BuildContext, build_report
from sectorweekly.cli.preview import Preview
from sectorweekly.desk.parse import Desk, load_desk
from sectorweekly.markets.calendars import Calendars
from test_cli_bad_inputs import world  # noqa: F401  (the seeded demo desk, made once)

D = dt.date.fromisoformat
START, END = D("2024-10-07"), D("2024-10-09")
CLOSED_0909 = "\nholidays:\n  CN_A:\n    2024: [2024-10-09]\n"


def _copy(world: dict[str, Path], to: Path, holidays: str = "") -> Path:  # noqa: F811
    """A copy of the seeded demo desk (its store included), ``holidays`` appended."""
    shutil.copytree(world["desk"], to)
    if holidays:
        with (to / "desk.yaml").open("a", encoding="utf-8") as f:
            f.write(holidays)
    return to


def _close(desk: Path, symbol: str, day: dt.date) -> float:
    with duckdb.connect(str(desk / "store.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT close FROM prices WHERE symbol = ? AND date = ?", [symbol, day]
        ).fetchall()
    return float(rows[0][0])


def _build(desk: Desk):
    return build_report(desk, START, END, BuildContext())


def _a_share_member(report):
    return next(
        m
        for b in report.review.boards
        for m in b.members
        if m.symbol == "688256" and m.change_pct is not None
    )


def test_two_desks_in_one_process_each_get_their_own_sessions(world, tmp_path):  # noqa: F811
    plain = _copy(world, tmp_path / "plain")
    closed = _copy(world, tmp_path / "closed", CLOSED_0909)
    # both loaded first, then built interleaved: the last desk loaded must not win
    plain_desk, closed_desk = load_desk(plain), load_desk(closed)
    first = _build(plain_desk)
    other = _build(closed_desk)
    again = _build(plain_desk)

    for report in (first, again):
        cn = report.review.markets["CN_A"]
        assert cn.sessions == [D("2024-10-08"), D("2024-10-09")]
        assert (cn.base_date, cn.end_date) == (D("2024-09-30"), D("2024-10-09"))
    cn = other.review.markets["CN_A"]
    assert cn.sessions == [D("2024-10-08")]
    assert (cn.base_date, cn.end_date) == (D("2024-09-30"), D("2024-10-08"))
    # Hong Kong and New York are the same for both desks
    assert other.review.markets["HK"] == first.review.markets["HK"]
    assert other.review.markets["US"] == first.review.markets["US"]

    # the weekly change is judged to each desk's own end session
    base = _close(plain, "688256", D("2024-09-30"))
    want_plain = round((_close(plain, "688256", END) / base - 1) * 100, 2)
    want_closed = round((_close(closed, "688256", D("2024-10-08")) / base - 1) * 100, 2)
    assert want_plain != want_closed
    assert _a_share_member(first).change_pct == pytest.approx(want_plain, abs=0.005)
    assert _a_share_member(again).change_pct == pytest.approx(want_plain, abs=0.005)
    assert _a_share_member(other).change_pct == pytest.approx(want_closed, abs=0.005)


def test_loading_a_desk_changes_no_one_elses_calendars(tmp_path, world):  # noqa: F811
    closed = load_desk(_copy(world, tmp_path / "closed", CLOSED_0909))
    day = D("2024-10-09")
    assert Calendars.build().sessions("CN_A", day, day) == [day]
    assert Calendars.of_desk(closed).sessions("CN_A", day, day) == []
    assert Calendars.of_desk(closed) == Calendars.of_desk(closed)  # a value: equal inputs, equal
    # a registration with exchange_calendars is for users of the library: nothing reads it back
    Calendars.of_desk(closed).register("CN_A")
    assert Calendars.build().sessions("CN_A", day, day) == [day]


def test_a_long_lived_preview_sees_a_holiday_change_on_its_next_build(world, tmp_path):  # noqa: F811
    desk = _copy(world, tmp_path / "desk")
    work = tmp_path / "work"
    work.mkdir()
    preview = Preview(desk, START, END, work)
    preview.rebuild()
    assert preview.error is None and preview.report is not None
    assert preview.report.review.markets["CN_A"].end_date == END
    assert preview.holiday_lines == []

    with (desk / "desk.yaml").open("a", encoding="utf-8") as f:
        f.write(CLOSED_0909)
    preview.rebuild()
    assert preview.error is None
    assert preview.report.review.markets["CN_A"].end_date == D("2024-10-08")
    assert preview.holiday_lines == [
        f"{desk / 'desk.yaml'}: holidays.CN_A.2024 adds to the 20 closed weekdays of "
        f"exchange_calendars {__import__('exchange_calendars').__version__} (XSHG): "
        "+2024-10-09 (21 closed)"
    ]

    # and back: the desk's holidays taken out, the week ends on 10-09 again
    text = (desk / "desk.yaml").read_text(encoding="utf-8")
    (desk / "desk.yaml").write_text(text.replace(CLOSED_0909, ""), encoding="utf-8")
    preview.rebuild()
    assert preview.report.review.markets["CN_A"].end_date == END


@pytest.mark.parametrize(
    ("entry", "sessions", "closed"),
    [
        # the desk's list is the year's whole list: the package's Spring Festival days open
        (
            "{replace: true, closed: [2026-01-01]}",
            ["2026-02-13", "2026-02-16", "2026-02-17"],
            ("2026-01-01",),
        ),
        # added to the package's days: both the package's and the desk's are closed
        ("[2026-02-13]", [], None),
    ],
)
def test_the_package_holiday_year_does_not_override_the_desks(
    world,  # noqa: F811
    tmp_path,
    entry,
    sessions,
    closed,
):
    """2026 is in the package's holiday file (CN_A.yaml): the desk's year is applied over it."""
    desk = load_desk(_copy(world, tmp_path / "desk", f"\nholidays:\n  CN_A:\n    2026: {entry}\n"))
    cals = Calendars.of_desk(desk)
    got = cals.sessions("CN_A", D("2026-02-13"), D("2026-02-17"))
    assert got == [D(d) for d in sessions]
    source = cals.year_source("CN_A", 2026)
    assert source.origin == "desk"
    if closed is not None:
        assert source.closed == tuple(D(d) for d in closed)
    else:
        assert D("2026-02-13") in source.closed and D("2026-02-16") in source.closed
    # the package's year alone, for comparison: Spring Festival closed, 02-13 open
    library = Calendars.build().sessions("CN_A", D("2026-02-13"), D("2026-02-17"))
    assert library == [D("2026-02-13")]
