"""The command line: a thin layer over the library (build, import, init…).

Every command ends with a documented exit code and, on failure, one line on stderr:
0 done, 2 bad input or usage, 3 a date the exchange calendars do not know, 4 the store is busy
or lacks the data asked for, 5 an update source or a send channel failed, 6 this machine lacks something (font,
PDF engine, online extra), 7 the machine refused a file (disk full, read-only, no permission,
no such path), 70 an internal error (a bug; ``SECTORWEEKLY_DEBUG=1`` shows it).

May import every stage (it is the top of the flow); holds no logic a library user would need.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer._click import exceptions as click  # the click bundled with typer

from .. import console as consoles
from ..clock import ClockError
from ..errors import InputError, SectorWeeklyError, StoreError, machine_error, os_reason_in_text
from ..wording import counted
from .editions import LangOpt, parse_langs, write_editions
from .options import (
    DeskOpt,
    EncodingOpt,
    SheetOpt,
    WaitOpt,
    desk_and_calendars,
    option_date,
    short_text,
)
from .ratings import ratings_app

# typer prints Python types in help (`FILE... <list[Path]>`, `--symbols <list[str]>`); users
# read an argument's metavar and a value's kind in words.
_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "list[str]": "TEXT",
          "int range": "INTEGER", "float range": "NUMBER", "list[path]": "PATH"}  # fmt: skip
_option_type = typer.core.TyperOption.display_type_rich


def _plain_option_type(self: typer.core.TyperOption, ctx: typer.Context) -> str | None:
    shown = _option_type(self, ctx)
    if not shown or not shown.startswith("<"):
        return shown
    inner = shown.strip("<>.").lower()
    return _WORDS.get(inner, "[" + inner + "]")


typer.core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]
typer.core.TyperOption.display_type_rich = _plain_option_type  # type: ignore[method-assign]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Weekly sector tracking reports.",
)
import_app = typer.Typer(no_args_is_help=True, help="Import data files into a desk's store.")
app.add_typer(import_app, name="import")
app.add_typer(ratings_app, name="ratings")

console = consoles.out()
err_console = consoles.err()
INTERNAL_ERROR = 70


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"sectorweekly {version('sectorweekly')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Weekly sector tracking reports."""


def progress_line() -> contextlib.AbstractContextManager[Callable[[str], None]]:
    """A live status line on a terminal (what an import is doing); silent in logs."""
    return consoles.status_line(err_console)


def _prepare(desk_dir: Path | None, wait: float):
    """The desk and its store, with the desk's own files loaded (the one step that seeds)."""
    from ..update.workspace import prepare

    d, _ = desk_and_calendars(desk_dir)
    path, added = prepare(d, wait)
    if added:
        err_console.print(
            f"seeded the store {path} with {counted(added, 'price row')} from the desk"
        )
    return d, path


def _desk(desk_dir: Path | None):
    """The desk, its store path and its calendars, for an import (which needs no seeds: it
    only adds rows)."""
    from ..desk.paths import store_path

    d, cals = desk_and_calendars(desk_dir)
    return d, store_path(d), cals


