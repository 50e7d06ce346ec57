"""Import the desk's tracker files (``trackers.seed``) into its store once, again only on change."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import store, store_series
from .desk import Desk
from .errors import DeskError
from .providers.tracker_files import SeriesOptions, import_tracker_files

META_KEY = "tracker_seed_digest"


def _digest(desk: Desk) -> str:
    h = hashlib.sha256()
    for seed in desk.trackers.seed:
        h.update(seed.model_dump_json().encode())
        h.update((desk.root / seed.file).read_bytes())
    return h.hexdigest()[:16]


def seed_trackers(desk: Desk, path: Path) -> int:
    """Returns the number of rows added (0 when the store already holds this seed)."""
    seeds = desk.trackers.seed
    if not seeds:
        return 0
    for i, seed in enumerate(seeds):
        if not (desk.root / seed.file).is_file():
            raise DeskError(
                desk.root / "desk.yaml",
                f"trackers.seed[{i}].file",
                f"{seed.file} does not exist; expected a CSV or xlsx path relative to the desk",
            )
    digest = _digest(desk)
    if path.exists():
        with store.reader(path) as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchall()
            if row and row[0][0] == digest and store_series.has_tables(con):
                return 0
    added = 0
    for seed in seeds:
        opts = SeriesOptions(
            group=seed.group,
            unit=seed.unit,
            source=seed.source,
            aliases=seed.aliases,
            sample=seed.sample,
        )
        added += import_tracker_files(path, [desk.root / seed.file], seed.kind, opts).added
    with store.writer(path) as con:
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [META_KEY, digest]).fetchall()
    return added
