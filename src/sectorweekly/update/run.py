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

import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import store
from ..clock import now_utc
from ..desk.parse import Desk, Instrument
from ..errors import ProviderError, SectorWeeklyError
from ..markets import MARKETS
from ..markets.calendars import Calendars
from ..providers.base import (
    FUTURE_DATES,
    PriceQuery,
    Provider,
    Request,
    is_web_page,
    provider_class,
)
from ..wording import counted
from .checks import Change, CheckedRows, Flag, check_rows
from .deadline import Budget, BudgetSpent, Cancel, DeadlineExceeded, call_with_deadline
from .plan import DEFAULT_SETTLE, SymbolPlan, plan_update, update_symbols
from .resilience import NOT_ASKED, Clock, Gates, RetryPolicy, Sleep
from .writer import commit_prices, commit_shares

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


@dataclass
class SymbolResult:
    symbol: str
    market: str
    asked: tuple[dt.date, dt.date] | None  # the requested range; None when up to date
    source: str | None = None  # provider that delivered
    source_detail: str | None = None  # e.g. akshare:stock_zh_a_hist
    added: int = 0
    replaced: int = 0
    last_date: dt.date | None = None
    errors: list[ProviderError] = field(default_factory=list)  # every source tried, in order
    flags: list[Flag] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    kept_changes: bool = False  # differences found but not written (no --force)
    tail_source: str | None = None  # the later source that filled the last sessions
    missing: list[dt.date] = field(default_factory=list)  # asked sessions no source had
    skipped: bool = False  # not fetched: the run's budget was spent first
    future: list[tuple[str, dt.date]] = field(default_factory=list)  # (source, date) dropped

    @property
    def failed(self) -> bool:
        return self.asked is not None and self.source is None and not self.skipped

    @property
    def failure(self) -> ProviderError | None:
        return self.errors[-1] if self.failed and self.errors else None


@dataclass
class SharesResult:
    symbol: str
    shares: float | None = None
    as_of: dt.date | None = None
    source: str | None = None
    added: bool = False
    error: ProviderError | None = None


@dataclass
class UpdateSummary:
    store_path: Path
    results: list[SymbolResult]
    shares: list[SharesResult] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # source -> why it was not used
    seconds: float = 0.0
    store_last: dict[str, dt.date] = field(default_factory=dict)  # per market, after the run
    requests: dict[str, int] = field(default_factory=dict)  # HTTP requests per host
    given_up: dict[str, str] = field(default_factory=dict)  # host -> why it was not asked again
    rebase: bool = False  # the run re-based stored histories (--rebase)
    budget: float | None = None

    @property
    def failed(self) -> list[SymbolResult]:
        return [r for r in self.results if r.failed]

    @property
    def skipped(self) -> list[SymbolResult]:
        return [r for r in self.results if r.skipped]

    @property
    def incomplete(self) -> list[SymbolResult]:
        return [r for r in self.results if r.missing and not r.failed]

    @property
    def web_pages(self) -> bool:
        """Nothing arrived and every answer was an HTML page: a login or proxy page, not data."""
        errors = [e for r in self.failed for e in r.errors]
        return (
            bool(errors)
            and not any(r.source for r in self.results)
            and all(is_web_page(e) for e in errors)
        )

    @property
    def up_to_date(self) -> bool:
        return all(r.asked is None for r in self.results)

    @property
    def added(self) -> int:
        return sum(r.added for r in self.results)

    @property
    def ok(self) -> bool:
        return (
            not self.failed
            and not self.skipped
            and not self.incomplete
            and not any(s.error for s in self.shares)
        )

    def failure_message(self) -> str:
        """One line for the end of a failed run: what failed, what the store still holds."""
        failed = self.failed
        kinds = sorted({r.failure.kind for r in failed if r.failure})
        through = ", ".join(f"{m} to {d}" for m, d in sorted(self.store_last.items()))
        if self.web_pages:
            hosts = ", ".join(sorted(self.requests))
            head = (
                "the network answers with web pages (a login or proxy page), not data: every "
                f"host asked ({hosts}) returned HTML; nothing was written. Log in to the network "
                "or check the proxy, then run the update again"
            )
        elif failed and self.added == 0 and kinds == ["offline"]:
            reasons: dict[str, str] = {}
            for e in (e for r in failed for e in r.errors if e.kind == "offline"):
                if not e.detail.startswith(NOT_ASKED):
                    reasons.setdefault(e.source, _short(e.detail))
            why = "; ".join(f"{s}: {d}" for s, d in reasons.items())
            head = f"offline: no data source could be reached ({why}); nothing was written"
        else:
            parts = []
            if failed:
                parts.append(f"{len(failed)} of {counted(len(self.results), 'symbol')} failed")
                if kinds:
                    parts[-1] += f" ({', '.join(kinds)})"
            if self.skipped:
                parts.append(
                    f"{len(self.skipped)} skipped: the run's budget of {self.budget:g} s was "
                    "spent (a larger --budget gives them time)"
                )
            for r in self.incomplete:
                days = ", ".join(d.isoformat() for d in r.missing)
                parts.append(f"{r.symbol} lacks {days} (no source had them)")
            shares_failed = [s for s in self.shares if s.error]
            if shares_failed:
                parts.append(f"{counted(len(shares_failed), 'share count')} failed")
            head = (
                "; ".join(parts)
                + f"; {counted(self.added, 'row was', 'rows were')} stored for the others"
            )
        return (
            f"{head}. The store holds {through or 'no prices'}; "
            "`sectorweekly build` works from it and states the last date per market."
        )


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


