"""``update --universe CN_A``: the whole A-share market's list, ST list and missing bars.

One snapshot call lists every stock with its name and, after the close, its bar of the day
(``providers.akshare_market``); the ST list comes from the risk-warning board, listing dates
from the Shanghai and Shenzhen exchanges' lists, and the 申万 level-1 index closes from
Shenwan (``sw_indices``); the facts go in before any bar. Each stock's
missing sessions beyond the snapshot are then asked one stock at a time (``stock_zh_a_hist``),
through the watchlist update's stages: the same per-host gates (pacing, retries, breaker), the
deadline per call and budget per run, the identity check on every answer and the seam check
(the last stored close asked back must agree to the cent, else ``basis``). Rows are committed
per stock as they arrive, so a run stopped by Ctrl-C resumes where it stopped. A snapshot row
joins the store only when its 昨收 (the exchange's reference previous close) is the stored
close of the session before, or below it by a corporate action.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import store
from ..clock import SHANGHAI, now_utc
from ..desk.parse import Instrument
from ..errors import InputError, ProviderError, SectorWeeklyError
from ..markets.calendars import Calendars
from ..providers.akshare_market import SNAPSHOT, ST_LIST, MarketList, MarketSource
from ..wording import counted
from .checks import SEAM_CENT, check_rows
from .deadline import Budget, BudgetSpent, Cancel, DeadlineExceeded, call_with_deadline
from .plan import SymbolPlan
from .resilience import Clock, Gates, Sleep
from .run import ProgressFn, UpdateOptions, _ask, _Context, _no_progress
from .sw_indices import update_sw_indices
from .universe_plan import MARKET, SNAPSHOT_SOURCE, fact_frames, plan_universe, snapshot_day

LIST_PAGES = 60  # a list call's deadline is this many pages' (the whole market is ~55 pages)
BAR_COLUMNS = ("symbol", "date", "open", "high", "low", "close", "pre_close", "volume", "amount")


@dataclass
class UniverseSummary:
    store_path: Path
    today: dt.date
    stocks: int = 0
    st: int | None = None  # stocks on today's ST list; None when the list could not be read
    snapshot_day: dt.date | None = None
    snapshot_rows: int = 0
    filled: int = 0  # stocks whose missing sessions were asked one by one and stored
    added: int = 0  # bars stored
    up_to_date: int = 0
    suspended: int = 0  # no bar in the sessions asked, and no trade in the day's snapshot
    failures: list[ProviderError] = field(default_factory=list)
    skipped: int = 0
    kept: list[str] = field(default_factory=list)  # facts or bars the store holds otherwise
    listings_unread: list[str] = field(default_factory=list)  # exchange lists not read
    sw_added: int = 0  # 申万 level-1 index closes stored
    requests: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.skipped and self.st is not None

    def line(self) -> str:
        """The one summary line a run ends with."""
        snap = (
            f"{counted(self.snapshot_rows, 'bar')} of {self.snapshot_day} from the snapshot"
            if self.snapshot_day
            else "no snapshot bars (taken while a session was open)"
        )
        kinds = Counter(e.kind for e in self.failures)
        failed = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"
        asked = sum(self.requests.values())
        st = "ST list unread" if self.st is None else f"{self.st} ST"
        kept = f"{counted(len(self.kept), 'difference')} kept as stored; " if self.kept else ""
        if self.listings_unread:
            st += f"; listing dates unread from {', '.join(self.listings_unread)}"
        return (
            f"universe {MARKET} as of {self.today}: {counted(self.stocks, 'stock')} ({st}); "
            f"{snap}; {counted(self.filled, 'stock')} filled one by one; "
            f"{counted(self.added, 'bar')} stored, {self.up_to_date} stocks up to date, "
            f"{self.suspended} suspended; {counted(self.sw_added, '申万 index close')}; {kept}"
            f"failed: {failed}; skipped: {self.skipped}; {counted(asked, 'request')} "
            f"in {self.seconds:.1f} s"
        )

    def failure_message(self) -> str:
        parts = [f"{counted(len(self.failures), 'stock')} failed"] if self.failures else []
        parts += [f"{e.symbol}: {e.kind}: {e.detail}" for e in self.failures[:3]]
        if self.skipped:
            parts.append(f"{self.skipped} skipped: the run's budget was spent (--budget)")
        if self.st is None:
            parts.append("the ST list could not be read")
        return "; ".join(parts) + "; every stock stored stays; run the update again for the rest"


def _list(source: MarketSource, function: str, ctx: _Context) -> MarketList:
    """One paged list call through its host's gate, under the deadline (per page)."""
    request = source.list_request(function)
    gate = ctx.gates[request.host]

    def once() -> tuple[Any, list[Any]]:
        seconds = ctx.budget.bound(ctx.deadline * LIST_PAGES)
        try:
            raw = call_with_deadline(lambda: source.fetch_list(request), seconds, ctx.cancel)
        except DeadlineExceeded as exc:
            if seconds < ctx.deadline * LIST_PAGES:
                raise BudgetSpent() from exc
            raise ProviderError("timeout", source.name, MARKET, f"{function}: {exc}") from exc
        gate.charge(source.cost(request, raw) - 1)
        return raw

    raw, answers = gate.call(MARKET, once, source=source.name)
    return source.read_list(request, raw, answers)


