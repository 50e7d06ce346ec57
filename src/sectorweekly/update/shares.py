"""Shares outstanding for the desk's A-share stocks, asked after the prices in the same run.

Kept apart from the price fetch: one count per stock and day, from the first source that has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..desk.parse import Desk
from ..errors import ProviderError
from ..providers.base import Provider
from .deadline import BudgetSpent, DeadlineExceeded, call_with_deadline
from .fetch import _Context
from .results import SharesResult
from .writer import commit_shares


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
