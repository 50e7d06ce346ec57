"""The A-share calendar past the library's last year: holiday files, provisional sessions.

The 2027 holidays used here are a fixture, not the real 2027 schedule (unknown when written):
Jan 1 and Feb 8–12 closed, so that a Lunar-New-Year-like week can be checked both ways.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import exchange_calendars as xcals
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sectorweekly import holidays
from sectorweekly.build.flow import BuildContext, build_report
from sectorweekly.cli import app
from sectorweekly.desk.parse import load_desk
from sectorweekly.errors import InputError
from sectorweekly.markets.calendars import Calendars

D = dt.date.fromisoformat
LIBRARY = Calendars.build  # the library's calendars and the package's holiday files
FIXTURE_2027 = ["2027-01-01", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12"]


@pytest.mark.parametrize(("market", "code"), [("CN_A", "XSHG"), ("HK", "XHKG"), ("US", "XNYS")])
def test_library_years_are_unchanged(market, code):
    """Every 2024–2026 session (the demo windows' years) is the library's own, unchanged."""
    library = xcals.get_calendar(code, start="2024-01-01", end="2026-12-31").sessions
    ours = LIBRARY().sessions(market, D("2024-01-01"), D("2026-12-31"))
    assert [d.date() for d in library] == ours


def test_package_file_years_agree_with_the_library():
    lib = xcals.get_calendar("XSHG", start="2024-12-02", end="2026-12-31")
    for year, entry in holidays.package_years("CN_A").items():
        weekdays = pd.bdate_range(f"{year}-01-01", f"{year}-12-31")
        closed = tuple(d.date() for d in weekdays if not lib.is_session(d))
        assert entry.closed == closed, year
        assert "国务院办公厅" in entry.source


def test_2027_is_provisional_without_a_holiday_list():
    calendars = LIBRARY()
    assert calendars.is_provisional("CN_A", D("2027-01-04"))
    assert not calendars.is_provisional("CN_A", D("2026-12-31"))
    # every weekday, New Year's Day included, until the notice is added
    assert calendars.sessions("CN_A", D("2026-12-31"), D("2027-01-05")) == [
        D("2026-12-31"),
        D("2027-01-01"),
        D("2027-01-04"),
        D("2027-01-05"),
    ]
    assert calendars.year_source("CN_A", 2027).origin == "provisional"
    # Hong Kong and New York are computed by rule: never provisional
    assert not calendars.is_provisional("HK", D("2027-06-01"))


def _desk_holidays(tmp_path: Path) -> Path:
    (tmp_path / "desk.yaml").write_text(
        yaml.safe_dump(_desk_yaml(with_2027=True), allow_unicode=True), encoding="utf-8"
    )
    return tmp_path


def test_a_desk_year_replaces_provisional_weekdays(tmp_path):
    calendars = Calendars.of_desk(load_desk(_desk_holidays(tmp_path)))
    assert not calendars.is_provisional("CN_A", D("2027-01-04"))
    assert calendars.sessions("CN_A", D("2026-12-31"), D("2027-01-05")) == [
        D("2026-12-31"),
        D("2027-01-04"),
        D("2027-01-05"),
    ]
    src = calendars.year_source("CN_A", 2027)
    assert src.origin == "desk" and src.closed == tuple(D(d) for d in FIXTURE_2027)
    # the library's years stay as they were
    assert calendars.previous_session("CN_A", D("2024-10-08"), strictly=True) == D("2024-09-30")
    # the extended calendar can be registered with exchange_calendars under its own name
    name = calendars.register("CN_A")
    assert name == "XSHG-sectorweekly"
    assert not xcals.get_calendar(name).is_session("2027-01-01")
    # loading the desk changed nothing for anyone else: the library's calendars stay provisional
    assert LIBRARY().is_provisional("CN_A", D("2027-01-04"))


@pytest.mark.parametrize(
    ("entry", "key", "words"),
    [
        (["2027-01-02"], "holidays.CN_A.2027[0]", "Saturday"),
        (["2026-12-31"], "holidays.CN_A.2027[0]", "not in 2027"),
        (["2027-13-01"], "holidays.CN_A.2027[0]", "not a date"),
        ({"closed": ["2027-01-01"], "notice": "x"}, "holidays.CN_A.2027.notice", "unknown key"),
        ("2027-01-01", "holidays.CN_A.2027", "expected a list"),
    ],
)
def test_a_bad_desk_holiday_entry_names_its_key(tmp_path, entry, key, words):
    data = _desk_yaml(with_2027=False)
    data["holidays"] = {"CN_A": {2027: entry}}
    (tmp_path / "desk.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(InputError) as err:
        load_desk(tmp_path)
    assert f"desk.yaml:{key}: " in str(err.value) and words in str(err.value)


# --- 2027 windows built from a store with synthetic 2027 rows -----------------------------

STOCKS = {"600519": "甲公司", "300750": "乙公司", "688111": "丙公司"}


def _desk_yaml(with_2027: bool) -> dict:
    data: dict = {
        "firm": {"name": "测试研究所"},
        "series": "算力周跟踪",
        "industry": "电子",
        "instruments": {
            **{s: {"name": n, "market": "CN_A"} for s, n in STOCKS.items()},
            "000300": {"name": "沪深300", "market": "CN_A", "kind": "index"},
        },
        "boards": [{"name": "测试", "members": list(STOCKS)}],
        "benchmarks": {"CN_A": ["000300"]},
        "ratings": {"benchmarks": {"CN_A": "000300"}},
    }
    if with_2027:
        data["holidays"] = {
            "CN_A": {2027: {"source": "测试用休市安排（非真实）", "closed": FIXTURE_2027}}
        }
    return data


@pytest.fixture
def desk_2027(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A desk whose store holds rows on every open weekday 2026-11-02..2027-03-05."""
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2027-03-08")
    desk = tmp_path / "desk"
    desk.mkdir()
    (desk / "desk.yaml").write_text(
        yaml.safe_dump(_desk_yaml(with_2027=False), allow_unicode=True), encoding="utf-8"
    )
    closed = {D(d) for d in FIXTURE_2027}
    days = [
        d.date()
        for d in pd.bdate_range("2026-11-02", "2027-03-05")
        if d.date() not in closed
        and (d.year > 2026 or LIBRARY().sessions("CN_A", d.date(), d.date()))
    ]
    lines = ["symbol,date,close,open,high,low,volume"]
    for k, symbol in enumerate([*STOCKS, "000300"]):
        for i, day in enumerate(days):
            close = round(10 + k + i * 0.01, 2)
            lines.append(f"{symbol},{day},{close},{close},{close},{close},1000")
    csv = tmp_path / "prices.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = CliRunner().invoke(app, ["import", "prices", str(csv), "--desk", str(desk)])
    assert run.exit_code == 0, run.output
    return desk


def _build(desk: Path, start: str, end: str, holidays_2027: bool):
    if holidays_2027:
        (desk / "desk.yaml").write_text(
            yaml.safe_dump(_desk_yaml(with_2027=True), allow_unicode=True), encoding="utf-8"
        )
    ctx = BuildContext()
    report = build_report(load_desk(desk), D(start), D(end), ctx)
    return report, ctx.messages


def test_a_2027_week_without_a_holiday_list_is_built_and_says_provisional(desk_2027):
    report, messages = _build(desk_2027, "2027-01-04", "2027-01-08", holidays_2027=False)
    cn = report.review.markets["CN_A"]
    assert cn.provisional_years == [2027]
    # the base is the last provisional session before the window that the store shows open:
    # 2027-01-01 has no row for any A-share, so it is inferred closed and 2026-12-31 is the base
    assert cn.base_date == D("2026-12-31") and cn.inferred_closed == [D("2027-01-01")]
    assert "2027年A股交易日历为暂定" in report.review.calendar_note
    assert "1月1日本地数据库无任何A股行情，推定为休市" in report.review.calendar_note
    assert "2027年A股交易日历为暂定" in report.review.summary_zh
    assert any("provisional" in m for m in messages)
    member = report.review.boards[0].members[0]
    assert member.status == "ok" and member.change_pct is not None
    table = next(t for t in report.tables if t.key == "review_table")
    assert any("2027年A股交易日历为暂定" in n for n in table.notes)


def test_a_2027_week_with_a_desk_holiday_list_is_exact_and_has_no_note(desk_2027):
    report, messages = _build(desk_2027, "2027-01-04", "2027-01-08", holidays_2027=True)
    cn = report.review.markets["CN_A"]
    assert cn.provisional_years == [] and cn.inferred_closed == []
    assert cn.base_date == D("2026-12-31")
    assert report.review.calendar_note == ""
    assert "暂定" not in report.review.summary_zh
    assert not any("provisional" in m for m in messages)


@pytest.mark.parametrize("holidays_2027", [False, True])
def test_lunar_new_year_week_inferred_closure_agrees_with_the_file(desk_2027, holidays_2027):
    report, _ = _build(desk_2027, "2027-02-08", "2027-02-12", holidays_2027)
    cn = report.review.markets["CN_A"]
    assert cn.closed and cn.sessions == []
    assert cn.base_date == D("2027-02-05") and cn.end_date == D("2027-02-05")
    after, _ = _build(desk_2027, "2027-02-15", "2027-02-19", holidays_2027)
    assert after.review.markets["CN_A"].base_date == D("2027-02-05")
    if holidays_2027:
        assert report.review.calendar_note == ""
    else:
        assert cn.inferred_closed == [D(d) for d in FIXTURE_2027[1:]]
        assert "2月8日、2月9日、2月10日、2月11日、2月12日本地数据库无任何A股行情" in (
            report.review.calendar_note
        )


def test_calendar_command_says_where_each_year_comes_from(tmp_path):
    runner = CliRunner()
    out = runner.invoke(app, ["calendar", "CN_A", "2027"])
    assert out.exit_code == 0, out.output
    assert "2027: 261 sessions" in out.output and "provisional" in out.output
    assert "2027-01 (21):  1  4" in out.output
    out = runner.invoke(app, ["calendar", "CN_A", "2026"])
    assert "2026: 242 sessions" in out.output and "package holiday file" in out.output
    assert "2026-02-16 Mon" in out.output
    out = runner.invoke(app, ["calendar", "CN_A", "2024"])
    assert "exchange_calendars (library)" in out.output and "2024-10-07 Mon" in out.output
    out = runner.invoke(app, ["calendar", "CN_A", "2027", "--desk", str(_desk_holidays(tmp_path))])
    assert out.exit_code == 0, out.output
    assert "2027: 255 sessions" in out.output and "desk file" in out.output
    assert "测试用休市安排（非真实）" in out.output


def test_a_day_past_the_provisional_horizon_is_a_clear_error():
    from sectorweekly.errors import CalendarError

    with pytest.raises(CalendarError, match="holidays:"):
        LIBRARY().sessions("CN_A", D("2031-01-02"), D("2031-01-09"))


@pytest.mark.parametrize(("code", "name"), [("CN_A", "XSHG"), ("HK", "XHKG"), ("US", "XNYS")])
def test_last_closed_session_agrees_with_the_library_around_every_open_and_close(code, name):
    """The update and the imports ask which session last closed; the answer is computed from
    the session bounds and must equal exchange_calendars' own minute_to_past_session (half
    days, lunch breaks and the minute of the close included)."""
    library = xcals.get_calendar(name, start="2023-06-01", end="2025-06-30")
    sessions = library.sessions[(library.sessions.year == 2024)]
    minute = pd.Timedelta(minutes=1)
    checked = 0
    for session in sessions[::3]:
        opens, closes = library.session_open(session), library.session_close(session)
        for moment in (opens - minute, opens, opens + pd.Timedelta(hours=2), closes - minute,
                       closes, closes + minute):  # fmt: skip
            want = library.minute_to_past_session(moment).date()
            assert LIBRARY().last_closed_session(code, moment.to_pydatetime()) == want, moment
            checked += 1
    assert checked > 400