def _listings(source: MarketSource, ctx: _Context) -> tuple[dict[str, dt.date], list[str]]:
    """Listing dates from the exchanges' lists; the lists that could not be read."""
    dates: dict[str, dt.date] = {}
    unread = []
    for request in source.listing_requests():
        gate = ctx.gates[request.host]

        def once(request: Any = request) -> pd.DataFrame:
            seconds = ctx.budget.bound(ctx.deadline)
            try:
                return call_with_deadline(
                    lambda: source.fetch_listing(request), seconds, ctx.cancel
                )
            except DeadlineExceeded as exc:
                raise ProviderError("timeout", source.name, MARKET, str(exc)) from exc

        try:
            frame = gate.call(MARKET, once, source=source.name)
        except (ProviderError, BudgetSpent):
            unread.append(f"{request.function}({request.kwargs['symbol']})")
            continue
        dates.update(zip(frame["symbol"], frame["list_date"], strict=True))
    return dates, unread


def snapshot_bars(
    listed: pd.DataFrame, plans: Sequence[SymbolPlan], day: dt.date
) -> tuple[pd.DataFrame, list[ProviderError]]:
    """The snapshot rows of the stocks that lack only ``day``, held to a fetched bar's checks:
    positive prices, high and low around open and close, and a 昨收 that is the stored close
    of the session before or below it (a corporate action), never above."""
    prev = {p.symbol: p.prev for p in plans if p.wanted == (day,)}
    rows = listed[listed["symbol"].isin(prev) & listed["close"].notna()]
    rows = rows[rows["volume"].fillna(0) > 0].reset_index(drop=True)  # no trade: suspended
    body_hi = rows[["open", "close"]].max(axis=1)
    body_lo = rows[["open", "close"]].min(axis=1)
    stored = pd.Series([(prev[s] or (None, float("nan")))[1] for s in rows["symbol"]], dtype=float)
    why = pd.Series("", index=rows.index)
    why[rows["pre_close"] > stored + SEAM_CENT + 1e-9] = "basis"
    why[(rows["high"] < body_hi - 1e-6) | (rows["low"] > body_lo + 1e-6)] = "malformed"
    why[(rows[["open", "high", "low", "close"]] <= 0).any(axis=1)] = "malformed"
    refused = [
        ProviderError(
            kind,
            "akshare",
            rec.symbol,
            f"{day}: snapshot 昨收 {rec.pre_close:g} is above the stored close {stored[i]:g}; "
            "not the next session; not stored"
            if kind == "basis"
            else f"{day}: snapshot open/high/low/close {rec.open:g}/{rec.high:g}/{rec.low:g}/"
            f"{rec.close:g} do not make a bar; not stored",
        )
        for i, (kind, rec) in enumerate(zip(why, rows.itertuples(index=False), strict=True))
        if kind
    ]
    kept = rows[why == ""].assign(date=day)
    return kept[list(BAR_COLUMNS)].assign(source=SNAPSHOT_SOURCE), refused


def _fill(plan: SymbolPlan, source: MarketSource, ctx: _Context) -> pd.DataFrame | BaseException:
    """One stock's missing sessions, checked; the error instead of rows when refused."""
    query = plan.query
    assert query is not None
    ctx.progress("fetch", plan.symbol, source.name)
    try:
        rows = _ask(source, query, ctx, [])
        checked = check_rows(plan, rows, Instrument(name=plan.symbol, market=MARKET), "akshare")
    except (ProviderError, BudgetSpent) as err:
        return err
    new = checked.new.rename(columns={"prev_close": "pre_close"})
    return new[list(BAR_COLUMNS)].assign(source=new["source"])


def _commit_bars(path: Path, frame: pd.DataFrame) -> int:
    return store.ingest(path, "cn-bars", frame).added if len(frame) else 0


