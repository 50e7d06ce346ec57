"""The Word file to edit and pass compliance: real headings, real tables, charts as pictures.

Word picks the font of Chinese text from the East-Asian slot (``w:eastAsia``), which
``run.font.name`` does not set, and theme fonts override explicit names. So every style used
here gets an explicit East-Asian font and loses its theme font attributes; otherwise Word
falls back to whatever its theme says (often a Japanese face, or boxes).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import Table as DocxTable

from .cells import cell_kind, cell_text
from .docx_fonts import embed_east_asian_font
from .fonts import SANS, FontSubset
from .labels import day_text, labels, rating_name
from .markdown import caption
from .model import Chart, Report, Section, Table

EAST_ASIA_FONT = SANS  # embedded in the file (docx_fonts); Word falls back to 微软雅黑
LATIN_FONT = "Arial"
ACCENT = RGBColor(0x8C, 0x1D, 0x18)
MUTED = RGBColor(0x5B, 0x65, 0x70)
UP = RGBColor(0xC6, 0x28, 0x28)  # A-share convention: gains in red
DOWN = RGBColor(0x2E, 0x7D, 0x32)
_STYLES = (
    "Normal",
    "Title",
    "Heading 1",
    "Heading 2",
    "Caption",
    "List Bullet",
    "Header",
    "Footer",
)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: object) -> str:
    """Text as Word can store it: characters XML forbids become a visible replacement mark."""
    return _XML_INVALID.sub("\ufffd", str(text))


def _set_fonts(rpr: object) -> None:
    """Explicit Latin and East-Asian fonts on a ``w:rPr`` element, theme fonts removed."""
    fonts = rpr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)  # type: ignore[attr-defined]
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIA_FONT)
    fonts.set(qn("w:cs"), LATIN_FONT)


def _setup(doc: DocxDocument) -> None:
    styles = doc.styles
    for name in _STYLES:
        _set_fonts(styles[name].element.get_or_add_rPr())
    rpr_default = styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr_default is not None:
        _set_fonts(rpr_default)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:eastAsia"), "zh-CN")
    styles["Normal"].element.get_or_add_rPr().append(lang)
    styles["Normal"].font.size = Pt(10.5)
    styles["Title"].font.size = Pt(20)
    styles["Title"].font.color.rgb = ACCENT
    for name, size in (("Heading 1", 14), ("Heading 2", 12)):
        styles[name].font.size = Pt(size)
        styles[name].font.color.rgb = ACCENT
    styles["Caption"].font.size = Pt(9.5)
    styles["Caption"].font.color.rgb = ACCENT
    styles["Caption"].font.italic = False
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin, section.bottom_margin = Mm(20), Mm(18)


def _page_field(paragraph: object) -> None:
    """A PAGE field, so Word numbers the pages itself."""
    run = paragraph.add_run()  # type: ignore[attr-defined]
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _header_footer(doc: DocxDocument, report: Report) -> None:
    f = report.front
    section = doc.sections[0]
    head = section.header.paragraphs[0]
    sep = "  ｜  " if report.lang == "zh" else "  |  "
    head.text = clean(f"{f.firm}{sep}{f.series}{sep}{day_text(f.publication_date, report.lang)}")
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in head.runs:
        run.font.size, run.font.color.rgb = Pt(8), MUTED
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(foot)


def _muted(doc: DocxDocument, text: str, size: float = 8.5) -> None:
    p = doc.add_paragraph()
    run = p.add_run(clean(text))
    run.font.size, run.font.color.rgb = Pt(size), MUTED
    p.paragraph_format.space_after = Pt(2)


def _warning(doc: DocxDocument, text: str) -> None:
    run = doc.add_paragraph().add_run(text)
    run.bold, run.font.color.rgb = True, UP


def _front(doc: DocxDocument, report: Report) -> None:
    f, w = report.front, labels(report.lang)
    _muted(doc, f.firm, 10)
    if f.firm_template:
        _warning(doc, w["template"])
    doc.add_paragraph(clean(f.title), style="Title")
    industry = f.industry + (w["rating"].format(f.industry_rating) if f.industry_rating else "")
    meta = [f"{w['published']}{day_text(f.publication_date, report.lang)}"]
    meta.append(f"{w['industry']}{industry}")
    meta += [
        f"{w['analyst']}{a['name']}" + (f" {a['registration']}" if a.get("registration") else "")
        for a in f.analysts
    ]
    _muted(doc, "    ".join(meta), 9.5)
    heading = doc.add_paragraph(style="Caption")
    heading.add_run(w["related"])
    for x in f.related:
        day = day_text(x.publication_date, report.lang)
        doc.add_paragraph(clean(f"{day} {x.title}"), style="List Bullet")
    if not f.related:
        _muted(doc, w["no_related"], 9)


def _front_figures(doc: DocxDocument, report: Report, out_dir: Path) -> None:
    """The front page's charts (行业相对走势), titled but not numbered."""
    for key in report.front.figures:
        figure = report.figure(key)
        cap = doc.add_paragraph(clean(figure.title), "Caption")
        cap.paragraph_format.keep_with_next = True
        if figure.file and (out_dir / figure.file).is_file():
            doc.add_picture(str(out_dir / figure.file), width=Cm(12))
        _figure_foot(doc, figure)


def _cell(cell: object, value: object, header: bool, up: str = "red") -> None:
    p = cell.paragraphs[0]  # type: ignore[attr-defined]
    run = p.add_run(clean(cell_text(value)))
    run.font.size = Pt(8)
    run.bold = header
    if header:
        shade = OxmlElement("w:shd")
        shade.set(qn("w:val"), "clear")
        shade.set(qn("w:fill"), "F3F4F6")
        cell._tc.get_or_add_tcPr().append(shade)  # type: ignore[attr-defined]
    kind = "text" if header else cell_kind(value)
    if kind != "text":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if kind in ("up", "down"):
        rise = (kind == "up") == (up == "red")  # red-up, or the English edition's green-up
        run.font.color.rgb = UP if rise else DOWN


