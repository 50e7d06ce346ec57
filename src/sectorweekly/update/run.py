"""Run an update: plan, fetch symbols concurrently through the source chain, write as they come.

One writer: the store's lock is held for the whole run (a second update waits, then fails with
a clear message), and each symbol's rows are committed in their own transaction as soon as they
arrive and pass the checks, so an interrupted update resumes where it stopped. A symbol that no
source could deliver writes nothing; the summary says what failed and why.

Each library call goes through its host's gate (pacing, retries, breaker) and under the run's
deadline, and the whole run under its budget: what is left when the budget is spent is
skipped. Ctrl-C cancels every wait and stops the run within a second or so. A source that
answers without the last sessions asked (Sina's HK index history often lags a day or two) has
the missing tail asked from the next source; sessions no source had make the run incomplete,
which is not a success (exit code 5). Bars dated after today are dropped and listed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from .. import store
from ..clock import now_utc
from ..desk.parse import Desk
from ..errors import SectorWeeklyError
from ..markets import MARKETS
from ..markets.calendars import Calendars
from ..providers.base import Provider, provider_class
from .deadline import Budget, Cancel
from .fetch import ProgressFn, _Context, _fetch, _no_progress, _Outcome
from .plan import DEFAULT_SETTLE, SymbolPlan, plan_update, update_symbols
from .resilience import Clock, Gates, RetryPolicy, Sleep
from .results import SharesResult, SymbolResult, UpdateSummary
from .shares import _fetch_shares
from .writer import commit_prices

DEFAULT_CHAIN = ("akshare", "yfinance")
DEFAULT_BUDGET = 300.0  # seconds for the whole run; then the symbols left are skipped


class UpdateFailed(SectorWeeklyError):
    """Some symbols could not be fetched; the store keeps every symbol that was."""

    exit_code = 5


class UpdateInterrupted(SectorWeeklyError):
    """Ctrl-C: the run stopped; symbols committed before it stay in the store."""

    exit_code = 130


@dataclass(frozen=True)
class UpdateOptions:
    since: dt.date | None = None
    source: str | None = None  # only this source; default: akshare, then yfinance
    symbols: tuple[str, ...] = ()
    force: bool = False
    rebase: bool = False  # replace each symbol's whole stored history on the source's basis
    workers: int = 4
    rate: float = 2.0  # requests per second and source
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    lock_timeout: float = store.LOCK_TIMEOUT_S
    settle: dt.timedelta = DEFAULT_SETTLE
    shares: bool = False
    deadline: float = 30.0  # seconds any one library call may take before it is abandoned
    budget: float | None = DEFAULT_BUDGET  # seconds for the whole run; None: unbounded


def source_chain(desk: Desk, source: str | None) -> list[Provider]:
    names = [source] if source else list(DEFAULT_CHAIN)
    return [provider_class(name).for_desk(desk) for name in names]


def _write(path: Path, desk: Desk, outcome: _Outcome, force: bool) -> SymbolResult:
    plan = outcome.plan
    query = plan.query
    assert query is not None
    result = SymbolResult(
        plan.symbol,
        plan.market,
        (plan.wanted[0], plan.wanted[-1]),  # the sessions wanted (the seam is asked back too)
        errors=outcome.errors,
        last_date=plan.last_stored,
        skipped=outcome.skipped,
        future=sorted(set(outcome.future)),
    )
    checked = outcome.checked
    if checked is None or outcome.provider is None:
        return result
    inst = desk.instruments[plan.symbol]
    result.source = outcome.provider
    frames = [f for f in (checked.new, checked.changed) if len(f)]
    if frames:
        result.source_detail = str(frames[0]["source"].iloc[0])
    elif outcome.rows is not None and len(outcome.rows):
        result.source_detail = str(outcome.rows["source"].iloc[0])
    result.flags = list(checked.flags)
    result.changes = list(checked.changes)
    result.tail_source = outcome.tail_source
    result.missing = sorted(
        set(plan.wanted) - set(outcome.rows["date"] if outcome.rows is not None else ())
    )
    write_changed = force and len(checked.changed) > 0
    result.kept_changes = len(checked.changed) > 0 and not force
    if len(checked.new) or write_changed:
        new = checked.new.assign(name=inst.name, currency=MARKETS[plan.market].currency)
        result.added, result.replaced = commit_prices(
            path, new, checked.changed if write_changed else None
        )
    dates = [d for d in (plan.last_stored, *checked.new["date"]) if d is not None]
    result.last_date = max(dates) if dates else None
    return result


def run_update(
    desk: Desk,
    path: Path,
    options: UpdateOptions,
    *,
    providers: Sequence[Provider] | None = None,
    now: dt.datetime | None = None,
    sleep: Sleep | None = None,
    clock: Clock = time.monotonic,
    progress: ProgressFn = _no_progress,
    cancel: Cancel | None = None,
) -> UpdateSummary:
    """Fetch what the store lacks for the desk's symbols; never raises for a source's failure.

    Raises before touching anything when the options are wrong (unknown symbol or source), no
    source is usable (library not installed), or another process holds the store.
    """
    t0 = time.perf_counter()
    symbols = update_symbols(desk, options.symbols)
    chain = list(providers) if providers is not None else source_chain(desk, options.source)
    unavailable = {p.name: r for p in chain if (r := p.unavailable_reason()) is not None}
    usable = [p for p in chain if p.name not in unavailable]
    if not usable:
        reasons = "; ".join(f"{n}: {r}" for n, r in unavailable.items())
        raise SectorWeeklyError(f"no data source can be used ({reasons})")
    cancel = cancel or Cancel()
    budget = Budget(options.budget, clock)
    base_sleep = sleep if sleep is not None else cancel.sleep
    gates = Gates(options.rate, options.retry, budget.sleeper(base_sleep), clock)
    ctx = _Context(gates, options.deadline, cancel, progress, budget)
    now = now or now_utc()
    results: dict[str, SymbolResult] = {}
    shares: list[SharesResult] = []
    with store.held_lock(path, options.lock_timeout):
        plans = plan_update(
            desk,
            path,
            symbols,
            calendars=Calendars.of_desk(desk),
            now=now,
            since=options.since,
            force=options.force,
            settle=options.settle,
            rebase=options.rebase,
        )
        todo = [p for p in plans if p.wanted]
        for plan in plans:
            if not plan.wanted:
                results[plan.symbol] = SymbolResult(
                    plan.symbol, plan.market, None, last_date=plan.last_stored
                )
        progress("start", str(len(todo)), None)
        for plan in todo:
            progress("queued", plan.symbol, None)
        if todo:
            _fetch_all(path, desk, todo, usable, ctx, options, results)
        if options.shares:
            shares = _fetch_shares(path, desk, symbols, usable, ctx)
    with store.reader(path) as con:
        last = dict(con.execute("SELECT market, max(date) FROM prices GROUP BY market").fetchall())
    return UpdateSummary(
        store_path=path,
        results=[results[s] for s in symbols],
        shares=shares,
        unavailable=unavailable,
        seconds=time.perf_counter() - t0,
        store_last=last,
        requests={host: gate.requests for host, gate in gates.items()},
        given_up={h: g.down.detail for h, g in gates.items() if g.down is not None},
        rebase=options.rebase,
        budget=options.budget,
    )


def _fetch_all(
    path: Path,
    desk: Desk,
    todo: Sequence[SymbolPlan],
    chain: Sequence[Provider],
    ctx: _Context,
    options: UpdateOptions,
    results: dict[str, SymbolResult],
) -> None:
    """Fetch concurrently, write from this thread as results come; Ctrl-C stops it all."""
    pool = ThreadPoolExecutor(max_workers=max(1, options.workers))
    try:
        pending: set[Future[_Outcome]] = {
            pool.submit(_fetch, plan, chain, desk, ctx) for plan in todo
        }
        while pending:
            # short waits keep this thread responsive to Ctrl-C (KeyboardInterrupt)
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in done:
                result = _write(path, desk, fut.result(), options.force or options.rebase)
                results[result.symbol] = result
                ctx.progress("skipped" if result.skipped else "done", result.symbol, result.source)
    except BaseException:
        ctx.cancel.set()  # every wait in the workers wakes and raises Cancelled
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
