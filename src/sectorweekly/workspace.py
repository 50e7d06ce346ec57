"""Where a desk's store lives and how a new store is seeded from the desk's own files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from . import store
from .desk import Desk, demo_desk_dir
from .providers.csv_prices import import_price_files, import_shares_file
from .tracker_seed import seed_trackers


def home() -> Path:
    """User data folder (``SECTORWEEKLY_HOME``, default ``~/.local/share/sectorweekly``)."""
    env = os.environ.get("SECTORWEEKLY_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sectorweekly"


def store_path(desk: Desk) -> Path:
    """The embedded demo desk keeps its store in the user folder, not inside the package."""
    if desk.root.resolve() == demo_desk_dir().resolve():
        return home() / "demo" / "store.duckdb"
    return desk.store_path


def seed_files(desk: Desk) -> tuple[list[Path], Path | None]:
    files: list[Path] = []
    for entry in desk.seed_prices:
        path = desk.root / entry
        files.extend(sorted(path.glob("*.csv")) if path.is_dir() else [path])
    shares = desk.root / desk.seed_shares if desk.seed_shares else None
    return files, shares


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def ensure_seeded(desk: Desk) -> tuple[Path, int]:
    """Import the desk's seed files once (again only when they change); returns rows added."""
    path = store_path(desk)
    seed_trackers(desk, path)  # the desk's tracker files (trackers.seed), digest-checked too
    files, shares = seed_files(desk)
    if not files:
        return path, 0
    digest = _digest(files + ([shares] if shares else []))
    if path.exists():
        with store.reader(path) as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'seed_digest'").fetchall()
        if row and row[0][0] == digest:
            return path, 0
    known = {s: i.market for s, i in desk.instruments.items()}
    _, added = import_price_files(path, files, known)
    if shares is not None:
        import_shares_file(path, shares)
    with store.writer(path) as con:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('seed_digest', ?)", [digest]).fetchall()
    return path, added
