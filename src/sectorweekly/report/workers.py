"""A forked helper process for a build's slow steps, on the machine's other core.

Drawing the charts (matplotlib) and laying out the PDF (WeasyPrint) are the slow steps of a
build, and both hold the GIL, so threads would not help. ``Worker`` is forked when ``build``
starts: it imports the libraries it will need while the parent reads the desk, seeds the store
and builds the report model, then runs the calls it is sent, one at a time. A forked process
inherits the parent's modules, so a call is sent as a reference to a module-level function
and its arguments.

``in_two_processes`` runs a list of work items in this process and a forked copy of it, half
each: used for the charts, while the parent process makes the font subset. ``in_background``
starts work in a forked copy at a lower priority and ``finish`` waits for it (the table images,
which nothing waits on until the build ends). A copy's error comes back as the same one-line
error with its exit code.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from ..errors import SectorWeeklyError, machine_error

T = TypeVar("T")

# what a build's worker imports while the parent builds the model: the PDF's first (a build
# whose charts are cached needs only those), then matplotlib in steps of a fifth of a second
BUILD_MODULES = (
    "weasyprint",
    "sectorweekly.report.pdf",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "sectorweekly.report.chart_drawing",
)


def _answer(conn: Connection, label: str, work: Callable[[], Any]) -> None:
    """Send ``("ok", value)`` or ``("error", one line, exit code)``; never a traceback."""
    try:
        conn.send(("ok", work()))
    except SectorWeeklyError as exc:
        conn.send(("error", str(exc), exc.exit_code))
    except OSError as exc:  # a full disk, a read-only folder: one line naming the path
        error = machine_error(exc)
        conn.send(("error", str(error), error.exit_code))
    except Exception as exc:  # reported by the parent as a one-line error
        conn.send(("error", f"{label}: {type(exc).__name__}: {exc}", 1))


def _serve(conn: Connection, label: str, warm: Sequence[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops its worker, not Ctrl-C
    for name in warm:
        if conn.poll():
            break  # a call came: it imports what it needs itself
        with contextlib.suppress(Exception):  # a failing import is reported by the call needing it
            importlib.import_module(name)
    try:
        while True:
            fn, args = conn.recv()
            _answer(conn, label, lambda fn=fn, args=args: fn(*args))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        return  # the parent went away
    finally:
        conn.close()


class Worker:
    """A forked process that imports ``warm`` at once, then runs ``submit``-ted calls in turn."""

    def __init__(self, label: str = "build", warm: Sequence[str] = BUILD_MODULES) -> None:
        ctx = multiprocessing.get_context("fork")
        self.label = label
        self._conn, child = ctx.Pipe()
        self._proc: Any = ctx.Process(target=_serve, args=(child, label, tuple(warm)), daemon=True)
        self._proc.start()
        child.close()
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Start ``fn(*args)`` in the worker (``fn`` a module-level function)."""
        if self._closed:
            raise SectorWeeklyError(f"{self.label}: the worker was already stopped")
        self._conn.send((fn, args))

    def result(self) -> Any:
        """The value of the oldest call not yet collected; its error raised here, one line."""
        try:
            answer = self._conn.recv()
        except EOFError:
            self.close()
            answer = ("error", f"{self.label}: its process stopped before it finished", 1)
        if answer[0] == "ok":
            return answer[1]
        error = SectorWeeklyError(answer[1])
        error.exit_code = answer[2]
        raise error

    def close(self) -> None:
        """Stop the process at once: it may still be importing, or busy with a call nobody will
        collect (its results are files and answers; nothing is lost by stopping it)."""
        if self._closed:
            return
        self._closed = True
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        self._conn.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_BACKGROUND: dict[int, int] = {}  # pid of a forked copy -> the read end of its error pipe


def _fork(fn: Callable[[list[T]], None], items: list[T], nice: int = 0) -> int:
    """``fn(items)`` in a forked copy of this process; its pid (``finish`` waits for it)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: the work, then an exit that runs no parent cleanup
        os.close(read_fd)
        code, message = 0, b""
        try:
            if nice:
                os.nice(nice)
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


def in_background(fn: Callable[[list[T]], None], items: Sequence[T]) -> int | None:
    """``fn(items)`` started in a forked copy at a lower priority, for work nothing waits on
    soon (the table images, while the PDF is laid out); its pid for ``finish``, or None."""
    return _fork(fn, list(items), nice=10) if items else None


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