ProgressFn = Callable[[str, str, str | None], None]  # (event, symbol, source)


def _no_progress(event: str, symbol: str, source: str | None) -> None:
    return None


def source_chain(desk: Desk, source: str | None) -> list[Provider]:
    names = [source] if source else list(DEFAULT_CHAIN)
    return [provider_class(name).for_desk(desk) for name in names]


@dataclass
class _Outcome:
    plan: SymbolPlan
    provider: str | None
    checked: CheckedRows | None
    rows: pd.DataFrame | None
    errors: list[ProviderError]
    tail_source: str | None = None
    skipped: bool = False
    future: list[tuple[str, dt.date]] = field(default_factory=list)


@dataclass
class _Context:
    gates: Gates
    deadline: float
    cancel: Cancel
    progress: ProgressFn
    budget: Budget = field(default_factory=lambda: Budget(None))


def _call(provider: Provider, query: PriceQuery, request: Request, ctx: _Context) -> Any:
    """One library call through its host's gate, under the deadline."""

    def once() -> Any:
        seconds = ctx.budget.bound(ctx.deadline)
        try:
            raw = call_with_deadline(lambda: provider.fetch(query, request), seconds, ctx.cancel)
        except DeadlineExceeded as exc:
            if seconds < ctx.deadline:  # the budget ended it, not the host
                raise BudgetSpent() from exc
            raise ProviderError(
                "timeout",
                provider.name,
                query.symbol,
                f"{request.function} ({request.host}): {exc}",
            ) from exc
        ctx.gates[request.host].charge(provider.cost(request, raw) - 1)
        return raw

    return ctx.gates[request.host].call(query.symbol, once, source=provider.name)


def _ask(
    provider: Provider, query: PriceQuery, ctx: _Context, future: list[tuple[str, dt.date]]
) -> pd.DataFrame:
    """query -> request -> raw -> rows, each call paced, bounded and retried per host.

    Bars dated after today that the answer carried are added to ``future`` (never stored).
    """
    request = provider.request(query)
    for pre in provider.prerequisites(request):
        # a prerequisite only saves requests; the call itself still works without it
        with contextlib.suppress(ProviderError):
            _call(provider, query, pre, ctx)
    raw = _call(provider, query, request, ctx)
    rows = provider.normalise(query, request, raw)
    future.extend((provider.name, d) for d in rows.attrs.get(FUTURE_DATES, ()))
    return rows


