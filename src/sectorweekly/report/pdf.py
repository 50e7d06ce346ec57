"""The PDF to publish: the report's HTML laid out on A4 by WeasyPrint, CJK fonts embedded.

Pages carry a running header (firm, series, publication date) and ``page / pages`` at the
foot. WeasyPrint only reads local files (the font files and the chart images, linked by their
path in the output folder) and data URIs: any other URL is refused, so a hostile note cannot
make the build reach the network (and note text is escaped, so it cannot add a link).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SectorWeeklyError
from .fonts import SANS, css_string, file_font_css
from .html import render_html
from .labels import day_text
from .model import Report

_PAGE_CSS = """
@page {{
  size: A4;
  margin: 20mm 16mm 18mm 16mm;
  @top-left {{ content: {left}; font-family: {font}; font-size: 8pt; color: #5b6570;
               border-bottom: .6pt solid #8c1d18; vertical-align: bottom; padding-bottom: 2mm; }}
  @top-right {{ content: {right}; font-family: {font}; font-size: 8pt; color: #5b6570;
                border-bottom: .6pt solid #8c1d18; vertical-align: bottom; padding-bottom: 2mm; }}
  @bottom-center {{ content: counter(page) " / " counter(pages); font-family: {font};
                    font-size: 8pt; color: #5b6570; }}
}}
html {{ font-size: 10pt; }}
body {{ line-height: 1.6; }}
main {{ max-width: none; padding: 0; }}
/* one regular weight only: emphasis by colour and size, never a synthetic bold */
* {{ font-weight: normal !important; }}
header.front h1 {{ font-size: 18pt; }}
h2 {{ font-size: 12.5pt; color: #8c1d18; break-after: avoid; margin-top: 1.2rem; }}
/* ragged right: WeasyPrint justifies by widening spaces only, which opens wide gaps in a line
   of Chinese with a few Latin words; a line of Chinese ends within a character anyway */
p {{ text-align: left; orphans: 2; widows: 2; }}
.figure.chart {{ break-inside: avoid; }}
.figure .cap {{ color: #8c1d18; break-after: avoid; }}
.closing table td:first-child, .closing table th:first-child {{ width: 32%; }}
table {{ font-size: 8pt; }}
th, td {{ white-space: normal; padding: .15rem .3rem; }}
td.short, td.num {{ white-space: nowrap; }}
th {{ color: #1d2733; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
img.chart {{ max-width: 100%; max-height: 110mm; }}
.front-side {{ break-inside: avoid; padding: 2mm 3mm; }}
.front-side .related {{ font-size: 8pt; }}
.front-side img.chart {{ max-height: 62mm; }}
.front-side .figure .src, .front-side .figure .note {{ font-size: 7pt; line-height: 1.35; }}
.closing {{ break-before: page; font-size: 8.5pt; }}
"""


def page_css(report: Report) -> str:
    f = report.front
    sep = " ｜ " if report.lang == "zh" else " | "
    right = f"{f.series}{sep}{day_text(f.publication_date, report.lang)}"
    return _PAGE_CSS.format(left=css_string(f.firm), right=css_string(right), font=css_string(SANS))


def pdf_html(report: Report, out_dir: Path) -> str:
    """The PDF's source: the report's HTML with the font files and the A4 page rules."""
    return render_html(
        report,
        out_dir,
        for_pdf=True,
        font_css=file_font_css(),
        extra_css=page_css(report),
        inline_images=False,  # a megabyte of base64 costs WeasyPrint's parser 0.1-0.2 s
    )


def html_to_pdf(html: str, base_url: Path) -> bytes:
    """Lay ``html`` out on A4 pages with WeasyPrint (imported here: it is slow to import)."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # Pango missing: say what to install instead of a traceback
        raise SectorWeeklyError(
            f"PDF: WeasyPrint cannot load its system libraries ({exc}); install Pango"
        ) from None
    fetcher = URLFetcher(allowed_protocols={"file", "data"})  # never the network
    document = HTML(string=html, base_url=str(base_url.resolve()), url_fetcher=fetcher)
    pdf = document.write_pdf()
    assert pdf is not None
    return pdf


def render_pdf(report: Report, out_dir: Path) -> bytes:
    return html_to_pdf(pdf_html(report, out_dir), out_dir)
