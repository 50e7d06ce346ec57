"""How an update looks in a terminal: a progress bar while fetching, a summary table after."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console, Group
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from ..desk.parse import Desk
from ..wording import counted
from .resilience import NOT_ASKED
from .run import SymbolResult, UpdateOptions, UpdateSummary, run_update

MAX_CHANGES_SHOWN = 20


class SymbolBars:
    """Rich progress: one line for the run (symbols done / total), one bar per symbol.

    A symbol's line shows where it stands: waiting, the source being asked (a fallback or the
    source asked for the last sessions as it happens), then ✓ with the source that delivered,
    ✗, or – when the run's budget ran out first. Called with update events from the worker
    threads.
    """

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", style="bold"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TextColumn("{task.fields[current]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.overall = self.progress.add_task("update", total=None, current="planning…")
        self.rows: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __call__(self, event: str, symbol: str, source: str | None) -> None:
        bar = self.progress
        with self._lock:
            if event == "start":
                bar.update(self.overall, total=int(symbol), current="")
            elif event == "queued":
                self.rows[symbol] = bar.add_task(f"  {symbol}", total=1, current="waiting")
            elif event == "fetch" and symbol in self.rows:
                bar.update(self.rows[symbol], current=f"← {source}")
            elif event in ("done", "skipped"):
                mark = f"✓ {source}" if source else "✗ no source delivered"
                mark = "– skipped: the run's budget was spent" if event == "skipped" else mark
                if symbol in self.rows:
                    bar.update(self.rows[symbol], completed=1, current=mark)
                bar.update(self.overall, advance=1, current=f"{symbol} {mark}")


@contextmanager
def progress_bar(console: Console) -> Iterator[SymbolBars]:
    bars = SymbolBars(console)
    with bars.progress:
        yield bars


def run_with_progress(
    desk: Desk, path: Path, options: UpdateOptions, console: Console
) -> UpdateSummary:
    with progress_bar(console) as on_event:
        return run_update(desk, path, options, progress=on_event)


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def _status(r: SymbolResult) -> Text:
    if r.asked is None:
        return Text("up to date", "dim")
    if r.skipped:
        return Text("SKIPPED: the run's budget was spent", "bold red")
    if r.failure is not None:
        return Text(f"FAILED {r.failure.kind}", "bold red")
    notes = [f"after {e.source} {e.kind}" for e in r.errors]  # fell back to a later source
    if r.tail_source:
        notes.append(f"last sessions from {r.tail_source}")
    if r.future:
        days = ", ".join(sorted({d.isoformat() for _, d in r.future}))
        notes.append(f"dropped bars dated after today ({days})")
    if r.missing:
        days = ", ".join(d.isoformat() for d in r.missing)
        return Text(
            f"INCOMPLETE: {len(r.missing)} session{'s' if len(r.missing) > 1 else ''} "
            f"no source had ({days})" + ("; " + ", ".join(notes) if notes else ""),
            "bold red",
        )
    if r.flags:
        notes.append(f"{len(r.flags)} flag{'s' if len(r.flags) > 1 else ''}")
    if r.replaced:
        notes.append(f"{r.replaced} overwritten")
    elif r.kept_changes:
        notes.append(f"{len({c.date for c in r.changes})} differ, kept")
    return Text("ok" + (", " + ", ".join(notes) if notes else ""), "yellow" if notes else "green")


def summary_table(summary: UpdateSummary) -> Table:
    """Per symbol: rows added, last date now in the store, source, and any failure."""
    table = Table(title=f"update of {summary.store_path}", title_justify="left")
    table.add_column("symbol", no_wrap=True)
    table.add_column("market", no_wrap=True)
    table.add_column("asked", no_wrap=True)
    table.add_column("added", justify="right")
    table.add_column("last date", no_wrap=True)
    table.add_column("source")
    table.add_column("status")
    for r in summary.results:
        asked = "" if r.asked is None else f"{r.asked[0]}..{r.asked[1]}"
        table.add_row(
            r.symbol,
            r.market,
            asked,
            str(r.added) if r.asked is not None else "",
            _date(r.last_date),
            r.source_detail or r.source or "",
            _status(r),
        )
    return table


def failure_lines(summary: UpdateSummary) -> list[Text]:
    """Why symbols failed, grouped by source and kind (one line each, with the first detail)."""
    if summary.web_pages:  # said once, for every host, by the run's closing error line
        return []
    groups: dict[tuple[str, str], list[str]] = {}
    first: dict[tuple[str, str], str] = {}
    for r in summary.failed:
        for e in r.errors:
            if e.kind in REFUSED_KINDS:
                continue  # one line per symbol (refusal_lines)
            key = (e.source, e.kind)
            groups.setdefault(key, []).append(r.symbol)
            if not e.detail.startswith(NOT_ASKED):
                first.setdefault(key, e.detail)
    lines = []
    for (source, kind), symbols in groups.items():
        shown = ", ".join(symbols[:6]) + ("…" if len(symbols) > 6 else "")
        detail = first.get((source, kind), "")
        detail = detail if len(detail) <= 160 else detail[:157] + "…"
        lines.append(Text(f"{source} {kind} ×{len(symbols)} ({shown}): {detail}", "red"))
    return lines


REFUSED_KINDS = frozenset({"mismatch", "basis"})


def refusal_lines(summary: UpdateSummary) -> list[Text]:
    """Answers refused for naming another instrument or another price basis: one line each,
    whether or not a later source delivered (e.g. ``688256: mismatch: …``)."""
    return [
        Text(f"{r.symbol}: {e.kind}: {e.detail}", "red" if r.failed else "yellow")
        for r in summary.results
        for e in r.errors
        if e.kind in REFUSED_KINDS
    ]


def flag_lines(summary: UpdateSummary) -> list[Text]:
    flags = [
        Text(f"{f.symbol} {f.kind}{f' {f.date}' if f.date else ''}: {f.detail}", "yellow")
        for r in summary.results
        for f in r.flags
    ]
    return flags + [
        Text(f"{r.symbol} dropped {day} from {source}: a bar dated after today", "yellow")
        for r in summary.results
        for source, day in r.future
    ]


def changes_table(summary: UpdateSummary) -> Table | None:
    """Rows that differ between store and source: overwritten with --force (every one with
    --rebase), else kept."""
    changes = [(r, c) for r in summary.results for c in r.changes]
    if not changes:
        return None
    forced = any(r.replaced for r in summary.results)
    rebased = summary.rebase and forced
    title = "rows overwritten (--force)" if forced else "stored rows that differ (kept)"
    title = "rows re-based (--rebase)" if rebased else title
    table = Table(title=title, title_justify="left")
    for col in ("symbol", "date", "column", "stored", "source"):
        table.add_column(col)
    shown = changes if rebased else changes[:MAX_CHANGES_SHOWN]  # a re-base lists every row
    for _, c in shown:
        table.add_row(
            c.symbol,
            str(c.date),
            c.column,
            f"{c.old:g}" if c.old is not None else "—",
            f"{c.new:g}" if c.new is not None else "—",
        )
    if len(changes) > len(shown):
        table.caption = f"{len(changes) - MAX_CHANGES_SHOWN} more not shown"
    return table


def shares_table(summary: UpdateSummary) -> Table | None:
    if not summary.shares:
        return None
    table = Table(title="shares outstanding", title_justify="left")
    for col in ("symbol", "shares", "as of", "source", "failure"):
        table.add_column(col)
    for s in summary.shares:
        table.add_row(
            s.symbol,
            f"{s.shares:,.0f}" if s.shares else "",
            _date(s.as_of),
            s.source or "",
            f"{s.error.kind}: {s.error.detail}" if s.error else "",
        )
    return table


def render_summary(summary: UpdateSummary) -> Group:
    parts: list[Table | Text] = [summary_table(summary), *refusal_lines(summary)]
    parts += failure_lines(summary)
    parts += flag_lines(summary)
    for extra in (changes_table(summary), shares_table(summary)):
        if extra is not None:
            parts.append(extra)
    for name, reason in summary.unavailable.items():
        parts.append(Text(f"{name} not used: {reason}", "dim"))
    for host, why in summary.given_up.items() if not summary.web_pages else ():
        parts.append(Text(f"{host} given up for this run: {why}", "red"))
    if summary.requests:
        asked = ", ".join(f"{h} {n}" for h, n in sorted(summary.requests.items()))
        parts.append(Text(f"calls per host: {asked}", "dim"))
    added = sum(r.added for r in summary.results)
    asked = sum(1 for r in summary.results if r.asked is not None)
    parts.append(
        Text(
            f"{counted(added, 'row')} added for {asked} of "
            f"{counted(len(summary.results), 'symbol')} asked "
            f"in {summary.seconds:.1f}s"
            + ("; the store was already up to date" if summary.up_to_date else ""),
            "dim",
        )
    )
    return Group(*parts)
