"""Where things live on this machine: the user folder, a desk's store, the caches.

Kept apart from ``workspace`` (which loads a desk's files into its store) so that the
renderers and the build can find a cache folder or the store file without importing the
providers and the store's writer.
"""

from __future__ import annotations

import os
from pathlib import Path

from .desk import Desk, demo_desk_dir


def home() -> Path:
    """User data folder (``SECTORWEEKLY_HOME``, default ``~/.local/share/sectorweekly``)."""
    env = os.environ.get("SECTORWEEKLY_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sectorweekly"


def cache_dir(kind: str) -> Path:
    """A cache folder under the user folder (``charts``, ``fonts``, ``analysis``…)."""
    return home() / "cache" / kind


def store_path(desk: Desk) -> Path:
    """The embedded demo desk keeps its store in the user folder, not inside the package."""
    if desk.root.resolve() == demo_desk_dir().resolve():
        return home() / "demo" / "store.duckdb"
    return desk.store_path
