"""What every file import shares: dates, value comparison, and duplicate keys.

A repeated (symbol, date) with the same values is dropped; with other values it is an error that
names both places. Rows already in the store are compared the same way, so re-importing a file
is a no-op and nothing stored is ever silently overwritten.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..errors import InputError

KEY = ["symbol", "date"]
Record = Mapping[str, object]


def csv_rows(
    path: Path,
    required: Sequence[str],
    expected: str,
    allowed: Sequence[str] | None = None,
) -> Iterator[tuple[dict[str, int], int, list[str]]]:
    """Yield (column index, line number, fields) of each non-blank row of a CSV file.

    The header is checked first (lower-cased; every ``required`` column present; only
    ``allowed`` ones when given) and every row must have as many fields as the header: each
    failure is an InputError naming the file and line, ending with ``expected``.
    """
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(path, None, f"cannot read the file ({exc.strerror})") from None
    with handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        if not header:
            raise InputError(path, 1, f"empty file; {expected}")
        for col in required:
            if col not in header:
                raise InputError(path, 1, f"missing column '{col}'; {expected}")
        if allowed is not None:
            for col in header:
                if col not in allowed:
                    raise InputError(path, 1, f"unknown column '{col}'; {expected}")
        idx = {name: i for i, name in enumerate(header)}
        for line_no, raw in enumerate(reader, start=2):
            if not raw or all(not c.strip() for c in raw):
                continue
            if len(raw) != len(header):
                raise InputError(
                    path, line_no, f"{len(raw)} fields, expected {len(header)} as in the header"
                )
            yield idx, line_no, raw


def parse_date(text: str) -> dt.date | None:
    """YYYY-MM-DD, YYYYMMDD or YYYY/MM/DD; None when it is none of them."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def same_value(a: object, b: object) -> bool:
    """Equal as numbers (to 1e-9 relative) when both are numbers, else as trimmed text."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    fa, fb = _number(a), _number(b)
    if fa is not None and fb is not None and not (isinstance(a, str) and isinstance(b, str)):
        return abs(fa - fb) <= 1e-9 * max(1.0, abs(fa))
    return str(a).strip() == str(b).strip()


def first_difference(a: Record, b: Record, columns: Sequence[str]) -> str | None:
    for col in columns:
        if not same_value(a.get(col), b.get(col)):
            return col
    return None


Describe = Callable[[Record, Record, str], str]
DescribeRepeat = Callable[[Record, Record, str, str], str]


def drop_repeats(
    rows: pd.DataFrame, columns: Sequence[str], describe: DescribeRepeat
) -> pd.DataFrame:
    """Keep the first of identical repeats of a key; raise at a repeat with other values.

    ``describe(row, earlier, column, where_earlier)`` words the error; rows carry ``file``
    and ``line``.
    """
    seen: dict[tuple[object, ...], Record] = {}
    keep = []
    for rec in rows.to_dict("records"):
        key = tuple(rec[k] for k in KEY)
        prev = seen.get(key)
        if prev is None:
            seen[key] = rec
            keep.append(True)
            continue
        col = first_difference(rec, prev, columns)
        if col is not None:
            where = f"{Path(str(prev['file'])).name}:{prev['line']}"
            raise InputError(rec["file"], rec["line"], describe(rec, prev, col, where))
        keep.append(False)
    return rows[keep].reset_index(drop=True)


def drop_stored(
    rows: pd.DataFrame, stored: pd.DataFrame, columns: Sequence[str], describe: Describe
) -> pd.DataFrame:
    """Rows whose key is not stored yet; a stored key with other values raises."""
    if stored.empty:
        return rows
    merged = rows.merge(stored, on=KEY, suffixes=("", "_stored"))
    for rec in merged.to_dict("records"):
        old = {c: rec[f"{c}_stored"] for c in columns}
        col = first_difference(rec, old, columns)
        if col is not None:
            raise InputError(rec["file"], rec["line"], describe(rec, old, col))
    known = set(zip(stored["symbol"], stored["date"], strict=True))
    mask = [(s, d) not in known for s, d in zip(rows["symbol"], rows["date"], strict=True)]
    return rows[mask].reset_index(drop=True)
