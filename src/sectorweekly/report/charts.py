"""Chart images, drawn once from the report model's chart specs (and tables) for every renderer.

Images are cached by a digest of their spec, their data and the drawing code, so an unchanged
chart is copied, not redrawn, and matplotlib (``chart_drawing``, which registers and checks the
CJK font) is imported only when some figure has to be drawn.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..desk.paths import cache_dir
from .chart_style import DPI, payload
from .chart_style import FONT_FAMILY as FONT_FAMILY  # named here by callers
from .chart_style import FontError as FontError
from .model import Chart, Report, Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_CODE_DIGEST = hashlib.sha256(
    b"".join(
        (Path(__file__).parent / m).read_bytes()
        for m in ("charts.py", "chart_drawing.py", "chart_style.py")
    )
).hexdigest()


# --- cache and output ----------------------------------------------------------------------


@dataclass
class ChartStats:
    """How many images a call drew and how many it took from the cache."""

    drawn: int = 0
    cached: int = 0


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


Todo = list[tuple[Table | Chart, Path, Path]]  # a figure, its cache file, its file to write


def draw_into_cache(todo: Todo) -> None:
    """Draw each figure into its file, then keep a copy in the cache (written atomically:
    another build may read it). A cache that cannot be written is skipped: ``FigureFiles.keep``
    says so from the parent process, which sees the copy's notes of it."""
    from ..atomic import unstaged
    from ..desk import cache_writes
    from ..errors import machine_error

    for f, cached, dest in todo:
        png = _rgb_png(render_figure(f))
        try:
            dest.write_bytes(png)  # inside the build's staging folder
        except OSError as exc:
            raise machine_error(exc, unstaged(dest)) from None
        cache_writes.keep(cached, png)


def draw_in_two_processes(todo: Todo) -> None:
    """``draw_into_cache``, half the figures in a forked copy of this process (two cores)."""
    from .workers import in_two_processes

    in_two_processes(draw_into_cache, todo)


Drawer = Callable[[Todo], None]


@dataclass
class FigureFiles:
    """Every figure of a report with its cache file and its file in ``out_dir/charts``.

    Each figure names its own file (``file``: from its number alone); the plan notes which
    images the cache lacks, so the charts and the table images can be drawn and placed
    separately: the PDF needs the charts, while the table images, which no document embeds,
    can come last.
    """

    out_dir: Path
    figures: list[Table | Chart]
    cached: list[Path]
    to_draw: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.to_draw = [not c.is_file() for c in self.cached]

    def _dest(self, f: Table | Chart) -> Path:
        return self.out_dir / f.file

    def _rows(
        self, kind: type[Table] | type[Chart] | None
    ) -> list[tuple[Table | Chart, Path, bool]]:
        return [
            (f, c, d)
            for f, c, d in zip(self.figures, self.cached, self.to_draw, strict=True)
            if kind is None or isinstance(f, kind)
        ]

    def missing(self, kind: type[Table] | type[Chart] | None = None) -> Todo:
        """Figures (of ``kind``) whose image the cache lacked, with the files to draw."""
        return [(f, c, self._dest(f)) for f, c, draw in self._rows(kind) if draw]

    def place(self, kind: type[Table] | type[Chart] | None = None) -> list[Path]:
        """Copy the cached images (of ``kind``) into ``out_dir/charts`` (the drawn ones are
        there already); the paths of all of them."""
        from ..atomic import unstaged
        from ..errors import machine_error

        placed = []
        for f, c, drawn in self._rows(kind):
            dest = self._dest(f)
            if not drawn:
                try:
                    shutil.copyfile(c, dest)
                except OSError as exc:
                    raise machine_error(exc, unstaged(dest)) from None
            placed.append(dest)
        return placed

    def keep(self) -> None:
        """Keep in the cache the drawn images a forked copy could not (it cannot warn): the
        first that fails here gives the warning, with the OS's reason."""
        from ..desk import cache_writes

        for f, c, drawn in self._rows(None):
            dest = self._dest(f)  # not there: a kind of figure nobody asked for (the preview)
            fresh = drawn and not c.is_file() and dest.is_file()
            if fresh and not cache_writes.keep(c, dest.read_bytes()):
                return

    def prune(self) -> None:
        """Remove figure files an earlier build of this folder left that this report lacks."""
        keep = {Path(f.file).name for f in self.figures}
        for old in (self.out_dir / "charts").glob("figure_*.png"):
            if old.name not in keep:
                old.unlink(missing_ok=True)


def plan_figures(report: Report, out_dir: Path, cache_dir: Path | None = None) -> FigureFiles:
    """The report's figures in number order, each with its cache file (the report's model is
    only read: each figure's ``file`` is named by the figure itself)."""
    from ..atomic import make_folder

    cache = cache_dir or default_cache_dir()
    make_folder(out_dir / "charts")
    figures = sorted([*report.tables, *report.charts], key=lambda x: x.number)
    return FigureFiles(out_dir, figures, [cache / f"{digest(f)}.png" for f in figures])


def draw_charts(
    report: Report,
    out_dir: Path,
    cache_dir: Path | None = None,
    stats: ChartStats | None = None,
    draw: Drawer = draw_into_cache,
) -> list[Path]:
    """Write every table and chart of the report as ``out_dir/charts/figure_NN.png`` (each
    one's ``file``); the files written are returned; an image whose digest is cached is
    copied, not drawn again.

    ``draw`` draws the figures the cache lacks into it (``draw_in_two_processes``, say).
    """
    plan = plan_figures(report, out_dir, cache_dir)
    todo = plan.missing()
    if todo:
        draw(todo)
    if stats is not None:
        stats.drawn += len(todo)
        stats.cached += len(plan.figures) - len(todo)
    written = plan.place()
    plan.keep()
    plan.prune()
    return written
