"""One symbol through the source chain: each call paced, bounded and retried per host.

Runs in the update's worker threads and writes nothing; the run's single writer stores what
comes back. A source missing the last sessions asked has them asked from the next source.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..desk.parse import Desk, Instrument
from ..errors import ProviderError
from ..providers.base import FUTURE_DATES, PriceQuery, Provider, Request
from .checks import CheckedRows, check_rows
from .deadline import Budget, BudgetSpent, Cancel, DeadlineExceeded, call_with_deadline
from .plan import SymbolPlan
from .resilience import Gates

ProgressFn = Callable[[str, str, str | None], None]  # (event, symbol, source)


def _no_progress(event: str, symbol: str, source: str | None) -> None:
    return None


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