def _repeat_header(table: DocxTable) -> None:
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def word_table(
    doc: DocxDocument, columns: list[str], rows: list[list[object]], up: str = "red"
) -> DocxTable:
    table = doc.add_table(rows=1 + len(rows), cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for j, name in enumerate(columns):
        _cell(table.rows[0].cells[j], name, header=True)
    for i, row in enumerate(rows, start=1):
        cells = table.rows[i].cells
        for j, value in enumerate(row):
            _cell(cells[j], value, header=False, up=up)
    _repeat_header(table)
    return table


def _figure_foot(doc: DocxDocument, figure: Table | Chart) -> None:
    w = labels(figure.lang)
    _muted(doc, f"{w['source']}{figure.source}")
    for note in figure.notes:
        _muted(doc, f"{w['note']}{note}")
    if figure.sample:
        _warning(doc, w["sample"])


def _figure(doc: DocxDocument, report: Report, key: str, out_dir: Path) -> None:
    figure = report.figure(key)
    text = caption(figure.number, figure.title, figure.unit, figure.lang)
    cap = doc.add_paragraph(clean(text), "Caption")
    cap.paragraph_format.keep_with_next = True  # never a caption alone at a page foot
    if isinstance(figure, Table):
        word_table(doc, figure.columns, figure.rows, figure.up)
    elif figure.file and (out_dir / figure.file).is_file():
        doc.add_picture(str(out_dir / figure.file), width=Cm(16.5))
    else:
        _muted(doc, labels(figure.lang)["image_missing"], 9)
    _figure_foot(doc, figure)


def _section(doc: DocxDocument, report: Report, section: Section, out_dir: Path) -> None:
    w = labels(report.lang)
    doc.add_heading(clean(section.title), level=1)
    if section.sample:
        _warning(doc, w["sample"])
    for para in section.paragraphs:
        p = doc.add_paragraph(clean(para.text))
        if para.source:
            run = p.add_run(clean(w["paren"].format(para.source)))
            run.font.color.rgb, run.font.size = MUTED, Pt(9)
    for bullet in section.bullets:
        doc.add_paragraph(clean(bullet), style="List Bullet")
    for key in section.figures:
        _figure(doc, report, key, out_dir)


def _closing(doc: DocxDocument, report: Report) -> None:
    c, w, lang = report.closing, labels(report.lang), report.lang

    def firm_text(key: str, text: str) -> None:
        if key in c.missing:
            _warning(doc, text)  # 未填写: in red, as the template notice
        else:
            doc.add_paragraph(clean(text))

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    if c.template:
        _warning(doc, w["template_below"])
    doc.add_heading(w["analyst_statement"], level=1)
    firm_text("analyst_statement", c.analyst_statement)
    doc.add_heading(w["ratings"], level=1)
    for head, bands in (
        ("company_ratings", c.company_ratings),
        ("industry_ratings", c.industry_ratings),
    ):
        rows = [[rating_name(b.name, b.name_en, lang), b.text] for b in bands]
        word_table(doc, [w[head], w["meaning"]], rows)  # type: ignore[arg-type]
        doc.add_paragraph()
    doc.add_paragraph(clean(c.benchmarks_text))
    doc.add_heading(w["disclaimer"], level=1)
    firm_text("disclaimer", c.disclaimer)
    doc.add_heading(w["special_statement"], level=1)
    firm_text("special_statement", c.special_statement)
    if "copyright" in c.missing:
        _warning(doc, c.copyright)
    else:
        _muted(doc, c.copyright, 9)


def _all_text(doc: DocxDocument) -> str:
    """Every character the file shows: body, headers and footers (for the embedded font)."""
    parts = ["".join(doc.element.itertext())]
    for section in doc.sections:
        for part in (section.header, section.footer):
            parts.append("".join(part._element.itertext()))
    return "".join(parts)


def render_docx(report: Report, out_dir: Path, path: Path, font: FontSubset | None = None) -> None:
    """Write ``path`` whole or not at all (``docx_bytes``)."""
    from ..atomic import write_bytes

    write_bytes(path, docx_bytes(report, out_dir, font))


def docx_bytes(report: Report, out_dir: Path, font: FontSubset | None = None) -> bytes:
    """The Word file; chart pictures are read from ``out_dir`` (Chart.file is relative to it).
    ``font`` is the build's font subset, used when it has every character the file shows.
    Saved in memory: a zip file written straight to a full disk fails once more as it is
    collected, with a traceback nobody can catch."""
    doc = Document()
    _setup(doc)
    _header_footer(doc, report)
    doc.core_properties.title = clean(report.front.title)
    doc.core_properties.author = clean(report.front.firm)
    doc.core_properties.language = labels(report.lang)["html_lang"]
    _front(doc, report)
    _front_figures(doc, report, out_dir)
    doc.add_heading(labels(report.lang)["key_points"], level=1)
    for point in report.key_points:
        doc.add_paragraph(clean(point))
    for section in report.sections:
        _section(doc, report, section, out_dir)
    shown = {k for s in report.sections for k in s.figures} | set(report.front.figures)
    rest = sorted(
        (f for f in [*report.tables, *report.charts] if f.key not in shown),
        key=lambda f: f.number,
    )
    if rest:
        doc.add_heading(labels(report.lang)["figures"], level=1)
        for figure in rest:
            _figure(doc, report, figure.key, out_dir)
    _closing(doc, report)
    embed_east_asian_font(doc, _all_text(doc), font)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
