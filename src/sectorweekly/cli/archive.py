"""`sectorweekly archive list` and `sectorweekly backfill`: the series archive beside the reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import console as consoles
from ..wording import counted
from .options import DeskOpt, desk_and_calendars, option_date

# whole lines in logs and CI, wrapped on a terminal
console = consoles.out()
err_console = consoles.err()

ReportsOpt = Annotated[
    Path | None,
    typer.Option(
        "--reports", help="Reports folder holding archive.jsonl and index.html (default: reports)."
    ),
]

archive_app = typer.Typer(no_args_is_help=True, help="The series archive (published issues).")


@archive_app.command("list")
def archive_list(reports: ReportsOpt = None) -> None:
    """Every archived issue: publication date, window, title, kind, best and worst names."""
    from ..series.archive import archive_path, read_archive, summary
    from ..series.publish import reports_folder

    folder = reports_folder(reports, None)
    issues = read_archive(folder)
    if not issues:
        console.print(f"no issues archived in {archive_path(folder)}")
        return
    console.print(f"{issues[0].series}: {len(issues)} issues in {archive_path(folder)}")
    for issue in reversed(issues):
        s = summary(issue)
        best = f"{s['best'][0]}{s['best'][1]:+.2f}%" if s["best"] else "—"
        worst = f"{s['worst'][0]}{s['worst'][1]:+.2f}%" if s["worst"] else "—"
        docs = f"{len(issue.documents)} documents" if issue.documents else "model only"
        console.print(
            f"{issue.publication_date}  {s['window']}  {issue.kind:9}  best {best}  "
            f"worst {worst}  {docs}  {issue.title}",
            highlight=False,
            soft_wrap=True,
        )


def backfill(
    weeks: Annotated[
        int, typer.Option("--weeks", min=1, help="How many past weekly issues to build.")
    ],
    before: Annotated[
        str | None,
        typer.Option(
            help="Only issues published before this date (default: up to the store's "
            "latest complete week)."
        ),
    ] = None,
    reports: ReportsOpt = None,
    desk: DeskOpt = None,
) -> None:
    """Build the report model of the last N weekly issues from the store, without documents,
    and archive them, so a new desk starts with a history."""
    import time

    from ..series.publish import backfill as run_backfill
    from ..series.publish import reports_folder
    from ..update.workspace import prepare

    folder = reports_folder(reports, None)
    d, _ = desk_and_calendars(desk)
    prepare(d)  # the desk's own files, loaded once at the edge; the builds below only read
    t0 = time.perf_counter()

    def progress(day, elapsed, done) -> None:  # type: ignore[no-untyped-def]
        if done.skipped:
            what = "kept the published issue"
        elif done.replaced is not None:
            what = f"replaced the {done.replaced.kind} issue recorded {done.replaced.recorded_at}"
        else:
            what = "recorded"
        err_console.print(f"{day}: {what} ({elapsed:.2f}s)", highlight=False)

    def notice(line: str) -> None:
        err_console.print(line, highlight=False, markup=False)

    result = run_backfill(d, folder, weeks, option_date(before, "--before"), progress, notice)
    total = time.perf_counter() - t0
    n = len(result.recorded)
    for msg in result.messages:
        err_console.print(msg, style="dim", highlight=False, markup=False)
    if result.without_notes:
        err_console.print(
            f"[dim]{len(result.without_notes)} of {counted(n, 'issue')} have no notes file "
            f"(notes/<publication date>.md), so no news sections[/dim]"
        )
    english = folder / "index.en.html"
    also = f", {english}" if english.is_file() else ""
    console.print(
        f"{counted(n, 'issue')} backfilled into {folder / 'archive.jsonl'} in {total:.2f}s "
        f"({total / max(n, 1):.2f}s per issue); index: {folder / 'index.html'}{also}"
    )
