"""The look every figure image shares: font, resolution, palette, the sample label.

Both the chart planning (``charts``: cache digests, which images to draw) and the drawing
(``chart_drawing``: matplotlib) read these, so neither has to import the other for them.
"""

from __future__ import annotations

from typing import Any

from ..errors import SectorWeeklyError
from .model import Chart, Table

FONT_FAMILY = "Noto Sans SC"
FONT_PACKAGE = "pylopdf-fonts-zh-cn==0.1.1"
DPI = 150
SAMPLE_LABEL = "示例数据"
PALETTE = ["#1f4e79", "#c0504d", "#70ad47", "#8064a2", "#f39c12", "#4bacc6", "#7f7f7f"]
UP, DOWN = "#c62828", "#2e7d32"  # 涨红跌绿
WORDS = {  # what an image says in each edition
    "zh": {"sample": SAMPLE_LABEL, "unit": "（单位：{}）", "none": "无数据"},
    "en": {"sample": "sample data", "unit": " (unit: {})", "none": "no data"},
}


def rise_fall(up: str) -> tuple[str, str]:
    """The colours of a rise and a fall: red-up (the Chinese convention) or green-up."""
    return (UP, DOWN) if up == "red" else (DOWN, UP)


class FontError(SectorWeeklyError):
    """The CJK font is missing, or a character has no glyph in it."""

    exit_code = 6  # 5 is ProviderError


def payload(f: Table | Chart) -> dict[str, Any]:
    """What an image shows: the part of a figure its picture (and its cache digest) depends on."""
    if isinstance(f, Table):
        return {
            "kind": "table",
            **f.model_dump(include={"title", "unit", "columns", "rows", "sample", "lang", "up"}),
        }
    return f.model_dump(include={"kind", "title", "unit", "data", "sample", "lang", "up"})
