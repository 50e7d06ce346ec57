"""Run an update: plan, fetch symbols concurrently through the source chain, write as they come.

One writer: the store's lock is held for the whole run (a second update waits, then fails with
a clear message), and each symbol's rows are committed in their own transaction as soon as they
arrive and pass the checks, so an interrupted update resumes where it stopped. A symbol that no
source could deliver writes nothing; the summary says what failed and why.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import store
from ..desk import Desk
from ..errors import ProviderError, SectorWeeklyError
from ..markets import MARKETS
from ..providers.base import Provider, provider_class
from .checks import Change, CheckedRows, Flag, check_rows
from .plan import DEFAULT_SETTLE, SymbolPlan, plan_update, update_symbols
from .resilience import NOT_ASKED, Clock, RetryPolicy, Sleep, SourceGate

DEFAULT_CHAIN = ("akshare", "yfinance")


class UpdateFailed(SectorWeeklyError):
    """Some symbols could not be fetched; the store keeps every symbol that was."""

    exit_code = 5


@dataclass(frozen=True)
class UpdateOptions:
    since: dt.date | None = None
    source: str | None = None  # only this source; default: akshare, then yfinance
    symbols: tuple[str, ...] = ()
    force: bool = False
    workers: int = 4
    rate: float = 2.0  # requests per second and source
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    lock_timeout: float = store.LOCK_TIMEOUT_S
    settle: dt.timedelta = DEFAULT_SETTLE
    shares: bool = False


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

    @property
    def failed(self) -> bool:
        return self.asked is not None and self.source is None

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

    @property
    def failed(self) -> list[SymbolResult]:
        return [r for r in self.results if r.failed]

    @property
    def up_to_date(self) -> bool:
        return all(r.asked is None for r in self.results)

    @property
    def added(self) -> int:
        return sum(r.added for r in self.results)

    @property
    def ok(self) -> bool:
        return not self.failed and not any(s.error for s in self.shares)

    def failure_message(self) -> str:
        """One line for the end of a failed run: what failed, what the store still holds."""
        failed = self.failed
        kinds = sorted({r.failure.kind for r in failed if r.failure})
        through = ", ".join(f"{m} to {d}" for m, d in sorted(self.store_last.items()))
        if failed and self.added == 0 and kinds == ["offline"]:
            reasons: dict[str, str] = {}
            for e in (e for r in failed for e in r.errors if e.kind == "offline"):
                if not e.detail.startswith(NOT_ASKED):
                    reasons.setdefault(e.source, _short(e.detail))
            why = "; ".join(f"{s}: {d}" for s, d in reasons.items())
            head = f"offline: no data source could be reached ({why}); nothing was written"
        else:
            parts = [f"{len(failed)} of {len(self.results)} symbols failed"]
            if kinds:
                parts.append(f"({', '.join(kinds)})")
            shares_failed = [s for s in self.shares if s.error]
            if shares_failed:
                parts.append(f"and {len(shares_failed)} share counts")
            head = " ".join(parts) + f"; {self.added} rows were stored for the others"
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


def _fetch(
    plan: SymbolPlan,
    chain: Sequence[Provider],
    gates: dict[str, SourceGate],
    desk: Desk,
    progress: ProgressFn,
) -> _Outcome:
    query = plan.query
    assert query is not None
    inst = desk.instruments[plan.symbol]
    errors: list[ProviderError] = []
    for provider in chain:
        if not provider.supports(query):
            continue
        progress("fetch", plan.symbol, provider.name)
        try:
            rows = gates[provider.name].call(plan.symbol, lambda p=provider: p.prices(query))
            checked = check_rows(plan, rows, inst, provider.name)
        except ProviderError as err:
            errors.append(err)
            continue
        return _Outcome(plan, provider.name, checked, rows, errors)
    if not errors:
        errors.append(
            ProviderError(
                "unknown_symbol",
                "/".join(p.name for p in chain),
                plan.symbol,
                f"no source in the chain serves {plan.market} {inst.kind}s like this code",
            )
        )
    return _Outcome(plan, None, None, None, errors)


def _write(path: Path, desk: Desk, outcome: _Outcome, force: bool) -> SymbolResult:
    plan = outcome.plan
    query = plan.query
    assert query is not None
    result = SymbolResult(
        plan.symbol,
        plan.market,
        (query.start, query.end),
        errors=outcome.errors,
        last_date=plan.last_stored,
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
    write_changed = force and len(checked.changed) > 0
    result.kept_changes = len(checked.changed) > 0 and not force
    if len(checked.new) or write_changed:
        new = checked.new.assign(name=inst.name, currency=MARKETS[plan.market].currency)
        with store.transaction(path) as con:
            if len(new):
                result.added = store.insert_prices(con, new)
            if write_changed:
                result.replaced = store.replace_prices(con, checked.changed)
    dates = [d for d in (plan.last_stored, *checked.new["date"]) if d is not None]
    result.last_date = max(dates) if dates else None
    return result


def _fetch_shares(
    path: Path,
    desk: Desk,
    symbols: Sequence[str],
    chain: Sequence[Provider],
    gates: dict[str, SourceGate],
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
                row = gates[provider.name].call(
                    symbol, lambda p=provider, s=symbol, m=market: p.shares(s, m)
                )
            except ProviderError as err:
                res.error = err
                continue
            if row is None:
                continue
            res.error, res.shares, res.as_of, res.source = None, row.shares, row.as_of, row.source
            frame = pd.DataFrame([vars(row)])
            with store.transaction(path) as con:
                added = store.insert_new(
                    con, "shares", frame, "symbol, as_of, shares, source, note", "symbol, as_of"
                )
            res.added = added > 0
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
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    progress: ProgressFn = _no_progress,
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
    gates = {p.name: SourceGate(p.name, options.rate, options.retry, sleep, clock) for p in usable}
    now = now or dt.datetime.now(dt.UTC)
    results: dict[str, SymbolResult] = {}
    shares: list[SharesResult] = []
    with store.held_lock(path, options.lock_timeout):
        plans = plan_update(
            desk,
            path,
            symbols,
            now=now,
            since=options.since,
            force=options.force,
            settle=options.settle,
        )
        todo = [p for p in plans if p.wanted]
        for plan in plans:
            if not plan.wanted:
                results[plan.symbol] = SymbolResult(
                    plan.symbol, plan.market, None, last_date=plan.last_stored
                )
        progress("start", str(len(todo)), None)
        if todo:
            with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
                futures: dict[Future[_Outcome], SymbolPlan] = {
                    pool.submit(_fetch, plan, usable, gates, desk, progress): plan for plan in todo
                }
                try:
                    for fut in as_completed(futures):
                        result = _write(path, desk, fut.result(), options.force)
                        results[result.symbol] = result
                        progress("done", result.symbol, result.source)
                except BaseException:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
        if options.shares:
            shares = _fetch_shares(path, desk, symbols, usable, gates)
    with store.reader(path) as con:
        last = dict(con.execute("SELECT market, max(date) FROM prices GROUP BY market").fetchall())
    return UpdateSummary(
        store_path=path,
        results=[results[s] for s in symbols],
        shares=shares,
        unavailable=unavailable,
        seconds=time.perf_counter() - t0,
        store_last=last,
    )
