"""The command line: a thin layer over the library (build, import, init…)."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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

DeskOpt = Annotated[
    Path | None, typer.Option("--desk", help="Desk folder (default: the embedded demo desk).")
]


def _date(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; expected YYYY-MM-DD", param_hint=flag
        ) from None


@app.command()
def build(
    start: Annotated[str | None, typer.Option(help="First calendar day of the window.")] = None,
    end: Annotated[str | None, typer.Option(help="Last calendar day of the window.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default reports/<pub. date>).")
    ] = None,
    desk: DeskOpt = None,
) -> None:
    """Build the week's report: report.json, report.md, report.html (and more when available)."""
    from .build import BuildContext, build_report
    from .desk import load_desk
    from .report.render import write_all

    t0 = time.perf_counter()
    d = load_desk(desk)
    ctx = BuildContext()
    report = build_report(d, _date(start, "--start"), _date(end, "--end"), ctx)
    for msg in ctx.messages:
        err_console.print(f"[dim]{msg}[/dim]")
    folder = out or Path("reports") / report.front.publication_date.isoformat()
    for path in write_all(report, folder):
        console.print(str(path))
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


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Folder for the new desk.")]) -> None:
    """Create a desk folder from the demo desk, to edit into your own."""
    from .desk import demo_desk_dir

    if directory.exists() and any(directory.iterdir()):
        raise SectorWeeklyError(f"{directory}: folder is not empty; choose a new folder")
    shutil.copytree(demo_desk_dir(), directory, dirs_exist_ok=True)
    console.print(f"desk created in {directory}; edit {directory / 'desk.yaml'}")


def main() -> None:
    try:
        app()
    except SectorWeeklyError as exc:
        err_console.print(f"error: {exc}", highlight=False, soft_wrap=True, markup=False)
        sys.exit(exc.exit_code)
