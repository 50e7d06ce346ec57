"""Time the demo build as an analyst meets it: cold, cached, after a notes edit, in the preview.

Run: .venv/bin/python benchmarks/build.py [--runs 5] [--cold-runs 3]

Every row but the last block is a new process running the README's command,
``sectorweekly build --start 2024-10-07 --end 2024-10-09 --out DIR``, timed from outside (wall
clock, Python start-up included):
- cold: a new, empty SECTORWEEKLY_HOME each time: the store is seeded from the demo desk, the
  charts are drawn, the font subset is made, the PDF laid out: nothing is cached;
- cached: the same home again: charts, font subset, analysis and PDF come from the cache;
- notes edited: a desk folder (``sectorweekly init``) whose notes change before each build,
  with new characters, so the analysis is cached but the font subset is made again and the
  PDF laid out again;
- preview: ``sectorweekly preview`` on that desk; the notes file is rewritten and the time is
  taken until the served page (GET /) holds the new text.
Then, in this process, each step of a build on its own (median of ``--runs``), cached unless
the row says the step is made or drawn.
The machine's load average is printed before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ARGS = ["build", "--start", "2024-10-07", "--end", "2024-10-09"]
NOTES = "notes/2024-10-10.md"


CPU: dict[str, list[float]] = {}  # CPU seconds (user + system, PDF process included) per row


def cli(home: Path, *args: str, row: str = "") -> float:
    """Run ``sectorweekly ARGS`` in a new process; its wall time in seconds (CPU kept in CPU)."""
    env = {**os.environ, "SECTORWEEKLY_HOME": str(home)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "sectorweekly", *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise SystemExit(f"sectorweekly {' '.join(args)} failed: {run.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU.setdefault(row, []).append(cpu)
    return seconds


def stats(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s  (min {min(values):.2f}, max {max(values):.2f}, n={len(values)})"


def edited_notes(original: str, i: int) -> str:
    """The notes with a new first heading; each run adds characters no earlier run used."""
    new = "".join(chr(0x4E00 + 97 * i + k) for k in range(6))  # common CJK ideographs
    return original.replace("## ", f"## {new}：", 1)


def time_preview(desk: Path, home: Path, runs: int) -> tuple[list[float], str]:
    """Seconds from rewriting the notes to the served page holding the new text."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sectorweekly", "preview", "--desk", str(desk),
         "--start", "2024-10-07", "--end", "2024-10-09"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "SECTORWEEKLY_HOME": str(home)},
    )  # fmt: skip
    assert proc.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    url = ""
    deadline = time.monotonic() + 180
    while not url and time.monotonic() < deadline:
        if selector.select(timeout=1):
            match = re.search(r"preview on (http://127\.0\.0\.1:\d+/)", proc.stderr.readline())
            url = match.group(1) if match else ""
    if not url:
        proc.kill()
        raise SystemExit("preview did not start")
    notes = desk / NOTES
    original = notes.read_text(encoding="utf-8")
    times = []
    try:
        for i in range(runs):
            marker = f"预览计时{i}号"
            t0 = time.perf_counter()
            notes.write_text(original.replace("## ", f"## {marker}", 1), encoding="utf-8")
            while time.perf_counter() - t0 < 30:
                page = urllib.request.urlopen(url, timeout=30).read().decode()
                if marker in page:
                    times.append(time.perf_counter() - t0)
                    break
                time.sleep(0.01)
            else:
                shown = re.findall(r'id="build-error".*?</div>', page, re.S)
                raise SystemExit(f"the preview did not show the edit within 30 s: {shown}")
            time.sleep(0.3)
    finally:
        notes.write_text(original, encoding="utf-8")
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            print("note: the preview did not stop within 60 s of Ctrl-C; killed")
    said = [line for line in err.splitlines() if line.startswith("rebuilt in")]
    return times, ", ".join(s.removeprefix("rebuilt in ") for s in said[-runs:])