@app.command()
def build(
    start: Annotated[str | None, typer.Option(help="First calendar day of the window.")] = None,
    end: Annotated[str | None, typer.Option(help="Last calendar day of the window.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(metavar="FOLDER", help="Output folder (default reports/<pub. date>)."),
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
    wait: WaitOpt = 30.0,
    jobs: Annotated[
        int,
        typer.Option(
            min=1,
            max=2,
            help="Processes for the documents: 2 (default) the slow ones beside "
            "each other; 1 all in this process (the same files, slower).",
        ),
    ] = 2,
    lang: LangOpt = "zh",
) -> None:
    """Build the week's report: PDF, Word, HTML, Markdown and report.json in one folder."""
    from ..report.tasks import runner

    t0 = time.perf_counter()
    s, e = option_date(start, "--start"), option_date(end, "--end")
    langs = parse_langs(lang, publish)
    if out is not None and out.exists() and not out.is_dir():
        raise InputError(out, None, "is a file; expected a folder for the report files (--out)")
    run = runner(jobs)  # forked before the store is opened: imports the renderers meanwhile
    try:
        from ..series.archive import read_archive
        from ..series.publish import publish as publish_issue
        from ..series.publish import reports_folder

        d, store_file = _prepare(desk, wait)
        series_dir = reports_folder(reports, out)
        say = lambda msg: err_console.print(msg, markup=False, style="dim")  # noqa: E731
        report, folder, written = write_editions(
            d, (s, e), langs, read_archive(series_dir), out, series_dir, run, jobs, say
        )
    finally:
        run.close()
    for path in written:
        console.print(str(path), markup=False)
    _cache_warnings()
    _market_hint(store_file)
    if publish:
        done = publish_issue(series_dir, report, [p for p in written if p.parent == folder])
        day = report.front.publication_date
        if done.replaced is not None:
            err_console.print(
                f"published {day}: replaced the {done.replaced.kind} issue of {day} recorded "
                f"{done.replaced.recorded_at} in {done.path}",
                highlight=False,
                markup=False,
            )
        else:
            err_console.print(f"published {day} in {done.path}", highlight=False, markup=False)
    else:
        err_console.print(
            f"draft: not recorded in the archive ({series_dir / 'archive.jsonl'}); "
            "--publish records it",
            markup=False,
            style="dim",
        )
    err_console.print(f"built in {time.perf_counter() - t0:.2f}s", style="dim")


def _market_hint(store_file: Path) -> None:
    from .universe import market_hint

    market_hint(store_file)


def _cache_warnings() -> None:
    """Caches the command could not write (a full or read-only cache folder), once each."""
    from ..desk.cache_writes import take_warnings

    for line in take_warnings():
        err_console.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command()
def preview(
    start: Annotated[str | None, typer.Option(help="First calendar day of the window.")] = None,
    end: Annotated[str | None, typer.Option(help="Last calendar day of the window.")] = None,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")
    ] = 0,
    desk: DeskOpt = None,
) -> None:
    """Serve the HTML report on 127.0.0.1 and rebuild it whenever the desk or the store changes."""
    import signal
    import threading

    from .preview import serve

    first, last = option_date(start, "--start"), option_date(end, "--end")
    if desk is not None and not (desk / "desk.yaml").is_file():
        from ..desk.parse import load_desk

        load_desk(desk)  # says what is missing (exit code 2); later desk errors show on the page
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C is how it stops, even when started from a script that ignored SIGINT for its jobs
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def say(line: str) -> None:
        err_console.print(line, highlight=False, soft_wrap=True, markup=False)

    try:
        serve(desk, first, last, port, say, stop)
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the port is taken, or not ours to bind
        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                "--port",
                port,
                "the port is taken on 127.0.0.1; expected a free port, or "
                "--port 0 for any free one",
            ) from None
        raise SectorWeeklyError(f"preview: cannot serve on 127.0.0.1:{port} ({exc})") from None
    say("preview stopped")


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


DEMO_ONLY_KEYS = ("seed_prices:", "seed_shares:", "  history:", "  history_sample:")


