"""Drawing the report's figures with matplotlib (imported only when a figure must be drawn).

The CJK font is registered on import and checked: a missing font or a character it cannot draw
raises instead of printing boxes. ``charts`` decides what to draw; this module draws it; ``chart_style`` holds the look both
share.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager, rcParams
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import FuncFormatter

from ..errors import SectorWeeklyError
from .chart_style import (
    DPI,
    FONT_FAMILY,
    FONT_PACKAGE,
    PALETTE,
    SAMPLE_LABEL,
    WORDS,
    FontError,
    payload,
    rise_fall,
)
from .model import Chart, Table, strings


def _register_font() -> Path:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        raise FontError(
            f"no CJK font for charts: the package {FONT_PACKAGE} is not installed; "
            f"install it (pip install '{FONT_PACKAGE}')"
        ) from None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise FontError(f"{path}: the CJK font file is missing; reinstall {FONT_PACKAGE}")
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    if name != FONT_FAMILY:
        raise FontError(f"{path}: font is '{name}', expected '{FONT_FAMILY}'")
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [FONT_FAMILY]
    rcParams["axes.unicode_minus"] = False
    rcParams["text.parse_math"] = False  # "HK$ bn / US$ bn" is text, not a formula
    return path


FONT_PATH = _register_font()
_GLYPHS = frozenset(FT2Font(str(FONT_PATH)).get_charmap())


def missing_glyphs(texts: Iterable[str]) -> list[str]:
    """Characters the font cannot draw (they would come out as boxes)."""
    return sorted({ch for t in texts for ch in t if not ch.isspace() and ord(ch) not in _GLYPHS})


def _check_glyphs(key: str, texts: Iterable[str]) -> None:
    bad = missing_glyphs(texts)
    if bad:
        raise FontError(
            f"figure '{key}': {FONT_FAMILY} has no glyph for {' '.join(bad)}; "
            "use characters the font covers (rename the series or title)"
        )


def _fmt(v: float) -> str:
    if float(v).is_integer() or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def _frame(fig: Figure, f: Table | Chart) -> None:
    """Title (and unit) on the image itself, and the 示例数据 label when the data is invented."""
    words = WORDS[f.lang]
    fig.text(0.01, 0.985, f.title + (words["unit"].format(f.unit) if f.unit else ""), ha="left",
             va="top", fontsize=12, color="#1d2733")  # fmt: skip
    if f.sample:
        label = words["sample"]
        fig.text(0.99, 0.985, label, ha="right", va="top", fontsize=11, color="#b00000",
                 bbox={"boxstyle": "round,pad=0.25", "fc": "#fff3f3", "ec": "#b00000"})  # fmt: skip
        fig.text(0.5, 0.45, label, ha="center", va="center", fontsize=54,
                 color="#b00000", alpha=0.07, rotation=20, zorder=0)  # fmt: skip


def _style(ax: Any, unit: str | None) -> None:
    """Light grid, no top/right frame, thousands separators, the unit written above the axis."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e3e6ea", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _fmt(v)))
    if unit:  # a short unit (万次) left of the axis; a long one (percentage points) along it
        ax.text(0, 1.03, unit, transform=ax.transAxes, ha="right" if len(unit) <= 8 else "left",
                va="bottom", fontsize=9, color="#5b6570")  # fmt: skip


def _values(raw: Iterable[Any]) -> list[float]:
    return [math.nan if v is None else float(v) for v in raw]


def draw_bar(chart: Chart) -> Figure:
    """Grouped bars: ``categories`` on x, one bar per entry of ``series`` (``partial`` hatched)."""
    cats = [str(c) for c in chart.data["categories"]]
    series = chart.data["series"]
    fig = Figure(figsize=(8, 4.4), dpi=DPI)
    ax = fig.add_axes((0.08, 0.16, 0.9, 0.68))
    _style(ax, chart.unit)
    n = max(len(series), 1)
    width = 0.8 / n
    for i, s in enumerate(series):
        vals = _values(s["values"])
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(cats))]
        color = s.get("color") or PALETTE[i % len(PALETTE)]
        partial = bool(s.get("partial"))
        bars = ax.bar(xs, vals, width * 0.92, label=s["name"], color=color,
                      alpha=0.45 if partial else 1.0, hatch="///" if partial else None,
                      edgecolor=color if partial else "none", linewidth=0.8)  # fmt: skip
        if chart.data.get("value_labels", True):
            labels = ["" if math.isnan(v) else _fmt(v) for v in vals]
            ax.bar_label(bars, labels=labels, fontsize=7 if n > 2 else 8, padding=1.5,
                         color="#333", rotation=90 if n > 3 else 0)  # fmt: skip
        for x, v in zip(xs, vals, strict=True):
            if math.isnan(v):
                ax.text(x, 0, WORDS[chart.lang]["none"], ha="center", va="bottom", fontsize=7, color="#888",
                        rotation=90 if n > 2 else 0)  # fmt: skip
    ax.set_xticks(range(len(cats)), cats, fontsize=9, rotation=0 if len(cats) <= 8 else 30)
    ax.set_xlim(-0.6, len(cats) - 0.4)  # keep categories with no value inside the axes
    if chart.data.get("log"):
        ax.set_yscale("log")
    else:
        ax.margins(y=0.18)
    if len(series) > 1 or any(s.get("partial") for s in series):
        ax.legend(fontsize=8, frameon=False, ncol=min(len(series), 6), loc="upper right")
    _frame(fig, chart)
    return fig


