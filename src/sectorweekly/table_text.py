"""A table's rows as JSON text (what ``json.dumps(..., ensure_ascii=False, indent=2)`` gives)
and as CSV (what ``DataFrame.to_csv(index=False)`` gives), character for character.

``json.dumps`` with an indent runs its pure-Python encoder, and ``to_csv`` formats value by
value: two million scorecard rows took minutes. Here each column's values become text once
per distinct value (floats with ``float.__repr__``, which both writers use) and the rows are
put together from a template, a block of rows at a time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

BLOCK = 50_000  # rows formatted at a time


def _column_text(values: pd.Series, clean: Callable[[Any], Any]) -> np.ndarray:
    """Each value's JSON text (object array), after ``clean`` as the records are cleaned."""
    if values.dtype == np.float64:  # the encoder's float is repr, bar NaN and Infinity
        floats = values.to_numpy()
        text = np.array(list(map(float.__repr__, floats.tolist())), dtype=object)
        text[np.isnan(floats)] = "null"  # clean() turns NaN into None
        text[np.isposinf(floats)] = "Infinity"
        text[np.isneginf(floats)] = "-Infinity"
        return text
    if values.dtype == np.bool_:
        return np.where(values.to_numpy(), "true", "false").astype(object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if isinstance(values.dtype, pd.CategoricalDtype):
        uniques = list(uniques)
    elif values.dtype.kind == "M":
        uniques = [pd.Timestamp(u) for u in uniques]
    else:
        uniques = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    text = [json.dumps(clean(u), ensure_ascii=False) for u in uniques]
    return np.array([*text, "null"], dtype=object)[codes]


def json_items(rows: pd.DataFrame, clean: Callable[[Any], Any], level: int) -> Iterator[str]:
    """The rows as the items of a JSON list nested ``level`` deep, in blocks of text to be
    joined by nothing (blocks after the first start with the item separator)."""
    pad = " " * (2 * level)
    keys = [json.dumps(str(c), ensure_ascii=False) for c in rows.columns]
    template = (
        pad + "{\n" + ",\n".join(f"{pad}  {k.replace('%', '%%')}: %s" for k in keys) + f"\n{pad}}}"
    )
    for a in range(0, len(rows), BLOCK):
        block = rows.iloc[a : a + BLOCK]
        columns = [_column_text(block[c], clean) for c in rows.columns]
        items = [template % values for values in zip(*columns, strict=True)]
        yield (",\n" if a else "") + ",\n".join(items)


def _csv_field(value: str) -> str:
    """One field as the csv module writes it in a row of several (QUOTE_MINIMAL)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([value, ""])
    return out.getvalue()[:-2]


def _csv_column(values: pd.Series) -> np.ndarray:
    """Each value's CSV text (object array), as to_csv writes it."""
    if values.dtype == np.float64:
        floats = values.to_numpy()
        text = np.array(list(map(float.__repr__, floats.tolist())), dtype=object)
        text[np.isnan(floats)] = ""
        return text
    if values.dtype == np.bool_:
        return np.where(values.to_numpy(), "True", "False").astype(object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if values.dtype.kind == "M":  # dates only (see csv_lines)
        text = [pd.Timestamp(u).strftime("%Y-%m-%d") for u in uniques]
    else:
        items = list(uniques) if isinstance(values.dtype, pd.CategoricalDtype) else uniques
        items = items.tolist() if hasattr(items, "tolist") else list(items)
        text = [_csv_field(str(u)) for u in items]
    return np.array([*text, ""], dtype=object)[codes]


def csv_lines(rows: pd.DataFrame) -> Iterator[str] | None:
    """The rows as ``rows.to_csv(index=False)`` writes them, header first, in blocks of
    text; None where a column holds times of day (to_csv's rules for those are not written
    here: use to_csv)."""
    for c in rows.columns:
        if rows[c].dtype.kind == "M":
            stamps = rows[c].to_numpy()
            if not ((stamps == stamps.astype("datetime64[D]")) | np.isnat(stamps)).all():
                return None
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(c) for c in rows.columns])
    template = ",".join(["%s"] * len(rows.columns)) + "\n"

    def lines() -> Iterator[str]:
        yield header.getvalue()
        for a in range(0, len(rows), BLOCK):
            block = rows.iloc[a : a + BLOCK]
            columns = [_csv_column(block[c]) for c in rows.columns]
            yield "".join(template % values for values in zip(*columns, strict=True))

    return lines()
