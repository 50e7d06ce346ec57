"""The CJK fonts every document uses, from the pinned pip package (the machine may have none).

Without a CJK font WeasyPrint draws boxes without a warning and a browser falls back to
whatever it finds, so the PDF links the font files and the HTML carries a subset of its own.
Noto Sans SC / Serif SC ship in one weight (regular): emphasis uses colour and size, not bold.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

from pylopdf_fonts_zh_cn import sans_path, serif_path

from ..errors import SectorWeeklyError
from ..paths import cache_dir

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


_SUBSET_VERSION = b"1"  # bump when _subset changes what it writes


def cached_subset(kind: str, chars: frozenset[str], make: Callable[[], bytes]) -> bytes:
    """A font subset from the user cache (``cache/fonts``) by its characters, else made and kept.

    Subsetting the CJK font takes seconds; the same characters always give the same bytes, so
    a rebuild that shows the same text (or an earlier week's) reads the file instead.
    """
    source = font_files()[SANS]
    key = hashlib.sha256(
        kind.encode()
        + "".join(sorted(chars)).encode()
        + str(source.stat().st_size).encode()
        + _SUBSET_VERSION
    ).hexdigest()[:24]
    path = cache_dir("fonts") / f"{key}.{kind}"
    if path.is_file():
        return path.read_bytes()
    data = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # atomic: a concurrent build never reads half a file
    return data


def _subset(chars: frozenset[str]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]
    options.flavor = "woff"  # zlib: smaller than the raw font, no extra dependency
    # the bounding boxes of a CFF font take longer to recompute than the subset itself
    font = TTFont(str(font_files()[SANS]), lazy=True, recalcBBoxes=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def html_font_chars(text: str) -> frozenset[str]:
    return frozenset(text) | frozenset(_ALWAYS)


def embedded_font_css(text: str) -> str:
    """An @font-face rule with the sans font cut down to the characters of ``text``, inlined.

    The HTML then shows the same glyphs on any machine and needs no URL at all.
    """
    chars = html_font_chars(text)
    data = cached_subset("woff", chars, lambda: _subset(chars))
    uri = "data:font/woff;base64," + base64.b64encode(data).decode("ascii")
    return f'@font-face {{ font-family: {css_string(SANS)}; src: url("{uri}") format("woff"); }}'
