"""One declarative column schema per kind of file: name, parser, required, what is expected.

Readers turn a row of text cells into typed values with :func:`parse_row`, which words every
mistake the same way (``FILE:ROW: close 'abc' is not valid; expected a price > 0 such as
12.34``). The same schema gives the header check. Which columns a kind stores, its key and its
conflict rule live with the store (``store/kinds.py``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..markets import codes


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]  # text -> value; raises ValueError when the text is not one
    required: bool = False  # the header must have it and no cell may be empty
    expected: str = ""  # what a valid cell looks like, for the message
    header: bool = True  # False: optional in the header even when cells must not be empty


def parse_date(text: str) -> dt.date:
    """YYYY-MM-DD, YYYYMMDD or YYYY/MM/DD."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("is not a date")


def finite(text: str) -> float:
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        raise ValueError("is not a number") from None
    if not math.isfinite(value):
        raise ValueError("is not a finite number")
    return value


def positive(text: str) -> float:
    value = finite(text)
    if value <= 0:
        raise ValueError("is not a positive number")
    return value


def text(value: str) -> str:
    return value.strip()


def symbol(value: str) -> str:
    """A symbol in the store's one form (``600000.SH`` -> ``600000``, ``nvda`` -> ``NVDA``)."""
    return codes.canonical_symbol(value)


DATE = "YYYY-MM-DD"
PRICE = "a price > 0 such as 12.34"

SHARES = (
    Column("symbol", symbol, True, codes.SYMBOL_EXPECTED),
    Column("as_of", parse_date, True, DATE),
    Column("shares", positive, True, "a finite number of shares > 0 such as 1121166509"),
    Column("source", text),
    Column("note", text),
)
RATINGS = (
    Column("date", parse_date, True, DATE),
    Column("symbol", symbol, True, codes.SYMBOL_EXPECTED),
    Column("rating", text, True, "a rating on the desk's scales"),
    Column("analyst", text),
    Column("target_price", positive, False, "a price > 0 such as 123.45, or empty"),
    Column("note", text),
)
GPU = (
    Column("date", parse_date, True, DATE),
    Column("model", text, True, "a GPU model such as H100"),
    Column("condition", text, True, "new or used"),
    Column("price", positive, True, "a positive price such as 25000"),
    Column("currency", text, True, "a currency code such as USD or CNY"),
    Column("source", text),
)


def header_index(
    path: Path, header: Sequence[str], columns: Sequence[Column], strict: bool = False
) -> dict[str, int]:
    """Column positions by lower-cased name; a missing required (or, strict, unknown) column
    is an error on line 1."""
    names = [h.strip().lower() for h in header]
    expected = "expected a header " + ",".join(c.name for c in columns if c.required)
    optional = [c.name for c in columns if not c.required]
    if optional:
        expected += "[," + ",".join(optional) + "]"
    if not any(names):
        raise InputError(path, 1, f"empty file; {expected}")
    for col in columns:
        if col.required and col.name not in names:
            raise InputError(path, 1, f"missing column '{col.name}'; {expected}")
    if strict:
        known = {c.name for c in columns}
        for name in names:
            if name not in known:
                raise InputError(path, 1, f"unknown column '{name}'; {expected}")
    return {n: i for i, n in enumerate(names) if n}


def parse_row(
    path: Path, line: int, cells: Sequence[str], idx: Mapping[str, int], columns: Sequence[Column]
) -> dict[str, Any]:
    """Typed values of one row; the first bad cell raises InputError naming FILE:ROW."""
    if len(cells) != len(idx) and len(cells) < max(idx.values(), default=-1) + 1:
        raise InputError(path, line, f"{len(cells)} fields, expected {len(idx)} as in the header")
    out: dict[str, Any] = {}
    for col in columns:
        i = idx.get(col.name)
        raw = cells[i].strip() if i is not None and i < len(cells) else ""
        if not raw:
            if col.required:
                raise InputError(path, line, f"{col.name} is empty; expected {col.expected}")
            out[col.name] = None
            continue
        try:
            out[col.name] = col.parse(raw)
        except (ValueError, OverflowError) as exc:
            reason = str(exc) if str(exc).startswith("is ") else "is not valid"
            raise InputError(
                path, line, f"{col.name} '{raw}' {reason}; expected {col.expected}"
            ) from None
    return out
