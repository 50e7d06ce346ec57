"""Formats written in forked processes, beside each other, on the machine's other core.

WeasyPrint (its import and about a second of layout for the demo week) and the Word file's font
subset (seconds, when the report shows new characters) are the slow steps of a build, and both
hold the GIL, so threads would not help. A forked process inherits the report as it is, so
nothing has to be sent to it but the PDF's HTML.

``PdfWorker`` is forked at the start of ``build``: it imports WeasyPrint while the parent reads
the desk and the store, then lays out the HTML it is sent. ``ForkedJob`` runs one call (the
Word file) in a process of its own while the parent writes the HTML, Markdown and JSON files.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..errors import SectorWeeklyError


def _answer(conn: Connection, label: str, work: Callable[[], Any]) -> None:
    """Send ``("ok", value)`` or ``("error", one line, exit code)``; never a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops its workers, not Ctrl-C
    try:
        conn.send(("ok", work()))
    except EOFError:
        return  # the parent went away
    except SectorWeeklyError as exc:
        conn.send(("error", str(exc), exc.exit_code))
    except Exception as exc:  # reported by the parent as a one-line error
        conn.send(("error", f"{label}: {type(exc).__name__}: {exc}", 1))
    finally:
        conn.close()


class _Forked:
    def __init__(self, label: str, target: Callable[..., None], *args: Any) -> None:
        ctx = multiprocessing.get_context("fork")
        self.label = label
        self._conn, child = ctx.Pipe()
        self._proc: Any = ctx.Process(target=target, args=(child, *args), daemon=True)
        self._proc.start()
        child.close()
        self._done = False

    def result(self) -> Any:
        """The call's value; its error raised here as the same one-line error."""
        try:
            answer = self._conn.recv()
            self._done = True
        except EOFError:
            answer = ("error", f"{self.label}: its process stopped before it finished", 1)
        finally:
            self.close()
        if answer[0] == "ok":
            return answer[1]
        error = SectorWeeklyError(answer[1])
        error.exit_code = answer[2]
        raise error

    def close(self) -> None:
        """Stop the process if it has not answered (it exits by itself after answering)."""
        if not self._done and self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._conn.close()
        self._done = True


def _pdf(conn: Connection) -> None:
    def work() -> bytes:
        from . import pdf

        with contextlib.suppress(OSError):  # html_to_pdf says what is missing when asked
            import weasyprint  # noqa: F401  (warm: the import is half the worker's work)
        html, base_url = conn.recv()
        return pdf.html_to_pdf(html, Path(base_url))

    _answer(conn, "PDF", work)


class PdfWorker(_Forked):
    """One PDF, laid out in a forked process; ``submit`` the HTML, then ``result`` its bytes."""

    def __init__(self) -> None:
        super().__init__("PDF", _pdf)

    def submit(self, html: str, base_url: Path) -> None:
        self._conn.send((html, str(base_url)))


def _call(conn: Connection, label: str, fn: Callable[..., Any], *args: Any) -> None:
    _answer(conn, label, lambda: fn(*args))


class ForkedJob(_Forked):
    """``fn(*args)`` started now in a forked process; ``result()`` waits for its value."""

    def __init__(self, label: str, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__(label, _call, label, fn, *args)
