"""The command line: a thin layer over the library (build, import, init…)."""

from __future__ import annotations

import shutil
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .cli_options import DeskOpt, option_date
from .cli_ratings import ratings_app
from .errors import SectorWeeklyError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Weekly sector tracking reports.",
)
import_app = typer.Typer(no_args_is_help=True, help="Import data files into a desk's store.")
app.add_typer(import_app, name="import")
app.add_typer(ratings_app, name="ratings")

console = Console()
err_console = Console(stderr=True)


@app.command()
def build(
    start: Annotated[str | None, typer.Option(help="First calendar day of the window.")] = None,
    end: Annotated[str | None, typer.Option(help="Last calendar day of the window.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default reports/<pub. date>).")
    ] = None,
    desk: DeskOpt = None,
    reports: Annotated[
        Path | None,
        typer.Option(
            help="Reports folder of the series (archive.jsonl, index.html); default: "
            "the folder holding --out, else reports."
        ),
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Record the issue in the series archive.")
    ] = False,
) -> None:
    """Build the week's report: PDF, Word, HTML, Markdown and report.json in one folder."""
    from .archive import read_archive
    from .build import BuildContext, build_report
    from .desk import load_desk
    from .report.render import write_all
    from .series import publish as publish_issue
    from .series import reports_folder

    t0 = time.perf_counter()
    d = load_desk(desk)
    series_dir = reports_folder(reports, out)
    ctx = BuildContext(history=read_archive(series_dir))
    report = build_report(d, option_date(start, "--start"), option_date(end, "--end"), ctx)
    for msg in ctx.messages:
        err_console.print(f"[dim]{msg}[/dim]")
    folder = out or series_dir / report.front.publication_date.isoformat()
    written = write_all(report, folder)
    for path in written:
        console.print(str(path))
    if publish:
        done = publish_issue(series_dir, report, [p for p in written if p.parent == folder])
        day = report.front.publication_date
        if done.replaced is not None:
            err_console.print(
                f"published {day}: replaced the {done.replaced.kind} issue of {day} recorded "
                f"{done.replaced.recorded_at} in {done.path}",
                highlight=False,
            )
        else:
            err_console.print(f"published {day} in {done.path}", highlight=False)
    else:
        err_console.print(
            f"[dim]draft: not recorded in the archive ({series_dir / 'archive.jsonl'}); "
            "--publish records it[/dim]"
        )
    err_console.print(f"[dim]built in {time.perf_counter() - t0:.2f}s[/dim]")


@import_app.command("prices")
def import_prices(
    files: Annotated[
        list[Path], typer.Argument(help="CSV files (shared layout or symbol,date,close…).")
    ],
    desk: DeskOpt = None,
) -> None:
    """Import daily prices; all files in one transaction, nothing written if any row is bad."""
    from .desk import load_desk
    from .providers.csv_prices import import_price_files
    from .workspace import store_path

    d = load_desk(desk)
    known = {s: i.market for s, i in d.instruments.items()}
    path = store_path(d)
    read, added = import_price_files(path, files, known)
    console.print(f"{added} new rows ({read - added} already stored) into {path}")


@import_app.command("shares")
def import_shares(
    file: Annotated[Path, typer.Argument(help="CSV: symbol,as_of,shares[,source,note].")],
    desk: DeskOpt = None,
) -> None:
    """Import shares outstanding (for market caps)."""
    from .desk import load_desk
    from .providers.csv_prices import import_shares_file
    from .workspace import store_path

    d = load_desk(desk)
    path = store_path(d)
    added = import_shares_file(path, file)
    console.print(f"{added} new share counts into {path}")


class TrackerKind(StrEnum):
    visits = "visits"
    downloads = "downloads"
    gpu_price = "gpu-price"
    other = "other"


@import_app.command("series")
def import_series(
    files: Annotated[list[Path], typer.Argument(help="CSV or .xlsx files, long or wide layout.")],
    kind: Annotated[TrackerKind, typer.Option("--kind", help="What the files hold.")],
    desk: DeskOpt = None,
    group: Annotated[
        str | None, typer.Option(help="Group of every series of a wide file, e.g. 文本-海外.")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="Unit when the file has none (万次…).")] = None,
    source: Annotated[str | None, typer.Option(help="Source when the file has none.")] = None,
    alias: Annotated[
        list[str] | None,
        typer.Option(help="NEW=OLD: a renamed app (note 'NEW即为原OLD'); repeatable."),
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Invented numbers: label them 示例数据.")
    ] = False,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet (default: the first).")] = None,
) -> None:
    """Import tracker series (site visits, app downloads…) or GPU prices; one transaction."""
    from .desk import load_desk
    from .providers.tracker_files import SeriesOptions, import_tracker_files
    from .workspace import store_path

    aliases = {}
    for pair in alias or []:
        new, sep, old = pair.partition("=")
        if not sep or not new.strip() or not old.strip():
            raise typer.BadParameter(f"{pair!r}: expected NEW=OLD", param_hint="--alias")
        aliases[new.strip()] = old.strip()
    d = load_desk(desk)
    path = store_path(d)
    opts = SeriesOptions(group, unit, source, aliases, sample, sheet)
    result = import_tracker_files(path, files, kind.value, opts)
    console.print(
        f"{result.added} new rows, {result.replaced} unfinished periods updated "
        f"({result.unchanged} already stored) into {path}"
    )


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Folder for the new desk.")]) -> None:
    """Create a desk folder from the demo desk, to edit into your own."""
    from .desk import demo_desk_dir

    if directory.exists() and any(directory.iterdir()):
        raise SectorWeeklyError(f"{directory}: folder is not empty; choose a new folder")
    shutil.copytree(demo_desk_dir(), directory, dirs_exist_ok=True)
    console.print(f"desk created in {directory}; edit {directory / 'desk.yaml'}")


def _register_update() -> None:
    from .update.command import update

    app.command("update")(update)


_register_update()


def _register_archive() -> None:
    from .cli_archive import archive_app, backfill

    app.add_typer(archive_app, name="archive")
    app.command("backfill")(backfill)


_register_archive()


def _register_calendar() -> None:
    from .cli_calendar import calendar

    app.command("calendar")(calendar)


_register_calendar()


def main() -> None:
    try:
        app()
    except SectorWeeklyError as exc:
        err_console.print(f"error: {exc}", highlight=False, soft_wrap=True, markup=False)
        sys.exit(exc.exit_code)