def _desk_yaml_without_demo_data(text: str) -> str:
    """The demo desk.yaml without the keys that load its sample data into a store."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if skipping and (line.startswith("    ") or not line.strip()):
            continue
        skipping = False
        if line.startswith("  seed:"):
            skipping = True
            continue
        if line.startswith(DEMO_ONLY_KEYS):
            continue
        out.append(line)
    kept = []  # a top-level key left with no children (ratings:) goes too
    for i, line in enumerate(out):
        rest = [x for x in out[i + 1 :] if x.strip() and not x.lstrip().startswith("#")]
        if (
            line.rstrip().endswith(":")
            and not line.startswith((" ", "#"))
            and (not rest or not rest[0].startswith(" "))
        ):
            continue
        kept.append(line)
    return "".join(kept)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(metavar="FOLDER", help="Folder for the new desk.")],
    demo_data: Annotated[
        bool,
        typer.Option(
            "--demo-data",
            help="Also copy the demo's prices, sample trackers and sample ratings, and load "
            "them into the new desk's store now.",
        ),
    ] = False,
) -> None:
    """Create a desk folder from the demo desk, to edit into your own."""
    from ..desk.parse import demo_desk_dir, load_desk
    from ..update.workspace import create_desk, prepare

    if directory.exists() and not directory.is_dir():
        raise InputError(directory, None, "is a file; expected a new or empty folder")
    if directory.exists() and any(directory.iterdir()):
        raise InputError(directory, None, "folder is not empty; expected a new or empty folder")
    src = demo_desk_dir()
    if demo_data:
        create_desk(directory, src)
        path, added = prepare(load_desk(directory))
        console.print(f"desk created in {directory} with the demo data ({counted(added, 'price row')} in "
                      f"{path}); edit {directory / 'desk.yaml'}", markup=False)  # fmt: skip
        return
    text = (src / "desk.yaml").read_text(encoding="utf-8")
    create_desk(
        directory,
        src,
        shutil.ignore_patterns("data", "ratings.csv"),
        _desk_yaml_without_demo_data(text),
    )
    console.print(
        f"desk created in {directory}; edit {directory / 'desk.yaml'}, then import your prices "
        "(sectorweekly import prices FILE.csv --desk …) or run sectorweekly update",
        markup=False,
    )


def _register() -> None:
    from .archive import archive_app, backfill
    from .calendar import calendar
    from .send import register
    from .universe import import_universe
    from .update import update

    app.command("update")(update)
    app.add_typer(archive_app, name="archive")
    app.command("backfill")(backfill)
    app.command("calendar")(calendar)
    register(app)  # release, send, weekly
    import_app.command("universe")(import_universe)


_register()


def _usage_line(exc: click.ClickException) -> str:
    msg = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        msg += f" (see {ctx.command_path} --help)"
    return msg


INTERRUPTED = "interrupted; the store keeps only what was committed before"


def _interrupted(exc: BaseException) -> bool:
    """Ctrl-C that DuckDB caught inside a query and raised as its own error."""
    duck = sys.modules.get("duckdb")
    if duck is not None and isinstance(exc, getattr(duck, "InterruptException", ())):
        return True
    return isinstance(exc, RuntimeError) and str(exc).startswith("Query interrupted")


def _store_disk_error(exc: Exception) -> str | None:
    """A DuckDB error that is the store's disk refusing a write (full, read-only), in words."""
    duck = sys.modules.get("duckdb")
    if duck is None or not isinstance(exc, duck.Error):
        return None
    reason = os_reason_in_text(str(exc))
    return f"cannot write the store: {reason}" if reason else None


def main() -> None:
    try:
        code = app(standalone_mode=False, prog_name="sectorweekly")
        if code == 130:  # typer turns Ctrl-C into this code, silently
            _fail(INTERRUPTED, 130)
    except SectorWeeklyError as exc:
        _fail(str(exc), exc.exit_code)
    except ClockError as exc:
        _fail(str(exc), 2)
    except OSError as exc:  # the machine refused a file: full disk, read-only, permission
        error = machine_error(exc)
        _fail(str(error), error.exit_code)
    except click.NoArgsIsHelpError as exc:
        if exc.ctx is not None:
            console.print(exc.ctx.get_help(), markup=False)
        sys.exit(2)
    except click.UsageError as exc:
        _fail(_usage_line(exc), 2)
    except click.ClickException as exc:
        _fail(_usage_line(exc), exc.exit_code or 2)
    except (typer.Abort, KeyboardInterrupt):
        _fail(INTERRUPTED, 130)
    except Exception as exc:
        if _interrupted(exc):
            _fail(INTERRUPTED, 130)
        unwritable = _store_disk_error(exc)
        if unwritable is not None:
            _fail(unwritable, StoreError.exit_code)
        if os.environ.get("SECTORWEEKLY_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        _fail(
            f"internal error ({type(exc).__name__}: {first}); please report it "
            "(SECTORWEEKLY_DEBUG=1 shows where)",
            INTERNAL_ERROR,
        )
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    err_console.print(f"error: {' '.join(message.split())}", markup=False)
    sys.exit(code)
