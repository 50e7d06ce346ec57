"""`sectorweekly import universe FOLDER`: the whole A-share market from files, and the one line
a build without it prints on how to add it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .. import console as consoles
from ..wording import counted
from .options import DeskOpt, WaitOpt, desk_and_calendars

console = consoles.out()
err_console = consoles.err()

HOW_TO_ADD = (
    "sectorweekly import universe FOLDER (bars, sw2021_*.csv; see README 'The whole market') "
    "or sectorweekly update --universe CN_A"
)


def import_universe(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="FOLDER",
            help="Daily bars (*.csv, *.csv.gz), sw2021_codes.csv, sw2021_membership.csv and "
            "optional universe.csv, names.csv, st_spans.csv, coverage.csv, sw_index_closes.csv.",
        ),
    ],
    desk: DeskOpt = None,
    wait: WaitOpt = 30.0,
) -> None:
    """Import the whole A-share market from a folder of files; one transaction, all or nothing."""
    from ..desk.paths import store_path
    from ..update.universe_files import import_universe as run_import

    d, cals = desk_and_calendars(desk)
    path = store_path(d)
    with consoles.status_line(err_console) as say:
        results, held = run_import(path, folder, calendars=cals, wait=wait, progress=say)
    added = sum(r.added for r in results.values())
    filled = sum(r.replaced for r in results.values())
    level1, codes = held["industries"]
    bars = (
        f"{counted(held['stocks'], 'stock')}, {counted(held['bars'], 'bar row')} over "
        f"{counted(held['sessions'], 'session')} ({held['first']}..{held['last']})"
        if held["bars"]
        else "no bars"
    )
    industries = f"{level1} 申万 level-1 industries ({codes:,} codes)" if codes else "no 申万 codes"
    more = f", {counted(filled, 'unknown fact')} filled in" if filled else ""
    console.print(
        f"{bars}, {industries}: {counted(added, 'new row')}{more} into {path}", markup=False
    )
    from ..store import reader
    from ..store.market import summary

    with reader(path) as con:
        stored = summary(con)
    unknown = unknown_facts(stored)
    if unknown:
        err_console.print(
            f"unknown in the store (kept unknown, never guessed): {'; '.join(unknown)}",
            style="dim",
            markup=False,
        )


def unknown_facts(stored: dict[str, Any]) -> list[str]:
    """What the store still lacks for its market, each with the file that adds it."""
    out = []
    if not stored.get("names"):
        out.append("stock names (add names.csv: symbol,name,start,end,source,as_of)")
    if not stored.get("coverage", {}).get("st"):
        out.append(
            "ST status (add st_spans.csv: symbol,st_start,st_end,tag,source,as_of and "
            "coverage.csv: fact,start,end,source,as_of with fact st)"
        )
    if stored.get("bars") and not stored.get("pre_close"):
        out.append("reference prices on ex-dates (add a pre_close column to the bars)")
    if stored.get("stocks") and not stored.get("list_dates"):
        out.append(
            "listing dates and registration IPOs (add universe.csv: symbol,exchange,board,"
            "list_date,delist_date,registration_ipo,source,as_of)"
        )
    if not stored.get("index_closes"):
        out.append("申万 index closes (add sw_index_closes.csv: index_code,date,close,level,name)")
    return out


def market_hint(store_file: Path) -> None:
    """One line after a build whose store has no whole market: how to add it."""
    from ..store import reader
    from ..store.market import has_market

    with reader(store_file) as con:
        if has_market(con):
            return
    err_console.print(
        f"the whole A-share market is not in the store; add it with {HOW_TO_ADD}", markup=False
    )
