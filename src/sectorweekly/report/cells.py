"""How a table cell reads: signed change, number or text (alignment and colour in every format).

Codes such as ``688256`` are identifiers, not quantities: a string counts as a number only when
it carries a decimal point, a thousands separator or a percent sign; real numbers always do.
"""

from __future__ import annotations

import re
from typing import Literal

_SIGNED_PCT = re.compile(r"^[+-]\d[\d,]*(\.\d+)?%$")
_FORMATTED = re.compile(r"^[+-]?\d{1,3}(,\d{3})*(\.\d+)?%?$|^[+-]?\d+\.\d+%?$|^[+-]?\d+%$")

CellKind = Literal["up", "down", "num", "text"]


def cell_kind(value: object) -> CellKind:
    if isinstance(value, bool):
        return "text"
    if isinstance(value, int | float):
        return "num"
    text = str(value).strip()
    if _SIGNED_PCT.match(text):
        return "up" if text.startswith("+") else "down"
    if _FORMATTED.match(text) and any(c in text for c in ".,%"):
        return "num"
    return "text"


def cell_text(value: object) -> str:
    return "" if value is None else str(value)
