"""Remember the week's analysis between builds: keyed by the store, the desk and the window.

The market review, the trackers and the ratings scorecard take most of a build's time and
depend only on the gathered week (``week.Week``) but its notes, the store's rows, the desk's
files (not its notes) and the code. An
analyst rebuilding after editing the notes gets them back from memory (a running preview) or
from ``$SECTORWEEKLY_HOME/cache/analysis`` (a new process), and only the notes are read again.

The store is identified by its files' size and modification time: every writer (import, update,
seeding) changes them, and a build never writes the store.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..desk import cache_writes
from ..desk.parse import Desk
from ..desk.paths import cache_dir

if TYPE_CHECKING:
    from .week import Week

_VERSION = b"1"
_MEMORY: OrderedDict[str, bytes] = OrderedDict()
_MEMORY_SIZE = 8
_DISK_SIZE = 32  # files kept in the cache folder, newest first


@cache
def _code_digest() -> str:
    """The package's code and data files (holiday lists…): a changed rule must never be
    answered from an older result. The demo desk is stamped as a desk, by ``desk_stamp``."""
    root = Path(__file__).parents[1]  # the whole package
    h = hashlib.sha256(_VERSION)
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.suffix in (".py", ".yaml", ".yml", ".csv") and rel.parts[0] != "demo":
            h.update(rel.as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _stamp(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_size}:{st.st_mtime_ns}"


def store_stamp(path: Path) -> str:
    """The store file and its WAL, by size and modification time."""
    return "|".join(_stamp(p) for p in (path, path.with_name(path.name + ".wal")))


def desk_stamp(desk: Desk, store: Path) -> str:
    """Every file of the desk folder except the notes (and a store kept inside it)."""
    root = desk.root.resolve()
    notes = (root / desk.notes_dir).resolve()
    store = store.resolve()
    entries = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() != notes)
        for name in sorted(files):
            path = here / name
            if path.resolve().parent == store.parent and name.startswith(store.name):
                continue  # the store, its WAL and lock: stamped by store_stamp
            entries.append(f"{path.relative_to(root).as_posix()}={_stamp(path)}")
    return "\n".join(entries)


NOT_KEYED = ("notes_file", "notes", "messages")
"""Fields of the week the key leaves out: the notes (read by the notes part alone, which is never
cached; their names to watch and risks are in the week's desk) and what gathering said."""


def analysis_key(week: Week, steps: list[Any]) -> str:
    """Key of what ``steps`` (the parts) compute from ``week``: every field of the week but
    ``NOT_KEYED``, the store's and the desk's files and the package's code."""
    h = hashlib.sha256()
    for part in (
        " ".join(f"{s.__module__}.{s.__qualname__}" for s in steps),
        _code_digest(),
        f"{week.window.start}..{week.window.end} published {week.published} in {week.lang}",
        str(week.desk.root.resolve()),
        week.desk.model_dump_json(),  # the notes' names to watch and risks are in here
        desk_stamp(week.desk, week.store),
        str(week.store),
        store_stamp(week.store),
        repr(sorted(week.ratings.items())),
        repr([(i.publication_date, i.kind, i.recorded_at, i.series) for i in week.archive]),
        week.calendars.key(),  # the desk's holidays, the store's closures and today
    ):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def _folder() -> Path:
    return cache_dir("analysis")


def load(key: str) -> Any | None:
    """The results saved under ``key`` as fresh objects (the build may change them), else None."""
    data = _MEMORY.get(key)
    if data is None:
        path = _folder() / f"{key}.pickle"
        try:
            data = path.read_bytes()
        except OSError:
            return None
    try:
        value = pickle.loads(data)
    except Exception:  # written by other code, or cut short: recompute
        return None
    _remember(key, data)
    return value


def save(key: str, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    _remember(key, data)
    folder = _folder()
    if not cache_writes.keep(folder / f"{key}.pickle", data):
        return  # a full or read-only cache folder slows the next build down, nothing more
    try:
        old = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for stale in old[_DISK_SIZE:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # another build pruned it first


def _remember(key: str, data: bytes) -> None:
    _MEMORY[key] = data
    _MEMORY.move_to_end(key)
    while len(_MEMORY) > _MEMORY_SIZE:
        _MEMORY.popitem(last=False)