def draw_line(chart: Chart) -> Figure:
    """Lines over ``categories`` (dates or labels); ``None`` values leave a gap."""
    cats = [str(c) for c in chart.data["categories"]]
    fig = Figure(figsize=(8, 4.2), dpi=DPI)
    ax = fig.add_axes((0.09, 0.17, 0.88, 0.67))
    _style(ax, chart.unit)
    xs = list(range(len(cats)))
    for i, s in enumerate(chart.data["series"]):
        vals = _values(s["values"])
        color = s.get("color") or PALETTE[i % len(PALETTE)]
        ax.plot(xs, vals, label=s["name"], color=color, linewidth=1.8,
                marker="o" if len(xs) <= 12 else None, markersize=3)  # fmt: skip
        known = [(x, v) for x, v in zip(xs, vals, strict=True) if not math.isnan(v)]
        if known:
            x, v = known[-1]
            ax.annotate(_fmt(v), (x, v), textcoords="offset points", xytext=(4, 4),
                        fontsize=8, color=color)  # fmt: skip
    step = max(1, math.ceil(len(cats) / 9))
    ticks = xs[::-1][::step][::-1]  # anchored on the latest point, which is always labelled
    ax.set_xticks(ticks, [cats[t] for t in ticks], fontsize=8, rotation=30, ha="right")
    ax.margins(x=0.03, y=0.12)
    ax.legend(fontsize=9, frameon=False, loc="upper right")
    _frame(fig, chart)
    return fig


def draw_hbar(chart: Chart) -> Figure:
    """Horizontal bars, first category on top: ``values`` signed (up red, down green, or
    ``color``), ``labels`` written after each bar (its value when absent), ``highlight`` (a
    category) and its label drawn in the accent colour."""
    cats = [str(c) for c in chart.data["categories"]]
    vals = _values(chart.data["values"])
    labels = chart.data.get("labels") or ["" if math.isnan(v) else f"{v:+.2f}" for v in vals]
    mark = chart.data.get("highlight")
    fixed = chart.data.get("color")
    height = max(2.6, 0.9 + 0.2 * len(cats))
    fig = Figure(figsize=(8, height), dpi=DPI)
    ax = fig.add_axes((0.16, 0.35 / height, 0.8, 1 - 1.0 / height))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#e3e6ea", linewidth=0.8)
    ax.set_axisbelow(True)
    ys = list(range(len(cats)))[::-1]
    rise, fall = rise_fall(chart.up)
    colors = [
        PALETTE[4] if c == mark else fixed or (rise if v >= 0 else fall)
        for c, v in zip(cats, vals, strict=True)
    ]
    ax.barh(ys, [0 if math.isnan(v) else v for v in vals], 0.7, color=colors)
    ax.set_yticks(ys, cats, fontsize=8)
    for tick, c in zip(ax.get_yticklabels(), cats, strict=True):
        if c == mark:
            tick.set_color(PALETTE[4])  # the font has one weight: colour, not bold
    span = max((abs(v) for v in vals if not math.isnan(v)), default=1.0) or 1.0
    for y, v, text in zip(ys, vals, labels, strict=True):
        v = 0 if math.isnan(v) else v
        ax.text(v + (0.01 * span if v >= 0 else -0.01 * span), y, text, va="center",
                ha="left" if v >= 0 else "right", fontsize=7, color="#333")  # fmt: skip
    lo = min([0.0, *(v for v in vals if not math.isnan(v))])
    hi = max([0.0, *(v for v in vals if not math.isnan(v))])
    pad = chart.data.get("label_room", 0.15) * (hi - lo or 1.0)
    ax.set_xlim(lo - (pad if lo < 0 else 0), hi + pad)
    ax.set_ylim(-0.6, len(cats) - 0.4)
    ax.tick_params(axis="x", labelsize=8)
    if chart.unit:
        ax.text(1, 1.01, chart.unit, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=9, color="#5b6570")  # fmt: skip
    _frame(fig, chart)
    return fig


_SIGNED = re.compile(r"^[+-]\d")


def draw_table(table: Table) -> Figure:
    """The data table as an image (for documents that take pictures); a rise in the edition's colour."""
    rise, fall = rise_fall(table.up)
    rows = [["" if c is None else str(c) for c in r] for r in table.rows]
    height = 0.9 + 0.27 * (len(rows) + 1)
    fig = Figure(figsize=(8, height), dpi=DPI)
    ax = fig.add_axes((0.01, 0.01, 0.98, 1 - 0.62 / height))
    ax.axis("off")
    tab = ax.table(cellText=rows or [[""] * len(table.columns)], colLabels=table.columns,
                   loc="upper center", cellLoc="center")  # fmt: skip
    tab.auto_set_font_size(False)
    tab.set_fontsize(8.5)
    tab.auto_set_column_width(list(range(len(table.columns))))
    for (r, _c), cell in tab.get_celld().items():
        cell.set_edgecolor("#d5d9de")
        cell.set_height(0.27 / (height - 0.62))
        if r == 0:
            cell.set_facecolor("#1f4e79")
            cell.get_text().set_color("white")
        else:
            text = cell.get_text().get_text()
            if _SIGNED.match(text) and text.endswith("%"):
                cell.get_text().set_color(rise if text.startswith("+") else fall)
            if r % 2 == 0:
                cell.set_facecolor("#f5f7fa")
    _frame(fig, table)
    return fig


DRAWERS = {"bar": draw_bar, "line": draw_line, "hbar": draw_hbar}


def render_figure(f: Table | Chart) -> Figure:
    _check_glyphs(f.key, strings(payload(f)) if isinstance(f, Table) else
                  [f.title, f.unit or "", *strings(f.data), SAMPLE_LABEL])  # fmt: skip
    if isinstance(f, Table):
        return draw_table(f)
    drawer = DRAWERS.get(f.kind)
    if drawer is None:
        raise SectorWeeklyError(
            f"figure '{f.key}': unknown chart kind '{f.kind}'; expected {', '.join(DRAWERS)}"
        )
    return drawer(f)