def _fill_all(
    path: Path,
    plans: Sequence[SymbolPlan],
    source: MarketSource,
    ctx: _Context,
    workers: int,
    summary: UniverseSummary,
    idle: set[str],
) -> None:
    """Ask the stocks concurrently; commit each from this thread as it arrives. A stock with
    no bar in the sessions asked that did not trade in the day's snapshot (``idle``) is
    suspended, not failed."""
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        pending: dict[Future[Any], SymbolPlan] = {
            pool.submit(_fill, p, source, ctx): p for p in plans
        }
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in done:
                plan = pending.pop(fut)
                got = fut.result()
                if isinstance(got, BudgetSpent):
                    summary.skipped += 1
                elif isinstance(got, ProviderError) and got.kind == "empty" and got.symbol in idle:
                    summary.suspended += 1
                elif isinstance(got, ProviderError):
                    summary.failures.append(got)
                else:
                    try:
                        summary.added += _commit_bars(path, got)
                        summary.filled += 1
                    except InputError as exc:  # the store holds another bar: kept, listed
                        summary.kept.append(f"cn-bars {plan.symbol}: {exc.message}")
                ctx.progress("done", plan.symbol, None)
    except BaseException:
        ctx.cancel.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _idle(listed: pd.DataFrame, day: dt.date | None) -> set[str]:
    """Stocks the day's snapshot shows without a trade (none when it shows no closed day)."""
    if day is None:
        return set()
    quiet = listed["close"].isna() | (listed["volume"].fillna(0) <= 0)
    return set(listed.loc[quiet, "symbol"])


def _ingest_facts(path: Path, frames: dict[str, pd.DataFrame]) -> list[str]:
    """Each fact kind in its own transaction; one the store holds otherwise (say, a listing
    date imported from a file) is kept as stored and its message returned, never overwritten."""
    kept = []
    for kind, frame in frames.items():
        if len(frame):
            try:
                store.ingest(path, kind, frame)
            except InputError as exc:
                kept.append(f"{kind}: {exc.message}")
    return kept


def run_universe(
    path: Path,
    options: UpdateOptions,
    calendars: Calendars,
    *,
    source: MarketSource | None = None,
    now: dt.datetime | None = None,
    sleep: Sleep | None = None,
    clock: Clock = time.monotonic,
    progress: ProgressFn = _no_progress,
    cancel: Cancel | None = None,
) -> UniverseSummary:
    """Fetch the market's lists and every stock's missing bars; never raises for a source's
    failure after the list is read (a list that cannot be read raises: nothing to update)."""
    t0 = time.perf_counter()
    source = source or MarketSource()
    reason = source.unavailable_reason()
    if reason is not None:
        raise SectorWeeklyError(f"no data source can be used (akshare: {reason})")
    now = now or now_utc()
    today = now.astimezone(SHANGHAI).date()
    cancel = cancel or Cancel()
    budget = Budget(options.budget, clock)
    gates = Gates(options.rate, options.retry, budget.sleeper(sleep or cancel.sleep), clock)
    ctx = _Context(gates, options.deadline, cancel, progress, budget)
    summary = UniverseSummary(path, today)
    with store.held_lock(path, options.lock_timeout):
        try:
            listed = _list(source, SNAPSHOT, ctx)
        except (ProviderError, BudgetSpent) as err:
            detail = err.detail if isinstance(err, ProviderError) else "the budget was spent"
            raise UniverseUnread(f"the A-share list could not be read ({detail})") from None
        summary.failures += listed.refused
        try:
            st: pd.DataFrame | None = _list(source, ST_LIST, ctx).rows
        except (ProviderError, BudgetSpent):
            st = None
        closed = calendars.last_closed_session(MARKET, now, options.settle)
        day = snapshot_day(calendars, now, closed)
        symbols = sorted(listed.rows["symbol"])
        plans = plan_universe(
            path, symbols, calendars=calendars, closed=closed, today=today, since=options.since
        )
        summary.stocks, summary.st = len(symbols), None if st is None else len(st)
        summary.up_to_date = sum(1 for p in plans if not p.wanted)
        todo = [p for p in plans if p.wanted]
        listed_on, summary.listings_unread = _listings(source, ctx)
        frames = fact_frames(path, listed.rows, st, today, day, listed_on)
        summary.kept = _ingest_facts(path, frames)  # the universe before any of its bars
        if day is not None:
            bars, refused = snapshot_bars(listed.rows, todo, day)
            summary.failures += refused
            summary.snapshot_day, summary.snapshot_rows = day, _commit_bars(path, bars)
            summary.added += summary.snapshot_rows
            todo = [p for p in todo if p.wanted != (day,)]
        summary.sw_added, refused = update_sw_indices(path, source, ctx, closed)
        summary.failures += refused
        progress("start", str(len(todo)), None)
        _fill_all(path, todo, source, ctx, options.workers, summary, _idle(listed.rows, day))
    summary.requests = {host: gate.requests for host, gate in gates.items()}
    summary.seconds = time.perf_counter() - t0
    return summary


class UniverseUnread(SectorWeeklyError):
    """The market's list could not be read: nothing was asked or written."""

    exit_code = 5
