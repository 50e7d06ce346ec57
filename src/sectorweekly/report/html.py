"""Self-contained HTML from the report model (Jinja2, autoescaped; no external URL)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .cells import cell_kind, cell_text
from .fonts import FontSubset, embedded_font_css
from .labels import day_text, labels, rating_name
from .markdown import caption
from .model import Report

_env = Environment(
    loader=PackageLoader("sectorweekly", "report/templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["caption"] = caption
_env.globals["cell_kind"] = cell_kind
_env.globals["cell_text"] = cell_text
_env.globals["rating_name"] = rating_name
_env.globals["day_text"] = day_text


def image_data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def render_html(
    report: Report | None,
    out_dir: Path,
    *,
    for_pdf: bool = False,
    font_css: str = "",
    extra_css: str = "",
    inline_images: bool = True,
    live: LiveState | None = None,
) -> str:
    """HTML with images inlined as data URIs, so the file stands alone (``inline_images``), or
    linked by their path relative to ``out_dir`` (the PDF's source: parsed much faster).

    ``font_css`` comes first in the style sheet (@font-face rules), ``extra_css`` last (it
    overrides the screen layout, e.g. the PDF's page rules). ``live`` makes the preview's page:
    the last build's error above the report (or alone, before any build succeeded) and a script
    that reloads the page when the next build is ready.
    """
    if report is None:
        return _env.get_template("report.html.j2").render(
            r=None, for_pdf=False, font_css=font_css, extra_css=extra_css, live=live, L=labels("zh")
        )
    images = {
        c.key: image_data_uri(out_dir / c.file) if inline_images else c.file
        for c in report.charts
        if c.file and (out_dir / c.file).exists()
    }
    figures = {t.key: ("table", t) for t in report.tables}
    figures.update({c.key: ("chart", c) for c in report.charts})
    in_sections = {k for s in report.sections for k in s.figures} | set(report.front.figures)
    return _env.get_template("report.html.j2").render(
        r=report,
        L=labels(report.lang),
        images=images,
        figures=figures,
        rest=sorted(
            (k for k in figures if k not in in_sections), key=lambda k: report.figure(k).number
        ),
        for_pdf=for_pdf,
        font_css=font_css,
        extra_css=extra_css,
        live=live,
    )


@dataclass
class LiveState:
    """What the preview page shows besides the report: its version and the last error."""

    version: str
    error: str | None = None


def standalone_html(report: Report, out_dir: Path, font: FontSubset | None = None) -> str:
    """The browser file: carries a subset of the CJK font with every character it shows
    (``font``, the build's subset, when it has them all)."""
    text = render_html(report, out_dir, inline_images=False)  # only its characters matter
    return render_html(report, out_dir, font_css=embedded_font_css(text, font))
