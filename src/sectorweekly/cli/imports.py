"""`sectorweekly import prices|shares|series`: data files into a desk's store, one transaction each.

The ``import`` group lives here; ``import universe`` is added by the app (it has its own module).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .. import console as consoles
from ..wording import counted
from .options import DeskOpt, EncodingOpt, SheetOpt, WaitOpt, desk_and_calendars, short_text

console = consoles.out()
err_console = consoles.err()

import_app = typer.Typer(no_args_is_help=True, help="Import data files into a desk's store.")


def progress_line() -> contextlib.AbstractContextManager[Callable[[str], None]]:
    """A live status line on a terminal (what an import is doing); silent in logs."""
    return consoles.status_line(err_console)


def _desk(desk_dir: Path | None):
    """The desk, its store path and its calendars, for an import (which needs no seeds: it
    only adds rows)."""
    from ..desk.paths import store_path

    d, cals = desk_and_calendars(desk_dir)
    return d, store_path(d), cals


@import_app.command("prices")
def import_prices(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="CSV files: prices (shared layout or symbol,date,close…) or dividends "
            "(symbol,date,cash[,bonus,…]).",
        ),
    ],
    desk: DeskOpt = None,
    sheet: SheetOpt = None,
    encoding: EncodingOpt = None,
    wait: WaitOpt = 30.0,
) -> None:
    """Import daily prices; all files in one transaction, nothing written if any row is bad."""
    from ..update.imports import import_prices as run_import

    d, path, cals = _desk(desk)
    known = {s: i.market for s, i in d.instruments.items()}
    with progress_line() as say:
        result = run_import(
            path,
            files,
            known,
            calendars=cals,
            encoding=encoding,
            wait=wait,
            progress=say,
            sheet=sheet,
        )
    added, filled = result.added, result.replaced
    line = f"{counted(added, 'new row')} ({result.read - added - filled:,} already stored"
    line += f", {counted(filled, 'reference price')} filled in)" if filled else ")"
    console.print(f"{line} into {path}", markup=False)


@import_app.command("shares")
def import_shares(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE...", help="CSV: symbol,as_of,shares[,source,note]."),
    ],
    desk: DeskOpt = None,
    sheet: SheetOpt = None,
    encoding: EncodingOpt = None,
    wait: WaitOpt = 30.0,
) -> None:
    """Import shares outstanding (for market caps); same rules as prices."""
    from ..update.imports import import_shares_files

    _, path, _ = _desk(desk)
    added = import_shares_files(path, list(files), encoding=encoding, wait=wait, sheet=sheet)
    console.print(f"{counted(added, 'new share count')} into {path}", markup=False)


class TrackerKind(StrEnum):
    visits = "visits"
    downloads = "downloads"
    gpu_price = "gpu-price"
    other = "other"


@import_app.command("series")
def import_series(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE...", help="CSV or .xlsx files, long or wide layout."),
    ],
    kind: Annotated[TrackerKind, typer.Option("--kind", help="What the files hold.")],
    desk: DeskOpt = None,
    group: Annotated[
        str | None,
        typer.Option(
            callback=short_text, help="Group of every series of a wide file, e.g. 文本-海外."
        ),
    ] = None,
    unit: Annotated[
        str | None, typer.Option(callback=short_text, help="Unit when the file has none (万次…).")
    ] = None,
    source: Annotated[
        str | None, typer.Option(callback=short_text, help="Source when the file has none.")
    ] = None,
    alias: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NEW=OLD",
            callback=short_text,
            help="A renamed app (note 'NEW即为原OLD'); repeatable.",
        ),
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Invented numbers: label them 示例数据.")
    ] = False,
    sheet: SheetOpt = None,
    encoding: EncodingOpt = None,
    wait: WaitOpt = 30.0,
) -> None:
    """Import tracker series (site visits, app downloads…) or GPU prices; one transaction."""
    from ..providers.tracker_files import SeriesOptions
    from ..update.imports import import_tracker_files

    aliases = {}
    for pair in alias or []:
        new, sep, old = pair.partition("=")
        if not sep or not new.strip() or not old.strip():
            raise typer.BadParameter(f"{pair!r}: expected NEW=OLD", param_hint="--alias")
        aliases[new.strip()] = old.strip()
    _, path, _ = _desk(desk)
    opts = SeriesOptions(group, unit, source, aliases, sample, sheet, encoding)
    result = import_tracker_files(path, files, kind.value, opts, wait=wait)
    console.print(
        f"{counted(result.added, 'new row')}, "
        f"{counted(result.replaced, 'unfinished period')} updated "
        f"({result.unchanged} already stored) into {path}",
        markup=False,
    )
