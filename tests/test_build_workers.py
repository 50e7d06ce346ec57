"""Work split with a forked copy: it lands in files, errors come back as one line with their
exit code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sectorweekly.errors import SectorWeeklyError
from sectorweekly.report.chart_style import FontError
from sectorweekly.report.workers import in_two_processes


def _write_pids(items: list[Path]) -> None:
    for path in items:
        path.write_text(str(os.getpid()), encoding="utf-8")


def _refuse_odd(items: list[int]) -> None:
    if any(i % 2 for i in items):
        raise FontError("charts: '龘' has no glyph in Noto Sans SC")


def test_two_processes_write_every_item_half_each(tmp_path):
    files = [tmp_path / f"{i}.txt" for i in range(6)]
    in_two_processes(_write_pids, files)
    pids = [int(f.read_text()) for f in files]
    assert pids[0::2] == [os.getpid()] * 3  # this process: every other item
    assert len(set(pids[1::2])) == 1 and pids[1] != os.getpid()  # the copy: the rest


def test_an_error_in_the_copy_comes_back_as_its_one_line_and_exit_code():
    with pytest.raises(SectorWeeklyError) as err:
        in_two_processes(_refuse_odd, [0, 1, 2, 3])  # the copy gets 1 and 3
    assert str(err.value) == "charts: '龘' has no glyph in Noto Sans SC"
    assert err.value.exit_code == FontError.exit_code == 6
