"""The desk's own rating history (``ratings.history`` in desk.yaml), loaded into its store.

Loaded once and again only when the file changes (a digest in the store's meta table), after the
desk's price seed, so every command that reads ratings sees the same rows.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import rating_records
from .analysis.rating_scale import RatingScales
from .desk import Desk
from .providers.ratings_csv import import_rating_files
from .workspace import ensure_seeded

DIGEST_KEY = "ratings_seed_digest"


def known_symbols(desk: Desk, path: Path) -> set[str]:
    """Symbols a rating may name: the desk's instruments and whatever the store holds."""
    return set(desk.instruments) | rating_records.stored_symbols(path)


def ensure_ratings_seeded(desk: Desk) -> tuple[Path, int]:
    """Seed prices (as a build does), then the desk's rating history; returns (store, added)."""
    path, _ = ensure_seeded(desk)
    history = desk.ratings.history
    if not history:
        return path, 0
    file = desk.root / history
    digest = hashlib.sha256(
        file.read_bytes() + str(desk.ratings.history_sample).encode()
    ).hexdigest()[:16]
    if rating_records.meta_value(path, DIGEST_KEY) == digest:
        return path, 0
    _, added = import_rating_files(
        path,
        [file],
        RatingScales.from_desk(desk.ratings),
        known_symbols(desk, path),
        sample=desk.ratings.history_sample,
        meta={DIGEST_KEY: digest},
    )
    return path, added
