"""`sectorweekly ratings …`: import a rating history, evaluate it against the benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .. import console as consoles
from ..errors import InputError
from ..wording import counted
from .options import DeskOpt, EncodingOpt, SheetOpt, WaitOpt, desk_and_calendars, option_date

ratings_app = typer.Typer(
    no_args_is_help=True, help="Rating history and its scorecard (hit rates vs benchmarks)."
)
console = consoles.out()


@ratings_app.command("import")
def import_ratings(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...", help="CSV: date,symbol,rating[,analyst,target_price,note]."
        ),
    ],
    desk: DeskOpt = None,
    sheet: SheetOpt = None,
    encoding: EncodingOpt = None,
    wait: WaitOpt = 30.0,
) -> None:
    """Import ratings; all files in one transaction, nothing written if any row is bad."""
    from ..desk.rating_scale import RatingScales
    from ..update.imports import import_rating_files
    from ..update.workspace import prepare, rating_symbols

    d, _ = desk_and_calendars(desk)
    path, _ = prepare(d, wait)
    scales = RatingScales.from_desk(d.ratings)
    read, added = import_rating_files(
        path, files, scales, rating_symbols(d, path), encoding=encoding, wait=wait, sheet=sheet
    )
    console.print(
        f"{counted(added, 'new rating')} ({read - added:,} already stored) into {path}",
        markup=False,
    )


@ratings_app.command("evaluate")
def evaluate_ratings(
    out: Annotated[
        Path, typer.Option(metavar="FOLDER", help="Folder for scorecard.json and scorecard.csv.")
    ],
    desk: DeskOpt = None,
    horizon: Annotated[str, typer.Option(help="6M, 12M or both.")] = "both",
    ratings: Annotated[
        Path | None,
        typer.Option(help="Evaluate this ratings CSV instead of the store's (nothing is stored)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Use prices up to this day (YYYY-MM-DD) only.")
    ] = None,
    benchmark: Annotated[
        list[str] | None,
        typer.Option(
            metavar="MARKET=SYMBOL",
            help="Override a market's benchmark, e.g. US=^IXIC (repeatable).",
        ),
    ] = None,
    wait: WaitOpt = 30.0,
) -> None:
    """Judge every rating against its market's benchmark at 6 and/or 12 months."""
    from ..analysis.observed_sessions import observed
    from ..analysis.ratings_scorecard import (
        desk_scorecard,
        parse_benchmark_overrides,
        write_scorecard,
    )
    from ..analysis.scorecard import parse_horizons
    from ..desk.rating_scale import RatingScales
    from ..providers.ratings_csv import load_rating_files
    from ..update.workspace import prepare, rating_symbols

    try:
        horizons = parse_horizons(horizon)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--horizon") from None
    day = option_date(as_of, "--as-of")
    if out.exists() and not out.is_dir():
        raise InputError(out, None, "is a file; expected a folder for the scorecard (--out)")
    d, cals = desk_and_calendars(desk)
    path, _ = prepare(d, wait)
    given = None
    if ratings is not None:  # a file instead of the store's ratings
        scales = RatingScales.from_desk(d.ratings)
        given = (load_rating_files([ratings], scales, rating_symbols(d, path)), str(ratings))
    card = desk_scorecard(
        d,
        calendars=observed(cals, path, sorted({i.market for i in d.instruments.values()})),
        horizons=horizons,
        as_of=day,
        dated_to=day,
        given=given,
        benchmarks=parse_benchmark_overrides(benchmark or []),
    )
    if card.rows.empty:
        console.print(
            f"no ratings to evaluate in {card.ratings_source}; "
            "add some with `sectorweekly ratings import FILE.csv`"
        )
    for h, part in card.summary.items():
        console.print(_summary_table(h, part, card.benchmarks, card.sample))
        for scale, matrix in part["confusion"].items():
            console.print(_confusion_table(h, scale, matrix))
    for path in write_scorecard(card, out):
        console.print(str(path))


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.2f}" if signed else f"{value:.2f}%"


def _summary_table(
    horizon: str, part: dict[str, Any], benchmarks: dict[str, str], sample: bool
) -> Table:
    title = f"{horizon} rating scorecard"
    if sample:
        title += " (sample ratings, not real ones)"
    bench = ", ".join(f"{m} {s}" for m, s in benchmarks.items())
    table = Table(title=title, caption=f"benchmarks: {bench}; excess = mean over judged, pp")
    table.add_column("rating", no_wrap=True)
    for col in ("n", "judged", "hits", "hit rate", "excess", "pending", "no data"):
        table.add_column(col, justify="right", no_wrap=True)
    rows = [*part["by_rating"].items(), ("all", part["overall"])]
    for name, s in rows:
        table.add_row(
            name,
            str(s["ratings"]),
            str(s["evaluated"]),
            str(s["hits"]),
            _pct(s["hit_rate_pct"]),
            _pct(s["mean_excess_pct"], signed=True),
            str(s["pending"]),
            str(s["no_data"]),
            end_section=name == rows[-2][0],
        )
    return table


def _confusion_table(horizon: str, scale: str, matrix: dict[str, dict[str, int]]) -> Table:
    columns = list(next(iter(matrix.values())).keys()) if matrix else []
    table = Table(title=f"{horizon} {scale}: given (rows) x realized (columns)")
    table.add_column("given")
    for c in columns:
        table.add_column(c, justify="right")
    for given, counts in matrix.items():
        table.add_row(given, *(str(counts[c]) for c in columns))
    return table
