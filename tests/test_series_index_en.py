"""The series' English index: on a copy of the demo desk (SMIC without its English name), two
weeks published with `--lang zh,en`, one in Chinese only and two backfilled, all through the
command line; index.en.html is read back as a reader would (its text, its links, its dates)."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chromium import CHROMIUM, Chromium
from sectorweekly.desk.parse import demo_desk_dir
from sectorweekly.series import archive
from test_english_edition import _no_cjk

WEEKS = [  # (start, end, --lang): published on the day after the end
    ("2024-09-23", "2024-09-27", "zh,en"),
    ("2024-09-30", "2024-10-04", "zh"),
    ("2024-10-07", "2024-10-09", "zh,en"),
]
TITLE_1010 = "GB200 servers enter delivery; the domestic compute chain leads – AI Compute Weekly"


def _run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "sectorweekly", *args],
        capture_output=True, text=True, timeout=900,
        env={**os.environ, "SECTORWEEKLY_HOME": str(home)},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run


@pytest.fixture(scope="module")
def series(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Publish the three weeks, then backfill the two before them; the console of each run."""
    root = tmp_path_factory.mktemp("index_en")
    desk, reports = root / "desk", root / "reports"
    shutil.copytree(demo_desk_dir(), desk)
    shutil.copyfile(demo_store, desk / "store.duckdb")
    yaml = desk / "desk.yaml"
    text = yaml.read_text(encoding="utf-8")
    assert "name: 中芯国际, name_en: SMIC," in text
    yaml.write_text(text.replace("name: 中芯国际, name_en: SMIC,", "name: 中芯国际,"), "utf-8")
    home = demo_store.parent.parent  # the shared caches: charts and fonts drawn once
    runs = []
    for start, end, lang in WEEKS:
        where = ["--desk", str(desk), "--reports", str(reports)]
        args = ["build", "--start", start, "--end", end, *where, "--publish", "--lang", lang]
        runs.append(_run(args, home))
    backfill = ["backfill", "--weeks", "2", "--before", "2024-09-28"]
    runs.append(_run([*backfill, "--desk", str(desk), "--reports", str(reports)], home))
    page = (reports / "index.en.html").read_text(encoding="utf-8")
    return {"reports": reports, "runs": runs, "page": page}


def _rows(page: str) -> list[list[str]]:
    """The table's rows as a reader sees them: each cell's text, tags dropped."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        ]
        for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_english_index_lists_every_issue_with_english_dates(series):
    rows = _rows(series["page"])
    assert [r[0] for r in rows] == [
        "10 Oct 2024", "5 Oct 2024", "28 Sep 2024", "21 Sep 2024", "14 Sep 2024",
    ]  # fmt: skip
    assert [r[1] for r in rows][:3] == ["7–9 Oct 2024", "30 Sep–4 Oct 2024", "23–27 Sep 2024"]
    assert rows[0][2] == TITLE_1010
    assert rows[1][2] == "AI Compute Weekly, 5 Oct 2024 (Chinese only)"
    assert rows[2][2].endswith(" – AI Compute Weekly") and "Chinese only" not in rows[2][2]
    assert rows[3][2] == "AI Compute Weekly, 21 Sep 2024 (Chinese only)"
    assert rows[0][5] == "HTMLPDFWordMarkdownJSONChart data"
    assert rows[1][5] == "Chinese PDF"
    assert rows[3][5] == rows[4][5] == "model only (backfill)"
    # the week's best is SMIC, whose English name the copied desk lacks: the fallback, listed
    assert rows[0][3] == "中芯国际 (688981) +39.84%"
    # a Chinese-only issue's names in the English editions' words (0981.HK from 10 Oct's)
    assert rows[1][3:5] == ["SMIC (H) +47.36%", "Intel -5.52%"]
    assert "archive.jsonl" in series["page"] and '<html lang="en">' in series["page"]


def test_no_chinese_in_the_english_index_but_the_declared_fallbacks(series):
    page = series["page"]
    assert _no_cjk(page) == []
    assert "中芯国际 (688981)" in page  # the one name without English
    runs = [r.stderr.replace("\n", " ") for r in series["runs"]]
    line = "English index: no English name in the archived English editions for 中芯国际 (688981);"
    assert line in runs[2] and line in runs[3]  # shown from 10 Oct on: listed, and no other
    assert "English index" not in runs[0]  # 28 Sep's best and worst have English names


def test_every_link_of_the_english_index_opens_a_file(series):
    reports, page = series["reports"], series["page"]
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert "index.html" in hrefs  # back to the Chinese index
    assert not [h for h in hrefs if "//" in h or h.startswith("/")]  # relative only
    assert all((reports / html.unescape(h)).is_file() for h in hrefs), hrefs
    for doc in ("report.html", "report.pdf", "report.docx", "report.md", "report.json"):
        assert f'href="2024-10-10/en/{doc}"' in page and f'href="2024-09-28/en/{doc}"' in page
    assert '<a href="2024-10-05/report.pdf">Chinese PDF</a>' in page
    assert [p.name for p in reports.iterdir() if p.name.startswith(".")] == []  # written whole


def test_the_chinese_index_links_to_the_english_one_and_the_archive_keeps_it(series):
    reports = series["reports"]
    zh = (reports / "index.html").read_text(encoding="utf-8")
    assert '<a href="index.en.html" hreflang="en" lang="en">English edition</a>' in zh
    assert "共5期" in zh and "中芯国际" in zh  # the Chinese index as it was
    issues = {i.publication_date: i for i in archive.read_archive(reports)}
    en = issues[dt.date(2024, 10, 10)].editions["en"]
    assert en.title == TITLE_1010 and en.series == "AI Compute Weekly"
    assert "2024-10-10/en/report.pdf" in en.documents
    assert not any("/en/" in d for d in issues[dt.date(2024, 10, 10)].documents)
    assert issues[dt.date(2024, 10, 5)].editions == {}
    assert issues[dt.date(2024, 9, 14)].kind == "backfill"
    backfilled = series["runs"][-1].stdout.replace("\n", "")
    assert str(reports / "index.en.html") in backfilled


def test_an_index_without_english_editions_is_chinese_only(tmp_path, series):
    """Re-recording the English issues in Chinese only removes the English index and its link."""
    from sectorweekly.series.publish import write_index

    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copyfile(series["reports"] / "archive.jsonl", reports / "archive.jsonl")
    (reports / "index.en.html").write_text("old", encoding="utf-8")
    lines = (reports / "archive.jsonl").read_text(encoding="utf-8").splitlines()
    issues = [archive.ArchivedIssue.model_validate_json(line) for line in lines]
    body = "".join(i.model_copy(update={"editions": {}}).model_dump_json() + "\n" for i in issues)
    (reports / "archive.jsonl").write_text(body, encoding="utf-8")
    assert write_index(reports) == []
    assert not (reports / "index.en.html").exists()
    assert "index.en.html" not in (reports / "index.html").read_text(encoding="utf-8")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium; apt-get install chromium")
def test_the_english_index_in_a_browser(series, tmp_path):
    browser = Chromium(width=1100, height=700)
    try:
        browser.open((series["reports"] / "index.en.html").as_uri())
        text, _ = browser.wait_for_text(lambda t: "14 Sep 2024" in t, timeout=30)
        browser.screenshot(tmp_path / "index.en.png")
    finally:
        browser.close()
    assert "AI Compute Weekly: all issues" in text and "(Chinese only)" in text
    assert (tmp_path / "index.en.png").stat().st_size > 10_000
