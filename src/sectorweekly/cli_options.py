"""Option types shared by every command (one wording for one kind of mistake)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

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
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="Text encoding of CSV files: utf-8 or gb18030 (default: detected).",
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
