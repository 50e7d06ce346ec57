"""A desk's `holidays:` year on a year the calendar already knows: added to its closures unless
the desk says `replace: true`, the difference said on the console, and stored rows on a day the
desk declares closed named by `build` and `calendar`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import exchange_calendars as xcals

from sectorweekly import store
from sectorweekly.cli import main
from sectorweekly.desk.parse import load_desk
from sectorweekly.markets.calendars import Calendars
from test_cli_bad_inputs import world  # noqa: F401  (the seeded demo desk, made once)

D = dt.date.fromisoformat
LIBRARY = f"exchange_calendars {xcals.__version__} (XSHG)"


def _run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["sectorweekly", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def _desk(world: dict[str, Path], tmp_path: Path, holidays: str) -> Path:  # noqa: F811
    """A copy of the seeded demo desk (its store included) with ``holidays`` appended."""
    desk = tmp_path / "desk"
    shutil.copytree(world["desk"], desk)
    with (desk / "desk.yaml").open("a", encoding="utf-8") as f:
        f.write("\nholidays:\n" + holidays)
    return desk


def _price(tmp_path: Path, day: str) -> Path:
    path = tmp_path / "price.csv"
    path.write_text(f"symbol,date,close\n300308,{day},120.5\n", encoding="utf-8")
    return path


def test_one_extra_closure_adds_to_the_year(world, tmp_path, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2026-01-10")
    desk = _desk(world, tmp_path, "  CN_A:\n    2025: [2025-09-30]\n")
    db = desk / "store.duckdb"
    before = store.fingerprint(db)
    code, _, err = _run(
        monkeypatch, capsys, "import", "prices", str(_price(tmp_path, "2025-10-01")),
        "--desk", str(desk),
    )  # fmt: skip
    assert code == 2
    assert "2025-10-01 is not a CN_A (XSHG) trading session" in err
    assert store.fingerprint(db) == before
    # the console says, in one line, what the desk changed in the library's year
    assert (
        f"desk.yaml: holidays.CN_A.2025 adds to the 18 closed weekdays of {LIBRARY}: "
        "+2025-09-30 (19 closed)"
    ) in err
    # New Year's Day and the National Day week stay closed; the desk's day is closed too
    calendars = Calendars.of_desk(load_desk(desk))
    assert calendars.sessions("CN_A", D("2024-12-31"), D("2025-01-02")) == [
        D("2024-12-31"),
        D("2025-01-02"),
    ]
    assert calendars.sessions("CN_A", D("2025-09-29"), D("2025-10-09")) == [
        D("2025-09-29"),
        D("2025-10-09"),
    ]
    src = calendars.year_source("CN_A", 2025)
    assert src.origin == "desk" and len(src.closed) == 19 and D("2025-09-30") in src.closed
    assert f"added to the closures of {LIBRARY}" in src.source


def test_replace_true_makes_the_desk_list_the_whole_year(world, tmp_path, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2026-01-10")
    desk = _desk(
        world,
        tmp_path,
        "  CN_A:\n    2025:\n      replace: true\n      source: 测试用休市安排（非真实）\n"
        "      closed: [2025-01-28, 2025-10-02, 2025-10-03]\n",
    )
    code, _, err = _run(
        monkeypatch, capsys, "import", "prices", str(_price(tmp_path, "2025-10-01")),
        "--desk", str(desk),
    )  # fmt: skip
    assert code == 0, err
    with store.reader(desk / "store.duckdb") as con:
        rows = con.execute(
            "SELECT close FROM prices WHERE symbol = '300308' AND date = '2025-10-01'"
        ).fetchall()
    assert rows == [(120.5,)]
    removed = [
        "2025-01-01", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-03", "2025-02-04",
        "2025-04-04", "2025-05-01", "2025-05-02", "2025-05-05", "2025-06-02", "2025-10-01",
        "2025-10-06", "2025-10-07", "2025-10-08",
    ]  # fmt: skip
    assert (
        f"desk.yaml: holidays.CN_A.2025 replaces (replace: true) the 18 closed weekdays of "
        f"{LIBRARY}: " + ", ".join(f"-{d}" for d in removed) + " (3 closed)"
    ) in err
    assert Calendars.of_desk(load_desk(desk)).sessions(
        "CN_A", D("2025-09-30"), D("2025-10-06")
    ) == [
        D("2025-09-30"),
        D("2025-10-01"),
        D("2025-10-06"),
    ]


def test_a_desk_year_equal_to_the_library_says_nothing(world, tmp_path, monkeypatch, capsys):  # noqa: F811
    desk = _desk(world, tmp_path, "  CN_A:\n    2025: [2025-10-01]\n")
    code, _, err = _run(monkeypatch, capsys, "calendar", "CN_A", "2025", "--desk", str(desk))
    assert code == 0, err
    assert "holidays.CN_A.2025" not in err
    assert "2025: 243 sessions" in _run(monkeypatch, capsys, "calendar", "CN_A", "2025")[1]


def test_stored_rows_on_a_declared_closed_day_are_named(world, tmp_path, monkeypatch, capsys):  # noqa: F811
    """The demo store holds 2024-09-30 for every A-share; a desk that declares it closed
    hears so from `calendar` and from `build`, which still builds."""
    desk = _desk(world, tmp_path, "  CN_A:\n    2024: [2024-09-30]\n")
    seeded = {  # every A-share price file the demo seeds: the desk's members and indices
        line.split(",")[0]
        for f in (desk / "data" / "prices").glob("*.csv")
        for line in f.read_text(encoding="utf-8").splitlines()[1:2]
        if line.split(",")[1] == "CN_A"
    }
    symbols = sorted(
        seeded | {s for s, i in load_desk(desk).instruments.items() if i.market == "CN_A"}
    )
    want = (
        f"warning: CN_A: the store holds {len(symbols)} price rows on days {desk}/desk.yaml "
        f"declares closed under holidays: (2024-09-30: {', '.join(symbols)}); they are not "
        "sessions of the calendar and are not used: delete the rows or take the day out of "
        "holidays:"
    )
    code, out, err = _run(monkeypatch, capsys, "calendar", "CN_A", "2024", "--desk", str(desk))
    assert code == 0, err
    assert "2024: 241 sessions" in out
    assert want in err.splitlines()
    assert "+2024-09-30 (21 closed)" in err
    # a year without such rows says nothing about them
    _, _, err_2025 = _run(monkeypatch, capsys, "calendar", "CN_A", "2025", "--desk", str(desk))
    assert "warning:" not in err_2025
    code, out, err = _run(
        monkeypatch, capsys, "build", "--start", "2024-10-08", "--end", "2024-10-11",
        "--out", str(tmp_path / "out"), "--desk", str(desk),
    )  # fmt: skip
    assert code == 0, err
    assert want in err.splitlines()
    # the build says once how the desk changes the library's year (its calendars are built
    # from the desk at the command's start and again with the week: said by the command alone)
    assert err.count("holidays.CN_A.2024 adds to the 20 closed weekdays") == 1
    review = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["review"]
    # the report's figures skip the closed day: the week's base is 09-27's close
    assert review["markets"]["CN_A"]["base_date"] == "2024-09-27"
    members = {m["symbol"]: m for t in review["watch"] for m in t["members"]}
    assert (members["601138"]["base_close"], members["601138"]["status"]) == (23.0, "no_reference")
    hs300 = next(b for b in review["benchmarks"] if b["symbol"] == "000300")
    assert (hs300["base_close"], hs300["change_pct"]) == (3703.68, 4.95)  # to 3887.17 on 10-11


def test_a_closure_added_to_a_calendar_computed_by_rule(world, tmp_path, monkeypatch, capsys):  # noqa: F811
    """Hong Kong's calendar is computed by rule: a desk day (a typhoon) is added to it, and the
    year still lists the library's holidays."""
    desk = _desk(world, tmp_path, "  HK:\n    2025: [2025-07-21]\n")
    code, out, err = _run(monkeypatch, capsys, "calendar", "HK", "2025", "--desk", str(desk))
    assert code == 0, err
    library = f"exchange_calendars {xcals.__version__} (XHKG)"
    assert (
        f"desk.yaml: holidays.HK.2025 adds to the 15 closed weekdays of {library}: "
        "+2025-07-21 (16 closed)"
    ) in err
    assert "holidays (16 weekdays closed): 2025-01-01 Wed" in out
    assert "2025-07-21 Mon" in out and "2025: 245 sessions" in out
    assert Calendars.of_desk(load_desk(desk)).sessions("HK", D("2025-07-18"), D("2025-07-22")) == [
        D("2025-07-18"),
        D("2025-07-22"),
    ]
