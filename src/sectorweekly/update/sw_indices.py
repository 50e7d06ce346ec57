"""The 31 申万 level-1 index closes, brought up to the last closed session with the market.

Each index's history is one request (``index_hist_sw``); only the sessions after its last stored
close are written, and the answer must give that stored close again (within the index seam,
``checks.SEAM_REL``), else it is refused as ``basis``. An index up to date is not asked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .. import store
from ..errors import ProviderError
from ..providers.akshare_market import SW_LEVEL1, MarketSource
from ..providers.base import Request
from .checks import SEAM_REL
from .deadline import BudgetSpent, DeadlineExceeded, call_with_deadline
from .run import _Context

SOURCE = "akshare:index_hist_sw"


def _stored(path: Path) -> dict[str, tuple[dt.date, float]]:
    with store.reader(path) as con:
        rows = con.execute(
            "SELECT index_code, date, close FROM sw_index_closes "
            "QUALIFY row_number() OVER (PARTITION BY index_code ORDER BY date DESC) = 1"
        ).fetchall()
    return {str(c): (d, float(v)) for c, d, v in rows}


def _new_rows(code: str, rows: pd.DataFrame, last: tuple[dt.date, float] | None) -> pd.DataFrame:
    """The rows after the stored seam, once the seam's close is the stored one."""
    if last is None:
        return rows
    day, close = last
    at = rows.loc[rows["date"] == day, "close"]
    if not len(at) or abs(float(at.iloc[0]) - close) > SEAM_REL * abs(close):
        got = f"{float(at.iloc[0]):g}" if len(at) else "no row"
        raise ProviderError(
            "basis", "akshare", code, f"{day}: stored close {close:g}, index_hist_sw {got}"
        )
    return rows[rows["date"] > day]


def _fetch(source: MarketSource, request: Request, ctx: _Context) -> pd.DataFrame:
    """One index history under the deadline (the run's budget bounds it too)."""
    seconds = ctx.budget.bound(ctx.deadline)
    try:
        return call_with_deadline(lambda: source.fetch_sw(request), seconds, ctx.cancel)
    except DeadlineExceeded as exc:
        symbol = str(request.kwargs["symbol"])
        raise ProviderError("timeout", source.name, symbol, str(exc)) from exc


def update_sw_indices(
    path: Path, source: MarketSource, ctx: _Context, closed: dt.date
) -> tuple[int, list[ProviderError]]:
    """(rows stored, indices refused or failed)."""
    stored = _stored(path)
    added, failures = 0, []
    frames: list[pd.DataFrame] = []
    for code, name in SW_LEVEL1.items():
        last = stored.get(code)
        if last is not None and last[0] >= closed:
            continue
        request = source.sw_request(code)
        try:
            rows = ctx.gates[request.host].call(
                code, lambda r=request: _fetch(source, r, ctx), source=source.name
            )
            new = _new_rows(code, rows[rows["date"] <= closed], last)
        except ProviderError as err:
            failures.append(err)
            continue
        except BudgetSpent:
            break
        if len(new):
            frames.append(new.assign(level=1, name=name, source=SOURCE))
    if frames:  # one transaction for all: 31 small answers, asked again if the run stops
        added = store.ingest(path, "sw-index", pd.concat(frames, ignore_index=True)).added
    return added, failures
