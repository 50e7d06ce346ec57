"""`sectorweekly build` and `sectorweekly preview`: the week's report written, or served live."""

from __future__ import annotations

import errno
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .. import console as consoles
from ..errors import InputError, SectorWeeklyError
from ..wording import counted
from .editions import LangOpt, other_editions, parse_langs, write_editions
from .options import DeskOpt, WaitOpt, desk_and_calendars, option_date

if TYPE_CHECKING:
    from ..report.model import Report

console = consoles.out()
err_console = consoles.err()


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
        from ..series.publish import reports_folder

        d, store_file = _prepare(desk, wait)
        series_dir = reports_folder(reports, out)
        say = lambda msg: err_console.print(msg, markup=False, style="dim")  # noqa: E731
        editions, folder, written = write_editions(
            d, (s, e), langs, read_archive(series_dir), out, series_dir, run, jobs, say
        )
    finally:
        run.close()
    for path in written:
        console.print(str(path), markup=False)
    _cache_warnings()
    _market_hint(store_file)
    if publish:
        _publish(series_dir, editions, folder, written)
    else:
        err_console.print(
            f"draft: not recorded in the archive ({series_dir / 'archive.jsonl'}); "
            "--publish records it",
            markup=False,
            style="dim",
        )
    err_console.print(f"built in {time.perf_counter() - t0:.2f}s", style="dim")


def _publish(
    series_dir: Path, editions: dict[str, Report], folder: Path, written: list[Path]
) -> None:
    """Record the issue (its first edition's model, the others' titles, names and documents)
    and say what was done."""
    from ..series.publish import publish

    report = next(iter(editions.values()))
    zh_docs = [p for p in written if p.parent == folder]
    done = publish(series_dir, report, zh_docs, other_editions(editions, folder, written))
    for line in done.messages:
        err_console.print(line, markup=False, highlight=False, soft_wrap=True)
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


def _market_hint(store_file: Path) -> None:
    from .universe import market_hint

    market_hint(store_file)


def _cache_warnings() -> None:
    """Caches the command could not write (a full or read-only cache folder), once each."""
    from ..desk.cache_writes import take_warnings

    for line in take_warnings():
        err_console.print(line, markup=False, highlight=False, soft_wrap=True)


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
