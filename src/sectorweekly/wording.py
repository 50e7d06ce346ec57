"""Console wording shared by every command: counts that agree with their nouns."""

from __future__ import annotations


def counted(n: int, one: str, many: str | None = None) -> str:
    """``1 new row``, ``2 new rows``: a count with the noun it agrees with."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