def in_process(runs: int, home: Path) -> list[tuple[str, list[float]]]:
    """Each step of a cached build, timed inside one process (imports paid once, first)."""
    os.environ["SECTORWEEKLY_HOME"] = str(home)
    from sectorweekly.build import cache as build_cache
    from sectorweekly.build.flow import build_report
    from sectorweekly.desk.parse import load_desk
    from sectorweekly.report.charts import draw_charts, draw_in_two_processes, draw_into_cache
    from sectorweekly.report.docx import render_docx
    from sectorweekly.report.fonts import _truetype, document_chars, font_subset
    from sectorweekly.report.html import standalone_html
    from sectorweekly.report.markdown import render_markdown
    from sectorweekly.report.pdf import render_pdf

    desk = load_desk()
    start, end = dt.date(2024, 10, 7), dt.date(2024, 10, 9)
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    report = build_report(desk, start, end)
    draw_charts(report, out)
    chars = frozenset("".join(document_chars(report)))
    font = font_subset(document_chars(report))

    def charts_drawn(draw: Callable[..., None]) -> None:
        fresh = Path(tempfile.mkdtemp(prefix="bench-charts-"))
        draw_charts(report, out, cache_dir=fresh, draw=draw)
        shutil.rmtree(fresh, ignore_errors=True)

    def uncached() -> None:
        build_cache._MEMORY.clear()
        for f in (home / "cache" / "analysis").glob("*.pickle"):
            f.unlink()
        build_report(desk, start, end)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("report model, analysis computed (calendars warm)", uncached),
        ("report model, analysis from the cache", lambda: build_report(desk, start, end)),
        ("charts (every figure, from the cache)", lambda: draw_charts(report, out)),
        ("charts drawn, one process", lambda: charts_drawn(draw_into_cache)),
        ("charts drawn, two processes", lambda: charts_drawn(draw_in_two_processes)),
        ("font subset for HTML and Word, made", lambda: _truetype(chars)),
        ("report.json", report.to_json),
        ("report.md", lambda: render_markdown(report)),
        ("report.html (with the build's subset)", lambda: standalone_html(report, out, font)),
        (
            "report.docx (with the build's subset)",
            lambda: render_docx(report, out, out / "r.docx", font),
        ),
        ("report.pdf (WeasyPrint, this process)", lambda: render_pdf(report, out)),
    ]
    timed = []
    for name, step in steps:
        values = []
        for _ in range(runs):
            t0 = time.perf_counter()
            step()
            values.append(time.perf_counter() - t0)
        timed.append((name, values))
    shutil.rmtree(out, ignore_errors=True)
    return timed


def machine() -> str:
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {model}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument(
        "--cli-only",
        action="store_true",
        help="only the new-process rows (e.g. to time an older checkout: PYTHONPATH=OLD/src)",
    )
    args = parser.parse_args()
    print(f"{dt.date.today()}  {machine()}  load average before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = root / "out"
        cold = []
        for i in range(args.cold_runs):
            home = root / f"cold{i}"
            cold.append(cli(home, *ARGS, "--out", str(out), row="cold"))
        home = root / f"cold{args.cold_runs - 1}"
        cached = [cli(home, *ARGS, "--out", str(out), row="cached") for _ in range(args.runs)]

        desk = root / "desk"
        cli(home, "init", str(desk), "--demo-data")
        cli(home, *ARGS, "--desk", str(desk), "--out", str(out))  # seeds the desk's store
        notes = desk / NOTES
        original = notes.read_text(encoding="utf-8")
        edited = []
        for i in range(args.runs):
            notes.write_text(edited_notes(original, i), encoding="utf-8")
            edited.append(cli(home, *ARGS, "--desk", str(desk), "--out", str(out), row="edited"))
        notes.write_text(original, encoding="utf-8")

        if args.cli_only:
            preview, said, steps = [], "", []
        else:
            preview, said = time_preview(desk, home, args.runs + 2)
            steps = in_process(args.runs, home)

    print()
    print("new process, the README's build command (wall, Python start-up included)")
    print(f"  cold, nothing cached (store seeded, charts drawn)   {stats(cold)}")
    print(f"  cached (charts, font subset, analysis, PDF)         {stats(cached)}")
    print(f"  after a notes edit with new characters              {stats(edited)}")
    print("the same runs, CPU seconds (user + system, both processes)")
    for row, values in CPU.items():
        if row:
            print(f"  {row:<50}  {stats(values)}")
    if preview:
        print("preview, notes rewritten -> served page has the new text")
        print(f"  notes-only rebuild                                  {stats(preview)}")
        print(f"  (the server's own rebuild times: {said})")
        print("in one process, each step of a build (cached unless it says made or drawn)")
    for name, values in steps:
        print(f"  {name:<50}  {stats(values)}")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
