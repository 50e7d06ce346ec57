"""`sectorweekly preview` in real headless Chromium: edit the notes, see the page follow.

The page is opened once; it must reload by itself after each change of the notes file: new
text, then a broken file (the CLI's `FILE:LINE: …` line above the last good report), then the
fixed file (the report again, no error). The 0.5 s target for a notes-only rebuild is measured
by benchmarks/build.py; the bound here only keeps a stuck server from hanging the suite.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from chromium import CHROMIUM, Chromium
from sectorweekly.desk.parse import demo_desk_dir

NOTES = "notes/2024-10-10.md"
BOUND_S = 10.0  # generous: the machine may be busy; the benchmark gives the real figure


def start_preview(desk: Path, home: Path) -> tuple[subprocess.Popen[str], str, list[str]]:
    """Start the preview; returns it, its URL and the lines it printed so far."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sectorweekly", "preview", "--desk", str(desk),
         "--start", "2024-10-07", "--end", "2024-10-09"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SECTORWEEKLY_HOME": str(home)},
    )  # fmt: skip
    lines: list[str] = []
    selector = selectors.DefaultSelector()
    assert proc.stderr is not None
    selector.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if selector.select(timeout=1):
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line.strip())
            match = re.search(r"preview on (http://127\.0\.0\.1:\d+/)", line)
            if match:
                return proc, match.group(1), lines
    proc.kill()
    raise AssertionError(f"preview did not start: {lines}")


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    folder = tmp_path / "desk"
    shutil.copytree(demo_desk_dir(), folder)
    return folder


def test_preview_serves_only_on_localhost_and_stops_cleanly_on_ctrl_c(desk, tmp_path):
    proc, url, _ = start_preview(desk, tmp_path / "home")
    try:
        assert url.startswith("http://127.0.0.1:")
        page = urllib.request.urlopen(url, timeout=30).read().decode()
        assert "GB200服务器进入交付期，国产算力链领涨-算力周跟踪" in page
        assert "/wait?v=" in page and 'src: url("/font/sans.otf")' in page
        font = urllib.request.urlopen(url + "font/sans.otf", timeout=30).read()
        assert font[:4] == b"OTTO"  # the CJK font itself, so the page never shows boxes
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert err.strip().splitlines()[-1] == "preview stopped"
    assert "Traceback" not in err


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium; apt-get install chromium")
def test_the_open_page_follows_edits_errors_and_fixes_of_the_notes(desk, tmp_path):
    notes = desk / NOTES
    original = notes.read_text(encoding="utf-8")
    proc, url, _ = start_preview(desk, tmp_path / "home")
    browser = Chromium()
    try:
        browser.open(url)
        browser.wait_for_text(lambda t: "英伟达Blackwell平台进入交付期" in t, 60)

        notes.write_text(original.replace("## 英伟达Blackwell", "## 液冷订单放量与英伟达Blackwell", 1), encoding="utf-8")  # fmt: skip
        text, seconds = browser.wait_for_text(lambda t: "液冷订单放量" in t, BOUND_S)
        assert "build-error" not in text and "error:" not in text
        print(f"notes edit -> new text on the page in {seconds:.2f}s")

        notes.write_text(original.replace("---\n", "---\nbogus: 1\n", 1), encoding="utf-8")
        text, _ = browser.wait_for_text(lambda t: "unknown front matter key" in t, BOUND_S)
        error = text.splitlines()[0]
        assert error == (
            f"error: {notes}:2: unknown front matter key 'bogus'; expected headline, watch, risks"
        )
        assert "液冷订单放量" in text  # the last good report stays below the error
        browser.screenshot(tmp_path / "error.png")

        notes.write_text(original, encoding="utf-8")
        text, _ = browser.wait_for_text(
            lambda t: "unknown front matter key" not in t and "一、英伟达Blackwell" in t, BOUND_S
        )
        assert "液冷订单放量" not in text
        browser.screenshot(tmp_path / "fixed.png")
        keep = os.environ.get("SECTORWEEKLY_KEEP_SCREENSHOTS")
        if keep:
            for name in ("error.png", "fixed.png"):
                shutil.copy(tmp_path / name, Path(keep) / f"preview-{name}")
    finally:
        browser.close()
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_an_edit_made_right_after_start_is_not_missed(desk, tmp_path):
    notes = desk / NOTES
    original = notes.read_text(encoding="utf-8")
    proc, url, _ = start_preview(desk, tmp_path / "home")
    try:
        notes.write_text(original.replace("## ", "## 开机即改", 1), encoding="utf-8")
        deadline = time.monotonic() + BOUND_S
        page = ""
        while time.monotonic() < deadline and "开机即改" not in page:
            time.sleep(0.05)
            page = urllib.request.urlopen(url, timeout=30).read().decode()
        assert "开机即改" in page
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
