"""What an update asks for: per symbol, the sessions the store lacks up to the last closed one.

Sessions come from each market's exchange calendar, so a holiday is never asked for (after a
store ending 2024-09-30, the A-share sessions wanted start on 2024-10-08), and a session still
trading, or closed less than ``settle`` ago, is left for the next run. The request starts one
stored session earlier (the seam, ``prev``), so the answer can be checked to join the store. A
symbol complete up to its last closed session gets no request at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import store
from ..desk.parse import DESK_FILE, Desk
from ..errors import InputError
from ..markets import codes
from ..markets.calendars import Calendars
from ..providers.base import PriceQuery

DEFAULT_HISTORY_DAYS = 366  # first update of a symbol with no rows and no --since
DEFAULT_SETTLE = dt.timedelta(minutes=30)  # sources publish a day's bar some time after close


@dataclass(frozen=True)
class StoredBar:
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: float | None
    volume_unit: str | None


@dataclass(frozen=True)
class SymbolPlan:
    symbol: str
    market: str
    kind: str
    exchange: str | None
    last_closed: dt.date  # the market's last closed session at planning time
    last_stored: dt.date | None
    wanted: tuple[dt.date, ...]  # sessions to fetch (missing ones; all in range with --force)
    # the sessions the plan was made on, which the checks judge the answer by
    calendars: Calendars = field(kw_only=True, repr=False, compare=False)
    stored: dict[dt.date, StoredBar] = field(default_factory=dict)  # stored bars in the range
    prev: tuple[dt.date, float] | None = None  # last stored close before the range: the seam
    mode: str = "append"  # append | force (replace differing rows) | rebase (re-base all rows)

    @property
    def query(self) -> PriceQuery | None:
        """The sessions wanted, from the seam on: the last stored session is asked back, so
        the answer can be checked to join the stored series (``checks.check_seam``)."""
        if not self.wanted:
            return None
        return PriceQuery(
            symbol=self.symbol,
            market=self.market,
            start=self.prev[0] if self.prev is not None else self.wanted[0],
            end=self.wanted[-1],
            kind=self.kind,
            exchange=self.exchange,
        )


def update_symbols(desk: Desk, only: Sequence[str] | None = None) -> list[str]:
    """Watchlist members then benchmarks (desk order); ``only`` narrows it to desk instruments."""
    members = desk.members()
    extra = [*desk.benchmark_symbols(), *desk.ratings.benchmarks.values()]
    everything = list(dict.fromkeys([*members, *(s for s in extra if s in desk.instruments)]))
    if not only:
        return everything
    only = [codes.given_symbol(symbol, "--symbols") for symbol in only]
    for symbol in only:
        if symbol not in desk.instruments:
            raise InputError(
                desk.root / DESK_FILE,
                "instruments",
                f"--symbols {symbol}: not an instrument of this desk; "
                f"expected one of {', '.join(everything)}",
            )
    return list(dict.fromkeys(only))


def _stored_rows(path: Path, symbols: list[str]) -> pd.DataFrame:
    with store.reader(path) as con:
        frame = con.execute(
            "SELECT symbol, date, open, high, low, close, volume, volume_unit FROM prices "
            "WHERE list_contains(?, symbol) ORDER BY symbol, date",
            [symbols],
        ).df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def plan_update(
    desk: Desk,
    path: Path,
    symbols: Sequence[str],
    *,
    calendars: Calendars,
    now: dt.datetime,
    since: dt.date | None = None,
    force: bool = False,
    settle: dt.timedelta = DEFAULT_SETTLE,
    rebase: bool = False,
) -> list[SymbolPlan]:
    """One plan per symbol, in the given order.

    ``rebase`` asks each symbol's whole stored history again (from its first stored row, or
    ``since``), to replace it on the source's basis."""
    mode = "rebase" if rebase else "force" if force else "append"
    rows = _stored_rows(path, list(symbols))
    by_symbol = {str(s): part for s, part in rows.groupby("symbol", sort=False)}
    last_closed: dict[str, dt.date] = {}
    plans = []
    for symbol in symbols:
        inst = desk.instruments[symbol]
        market = inst.market
        if market not in last_closed:
            last_closed[market] = calendars.last_closed_session(market, now, settle)
        closed = last_closed[market]
        part = by_symbol.get(symbol)
        dates = set(part["date"]) if part is not None else set()
        last_stored = max(dates) if dates else None
        if rebase and dates:
            start = min(dates)  # the whole stored history, whatever --since says
        elif since is not None:
            start = since
        elif last_stored is not None:
            start = last_stored + dt.timedelta(days=1)
        else:
            start = now.date() - dt.timedelta(days=DEFAULT_HISTORY_DAYS)
        if inst.listed is not None:
            start = max(start, inst.listed)
        first = calendars.bounds(market).first
        start = max(start, first)
        window = calendars.sessions(market, start, closed) if start <= closed else []
        wanted = tuple(window if mode != "append" else [d for d in window if d not in dates])
        stored: dict[dt.date, StoredBar] = {}
        prev = None
        if wanted and part is not None:
            inside = part[(part["date"] >= wanted[0]) & (part["date"] <= wanted[-1])]
            for rec in inside.itertuples(index=False):
                stored[rec.date] = StoredBar(
                    _num(rec.open),
                    _num(rec.high),
                    _num(rec.low),
                    float(rec.close),
                    _num(rec.volume),
                    rec.volume_unit if isinstance(rec.volume_unit, str) else None,
                )
            before = part[part["date"] < wanted[0]]
            if len(before):
                prev = (before["date"].iloc[-1], float(before["close"].iloc[-1]))
        plans.append(
            SymbolPlan(
                symbol=symbol,
                market=market,
                kind=inst.kind,
                exchange=inst.exchange,
                last_closed=closed,
                last_stored=last_stored,
                wanted=wanted,
                stored=stored,
                prev=None if mode == "rebase" else prev,
                mode=mode,
                calendars=calendars,
            )
        )
    return plans
