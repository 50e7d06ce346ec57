"""Laid-out PDFs kept by what went into them, so an unchanged report is not laid out again.

WeasyPrint's layout (about a second for the demo week, on top of its half-second import) is the
slowest step of a build, and most builds while an analyst writes change nothing the PDF shows
(the notes are edited, the preview rebuilds, the same week is rebuilt). A PDF depends only on
its HTML, the files that HTML links (chart images, font files) and the engine's version, so the
cache key is a digest of exactly those.
"""

from __future__ import annotations

import hashlib
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..desk import cache_writes
from ..desk.paths import cache_dir

_LINKS = re.compile(r'(?:src|href)="([^"]+)"|url\("?([^)"]+)"?\)')


def _engine() -> str:
    try:
        return version("weasyprint")
    except PackageNotFoundError:
        return "absent"


def _linked_file(ref: str, base: Path) -> Path | None:
    if ref.startswith("data:"):
        return None  # inside the HTML, so inside the digest already
    if ref.startswith("file://"):
        return Path(unquote(urlparse(ref).path))
    if "://" in ref or ref.startswith("#"):
        return None  # never fetched (the PDF renderer refuses other URLs)
    return base / unquote(ref)


def key(html: str, base: Path) -> str:
    """Digest of the HTML, the bytes of every local file it links and the engine's version."""
    h = hashlib.sha256()
    h.update(_engine().encode())
    h.update(html.encode())
    refs = sorted({a or b for a, b in _LINKS.findall(html)})
    for ref in refs:
        path = _linked_file(ref, base)
        if path is None:
            continue
        h.update(ref.encode())
        if not path.is_file():
            h.update(b"missing")
        elif path.suffix.lower() in (".otf", ".ttf", ".woff", ".woff2"):
            st = path.stat()  # tens of megabytes: the installed file's size and time suffice
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
        else:
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:32]


def lookup(digest: str) -> bytes | None:
    path = cache_dir("pdf") / f"{digest}.pdf"
    try:
        return path.read_bytes()
    except OSError:  # not there (or not readable): laid out anew
        return None


def keep(digest: str, pdf: bytes) -> None:
    """Keep the laid-out PDF; a cache folder that cannot be written is skipped (a warning)."""
    cache_writes.keep(cache_dir("pdf") / f"{digest}.pdf", pdf)
