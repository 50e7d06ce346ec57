"""Work split between this process and a forked copy of it, on the machine's other core.

Drawing the charts (matplotlib) holds the GIL, so threads would not help: ``in_two_processes``
runs a list of work items here and in a forked copy, half each (the copy inherits the modules
already imported). A copy's error comes back as the same one-line error with its exit code.
Which output runs in which process is decided by the renderer registry (``formats``) and the
task runner (``tasks``); this is the one step that splits itself further.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..errors import SectorWeeklyError, machine_error

T = TypeVar("T")

_BACKGROUND: dict[int, int] = {}  # pid of a forked copy -> the read end of its error pipe


def _fork(fn: Callable[[list[T]], None], items: list[T]) -> int:
    """``fn(items)`` in a forked copy of this process; its pid (``finish`` waits for it)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: the work, then an exit that runs no parent cleanup
        os.close(read_fd)
        code, message = 0, b""
        try:
            fn(items)
        except SectorWeeklyError as exc:
            code, message = exc.exit_code, str(exc).encode()
        except OSError as exc:
            error = machine_error(exc)
            code, message = error.exit_code, str(error).encode()
        except BaseException as exc:  # the parent reports it as one line
            code, message = 1, f"{type(exc).__name__}: {exc}".encode()
        finally:
            try:  # the parent may be gone (a failed build stopped it): exit all the same
                os.write(write_fd, message[:4000])
            finally:
                os._exit(code)
    os.close(write_fd)
    _BACKGROUND[pid] = read_fd
    return pid


def finish(pid: int | None) -> None:
    """Wait for the forked copy ``pid``; its error, if any, raised here as one line."""
    if pid is None:
        return
    with os.fdopen(_BACKGROUND.pop(pid), "rb") as pipe:
        message = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        error = SectorWeeklyError(message or f"a forked process stopped with code {code}")
        error.exit_code = code if code > 0 else 1
        raise error


def in_two_processes(fn: Callable[[list[T]], None], items: Sequence[T]) -> None:
    """``fn`` over ``items``: every other item in a forked copy of this process, the rest here.

    For CPU-bound work whose results land in files (the chart cache), on a two-core machine.
    The copy's error, if any, is raised here as the same one-line error.
    """
    if len(items) < 2 or (os.cpu_count() or 1) < 2:
        fn(list(items))
        return
    pid = _fork(fn, list(items[1::2]))
    try:
        fn(list(items[0::2]))
    finally:
        finish(pid)
