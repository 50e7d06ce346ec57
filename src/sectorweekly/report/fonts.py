"""The CJK fonts every document uses, from the pinned pip package (the machine may have none).

Without a CJK font WeasyPrint draws boxes without a warning and a browser falls back to
whatever it finds, so the PDF links the font files, and the HTML and the Word file carry a
subset: one TrueType cut of the sans font per build, made before either document is rendered.
Noto Sans SC / Serif SC ship in one weight (regular): emphasis uses colour and size, not bold.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pylopdf_fonts_zh_cn import sans_path, serif_path

from ..desk import cache_writes
from ..desk.paths import cache_dir
from ..errors import SectorWeeklyError
from .model import strings

if TYPE_CHECKING:
    from .model import Report

SANS = "Noto Sans SC"
SERIF = "Noto Serif SC"
# Characters every document may show besides its own text (digits, Latin, punctuation).
_ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "，。、；：？！“”‘’（）《》【】—…％＋－·｜～"


def font_files() -> dict[str, Path]:
    """The font files; missing ones stop the build (WeasyPrint would print boxes silently)."""
    files = {SANS: sans_path(), SERIF: serif_path()}
    for family, path in files.items():
        if not path.is_file():
            raise SectorWeeklyError(
                f"{path}: the {family} font file is missing; reinstall pylopdf-fonts-zh-cn"
            )
    return files


def css_string(text: str) -> str:
    """A CSS string literal that cannot end the string, the rule or the <style> element."""
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def file_font_css() -> str:
    """@font-face rules pointing at the installed font files (for WeasyPrint: it subsets them)."""
    return "\n".join(
        f"@font-face {{ font-family: {css_string(family)}; "
        f'src: url("{path.as_uri()}") format("opentype"); }}'
        for family, path in font_files().items()
    )


_SUBSET_VERSION = b"2"  # bump when _truetype changes what it writes


def cached_subset(chars: frozenset[str], make: Callable[[], bytes]) -> bytes:
    """A font subset from the user cache (``cache/fonts``) by its characters, else made and kept.

    Subsetting the CJK font takes most of a second; the same characters always give the same
    glyphs, so a rebuild that shows the same text (or an earlier week's) reads the file instead.
    """
    source = font_files()[SANS]
    key = hashlib.sha256(
        "".join(sorted(chars)).encode() + str(source.stat().st_size).encode() + _SUBSET_VERSION
    ).hexdigest()[:24]
    path = cache_dir("fonts") / f"{key}.ttf"
    try:
        return path.read_bytes()
    except OSError:
        pass  # not made yet
    data = make()
    cache_writes.keep(path, data)  # whole or not at all: a concurrent build reads it
    return data


@dataclass(frozen=True)
class FontSubset:
    """The sans font cut down to ``chars``, as TrueType outlines: what Word embeds, and what the
    HTML carries wrapped as WOFF. One subset serves both documents of a build."""

    chars: frozenset[str]
    truetype: bytes

    def covers(self, text: str) -> bool:
        """Whether every character of ``text`` is in the subset (controls have no glyph)."""
        return {ch for ch in text if ch >= " "} <= self.chars

    def woff(self) -> bytes:
        """The same font in a WOFF wrapper (zlib-compressed tables; no outline is recompiled)."""
        from fontTools.ttLib import TTFont

        font = TTFont(io.BytesIO(self.truetype), lazy=True, recalcBBoxes=False)
        font.flavor = "woff"
        buf = io.BytesIO()
        font.save(buf, reorderTables=False)
        return buf.getvalue()


def font_subset(text: Iterable[str]) -> FontSubset:
    """The subset for the characters of ``text`` (and ``_ALWAYS``), from the cache if made before."""
    chars = frozenset("".join(text)) | frozenset(_ALWAYS)
    return FontSubset(chars, cached_subset(chars, lambda: _truetype(chars)))


def subset_covering(text: str, prepared: FontSubset | None) -> FontSubset:
    """``prepared`` when it has every character of ``text``; otherwise a subset made for it."""
    if prepared is not None and prepared.covers(text):
        return prepared
    return font_subset([text])


@cache
def _renderer_labels() -> str:
    """The non-ASCII characters the renderers print themselves (headings, 来源, dates as
    年月日), read from their sources and templates: with the report's own strings they give
    a subset that both documents can use before either is rendered."""
    here = Path(__file__).parent
    files = [*(here / m for m in ("cells.py", "docx.py", "html.py", "labels.py", "markdown.py", "pdf.py")),
             *sorted((here / "templates").glob("*.j2"))]  # fmt: skip
    return "".join({ch for f in files for ch in f.read_text(encoding="utf-8") if ord(ch) > 0x7F})


def document_chars(report: Report) -> list[str]:
    """Every string the report's documents can show: the model's strings and the labels."""
    return [*strings(report.model_dump(mode="json")), _renderer_labels()]


def _truetype(chars: frozenset[str]) -> bytes:
    """Noto Sans SC with only ``chars``, its CFF outlines turned into TrueType quadratics.

    Loaded lazily, so only the tables the subset touches are parsed; the outlines are compiled
    once, when the font is saved (bounds are taken from the new glyphs, not from a compile).
    """
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(font_files()[SANS]), lazy=True, recalcBBoxes=False)
    options = subset.Options()
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)

    order = font.getGlyphOrder()
    source = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(source)
        source[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        glyph.recalcBounds(glyf)
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
    font.recalcBBoxes = True  # head and maxp from the new outlines
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def embedded_font_css(text: str, prepared: FontSubset | None = None) -> str:
    """An @font-face rule with the sans font cut down to the characters of ``text``, inlined
    (``prepared`` is used when it covers them: the build makes one subset for all documents).

    The HTML then shows the same glyphs on any machine and needs no URL at all.
    """
    data = subset_covering(text, prepared).woff()
    uri = "data:font/woff;base64," + base64.b64encode(data).decode("ascii")
    return f'@font-face {{ font-family: {css_string(SANS)}; src: url("{uri}") format("woff"); }}'
