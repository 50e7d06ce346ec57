"""Embed the Chinese font in the Word file, so it shows real glyphs on any machine.

A .docx names its fonts; a machine without them falls back, and a machine with no CJK font at
all (a bare Linux box converting with LibreOffice) shows boxes. So the document carries its own
font: Noto Sans SC cut down to the characters the report uses, converted to TrueType outlines
(what Word embeds) and stored as an obfuscated font part (ECMA-376 Part 1, §17.8.1). Word falls
back to its own East-Asian font for characters typed later that the subset lacks.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from functools import cache

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

from ..paths import cache_dir
from .fonts import _ALWAYS, SANS, font_files

OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FALLBACK_NAME = "微软雅黑"  # what Word uses when it will not load the embedded font


def truetype_subset(chars: frozenset[str]) -> bytes:
    """The subset for ``chars``, from the user cache when an earlier build made the same one."""
    source = font_files()[SANS]
    key = hashlib.sha256(
        "".join(sorted(chars)).encode() + str(source.stat().st_size).encode() + _VERSION
    ).hexdigest()[:24]
    cached = cache_dir("fonts") / f"{key}.ttf"
    if cached.is_file():
        return cached.read_bytes()
    data = _convert(chars)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(cached)  # atomic: a concurrent build never reads half a file
    return data


_VERSION = b"1"  # bump when _convert changes what it writes


@cache
def _convert(chars: frozenset[str]) -> bytes:
    """Noto Sans SC with only ``chars``, its CFF outlines turned into TrueType quadratics."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(font_files()[SANS]))
    options = subset.Options()
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)

    order = font.getGlyphOrder()
    source = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(source)
        source[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in (
        "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
        "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
    ):  # fmt: skip
        setattr(maxp, attr, 0)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def obfuscate(data: bytes, font_key: str) -> bytes:
    """XOR the first 32 bytes with the key's 16 bytes taken in reverse order (§17.8.1)."""
    hexdigits = font_key.strip("{}").replace("-", "")
    key = bytes.fromhex(hexdigits)[::-1]
    head = bytes(b ^ key[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def embed_east_asian_font(doc: DocxDocument, text: str) -> int:
    """Add the subset font for ``text`` to the document; returns the font part's size."""
    data = truetype_subset(frozenset(text) | frozenset(_ALWAYS))
    font_key = "{" + str(uuid.uuid4()).upper() + "}"
    table_part = doc.part.part_related_by(RT.FONT_TABLE)
    font_part = Part(
        PackURI("/word/fonts/font1.odttf"),
        OBFUSCATED_FONT,
        obfuscate(data, font_key),
        doc.part.package,
    )
    rid = table_part.relate_to(font_part, RT.FONT)
    table = parse_xml(table_part.blob)
    entry = parse_xml(
        f'<w:font {nsdecls("w", "r")} w:name="{SANS}">'
        f'<w:altName w:val="{FALLBACK_NAME}"/><w:charset w:val="86"/>'
        '<w:family w:val="swiss"/><w:pitch w:val="variable"/>'
        f'<w:embedRegular r:id="{rid}" w:fontKey="{font_key}"/></w:font>'
    )
    table.append(entry)
    # a plain Part keeps its XML as bytes
    table_part._blob = etree.tostring(
        table, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    settings = doc.settings.element
    flag = OxmlElement("w:embedTrueTypeFonts")
    subset_flag = OxmlElement("w:saveSubsetFonts")
    zoom = settings.find(qn("w:zoom"))
    if zoom is not None:
        zoom.addnext(flag)
    else:
        settings.insert(0, flag)
    flag.addnext(subset_flag)
    return len(data)
