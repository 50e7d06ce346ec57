"""The PDF laid out in a second process, beside the other formats.

WeasyPrint is the slowest step of a build (its import and about a second of layout for the demo
week) and holds the GIL, so a thread would not help. A worker forked at the start of the
command imports WeasyPrint while the parent reads the desk and the store, then lays out the
HTML it is sent while the parent writes the Word, HTML, Markdown and JSON files.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..errors import SectorWeeklyError


def _serve(conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the worker, not Ctrl-C
    try:
        from . import pdf

        with contextlib.suppress(OSError):  # html_to_pdf says what is missing when asked
            import weasyprint  # noqa: F401  (warm: the import is half the worker's work)
        html, base_url = conn.recv()
        conn.send(("ok", pdf.html_to_pdf(html, Path(base_url))))
    except EOFError:
        return
    except SectorWeeklyError as exc:
        conn.send(("error", str(exc), exc.exit_code))
    except Exception as exc:  # reported by the parent as a one-line error
        conn.send(("error", f"PDF: {type(exc).__name__}: {exc}", 1))
    finally:
        conn.close()


class PdfWorker:
    """One PDF, laid out in a forked process; ``submit`` the HTML, then ``result`` its bytes."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc: Any = ctx.Process(target=_serve, args=(child,), daemon=True)
        self._proc.start()
        child.close()
        self._done = False

    def submit(self, html: str, base_url: Path) -> None:
        self._conn.send((html, str(base_url)))

    def result(self) -> bytes:
        try:
            answer = self._conn.recv()
            self._done = True
        except EOFError:
            answer = ("error", "PDF: the PDF process stopped before it finished", 1)
        finally:
            self.close()
        if answer[0] == "ok":
            return answer[1]
        error = SectorWeeklyError(answer[1])
        error.exit_code = answer[2]
        raise error

    def close(self) -> None:
        """Stop the worker if it has not answered (it exits by itself after one PDF)."""
        if not self._done and self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._conn.close()
        self._done = True
