"""Live preview: the HTML report served on 127.0.0.1, rebuilt when the desk or the store changes.

The analyst keeps the page open while writing the week's notes. A watcher compares the desk's
files and the store's stamps every ``POLL_S`` seconds; on a change the report is built again,
and the analysis the change did not touch comes from the build cache (``build_cache``), so an
edit of the notes costs the notes, the page and nothing else. The page waits on ``/wait`` (a
long poll) and reloads when the version moves. A build that fails keeps the last good report
on the page with the error above it, the same ``FILE:LINE: …`` line the CLI prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from ..desk.paths import store_path
from ..errors import SectorWeeklyError
from ..report.fonts import SANS, css_string, font_files
from ..report.html import LiveState, render_html
from ..report.model import Report

POLL_S = 0.1  # how often the desk's files are compared
WAIT_S = 20.0  # longest a page's /wait request is held before it asks again
FONT_URL = "/font/sans.otf"


def _snapshot(desk_dir: Path, store: Path | None) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file of the desk, and of the store's files."""
    seen: dict[str, tuple[int, int]] = {}
    for folder, dirs, files in os.walk(desk_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except FileNotFoundError:
                continue  # removed while we looked
            seen[path] = (st.st_size, st.st_mtime_ns)
    if store is not None:
        for path in (store, store.with_name(store.name + ".wal")):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            seen[str(path)] = (st.st_size, st.st_mtime_ns)
    return seen


class Preview:
    """The state the server shows: the last good report's page and the last build's error."""

    def __init__(
        self, desk_dir: Path | None, start: dt.date | None, end: dt.date | None, work: Path
    ) -> None:
        self.desk_dir = desk_dir
        self.start, self.end = start, end
        self.work = work
        self.report: Report | None = None
        self.error: str | None = None
        self.version = 0
        self.page = b""
        self.changed = threading.Condition()
        self.store: Path | None = None
        self.last_build_s = 0.0
        self.stopping = False
        self.holiday_lines: list[str] = []  # how the desk's holidays: change known years

    def watched_dir(self) -> Path:
        from ..desk.parse import demo_desk_dir

        return self.desk_dir or demo_desk_dir()

    def rebuild(self) -> None:
        """Build the report again; on a bad input keep the last good one and show the error."""
        from ..build.flow import BuildContext, build_report
        from ..desk.parse import load_desk
        from ..markets.calendars import Calendars
        from ..report.render import made_for
        from ..update.workspace import prepare

        t0 = time.perf_counter()
        try:
            desk = load_desk(self.desk_dir)
            self.holiday_lines = [c.line() for c in Calendars.of_desk(desk).desk_changes()]
            self.store, _ = prepare(desk)  # the edge step of every command: seeds the store
            report = build_report(desk, self.start, self.end, BuildContext())
            made_for(report, self.work, ("html",), skip=("font",))  # the page serves its font
        except SectorWeeklyError as exc:
            self.error = f"error: {exc}"
        else:
            self.report, self.error = report, None
        self._publish()
        self.last_build_s = time.perf_counter() - t0

    def _publish(self) -> None:
        font_css = (
            f"@font-face {{ font-family: {css_string(SANS)}; "
            f'src: url("{FONT_URL}") format("opentype"); }}'
        )
        with self.changed:
            live = LiveState(version=str(self.version + 1), error=self.error)
            self.page = render_html(self.report, self.work, font_css=font_css, live=live).encode()
            self.version += 1
            self.changed.notify_all()

    def wait_for(self, seen: str, timeout: float) -> str:
        """The version once it differs from ``seen`` (or after ``timeout`` seconds)."""
        with self.changed:
            self.changed.wait_for(
                lambda: self.stopping or str(self.version) != seen, timeout=timeout
            )
            return str(self.version)

    def stop(self) -> None:
        """Let every waiting page request go."""
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    font = font_files()[SANS]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path in ("/", "/index.html", "/report.html"):
                self._send(preview.page, "text/html; charset=utf-8")
            elif url.path == "/version":
                self._send(str(preview.version).encode(), "text/plain")
            elif url.path == "/wait":
                seen = parse_qs(url.query).get("v", [""])[0]
                version = preview.wait_for(seen, WAIT_S)
                self._send(version.encode(), "text/plain")
            elif url.path == FONT_URL:
                self._send(font.read_bytes(), "font/otf", cache=True)
            else:
                self._send(b"not found", "text/plain", status=HTTPStatus.NOT_FOUND)

        def _send(
            self, body: bytes, kind: str, *, cache: bool = False, status: int = HTTPStatus.OK
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)  # unless the page went away (reloaded or closed)

        def log_message(self, format: str, *args: object) -> None:
            pass  # a request per reload is not news

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a page's pending /wait must not hold up Ctrl-C


def serve(
    desk_dir: Path | None,
    start: dt.date | None,
    end: dt.date | None,
    port: int,
    say: Callable[[str], None],
    stop: threading.Event,
) -> None:
    """Build, serve on 127.0.0.1:``port`` (0: any free port), watch and rebuild until ``stop``."""
    work = Path(tempfile.mkdtemp(prefix="sectorweekly-preview-"))
    preview = Preview(desk_dir, start, end, work)
    try:
        from ..desk.parse import load_desk

        with contextlib.suppress(SectorWeeklyError):
            preview.store = store_path(load_desk(desk_dir))
        # taken before the first build: an edit made while it runs, or before the watcher starts,
        # is seen as a change (so is the store seeded by the first build: built again, cached)
        before = _snapshot(preview.watched_dir(), preview.store)
        # bound before the first build: a taken port is said at once, not after a build
        server = _Server(("127.0.0.1", port), _handler(preview))
        try:
            preview.rebuild()
            for line in preview.holiday_lines:
                say(line)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            host, bound = server.server_address[:2]
            say(f"preview on http://{host}:{bound}/ (built in {preview.last_build_s:.2f}s)")
            if preview.error:
                say(preview.error)
            try:
                _watch(preview, say, stop, before)
            finally:
                server.shutdown()
                preview.stop()
        finally:
            server.server_close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _watch(
    preview: Preview,
    say: Callable[[str], None],
    stop: threading.Event,
    before: dict[str, tuple[int, int]],
) -> None:
    folder = preview.watched_dir()
    while not stop.wait(POLL_S):
        now = _snapshot(folder, preview.store)
        if now == before:
            continue
        before = now  # taken before the build: an edit made while it runs is seen next time
        said = preview.holiday_lines
        preview.rebuild()
        if preview.holiday_lines != said:  # the desk's holidays: key changed: say how, once
            for line in preview.holiday_lines:
                say(line)
        if preview.error:
            say(preview.error)
        else:
            say(f"rebuilt in {preview.last_build_s:.2f}s")
