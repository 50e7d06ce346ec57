"""Bad `holidays:` entries in desk.yaml, over the commands that read the calendar: exit code 2,
one line naming the key and what was expected, and the store byte for byte as it was."""

from __future__ import annotations

import shutil

import pytest

from test_cli_bad_inputs import assert_refused, world  # noqa: F401  (the seeded demo desk)

# (holidays: block, command line, expected exit code, words in the one line)
CASES = [
    (
        "  CN_A:\n    2025: {closed: [2025-09-30], replace: yes please}\n",
        "calendar CN_A 2025",
        2,
        "desk.yaml:holidays.CN_A.2025.replace: 'yes please' is not true or false",
    ),
    (
        "  HK:\n    2025: {closed: [2025-09-30], replace: true}\n",
        "build --start 2025-06-23 --end 2025-06-27",
        2,
        "desk.yaml:holidays.HK.2025.replace: HK's calendar is computed by rule",
    ),
    (
        "  CN_A:\n    2025: {closed: [2025-09-30], replaces: true}\n",
        "import prices {files}/prices.csv",
        2,
        "desk.yaml:holidays.CN_A.2025.replaces: unknown key; expected source, closed or replace",
    ),
    (
        "  CN_A:\n    2024: [2024-10-08]\n",
        "import prices {files}/prices.csv",
        2,
        "2024-10-08 is not a CN_A (XSHG) trading session",
    ),
]


@pytest.mark.parametrize(
    ("holidays", "line", "code", "words"), CASES, ids=[c[3][:40] for c in CASES]
)
def test_bad_holidays_exit_code_one_line_store_unchanged(
    world,  # noqa: F811
    tmp_path,
    capsys,
    monkeypatch,
    holidays,
    line,
    code,
    words,
):
    desk = tmp_path / "desk"
    shutil.copytree(world["desk"], desk)
    with (desk / "desk.yaml").open("a", encoding="utf-8") as f:
        f.write("\nholidays:\n" + holidays)
    args = [p.format(files=world["files"]) for p in line.split()] + ["--desk", str(desk)]
    assert_refused(monkeypatch, capsys, args, desk / "store.duckdb", code, words, other_lines=True)
