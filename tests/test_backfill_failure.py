"""A backfill that stops on a bad week: the weeks it finished stay in the archive and the series
index.html lists them, while the command still ends with its one-line error and exit code."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sectorweekly.desk.parse import demo_desk_dir
from sectorweekly.series import archive


@pytest.fixture
def desk(demo_store: Path, tmp_path: Path) -> Path:
    """A copy of the demo desk with a copy of its seeded store."""
    folder = tmp_path / "desk"
    shutil.copytree(demo_desk_dir(), folder)
    shutil.copyfile(demo_store, folder / "store.duckdb")
    return folder


def backfill(desk: Path, reports: Path, weeks: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sectorweekly", "backfill", "--weeks", str(weeks),
         "--before", "2024-10-10", "--desk", str(desk), "--reports", str(reports)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def listed(reports: Path) -> list[str]:
    """The publication dates index.html lists, newest first (its first column)."""
    page = (reports / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<tr>\s*<td class="date">(\d{4}-\d\d-\d\d)</td>', page)


def test_a_failing_backfill_indexes_the_weeks_it_finished(desk: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    # the third of four weeks (published 2024-09-28) has a notes file that cannot be read
    bad = desk / "notes" / "2024-09-28.md"
    bad.write_bytes(b"---\nheadline: x\n---\n\x00\x01 binary\n")
    run = backfill(desk, reports, 4)
    assert run.returncode == 2, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [run.stderr.strip().splitlines()[-1]], run.stderr
    assert str(bad) in errors[0] and "binary data" in errors[0], run.stderr
    assert "Traceback" not in run.stderr
    recorded = [i.publication_date for i in archive.read_archive(reports)]
    assert recorded == [dt.date(2024, 9, 14), dt.date(2024, 9, 21)]
    assert listed(reports) == ["2024-09-21", "2024-09-14"]
    assert "共2期" in (reports / "index.html").read_text(encoding="utf-8")
    assert [p.name for p in reports.iterdir() if p.name.startswith(".")] == []  # no temp file

    bad.unlink()  # mended: the next run records all four and the index lists them all
    run = backfill(desk, reports, 4)
    assert run.returncode == 0, run.stderr
    assert listed(reports) == ["2024-10-05", "2024-09-28", "2024-09-21", "2024-09-14"]


def test_a_backfill_failing_on_its_first_week_leaves_no_index(desk: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    (desk / "notes" / "2024-09-28.md").write_bytes(b"\x00\x01 binary\n")
    run = backfill(desk, reports, 2)
    assert run.returncode == 2, run.stderr
    assert "2024-09-28.md" in run.stderr.strip().splitlines()[-1]
    assert archive.read_archive(reports) == []
    assert not (reports / "index.html").exists()
