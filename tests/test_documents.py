"""The finished documents (PDF, Word, HTML, Markdown) of the demo week, read back as a user would.

The demo report is built once per session (``demo_report`` in conftest.py); each test opens
one of the files it wrote and checks what a reader sees in it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest
from docx import Document
from docx.oxml.ns import qn

from chromium import CHROMIUM, HEADLESS
from sectorweekly.narrative.zh import signed_pct
from sectorweekly.report.docx import EAST_ASIA_FONT

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftotext, pdffonts) not installed; `make system-deps` installs it",
)


def _members(report):
    return [m for b in report.review.boards for m in b.members]


def _change(m) -> str:
    return "停牌" if m.status == "suspended" else signed_pct(m.change_pct)


@pytest.fixture(scope="module")
def pdf_text(demo_report) -> list[str]:
    """The PDF's text, one string per page."""
    _, out, _ = demo_report
    run = subprocess.run(
        ["pdftotext", "-layout", str(out / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.split("\f")[:-1]


def test_every_format_is_written(demo_report):
    _, out, _ = demo_report
    for name in ("report.pdf", "report.docx", "report.html", "report.md", "report.json"):
        assert (out / name).stat().st_size > 5000, name
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")


@needs_poppler
def test_pdf_text_has_title_boards_and_every_change(demo_report, pdf_text):
    report, _, _ = demo_report
    text = re.sub(r"\s+", "", "".join(pdf_text))  # layout breaks lines inside long titles
    assert re.sub(r"\s+", "", report.front.title) in text
    for board in report.review.boards:
        assert f"{board.name}板块" in text, board.name
        for m in board.members:
            assert f"{m.name}{_change(m)}" in text, m.name
    for s in report.sections:
        assert re.sub(r"\s+", "", s.title) in text, s.title
    assert "评级说明" in text and report.closing.company_ratings[0].text in text


@needs_poppler
def test_pdf_pages_carry_the_running_header_and_page_numbers(demo_report, pdf_text):
    report, _, _ = demo_report
    f = report.front
    pages = len(pdf_text)
    assert pages >= 3
    for n, page in enumerate(pdf_text, start=1):
        flat = re.sub(r"\s+", "", page)
        assert f.firm in flat and f"{f.series}｜{f.publication_date:%Y-%m-%d}" in flat, n
        assert f"{n}/{pages}" in flat, n


@needs_poppler
def test_pdf_embeds_a_cjk_font_and_nothing_else_unembedded(demo_report):
    _, out, _ = demo_report
    run = subprocess.run(
        ["pdffonts", str(out / "report.pdf")], capture_output=True, text=True, check=True
    )
    rows = run.stdout.splitlines()[2:]
    assert rows
    cjk = [r for r in rows if re.search(r"Noto-?Sans-?SC|Noto-?Serif-?SC", r)]
    assert cjk, run.stdout
    for row in rows:
        # columns: name type... encoding emb sub uni id
        emb = row.split()[-5]
        assert emb == "yes", row


def test_word_has_the_review_table_headings_and_east_asian_fonts(demo_report):
    report, out, _ = demo_report
    doc = Document(str(out / "report.docx"))
    review = report.figure("review_table")
    tables = [t for t in doc.tables if [c.text for c in t.rows[0].cells] == review.columns]
    assert len(tables) == 1
    rows = tables[0].rows[1:]
    members = _members(report)
    assert len(rows) == len(review.rows) >= len(members)
    by_name = {r.cells[0].text: [c.text for c in r.cells] for r in rows}
    for m in members:
        assert by_name[m.name][1] == m.symbol
        assert by_name[m.name][-1] == _change(m)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "投资要点"
    for s in report.sections:
        assert s.title in headings
    assert doc.paragraphs[2].text == report.front.title
    for style in ("Normal", "Title", "Heading 1", "Heading 2"):
        fonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == EAST_ASIA_FONT, style
        assert fonts.get(qn("w:eastAsiaTheme")) is None, style
    header = doc.sections[0].header.paragraphs[0].text
    assert report.front.firm in header and report.front.series in header
    drawn = [c for c in report.charts if c.file and (out / c.file).is_file()]
    assert len(doc.inline_shapes) == len(drawn)
    assert len(doc.tables) == len(report.tables) + 2  # + the two rating definition tables


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "data")]


def test_html_stands_alone(demo_report):
    report, _, _ = demo_report
    _, out, _ = demo_report
    html = (out / "report.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(html)
    assert all(u.startswith(("data:", "#")) for u in parser.urls), parser.urls
    css_urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", html)
    assert css_urls and all(u.startswith("data:") for u in css_urls)
    assert "@font-face" in html and "data:font/woff;base64," in html
    assert "<script src" not in html and "http://" not in html and "https://" not in html
    drawn = [c for c in report.charts if c.file and (out / c.file).is_file()]
    assert html.count("data:image/png;base64,") == len(drawn)
    assert 'class="sortable"' in html


def test_markdown_image_links_resolve_beside_it(demo_report):
    report, out, _ = demo_report
    md_path = out / "report.md"
    md = md_path.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(<?([^)>]+)>?\)", md)
    drawn = [c for c in report.charts if c.file]
    assert len(links) == len(drawn)
    for link in links:
        assert not link.startswith(("/", "http")), link
        assert (md_path.parent / link).is_file(), link
    assert f"# {report.front.title}" in md


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium; apt-get install chromium")
def test_html_screenshot_in_headless_chromium_is_not_blank(demo_report, tmp_path):
    from PIL import Image

    _, out, _ = demo_report
    shot = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    profile.mkdir()
    subprocess.run(
        [
            str(CHROMIUM),
            *HEADLESS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1000,1400",
            (out / "report.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    image = Image.open(shot).convert("RGB")
    assert image.size == (1000, 1400)
    rgb = np.asarray(image, dtype=np.int32)
    ink = float((rgb.sum(axis=2) < 600).mean())
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    accent = int(((r > 110) & (g < 70) & (b < 70)).sum())
    assert ink > 0.02, f"page looks blank ({ink:.3%} dark pixels)"
    assert accent > 500, "the accent-coloured title and rules are missing"


def test_closing_pages_use_the_desk_text_and_mark_the_template(demo_report, pdf_text):
    from sectorweekly.desk.parse import load_desk

    report, out, _ = demo_report
    desk = load_desk()
    assert desk.firm.template and report.closing.template
    marker = "以下为模板文本，请替换为贵机构内容"
    flat_pdf = re.sub(r"\s+", "", "".join(pdf_text)) if shutil.which("pdftotext") else None
    doc = Document(str(out / "report.docx"))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    doc_text = "\n".join([p.text for p in doc.paragraphs] + cells)
    texts = {
        "html": (out / "report.html").read_text(encoding="utf-8"),
        "md": (out / "report.md").read_text(encoding="utf-8"),
        "docx": doc_text,
    }
    if flat_pdf is not None:
        texts["pdf"] = flat_pdf
    for fmt, text in texts.items():
        squeezed = re.sub(r"\s+", "", text) if fmt == "pdf" else text
        assert marker in squeezed, fmt
        assert re.sub(r"\s+", "", desk.firm.copyright)[:30] in re.sub(r"\s+", "", text), fmt
        for band in desk.ratings.company + desk.ratings.industry:
            assert band.name in text and band.text in text, (fmt, band.name)


def test_cell_kinds_align_signed_numbers_alike():
    from sectorweekly.report.cells import cell_kind

    assert cell_kind("+3.14") == cell_kind("-16.03") == "num"  # excess returns in points
    assert cell_kind("+28.48%") == "up" and cell_kind("-0.55%") == "down"
    assert cell_kind("688256") == "text"  # a code, not a quantity
    assert cell_kind("1,865.6") == "num"


def test_word_file_carries_the_chinese_font_for_every_character(demo_report):
    """A machine with no CJK font still shows the Word file's Chinese: the font travels in it."""
    import io
    import zipfile

    from fontTools.ttLib import TTFont
    from lxml import etree

    from sectorweekly.report.docx_fonts import obfuscate

    _, out, _ = demo_report
    with zipfile.ZipFile(out / "report.docx") as z:
        table = etree.fromstring(z.read("word/fontTable.xml"))
        rels = etree.fromstring(z.read("word/_rels/fontTable.xml.rels"))
        settings = z.read("word/settings.xml").decode("utf-8")
        body = "".join(etree.fromstring(z.read("word/document.xml")).itertext())
        ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
        embed = table.find(".//w:font[@w:name='Noto Sans SC']/w:embedRegular", ns)
        assert embed is not None
        rid = embed.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        key = embed.get(f"{{{ns['w']}}}fontKey")
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        blob = z.read("word/" + target.lstrip("/").removeprefix("word/"))
    assert "<w:embedTrueTypeFonts/>" in settings
    font = TTFont(io.BytesIO(obfuscate(blob, key)))  # the XOR is its own inverse
    assert "glyf" in font  # TrueType outlines, what Word embeds
    cmap = font.getBestCmap()
    cjk = {ch for ch in body if "\u4e00" <= ch <= "\u9fff"}
    assert len(cjk) > 500
    assert not [ch for ch in cjk if ord(ch) not in cmap]
