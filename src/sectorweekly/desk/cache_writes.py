"""Cache files are a convenience: one that cannot be written is skipped, with a warning.

The README says deleting ``$SECTORWEEKLY_HOME/cache`` is always safe, so a cache folder on a
full or read-only disk must not fail a build either: the value is used from memory this time,
the build succeeds, and the console says once per folder why the next build will be slower.
"""

from __future__ import annotations

from pathlib import Path

from .. import atomic
from ..errors import SectorWeeklyError
from .paths import cache_dir

_SKIPPED: dict[str, str] = {}  # cache root -> the warning, until the command prints it
_REFUSED: set[str] = set()  # folders that refused a write during this command


def keep(path: Path, data: bytes) -> bool:
    """Write a cache file whole, or note why not (never raises for an OS error)."""
    if str(path.parent) in _REFUSED:
        return False
    try:
        atomic.make_folder(path.parent)
        atomic.write_bytes(path, data)
        return True
    except SectorWeeklyError as exc:
        skipped(path.parent, str(exc))
        return False


def skipped(folder: Path, reason: str) -> None:
    """Note that ``folder`` was not written (``reason`` names the path and the OS's words);
    one warning for the whole cache (charts, fonts, pdf, analysis share one disk)."""
    _REFUSED.add(str(folder))
    root = cache_dir("") if folder.is_relative_to(cache_dir("")) else folder
    _SKIPPED.setdefault(str(root), f"warning: cache skipped: {reason}")


def take_warnings() -> list[str]:
    """The warnings noted since the last call, each once."""
    found = list(_SKIPPED.values())
    _SKIPPED.clear()
    _REFUSED.clear()
    return found
