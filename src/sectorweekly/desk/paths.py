"""Where things live on this machine: the user folder, a desk's store, the caches.

Kept apart from ``workspace`` (which loads a desk's files into its store) and importing
nothing of the package at load time, so that the renderers can find their cache folders without
reaching the store, the providers or the desk.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .parse import Desk


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
    """The store of a desk: its ``store:`` key, relative to the desk; the embedded demo desk
    keeps its store in the user folder, not inside the package."""
    from .parse import demo_desk_dir

    if desk.root.resolve() == demo_desk_dir().resolve():
        return home() / "demo" / "store.duckdb"
    return (desk.root / desk.store).resolve()
