"""How ``update --universe`` looks in a terminal: one bar over the stocks, one summary line."""

from __future__ import annotations

import threading
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..markets.calendars import Calendars
from .run import UpdateOptions
from .universe import UniverseSummary, run_universe

REFUSALS_SHOWN = 10


class StockBar:
    """Progress events from the run -> one bar: the list, then the stocks asked one by one."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}", style="bold"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.fields[current]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("CN_A", total=None, current="reading the lists…")
        self._lock = threading.Lock()

    def __call__(self, event: str, symbol: str, source: str | None) -> None:
        with self._lock:
            if event == "start":
                self.progress.update(self.task, total=int(symbol), current="")
            elif event == "fetch":
                self.progress.update(self.task, current=f"← {symbol}")
            elif event == "done":
                self.progress.update(self.task, advance=1)


def run_universe_with_progress(
    path: Path, options: UpdateOptions, calendars: Calendars, console: Console
) -> UniverseSummary:
    bar = StockBar(console)
    with bar.progress:
        return run_universe(path, options, calendars, progress=bar)


def render_universe(summary: UniverseSummary) -> str:
    """The summary line, then one line per refused stock (the first few)."""
    lines = [summary.line()]
    lines += [f"  {e.symbol}: {e.kind}: {e.detail}" for e in summary.failures[:REFUSALS_SHOWN]]
    lines += [f"  kept as stored, {k}" for k in summary.kept]
    more = len(summary.failures) - REFUSALS_SHOWN
    if more > 0:
        lines.append(f"  … and {more} more")
    return "\n".join(lines)
