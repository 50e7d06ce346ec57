"""A table's rows as the text ``json.dumps(..., ensure_ascii=False, indent=2)`` gives them.

``json.dumps`` with an indent runs its pure-Python encoder: two million scorecard rows took
minutes. Here each column's values become JSON text once per distinct value (or, for floats,
with ``float.__repr__``, the encoder's own rule) and the rows are put together from a template,
block by block; the text is the same, character for character.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

BLOCK = 50_000  # rows formatted at a time


def _float(x: float) -> str:
    """The encoder's float: repr, with NaN/Infinity spelled as it spells them."""
    if math.isfinite(x):
        return float.__repr__(x)
    return "NaN" if x != x else ("Infinity" if x > 0 else "-Infinity")


def _column_text(values: pd.Series, clean: Callable[[Any], Any]) -> np.ndarray:
    """Each value's JSON text (object array), after ``clean`` as the records are cleaned."""
    if values.dtype == np.float64:
        floats = values.to_numpy()
        text = np.array([_float(x) for x in floats.tolist()], dtype=object)
        text[np.isnan(floats)] = "null"  # clean() turns NaN into None
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


def rows_text(rows: pd.DataFrame, clean: Callable[[Any], Any], level: int) -> Iterator[str]:
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
