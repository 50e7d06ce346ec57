"""The command line: a thin layer over the library (build, import, init…).

Every command ends with a documented exit code and, on failure, one line on stderr:
0 done, 2 bad input or usage, 3 a date the exchange calendars do not know, 4 the store is busy
or lacks the data asked for, 5 an update source or a send channel failed, 6 this machine lacks something (font,
PDF engine, online extra), 7 the machine refused a file (disk full, read-only, no permission,
no such path), 70 an internal error (a bug; ``SECTORWEEKLY_DEBUG=1`` shows it).

May import every stage (it is the top of the flow); holds no logic a library user would need.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from typer._click import exceptions as click  # the click bundled with typer

from .. import console as consoles
from ..clock import ClockError
from ..errors import SectorWeeklyError, StoreError, machine_error, os_reason_in_text
from .imports import import_app
from .ratings import ratings_app

# typer prints Python types in help (`FILE... <list[Path]>`, `--symbols <list[str]>`); users
# read an argument's metavar and a value's kind in words.
_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "list[str]": "TEXT",
          "int range": "INTEGER", "float range": "NUMBER", "list[path]": "PATH"}  # fmt: skip
_option_type = typer.core.TyperOption.display_type_rich


def _plain_option_type(self: typer.core.TyperOption, ctx: typer.Context) -> str | None:
    shown = _option_type(self, ctx)
    if not shown or not shown.startswith("<"):
        return shown
    inner = shown.strip("<>.").lower()
    return _WORDS.get(inner, "[" + inner + "]")


typer.core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]
typer.core.TyperOption.display_type_rich = _plain_option_type  # type: ignore[method-assign]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Weekly sector tracking reports.",
)
app.add_typer(import_app, name="import")
app.add_typer(ratings_app, name="ratings")

console = consoles.out()
err_console = consoles.err()
INTERNAL_ERROR = 70


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"sectorweekly {version('sectorweekly')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Weekly sector tracking reports."""


def _register() -> None:
    from .archive import archive_app, backfill
    from .calendar import calendar
    from .new_desk import init
    from .reports import build, preview
    from .send import register
    from .universe import import_universe
    from .update import update

    app.command()(build)
    app.command()(preview)
    app.command()(init)
    app.command("update")(update)
    app.add_typer(archive_app, name="archive")
    app.command("backfill")(backfill)
    app.command("calendar")(calendar)
    register(app)  # release, send, weekly
    import_app.command("universe")(import_universe)


_register()


def _usage_line(exc: click.ClickException) -> str:
    msg = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        msg += f" (see {ctx.command_path} --help)"
    return msg


INTERRUPTED = "interrupted; the store keeps only what was committed before"


def _interrupted(exc: BaseException | None) -> bool:
    """Ctrl-C: as such, as DuckDB raised it from inside a query, or behind an error raised
    while the build was stopping for it (a pipe closed under a worker: its context is the
    interrupt), so that the user hears of the Ctrl-C, not of what it broke."""
    duck = sys.modules.get("duckdb")
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (KeyboardInterrupt, typer.Abort)):
            return True
        if duck is not None and isinstance(exc, getattr(duck, "InterruptException", ())):
            return True
        if isinstance(exc, RuntimeError) and str(exc).startswith("Query interrupted"):
            return True
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return False


def _store_disk_error(exc: Exception) -> str | None:
    """A DuckDB error that is the store's disk refusing a write (full, read-only), in words."""
    duck = sys.modules.get("duckdb")
    if duck is None or not isinstance(exc, duck.Error):
        return None
    reason = os_reason_in_text(str(exc))
    return f"cannot write the store: {reason}" if reason else None


def main() -> None:
    try:
        code = app(standalone_mode=False, prog_name="sectorweekly")
        if code == 130:  # typer turns Ctrl-C into this code, silently
            _fail(INTERRUPTED, 130)
    except SectorWeeklyError as exc:  # its own words, an interrupted update's included
        _fail(str(exc), exc.exit_code)
    except ClockError as exc:
        _fail(str(exc), 2)
    except OSError as exc:  # the machine refused a file: full disk, read-only, permission
        if _interrupted(exc):
            _fail(INTERRUPTED, 130)
        error = machine_error(exc)
        _fail(str(error), error.exit_code)
    except click.NoArgsIsHelpError as exc:
        if exc.ctx is not None:
            console.print(exc.ctx.get_help(), markup=False)
        sys.exit(2)
    except click.UsageError as exc:
        _fail(_usage_line(exc), 2)
    except click.ClickException as exc:
        _fail(_usage_line(exc), exc.exit_code or 2)
    except (typer.Abort, KeyboardInterrupt):
        _fail(INTERRUPTED, 130)
    except Exception as exc:
        if _interrupted(exc):
            _fail(INTERRUPTED, 130)
        unwritable = _store_disk_error(exc)
        if unwritable is not None:
            _fail(unwritable, StoreError.exit_code)
        if os.environ.get("SECTORWEEKLY_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        _fail(
            f"internal error ({type(exc).__name__}: {first}); please report it "
            "(SECTORWEEKLY_DEBUG=1 shows where)",
            INTERNAL_ERROR,
        )
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    err_console.print(f"error: {' '.join(message.split())}", markup=False)
    sys.exit(code)
