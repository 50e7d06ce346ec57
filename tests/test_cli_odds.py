"""The command line's odds and ends: a backfill of more weeks than the store holds, the console's
one language per line, whole lines in logs, and the notes hint of the demo desk."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers import home_as
from sectorweekly import console as consoles
from sectorweekly.desk.parse import load_desk
from sectorweekly.errors import StoreError
from sectorweekly.series.publish import backfill_windows
from sectorweekly.wording import counted

CJK = re.compile(r"[\u4e00-\u9fff]")


@contextmanager
def _demo_home(demo_store: Path) -> Iterator[None]:
    with home_as(demo_store.parent.parent):
        yield


def test_more_weeks_than_the_store_holds_backfills_every_week_it_holds(demo_store):
    with _demo_home(demo_store):
        every = backfill_windows(load_desk(), 10000, None)
        asked = backfill_windows(load_desk(), 100, dt.date(2024, 3, 1))
        some = backfill_windows(load_desk(), 3, None)
        with pytest.raises(StoreError, match="prices start on 2024-01-02"):
            backfill_windows(load_desk(), 3, dt.date(2024, 1, 4))
    assert len(every.weeks) == 78
    assert every.weeks[0] == (dt.date(2024, 1, 1), dt.date(2024, 1, 5))
    assert every.weeks[-1] == (dt.date(2025, 6, 23), dt.date(2025, 6, 27))
    assert every.note == (
        "--weeks 10000: the store's prices start on 2024-01-02, so 78 weeks "
        "(2024-01-01..2025-06-27) can be backfilled; backfilling those"
    )
    assert [w[1] for w in asked.weeks][-1] == dt.date(2024, 2, 23)  # published by 02-24
    assert len(asked.weeks) == 8 and "so 8 weeks (2024-01-01..2024-02-23)" in str(asked.note)
    assert len(some.weeks) == 3 and some.note is None  # as many as asked: nothing to say


def test_counts_agree_with_their_nouns():
    assert counted(1, "new row") == "1 new row"
    assert counted(0, "new row") == "0 new rows"
    assert counted(2_000_000, "price row") == "2,000,000 price rows"
    assert counted(1, "row was", "rows were") == "1 row was"
    assert counted(3, "row was", "rows were") == "3 rows were"


def test_console_lines_speak_one_language(demo_report):
    """The console speaks English; a line never mixes in the report's Chinese."""
    _, _, messages = demo_report
    assert messages
    for line in messages:
        assert not CJK.search(line), line


def test_backfill_lines_are_whole_in_logs():
    from sectorweekly.cli import archive as cli_archive

    # under pytest stdout and stderr are not terminals: the log consoles, never 80 columns
    assert cli_archive.err_console.width == consoles.WIDE
    assert cli_archive.console.width == consoles.WIDE


def test_demo_desk_notes_hint_points_to_an_editable_copy(demo_store):
    from sectorweekly.build.flow import BuildContext, build_report

    ctx = BuildContext()
    with _demo_home(demo_store):
        build_report(load_desk(), dt.date(2024, 10, 14), dt.date(2024, 10, 18), ctx)
    hint = next(m for m in ctx.messages if m.startswith("no notes for 2024-10-19"))
    assert "the demo desk is part of the installed package" in hint
    assert "sectorweekly init mydesk --demo-data" in hint
    assert "mydesk/notes/2024-10-19.md" in hint
