"""Rating history files: ``date,symbol,rating[,analyst,target_price,note]``.

Every row is checked (date, known symbol, a rating on the desk's scales in Chinese or English,
positive target price) and compared with the store before the writer opens, so a bad file leaves
the store byte-for-byte as it was; identical re-imports write nothing.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from pathlib import Path

import pandas as pd

from .. import rating_records
from ..analysis.rating_scale import RatingScales
from ..errors import InputError
from .rows import csv_rows, drop_repeats, drop_stored, parse_date

REQUIRED = ["date", "symbol", "rating"]
OPTIONAL = ["analyst", "target_price", "note"]
EXPECTED_HEADER = "expected a header date,symbol,rating[,analyst,target_price,note]"


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def read_ratings_file(
    path: Path, scales: RatingScales, known_symbols: Collection[str]
) -> pd.DataFrame:
    """Parse and check one file; raises InputError naming FILE:ROW at the first bad row."""
    lookup = scales.lookup()
    records = [
        _check_row(path, line_no, raw, idx, lookup, scales, known_symbols)
        for idx, line_no, raw in csv_rows(path, REQUIRED, EXPECTED_HEADER, REQUIRED + OPTIONAL)
    ]
    if not records:
        raise InputError(path, 2, "no data rows; expected at least one rating row")
    return pd.DataFrame.from_records(records)


def _check_row(
    path: Path,
    line_no: int,
    raw: list[str],
    idx: Mapping[str, int],
    lookup: Mapping[str, tuple[str, str]],
    scales: RatingScales,
    known_symbols: Collection[str],
) -> dict[str, object]:
    def get(col: str) -> str:
        i = idx.get(col)
        return raw[i].strip() if i is not None else ""

    date_text = get("date")
    day = parse_date(date_text)
    if day is None:
        raise InputError(path, line_no, f"date '{date_text}' is not a date; expected YYYY-MM-DD")
    symbol = get("symbol")
    if not symbol:
        raise InputError(path, line_no, "empty symbol; expected a code such as 688256 or NVDA")
    if symbol not in known_symbols:
        raise InputError(
            path,
            line_no,
            f"symbol '{symbol}' is neither under the desk's instruments nor in the store; "
            "add it to desk.yaml or import its prices first",
        )
    rating_text = get("rating")
    found = lookup.get(rating_text.casefold())
    if found is None:
        raise InputError(
            path,
            line_no,
            f"rating '{rating_text}' is not on the desk's scales; expected {scales.expected_text()}",
        )
    target_text = get("target_price")
    target: float | None = None
    if target_text:
        try:
            target = float(target_text.replace(",", ""))
        except ValueError:
            target = math.nan
        if not (math.isfinite(target) and target > 0):
            raise InputError(
                path,
                line_no,
                f"target_price '{target_text}' is not a positive number; expected e.g. 123.45 or empty",
            )
    return {
        "symbol": symbol,
        "date": day,
        "rating": found[0],
        "analyst": get("analyst") or None,
        "target_price": target,
        "note": get("note") or None,
        "source": f"csv:{path.name}",
        "file": str(path),
        "line": line_no,
    }


def load_rating_files(
    paths: list[Path], scales: RatingScales, known_symbols: Collection[str]
) -> pd.DataFrame:
    """Read every file, then reject conflicting duplicates (same symbol and date) inside the call."""
    frames = [read_ratings_file(p, scales, known_symbols) for p in paths]
    rows = pd.concat(frames, ignore_index=True)
    return drop_repeats(
        rows,
        rating_records.COMPARED,
        lambda rec, prev, col, where: (
            f"duplicate rating for {rec['symbol']} on {rec['date']} with {col} "
            f"'{rec[col]}' (already '{prev[col]}' at {where}); expected one rating per symbol and date"
        ),
    )


def new_rows(store_path: Path, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows not yet stored; a stored row with the same key but other values is an error."""
    stored = rating_records.stored_for_keys(store_path, rows)
    return drop_stored(
        rows,
        stored,
        rating_records.COMPARED,
        lambda rec, old, col: (
            f"{rec['symbol']} {rec['date']} {col} '{_text(rec[col]) or ''}' differs from "
            f"the stored '{_text(old[col]) or ''}'; expected the same value "
            "(stored ratings are not overwritten)"
        ),
    )


def import_rating_files(
    store_path: Path,
    paths: list[Path],
    scales: RatingScales,
    known_symbols: Collection[str],
    *,
    sample: bool = False,
    meta: Mapping[str, str] | None = None,
) -> tuple[int, int]:
    """Validate all files against the desk and the store, then add new rows in one transaction.

    Returns (rows read, rows added); nothing new means the writer is never opened.
    """
    rows = load_rating_files(paths, scales, known_symbols)
    fresh = new_rows(store_path, rows).assign(sample=sample)
    if fresh.empty and not meta:
        return len(rows), 0
    added = rating_records.write_ratings(store_path, fresh, meta)
    return len(rows), added
