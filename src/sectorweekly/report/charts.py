"""Chart images, drawn once from the report model's chart specs (and tables) for every renderer.

The CJK font is registered on import and checked: a missing font or a character it cannot draw
raises instead of printing boxes. Images are cached by a digest of their spec, their data and
this module's code, so an unchanged chart is copied, not redrawn.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager, rcParams
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import FuncFormatter

from ..errors import SectorWeeklyError
from .model import Chart, Report, Table

FONT_FAMILY = "Noto Sans SC"
FONT_PACKAGE = "pylopdf-fonts-zh-cn==0.1.1"
DPI = 150
SAMPLE_LABEL = "示例数据"
PALETTE = ["#1f4e79", "#c0504d", "#70ad47", "#8064a2", "#f39c12", "#4bacc6", "#7f7f7f"]
UP, DOWN = "#c62828", "#2e7d32"  # 涨红跌绿


class FontError(SectorWeeklyError):
    """The CJK font is missing, or a character has no glyph in it."""

    exit_code = 6  # 5 is ProviderError


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
    return path


FONT_PATH = _register_font()
_GLYPHS = frozenset(FT2Font(str(FONT_PATH)).get_charmap())
_CODE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def missing_glyphs(texts: Iterable[str]) -> list[str]:
    """Characters the font cannot draw (they would come out as boxes)."""
    return sorted({ch for t in texts for ch in t if not ch.isspace() and ord(ch) not in _GLYPHS})


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _check_glyphs(key: str, texts: Iterable[str]) -> None:
    bad = missing_glyphs(texts)
    if bad:
        raise FontError(
            f"figure '{key}': {FONT_FAMILY} has no glyph for {' '.join(bad)}; "
            "use characters the font covers (rename the series or title)"
        )


# --- drawing -------------------------------------------------------------------------------


def _fmt(v: float) -> str:
    if float(v).is_integer() or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def _frame(fig: Figure, title: str, unit: str | None, sample: bool) -> None:
    """Title (and unit) on the image itself, and the 示例数据 label when the data is invented."""
    fig.text(0.01, 0.985, title + (f"（单位：{unit}）" if unit else ""), ha="left", va="top",
             fontsize=12, color="#1d2733")  # fmt: skip
    if sample:
        fig.text(0.99, 0.985, SAMPLE_LABEL, ha="right", va="top", fontsize=11, color="#b00000",
                 bbox={"boxstyle": "round,pad=0.25", "fc": "#fff3f3", "ec": "#b00000"})  # fmt: skip
        fig.text(0.5, 0.45, SAMPLE_LABEL, ha="center", va="center", fontsize=54,
                 color="#b00000", alpha=0.07, rotation=20, zorder=0)  # fmt: skip


def _style(ax: Any, unit: str | None) -> None:
    """Light grid, no top/right frame, thousands separators, the unit written above the axis."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e3e6ea", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _fmt(v)))
    if unit:
        ax.text(0, 1.03, unit, transform=ax.transAxes, ha="right", va="bottom", fontsize=9,
                color="#5b6570")  # fmt: skip


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
                ax.text(x, 0, "无数据", ha="center", va="bottom", fontsize=7, color="#888",
                        rotation=90 if n > 2 else 0)  # fmt: skip
    ax.set_xticks(range(len(cats)), cats, fontsize=9, rotation=0 if len(cats) <= 8 else 30)
    ax.set_xlim(-0.6, len(cats) - 0.4)  # keep categories with no value inside the axes
    if chart.data.get("log"):
        ax.set_yscale("log")
    else:
        ax.margins(y=0.18)
    if len(series) > 1 or any(s.get("partial") for s in series):
        ax.legend(fontsize=8, frameon=False, ncol=min(len(series), 6), loc="upper right")
    _frame(fig, chart.title, chart.unit, chart.sample)
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
    _frame(fig, chart.title, chart.unit, chart.sample)
    return fig


_SIGNED = re.compile(r"^[+-]\d")


def draw_table(table: Table) -> Figure:
    """The data table as an image (for documents that take pictures); up red, down green."""
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
                cell.get_text().set_color(UP if text.startswith("+") else DOWN)
            if r % 2 == 0:
                cell.set_facecolor("#f5f7fa")
    _frame(fig, table.title, table.unit, table.sample)
    return fig


DRAWERS = {"bar": draw_bar, "line": draw_line}


# --- cache and output ----------------------------------------------------------------------


@dataclass
class ChartStats:
    """How many images a call drew and how many it took from the cache."""

    drawn: int = 0
    cached: int = 0


def _payload(f: Table | Chart) -> dict[str, Any]:
    if isinstance(f, Table):
        return {
            "kind": "table",
            **f.model_dump(include={"title", "unit", "columns", "rows", "sample"}),
        }
    return f.model_dump(include={"kind", "title", "unit", "data", "sample"})


def digest(f: Table | Chart) -> str:
    """Content address of an image: its spec and data, this module's code, matplotlib's version."""
    h = hashlib.sha256()
    h.update(_CODE_DIGEST.encode())
    h.update(matplotlib.__version__.encode())
    h.update(json.dumps(_payload(f), sort_keys=True, ensure_ascii=False, default=str).encode())
    return h.hexdigest()[:24]


def default_cache_dir() -> Path:
    from ..workspace import home

    return home() / "cache" / "charts"


def render_figure(f: Table | Chart) -> Figure:
    _check_glyphs(f.key, _strings(_payload(f)) if isinstance(f, Table) else
                  [f.title, f.unit or "", *_strings(f.data), SAMPLE_LABEL])  # fmt: skip
    if isinstance(f, Table):
        return draw_table(f)
    drawer = DRAWERS.get(f.kind)
    if drawer is None:
        raise SectorWeeklyError(
            f"figure '{f.key}': unknown chart kind '{f.kind}'; expected {', '.join(DRAWERS)}"
        )
    return drawer(f)


def _file_name(f: Table | Chart) -> str:
    if f.number:
        return f"figure_{f.number:02d}.png"
    return "figure_" + re.sub(r"[^A-Za-z0-9_-]+", "_", f.key) + ".png"


def draw_charts(
    report: Report,
    out_dir: Path,
    cache_dir: Path | None = None,
    stats: ChartStats | None = None,
) -> list[Path]:
    """Write every table and chart of the report as ``out_dir/charts/figure_NN.png`` and set
    each one's ``file``; an image whose digest is cached is copied, not drawn again."""
    cache = cache_dir or default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    folder = out_dir / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    stats = stats if stats is not None else ChartStats()
    figures: list[Table | Chart] = [*report.tables, *report.charts]
    written = []
    for f in sorted(figures, key=lambda x: x.number):
        cached = cache / f"{digest(f)}.png"
        if cached.is_file():
            stats.cached += 1
        else:
            fig = render_figure(f)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            fig.savefig(tmp, format="png", dpi=DPI, facecolor="white")
            os.replace(tmp, cached)
            stats.drawn += 1
        dest = folder / _file_name(f)
        shutil.copyfile(cached, dest)
        f.file = dest.relative_to(out_dir).as_posix()
        written.append(dest)
    keep = {p.name for p in written}
    for old in folder.glob("figure_*.png"):
        if old.name not in keep:
            old.unlink()  # left by an earlier build of this folder with other figures
    return written
