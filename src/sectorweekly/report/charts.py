"""Chart images, drawn once from the report model's chart specs (and tables) for every renderer.

Images are cached by a digest of their spec, their data and the drawing code, so an unchanged
chart is copied, not redrawn, and matplotlib (``chart_drawing``, which registers and checks the
CJK font) is imported only when some figure has to be drawn.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SectorWeeklyError
from ..paths import cache_dir
from .model import Chart, Report, Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT_FAMILY = "Noto Sans SC"
FONT_PACKAGE = "pylopdf-fonts-zh-cn==0.1.1"
DPI = 150
SAMPLE_LABEL = "示例数据"
PALETTE = ["#1f4e79", "#c0504d", "#70ad47", "#8064a2", "#f39c12", "#4bacc6", "#7f7f7f"]
UP, DOWN = "#c62828", "#2e7d32"  # 涨红跌绿


class FontError(SectorWeeklyError):
    """The CJK font is missing, or a character has no glyph in it."""

    exit_code = 6  # 5 is ProviderError


_CODE_DIGEST = hashlib.sha256(
    b"".join((Path(__file__).parent / m).read_bytes() for m in ("charts.py", "chart_drawing.py"))
).hexdigest()


# --- cache and output ----------------------------------------------------------------------


@dataclass
class ChartStats:
    """How many images a call drew and how many it took from the cache."""

    drawn: int = 0
    cached: int = 0


def payload(f: Table | Chart) -> dict[str, Any]:
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
    h.update(version("matplotlib").encode())
    h.update(json.dumps(payload(f), sort_keys=True, ensure_ascii=False, default=str).encode())
    return h.hexdigest()[:24]


def default_cache_dir() -> Path:
    return cache_dir("charts")


def render_figure(f: Table | Chart) -> Figure:
    """Draw one figure (imports matplotlib and registers the CJK font on first use)."""
    from .chart_drawing import render_figure as draw

    return draw(f)


def font_path() -> Path:
    """The registered chart font (registering it on first use)."""
    from .chart_drawing import FONT_PATH

    return FONT_PATH


def __getattr__(name: str) -> Any:
    """``FONT_PATH`` and ``_register_font`` live with the drawing code; matplotlib loads lazily."""
    if name in ("FONT_PATH", "_register_font", "missing_glyphs"):
        from . import chart_drawing

        return getattr(chart_drawing, name)
    raise AttributeError(name)


def _rgb_png(fig: Figure) -> bytes:
    """The figure as an opaque RGB PNG: with no alpha channel to split off, WeasyPrint embeds
    it faster (about 0.1 s for the demo's eight), and every format shows the same white ground.
    Drawn straight from the canvas's pixels: one PNG encoding, not two."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig.set_facecolor("white")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3]
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def _file_name(f: Table | Chart) -> str:
    if f.number:
        return f"figure_{f.number:02d}.png"
    return "figure_" + re.sub(r"[^A-Za-z0-9_-]+", "_", f.key) + ".png"


def draw_into_cache(todo: list[tuple[Table | Chart, Path]]) -> None:
    """Draw each figure into its cache file (written atomically: another build may read it)."""
    for f, cached in todo:
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(_rgb_png(render_figure(f)))
        os.replace(tmp, cached)


def draw_in_two_processes(todo: list[tuple[Table | Chart, Path]]) -> None:
    """``draw_into_cache``, half the figures in a forked copy of this process (two cores)."""
    from .workers import in_two_processes

    in_two_processes(draw_into_cache, todo)


Drawer = Callable[[list[tuple[Table | Chart, Path]]], None]


def draw_charts(
    report: Report,
    out_dir: Path,
    cache_dir: Path | None = None,
    stats: ChartStats | None = None,
    draw: Drawer = draw_into_cache,
) -> list[Path]:
    """Write every table and chart of the report as ``out_dir/charts/figure_NN.png`` and set
    each one's ``file``; an image whose digest is cached is copied, not drawn again.

    ``draw`` draws the figures the cache lacks into it (``draw_in_two_processes``, or a call
    sent to a build's worker process, which has matplotlib imported already).
    """
    cache = cache_dir or default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    folder = out_dir / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    stats = stats if stats is not None else ChartStats()
    figures = sorted([*report.tables, *report.charts], key=lambda x: x.number)
    cached = [cache / f"{digest(f)}.png" for f in figures]
    todo = [(f, c) for f, c in zip(figures, cached, strict=True) if not c.is_file()]
    if todo:
        draw(todo)
    stats.drawn += len(todo)
    stats.cached += len(figures) - len(todo)
    written = []
    for f, c in zip(figures, cached, strict=True):
        dest = folder / _file_name(f)
        shutil.copyfile(c, dest)
        f.file = dest.relative_to(out_dir).as_posix()
        written.append(dest)
    keep = {p.name for p in written}
    for old in folder.glob("figure_*.png"):
        if old.name not in keep:
            old.unlink()  # left by an earlier build of this folder with other figures
    return written
