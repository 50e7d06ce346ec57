"""Rating scales from the desk: name lookup (Chinese or English) and the band of an excess return.

Bands follow ``Band(above, up_to)``: strictly above ``above``, at most ``up_to`` (percentage
points). Excess returns are rounded to 6 decimals before banding, so that +20 computed through
floating point (19.999999999999996) falls where the analyst expects it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .parse import Band, Ratings

BAND_DECIMALS = 6
SCALES = ("company", "industry")


@dataclass(frozen=True)
class RatingScales:
    """The desk's company and industry scales, in reading order (best first)."""

    company: tuple[Band, ...]
    industry: tuple[Band, ...]

    @classmethod
    def from_desk(cls, ratings: Ratings) -> RatingScales:
        return cls(tuple(ratings.company), tuple(ratings.industry))

    def bands(self, scale: str) -> tuple[Band, ...]:
        return self.company if scale == "company" else self.industry

    def names(self, scale: str) -> list[str]:
        return [b.name for b in self.bands(scale)]

    def lookup(self) -> dict[str, tuple[str, str]]:
        """Accepted spellings (Chinese name, English name case-folded) -> (name, scale)."""
        out: dict[str, tuple[str, str]] = {}
        for scale in SCALES:
            for band in self.bands(scale):
                out.setdefault(band.name.strip().casefold(), (band.name, scale))
                if band.name_en:
                    out.setdefault(band.name_en.strip().casefold(), (band.name, scale))
        return out

    def canonical(self, text: str) -> tuple[str, str] | None:
        """(name, scale) for a rating given in Chinese or English, or None if unknown."""
        return self.lookup().get(text.strip().casefold())

    def flat(self) -> list[tuple[str, str]]:
        """Every (name, scale), company first: a name's position is its code in SQL."""
        out: list[tuple[str, str]] = []
        for scale in SCALES:
            out += [(b.name, scale) for b in self.bands(scale) if b.name not in dict(out)]
        return out

    def expected_text(self) -> str:
        parts = []
        for scale in SCALES:
            bands = self.bands(scale)
            zh = "/".join(b.name for b in bands)
            en = "/".join(b.name_en for b in bands if b.name_en)
            parts.append(f"{zh} ({en})" if en else zh)
        return " or ".join(parts)


def band_of(bands: Sequence[Band], excess_pct: float) -> str | None:
    """The band an excess return (pp) falls in: above < x <= up_to; None if no band covers it."""
    x = round(excess_pct, BAND_DECIMALS)
    for band in bands:
        if (band.above is None or x > band.above) and (band.up_to is None or x <= band.up_to):
            return band.name
    return None


def band_codes(scales: RatingScales, excess_pct: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The rule of :func:`band_of` over arrays: each value's band code (``flat()`` index), -1
    where no band of its scale (index in ``SCALES``) covers it. ``excess_pct`` is already
    rounded; NaN sorts above every number, as it does in DuckDB (a NaN excess is the top band)."""
    codes = {name: i for i, (name, _) in enumerate(scales.flat())}
    nan = np.isnan(excess_pct)
    out = np.full(excess_pct.shape, -1, dtype=np.int16)
    todo = np.ones(excess_pct.shape, dtype=bool)
    for k, name in enumerate(SCALES):
        for band in scales.bands(name):
            hit = todo & (scale == k)
            if band.above is not None:
                hit &= (excess_pct > float(band.above)) | nan
            if band.up_to is not None:
                hit &= (excess_pct <= float(band.up_to)) & ~nan
            out[hit] = codes[band.name]
            todo &= ~hit
    return out