def _fill_tail(
    plan: SymbolPlan,
    rows: pd.DataFrame,
    inst: Instrument,
    later: Sequence[Provider],
    ctx: _Context,
    future: list[tuple[str, dt.date]],
) -> tuple[pd.DataFrame, str | None]:
    """Ask later sources for the asked sessions after the last row a source returned.

    The tail is checked on its own first: a later source that fails or answers badly leaves
    the first source's rows as they were (the gap is then reported, never filled in).
    """
    last = max(rows["date"])
    tail = tuple(d for d in plan.wanted if d > last)
    if not tail:
        return rows, None
    tail_plan = dataclasses.replace(
        plan,
        wanted=tail,
        stored={d: bar for d, bar in plan.stored.items() if d in tail},
        prev=(last, float(rows.loc[rows["date"] == last, "close"].iloc[0])),  # the tail's seam
    )
    query = tail_plan.query
    assert query is not None
    for provider in later:
        if not provider.supports(query):
            continue
        ctx.progress("fetch", plan.symbol, f"{provider.name} (last {len(tail)})")
        try:
            extra = _ask(provider, query, ctx, future)
            check_rows(tail_plan, extra, inst, provider.name)  # joins the first source's rows
            extra = extra[extra["date"] > last].reset_index(drop=True)
            if extra.empty:
                continue
        except ProviderError:
            continue
        except BudgetSpent:  # the tail stays missing and is reported so
            break
        return pd.concat([rows, extra], ignore_index=True), provider.name
    return rows, None


def _fetch(plan: SymbolPlan, chain: Sequence[Provider], desk: Desk, ctx: _Context) -> _Outcome:
    query = plan.query
    assert query is not None
    inst = desk.instruments[plan.symbol]
    errors: list[ProviderError] = []
    future: list[tuple[str, dt.date]] = []
    for i, provider in enumerate(chain):
        if not provider.supports(query):
            continue
        ctx.progress("fetch", plan.symbol, provider.name)
        try:
            rows = _ask(provider, query, ctx, future)
            check_rows(plan, rows, inst, provider.name)
            rows, tail_source = _fill_tail(plan, rows, inst, chain[i + 1 :], ctx, future)
            source = provider.name + (f"+{tail_source}" if tail_source else "")
            checked = check_rows(plan, rows, inst, source)
        except ProviderError as err:
            errors.append(err)
            continue
        except BudgetSpent:
            return _Outcome(plan, None, None, None, errors, skipped=True, future=future)
        return _Outcome(plan, provider.name, checked, rows, errors, tail_source, future=future)
    if not errors:
        errors.append(
            ProviderError(
                "unknown_symbol",
                "/".join(p.name for p in chain),
                plan.symbol,
                f"no source in the chain serves {plan.market} {inst.kind}s like this code",
            )
        )
    return _Outcome(plan, None, None, None, errors, future=future)


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


def _fetch_shares(
    path: Path,
    desk: Desk,
    symbols: Sequence[str],
    chain: Sequence[Provider],
    ctx: _Context,
) -> list[SharesResult]:
    out = []
    stocks = [
        s
        for s in symbols
        if desk.instruments[s].kind == "stock" and desk.instruments[s].market == "CN_A"
    ]
    for symbol in stocks:
        res = SharesResult(symbol)
        market = desk.instruments[symbol].market
        for provider in chain:
            try:
                row = ctx.gates[provider.shares_host or provider.name].call(
                    symbol,
                    lambda p=provider, s=symbol, m=market: call_with_deadline(
                        lambda: p.shares(s, m), ctx.budget.bound(ctx.deadline), ctx.cancel
                    ),
                    source=provider.name,
                )
            except BudgetSpent:
                res.error = ProviderError(
                    "timeout", provider.name, symbol, "not asked: the run's budget was spent"
                )
                break
            except DeadlineExceeded as exc:
                res.error = ProviderError("timeout", provider.name, symbol, str(exc))
                continue
            except ProviderError as err:
                res.error = err
                continue
            if row is None:
                continue
            res.error, res.shares, res.as_of, res.source = None, row.shares, row.as_of, row.source
            try:
                res.added = commit_shares(path, pd.DataFrame([vars(row)])) > 0
            except ProviderError as err:  # the store holds another count for that day
                res.error = err
            break
        out.append(res)
    return out


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
