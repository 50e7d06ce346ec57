"""The slice and the dated facts of tests/fixtures/market imported together, as a desk would
(one folder, `sectorweekly import universe`): the demo week shows the 2024 names the sources
state, never a later one, and a stated ST span turns a close at the 5 % limit into a limit-up."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sys
from pathlib import Path

import duckdb
import pytest

from market_slice import HAVE_SLICE, MARKET_DIR
from sectorweekly.analysis.market_context import MarketContext, market_context
from sectorweekly.cli import main
from sectorweekly.markets.calendars import Calendars

FACTS = Path(__file__).parent / "fixtures" / "market"
WATCH = ["688256", "688981", "601138", "002693"]
pytestmark = pytest.mark.skipif(not HAVE_SLICE, reason="the shared market slice is not here")


def _cli(*args: str) -> tuple[int | None, str]:
    mp = pytest.MonkeyPatch()
    out = io.StringIO()
    try:
        mp.setattr(sys, "argv", ["sectorweekly", *args])
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(io.StringIO()),
            pytest.raises(SystemExit) as exit_,
        ):
            main()
    finally:
        mp.undo()
    return exit_.value.code, out.getvalue()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder holding the shared slice (linked, not copied) and the fixture names and ST
    spans (not universe.csv: a universe file must list every stock the bars name, and the
    fixture's lists ten)."""
    root = tmp_path_factory.mktemp("dated")
    folder = root / "market"
    folder.mkdir()
    for src in [*MARKET_DIR.iterdir(), FACTS / "names.csv", FACTS / "st_spans.csv"]:
        if src.suffix in (".csv", ".gz"):
            (folder / src.name).symlink_to(src.resolve())
    assert _cli("init", str(root / "desk"))[0] in (0, None)
    code, out = _cli("import", "universe", str(folder), "--desk", str(root / "desk"))
    assert code in (0, None), out
    return root / "desk"


def _context(db: Path, start: str, end: str) -> MarketContext:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return market_context(
            con, Calendars.build(), dt.date.fromisoformat(start), dt.date.fromisoformat(end),
            "电子", WATCH,
        )  # fmt: skip
    finally:
        con.close()


def test_the_demo_week_names_002693_as_in_2024(desk: Path) -> None:
    demo = _context(desk / "store.duckdb", "2024-10-07", "2024-10-09")
    assert demo.week.ladder[0].symbols == ("002693",) and demo.week.ladder[0].height == 14
    assert demo.names["002693"] == "双成药业"  # its 2025 name *ST双成 is in no fact file
    assert ("601162", 7) in [(s, r.height) for r in demo.week.ladder for s in r.symbols]
    assert demo.names["601162"] == "天风证券"  # a 10-09 source: named on the week's last day
    assert not any(n.startswith(("*ST", "ST")) for s, n in demo.names.items() if s != "000609")
    assert "688981" not in demo.names  # no dated source names it: shown as its code


def test_a_stated_st_span_counts_000609s_5pct_close_as_a_limit_up(
    desk: Path, market_store: Path
) -> None:
    # 2024-09-25: 000609 closed 1.97 = round(1.88 × 1.05, 2), the ST limit
    with_span = {d.date: d for d in _context(desk / "store.duckdb", "2024-09-23", "2024-09-27")
                 .week.days}  # fmt: skip
    without = {d.date: d for d in _context(market_store, "2024-09-23", "2024-09-27").week.days}
    day = dt.date(2024, 9, 25)
    assert with_span[day].limit_up == without[day].limit_up + 1
    assert with_span[day].st_ambiguous == without[day].st_ambiguous - 1
    for other in set(without) - {day}:  # no other day has 000609 at a limit
        assert with_span[other].limit_up == without[other].limit_up


def test_no_complete_st_list_so_the_status_stays_unknown(desk: Path) -> None:
    demo = _context(desk / "store.duckdb", "2024-10-07", "2024-10-09")
    assert not demo.st_known
