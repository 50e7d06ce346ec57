"""Option types shared by every command (one wording for one kind of mistake)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ..desk.parse import Desk
    from ..markets.calendars import Calendars

DeskOpt = Annotated[
    Path | None,
    typer.Option("--desk", metavar="FOLDER", help="Desk folder (default: the embedded demo desk)."),
]
WaitOpt = Annotated[
    float,
    typer.Option(
        min=0,
        metavar="SECONDS",
        help="Seconds to wait while another process writes (or reads) the store.",
    ),
]


def _encoding(value: str | None) -> str | None:
    """Only the documented encodings: any other codec would store mojibake."""
    from ..textfile import encoding_problem

    problem = None if value is None else encoding_problem(value)
    if problem is not None:
        raise typer.BadParameter(problem, param_hint="--encoding")
    return value


EncodingOpt = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        callback=_encoding,
        help="Text encoding of CSV files: utf-8, utf-8-sig, gb18030 or gbk (default: detected).",
    ),
]


def short_text(value: Any) -> Any:
    """A text option held to the field limit of every file (a 5,000-character --source is a
    mistake, never a stored value)."""
    from ..textfile import MAX_FIELD

    for item in value if isinstance(value, list | tuple) else [value]:
        if isinstance(item, str) and len(item) > MAX_FIELD:
            raise typer.BadParameter(f"{len(item)} characters; expected at most {MAX_FIELD}")
    return value


SheetOpt = Annotated[
    str | None,
    typer.Option(
        metavar="NAME|NUMBER",
        callback=short_text,
        help="Workbook sheet by name or number (default: the first sheet whose header this "
        "import knows).",
    ),
]


def option_date(value: str | None, flag: str) -> dt.date | None:
    """A YYYY-MM-DD option value; a usage error naming the flag otherwise."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; expected YYYY-MM-DD", param_hint=flag
        ) from None


def desk_and_calendars(desk_dir: Path | None) -> tuple[Desk, Calendars]:
    """The desk and its calendars, saying once on the console how its ``holidays:`` change the
    years the library or the package already know (each command loads its desk here)."""
    from ..console import err
    from ..desk.parse import load_desk
    from ..markets.calendars import Calendars

    desk = load_desk(desk_dir)
    cals = Calendars.of_desk(desk)
    for change in cals.desk_changes():
        err().print(change.line(), markup=False, highlight=False)
    return desk, cals
