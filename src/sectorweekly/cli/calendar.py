"""`sectorweekly calendar MARKET YEAR`: a year's sessions, and where each part comes from."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console

from ..wording import counted
from .options import DeskOpt

console = Console(soft_wrap=True, highlight=False, markup=False)
err_console = Console(stderr=True, soft_wrap=True, highlight=False, markup=False)

ORIGIN_TEXT = {
    "library": "exchange_calendars (library)",
    "package": "package holiday file",
    "desk": "desk file (desk.yaml, holidays:)",
    "provisional": "provisional",
}


def calendar(
    market: Annotated[str, typer.Argument(help="CN_A (A股), HK or US.")],
    year: Annotated[int, typer.Argument(min=1990, max=2100, help="Calendar year, e.g. 2027.")],
    desk: DeskOpt = None,
) -> None:
    """Print a market's sessions of one year by month, where they come from, and its holidays."""
    from .. import store
    from ..analysis.declared_closed import rows_on_declared_closed
    from ..analysis.observed_sessions import settle
    from ..desk.paths import store_path
    from ..markets import MARKETS
    from ..markets import market as find_market
    from ..parts.market import declared_closed_messages
    from .options import desk_and_calendars

    try:
        mkt = find_market(market)
    except KeyError:
        raise typer.BadParameter(
            f"{market!r} is not a market; expected one of {', '.join(MARKETS)}",
            param_hint="MARKET",
        ) from None
    d, cals = desk_and_calendars(desk)
    path = store_path(d)
    warnings: list[str] = []
    if path.exists():
        with store.reader(path) as con:
            cals = settle(con, cals, [mkt.code])
            found = rows_on_declared_closed(con, cals, [mkt.code], year)
        warnings = declared_closed_messages(found, str(d.root / "desk.yaml"))
    days = cals.sessions(mkt.code, dt.date(year, 1, 1), dt.date(year, 12, 31))
    src = cals.year_source(mkt.code, year)
    name = cals.register(mkt.code)  # for users of exchange_calendars; read back by nothing
    console.print(f"{mkt.code} ({name}) {year}: {counted(len(days), 'session')}")
    console.print(f"source: {ORIGIN_TEXT[src.origin]}: {src.source}")
    if src.origin == "provisional":
        console.print(
            f"holidays: none known for {year}; when the notice is out add one line to desk.yaml: "
            f"holidays: {{{mkt.code}: {{{year}: [{year}-01-01, …]}}}}"
        )
    else:
        listed = ", ".join(f"{h} {h:%a}" for h in src.closed) or "none"
        console.print(f"holidays ({len(src.closed)} weekdays closed): {listed}")
    if src.inferred:
        listed = ", ".join(f"{h} {h:%a}" for h in src.inferred)
        console.print(
            f"inferred from the store {path} (no row for any {mkt.code} instrument): {listed}"
        )
    for month in range(1, 13):
        in_month = [f"{s.day:2d}" for s in days if s.month == month]
        console.print(f"{year}-{month:02d} ({len(in_month):2d}): {' '.join(in_month)}")
    for line in warnings:
        err_console.print(line)
