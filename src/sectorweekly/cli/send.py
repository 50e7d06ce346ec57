"""`sectorweekly release` and `sectorweekly send`: a published issue released, then sent to the
desk's targets with a ledger row per message."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from .. import console as consoles
from ..errors import SectorWeeklyError
from .archive import ReportsOpt
from .options import DeskOpt, desk_and_calendars, option_date

console = consoles.out()
err_console = consoles.err()

DateArg = Annotated[
    str, typer.Argument(metavar="DATE", help="The issue's publication date (YYYY-MM-DD).")
]


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container
        return "unknown"


def release(
    date: DateArg,
    reports: ReportsOpt = None,
    desk: DeskOpt = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who releases it (default: the login name).")
    ] = None,
) -> None:
    """Release a published issue: record who, when and the sha256 of each of its documents."""
    from ..send.release import release as run_release
    from ..send.release import releases_path
    from ..series.publish import reports_folder

    day = option_date(date, "DATE")
    assert day is not None
    if desk is not None:
        desk_and_calendars(desk)  # a broken desk.yaml is said now, not at the send
    folder = reports_folder(reports, None)
    entry, before = run_release(folder, day, (by or _who()).strip() or "unknown")
    again = (
        f" (again; released before at {before.released_at:%Y-%m-%d %H:%M} UTC)" if before else ""
    )
    console.print(
        f"released {day} by {entry.by} at {entry.released_at:%Y-%m-%d %H:%M} UTC: "
        f"{len(entry.digests)} documents in {releases_path(folder)}{again}",
        markup=False,
        highlight=False,
    )


class SendFailed(SectorWeeklyError):
    def __init__(self, line: str, code: int) -> None:
        super().__init__(line)
        self.exit_code = code


def send(
    date: DateArg,
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to",
            metavar="NAME",
            help="A target under distribution.targets; repeatable "
            "(default: distribution.default_targets).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would go where, with byte counts.")
    ] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Send to a target that already received this release.")
    ] = False,
    reports: ReportsOpt = None,
    desk: DeskOpt = None,
) -> None:
    """Send a released issue to the desk's targets (e-mail, group robots); every message is
    recorded in send-ledger.csv beside the archive."""
    from ..send.ledger import ledger_path
    from ..send.sender import send as run_send
    from ..series.publish import reports_folder

    day = option_date(date, "DATE")
    assert day is not None
    d, _ = desk_and_calendars(desk)
    names = list(to or d.distribution.default_targets)
    if not names:
        raise typer.BadParameter(
            "no target given and desk.yaml has no distribution.default_targets", param_hint="--to"
        )
    folder = reports_folder(reports, None)

    def say(line: str) -> None:
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    result = run_send(
        d.distribution, folder, day, names, os.environ, dry_run=dry_run, again=again, say=say,
        desk_root=d.root,
    )  # fmt: skip
    for _, line in result.errors[1:]:
        err_console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    if result.rows:
        err_console.print(
            f"{len(result.rows)} ledger rows added to {ledger_path(folder)}",
            markup=False,
            style="dim",
        )
    if result.errors:
        raise SendFailed(result.errors[0][1], result.exit_code)


def register(app: typer.Typer) -> None:
    from .weekly import weekly

    app.command("release")(release)
    app.command("send")(send)
    app.command("weekly")(weekly)
