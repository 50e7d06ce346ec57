"""One font subset per build serves the HTML and the Word file, and never lacks a character."""

from __future__ import annotations

import base64
import io
import re
import zipfile

from fontTools.ttLib import TTFont
from lxml import etree

from sectorweekly.report.docx_fonts import obfuscate
from sectorweekly.report.fonts import font_subset, subset_covering

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


def _html_font(html: str) -> TTFont:
    data = re.search(r"data:font/woff;base64,([A-Za-z0-9+/=]+)", html).group(1)
    return TTFont(io.BytesIO(base64.b64decode(data)))


def _word_font(path) -> TTFont:
    with zipfile.ZipFile(path) as z:
        table = etree.fromstring(z.read("word/fontTable.xml"))
        rels = etree.fromstring(z.read("word/_rels/fontTable.xml.rels"))
        embed = table.find(".//w:font[@w:name='Noto Sans SC']/w:embedRegular", NS)
        rid = embed.get(f"{{{NS['r']}}}id")
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        blob = z.read("word/" + target)
    return TTFont(io.BytesIO(obfuscate(blob, embed.get(f"{{{NS['w']}}}fontKey"))))


def test_the_html_and_the_word_file_carry_the_same_subset_covering_their_text(demo_report):
    _, out, _ = demo_report
    html = (out / "report.html").read_text(encoding="utf-8")
    html_font, word_font = _html_font(html), _word_font(out / "report.docx")
    assert html_font.flavor == "woff" and "glyf" in html_font
    assert set(html_font.getBestCmap()) == set(word_font.getBestCmap())
    shown = re.sub(r"<style>.*?</style>|<script>.*?</script>|<[^>]+>", "", html, flags=re.S)
    cjk = {ch for ch in shown if "\u4e00" <= ch <= "\u9fff"}
    assert len(cjk) > 500
    assert not [ch for ch in cjk if ord(ch) not in html_font.getBestCmap()]


def test_a_character_the_prepared_subset_lacks_gets_a_subset_that_has_it():
    prepared = font_subset(["本周算力板块上涨"])
    assert subset_covering("算力上涨", prepared) is prepared
    wider = subset_covering("算力上涨，龘", prepared)  # 龘: in no report, still drawn
    assert wider is not prepared
    cmap = TTFont(io.BytesIO(wider.truetype)).getBestCmap()
    assert ord("龘") in cmap and ord("算") in cmap
    assert ord("周") not in cmap  # made for the text asked, not the prepared one
