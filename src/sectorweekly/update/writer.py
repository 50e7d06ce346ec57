"""The one place the update writes the store: a symbol's checked rows, a share count.

Both go through the store's one writer (``store.ingest``); each call is its own transaction, so
an interrupted run keeps every symbol committed before the interruption.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import store
from ..errors import InputError, ProviderError


def commit_prices(path: Path, new: pd.DataFrame, changed: pd.DataFrame | None) -> tuple[int, int]:
    """Insert ``new`` rows and overwrite ``changed`` ones (``--force``); (added, replaced)."""
    frames = [f for f in (new, changed) if f is not None and len(f)]
    if not frames:
        return 0, 0
    rows = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    result = store.ingest(path, "prices", rows, replace=changed is not None and len(changed) > 0)
    return result.added, result.replaced


def commit_shares(path: Path, frame: pd.DataFrame) -> int:
    """Insert share counts not stored yet; the number added. A stored count for the same day
    with another value is kept and reported as the source's error, never overwritten."""
    try:
        return store.ingest(path, "shares", frame).added
    except InputError as exc:
        row = frame.iloc[0]
        raise ProviderError(
            "malformed", str(row.get("source", "shares")), str(row["symbol"]), exc.message
        ) from None
