"""Time the series on the demo desk: backfilling N weeks (models only) against one full build.

Run: .venv/bin/python benchmarks/backfill.py [--weeks 12]

Uses a temporary SECTORWEEKLY_HOME and reports folder; prints the time per backfilled issue
(the first includes seeding the demo store, so it is shown apart), the archive's size, and the
time of the 2024-10-10 issue built with all its documents and published. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SECTORWEEKLY_HOME"] = str(Path(tmp) / "home")
        from sectorweekly.build.flow import BuildContext, build_report
        from sectorweekly.desk.parse import load_desk
        from sectorweekly.report.render import write_all
        from sectorweekly.series.archive import archive_path, read_archive
        from sectorweekly.series.publish import backfill, publish
        from sectorweekly.update.workspace import prepare

        desk = load_desk()
        t0 = time.perf_counter()
        prepare(desk)
        print(f"seed the demo store: {time.perf_counter() - t0:.2f}s")
        reports = Path(tmp) / "reports"
        t0 = time.perf_counter()
        result = backfill(desk, reports, args.weeks, dt.date(2024, 10, 10))
        total = time.perf_counter() - t0
        times = [t for _, _, t in result.recorded]
        print(
            f"backfill {len(times)} weeks: {total:.2f}s in all; per issue median "
            f"{statistics.median(times):.2f}s, min {min(times):.2f}s, max {max(times):.2f}s"
        )
        size = archive_path(reports).stat().st_size
        print(f"archive.jsonl: {size / 1024:.0f} KiB for {len(times)} issues")
        t0 = time.perf_counter()
        ctx = BuildContext(history=read_archive(reports))
        report = build_report(desk, dt.date(2024, 10, 7), dt.date(2024, 10, 9), ctx)
        t_model = time.perf_counter() - t0
        out = reports / "2024-10-10"
        written = write_all(report, out)
        publish(reports, report, written)
        print(
            f"2024-10-10 with {args.weeks} weeks of history: model {t_model:.2f}s, "
            f"model + documents + publish {time.perf_counter() - t0:.2f}s"
        )


if __name__ == "__main__":
    main()
