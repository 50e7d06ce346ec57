"""``sectorweekly update``: the command line of the weekly data update (registered in
``cli/__init__.py``)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .. import console as consoles
from ..wording import counted
from .options import DeskOpt, desk_and_calendars, option_date

if TYPE_CHECKING:
    from ..desk.parse import Desk
    from ..markets.calendars import Calendars
    from ..update.run import UpdateOptions


def update(
    desk: DeskOpt = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="Fill sessions missing since this date (default: after each symbol's last row)."
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            help="Use only this source: akshare, yfinance or csv (default: akshare, "
            "then yfinance as fallback)."
        ),
    ] = None,
    symbols: Annotated[
        list[str] | None,
        typer.Option("--symbols", help="Only these desk instruments (repeat or comma-separate)."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Refetch stored sessions too and overwrite rows that differ (they are listed).",
        ),
    ] = False,
    rebase: Annotated[
        bool,
        typer.Option(
            "--rebase",
            help="Refetch each symbol's whole stored history and replace it on the source's "
            "price basis (every changed row is listed). Needed when the source re-adjusted.",
        ),
    ] = False,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Symbols fetched at once.")] = 4,
    rate: Annotated[float, typer.Option(min=0.05, help="Requests per second to each host.")] = 2.0,
    shares: Annotated[
        bool, typer.Option("--shares", help="Also read A-share shares outstanding (AKShare).")
    ] = False,
    wait: Annotated[
        float, typer.Option(min=0, help="Seconds to wait for another writer to finish.")
    ] = 30.0,
    deadline: Annotated[
        float,
        typer.Option(
            min=1,
            help="Seconds any one request may take, its whole answer included, before it is "
            "abandoned as a timeout.",
        ),
    ] = 30.0,
    budget: Annotated[
        float,
        typer.Option(
            min=1,
            help="Seconds the whole run may take; symbols not fetched by then are reported "
            "skipped (exit code 5).",
        ),
    ] = 300.0,
    universe: Annotated[
        str | None,
        typer.Option(
            help="Update the whole market instead of the watchlist: CN_A (every A-share's "
            "list, name, ST status as of today and missing daily bars). A desk's `universe: "
            "CN_A` adds it to every update.",
        ),
    ] = None,
) -> None:
    """Fetch the daily bars the store lacks for every watchlist member and benchmark."""
    from ..update.run import UpdateOptions
    from ..update.workspace import prepare

    _check_universe(universe, symbols, source=source, force=force, rebase=rebase, shares=shares)
    d, cals = desk_and_calendars(desk)
    wanted = tuple(s.strip() for v in symbols or [] for s in v.split(",") if s.strip())
    options = UpdateOptions(
        since=option_date(since, "--since"),
        source=source,
        symbols=wanted,
        force=force,
        rebase=rebase,
        workers=workers,
        rate=rate,
        shares=shares,
        lock_timeout=wait,
        deadline=deadline,
        budget=budget,
    )
    path, seeded = prepare(d, wait)
    if seeded:
        consoles.err().print(
            f"[dim]seeded {path} with {counted(seeded, 'row')} from the desk's files[/dim]"
        )
    _run(d, cals, path, options, universe)


def _check_universe(universe: str | None, symbols: list[str] | None, **flags: Any) -> None:
    """Only CN_A, and none of the options that choose or treat watchlist symbols."""
    if universe is not None and universe != "CN_A":
        raise typer.BadParameter(f"{universe!r}: expected CN_A", param_hint="--universe")
    given = {
        "--symbols": bool(symbols),
        **{f"--{k}": v not in (None, False) for k, v in flags.items()},
    }
    watchlist_only = [flag for flag, on in given.items() if on]
    if universe and watchlist_only:
        raise typer.BadParameter(
            f"{', '.join(watchlist_only)} applies to the watchlist; expected none with it",
            param_hint="--universe",
        )


def _run(
    d: Desk, cals: Calendars, path: Path, options: UpdateOptions, universe: str | None
) -> None:
    """The watchlist (unless --universe), then the market (--universe or the desk's key)."""
    from ..update.console import render_summary, run_with_progress
    from ..update.run import UpdateFailed, UpdateInterrupted

    failed: list[str] = []
    try:
        with stop_on_signals():
            if universe is None:
                summary = run_with_progress(d, path, options, consoles.err())
                consoles.out().print(render_summary(summary))
                if not summary.ok:
                    failed.append(summary.failure_message())
            if universe or d.universe:
                failed += _universe(path, options, cals)
    except KeyboardInterrupt:
        raise UpdateInterrupted(
            "interrupted: every symbol committed before the stop (Ctrl-C or SIGTERM) stays in "
            "the store; run `sectorweekly update` again to fetch the rest"
        ) from None
    if failed:
        raise UpdateFailed(" ".join(failed))


def _universe(path: Path, options: UpdateOptions, cals: Calendars) -> list[str]:
    """The whole market's update; its failure message, if any."""
    from ..update.universe_console import render_universe, run_universe_with_progress

    summary = run_universe_with_progress(path, options, cals, consoles.err())
    consoles.out().print(render_universe(summary), markup=False, highlight=False)
    return [] if summary.ok else [f"universe CN_A: {summary.failure_message()}"]


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM both stop the run as Ctrl-C does, in a terminal or in a background job.

    A shell starts a script's ``cmd &`` job with SIGINT ignored, and Python leaves it ignored:
    the handler is put back so ``kill -INT`` stops the update there too.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
