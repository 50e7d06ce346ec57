"""Consoles for the command line: wrapped for a person, whole lines for logs and CI.

When a stream is not a terminal, rich would wrap at 80 columns and cut table cells to
``FAI…``; there each message stays on one line and tables keep every character.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from rich.console import Console

WIDE = 10_000


def _console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=WIDE, soft_wrap=True, highlight=False)


def out() -> Console:
    return _console(stderr=False)


def err() -> Console:
    return _console(stderr=True)


@contextlib.contextmanager
def status_line(console: Console) -> Iterator[Callable[[str], None]]:
    """A live status line on a terminal (what an import is doing); silent in logs."""
    if not sys.stderr.isatty():
        yield lambda _msg: None
        return
    with console.status("") as status:
        yield lambda msg: status.update(msg)
