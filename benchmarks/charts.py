"""Time drawing the demo report's figures: cold (empty cache) and cached (nothing redrawn).

    .venv/bin/python benchmarks/charts.py

Builds the demo week 2024-10-07..10-09 in a temporary user folder, then calls
``report.charts.draw_charts`` twice with a fresh cache folder and prints each figure's pixel
size and file size.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SECTORWEEKLY_HOME"] = str(Path(tmp) / "home")
        t0 = time.perf_counter()
        from PIL import Image

        from sectorweekly.report.charts import ChartStats, draw_charts

        import_s = time.perf_counter() - t0
        from sectorweekly.build.flow import build_report
        from sectorweekly.desk.parse import load_desk
        from sectorweekly.update.workspace import prepare

        desk = load_desk()
        prepare(desk)  # the CLI's edge step: seeds the demo store
        report = build_report(desk, dt.date(2024, 10, 7), dt.date(2024, 10, 9))
        cache = Path(tmp) / "cache"
        timings = []
        for run in ("cold", "cached"):
            stats = ChartStats()
            t0 = time.perf_counter()
            files = draw_charts(report, Path(tmp) / run, cache, stats)
            timings.append((run, time.perf_counter() - t0, stats))
        print(f"charts module import (matplotlib + font registration): {import_s:.2f} s")
        for run, seconds, stats in timings:
            print(f"{run:>6}: {seconds:.2f} s  (drawn {stats.drawn}, from cache {stats.cached})")
        for f in sorted([*report.tables, *report.charts], key=lambda x: x.number):
            path = Path(tmp) / "cached" / (f.file or "")
            with Image.open(path) as img:
                w, h = img.size
            print(
                f"图表 {f.number}: {path.name} {w}x{h} px {path.stat().st_size / 1024:.0f} KiB  {f.title}"
            )
        assert len(files) == len(report.tables) + len(report.charts)


if __name__ == "__main__":
    main()
