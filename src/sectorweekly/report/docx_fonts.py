"""Embed the Chinese font in the Word file, so it shows real glyphs on any machine.

A .docx names its fonts; a machine without them falls back, and a machine with no CJK font at
all (a bare Linux box converting with LibreOffice) shows boxes. So the document carries its own
font: Noto Sans SC cut down to the characters the report uses, converted to TrueType outlines
(what Word embeds) and stored as an obfuscated font part (ECMA-376 Part 1, §17.8.1). Word falls
back to its own East-Asian font for characters typed later that the subset lacks.
"""

from __future__ import annotations

import hashlib
import uuid

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

from .fonts import SANS, FontSubset, subset_covering

OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FALLBACK_NAME = "微软雅黑"  # what Word uses when it will not load the embedded font


def obfuscate(data: bytes, font_key: str) -> bytes:
    """XOR the first 32 bytes with the key's 16 bytes taken in reverse order (§17.8.1)."""
    hexdigits = font_key.strip("{}").replace("-", "")
    key = bytes.fromhex(hexdigits)[::-1]
    head = bytes(b ^ key[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def embed_east_asian_font(doc: DocxDocument, text: str, prepared: FontSubset | None = None) -> int:
    """Add the subset font for ``text`` (``prepared`` when it covers it) to the document;
    returns the font part's size."""
    data = subset_covering(text, prepared).truetype
    # the key only scrambles the font's first bytes (a format rule, not a secret): taken from the
    # font itself, so the same report gives the same Word file
    font_key = "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"
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
