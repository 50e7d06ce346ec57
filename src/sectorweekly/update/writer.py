"""The one place the update writes the store: a symbol's checked rows, a share count.

Each call is its own transaction, so an interrupted run keeps every symbol committed before the
interruption. Kept apart so the update can move to the store's single writer in one place.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import store


def commit_prices(path: Path, new: pd.DataFrame, changed: pd.DataFrame | None) -> tuple[int, int]:
    """Insert ``new`` rows and overwrite ``changed`` ones; (rows added, rows replaced)."""
    added = replaced = 0
    with store.transaction(path) as con:
        if len(new):
            added = store.insert_prices(con, new)
        if changed is not None and len(changed):
            replaced = store.replace_prices(con, changed)
    return added, replaced


def commit_shares(path: Path, frame: pd.DataFrame) -> int:
    """Insert share counts not stored yet; the number added."""
    with store.transaction(path) as con:
        return store.insert_new(
            con, "shares", frame, "symbol, as_of, shares, source, note", "symbol, as_of"
        )
