"""What the shape of a code says: its market, its A-share board, its mainland exchange.

The one place that reads meaning into the characters of a symbol. A desk's ``kind: index``
always wins over the shape (000300 is the CSI 300, 000001 both Ping An Bank and the SSE
Composite): an index has no board and no daily limit, whatever its digits look like.
"""

from __future__ import annotations

MAIN = "main"
STAR = "star"
CHINEXT = "chinext"
BSE = "bse"

BOARD_ZH = {MAIN: "主板", STAR: "科创板", CHINEXT: "创业板", BSE: "北交所"}

# Leading digits of A-share stock codes, by board (STAR 688/689, ChiNext 300/301/302, the
# Shanghai and Shenzhen main boards, the Beijing exchange's 43/83/87/88 and, since 2024, 920).
_BOARD_PREFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (STAR, ("688", "689")),
    (CHINEXT, ("300", "301", "302")),
    (MAIN, ("600", "601", "603", "605", "000", "001", "002", "003")),
    (BSE, ("43", "83", "87", "88", "92")),
)


def is_a_share_code(symbol: str) -> bool:
    """Six digits: the shape of every mainland stock and CSI/SSE/SZSE index code."""
    return len(symbol) == 6 and symbol.isdigit()


def is_hk_code(symbol: str) -> bool:
    """``0981.HK``: digits with the ``.HK`` suffix the store uses for Hong Kong symbols."""
    head, _, tail = symbol.upper().rpartition(".")
    return tail == "HK" and head.isdigit()


def hk_digits(symbol: str) -> str:
    """``0981.HK`` -> ``0981``; raises ValueError for anything else."""
    if not is_hk_code(symbol):
        raise ValueError(symbol)
    return symbol.upper().removesuffix(".HK")


def guess_market(symbol: str) -> str | None:
    """Market from the symbol's shape when nothing else says: 6 digits = A-share, NNNN.HK =
    Hong Kong; None when the shape does not tell (US tickers need the desk or the file)."""
    if is_a_share_code(symbol):
        return "CN_A"
    if is_hk_code(symbol):
        return "HK"
    return None


def guess_market_sql(expr: str) -> str:
    """:func:`guess_market` as a DuckDB expression over a text column (NULL when the shape does
    not tell), for readers that parse a whole file in one query."""
    return (
        f"CASE WHEN {expr} GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]' THEN 'CN_A' "
        f"WHEN regexp_full_match(upper({expr}), '[0-9]+[.]HK') THEN 'HK' END"
    )


def board_of(symbol: str, market: str = "CN_A", kind: str = "stock") -> str | None:
    """The A-share board of a stock (main, star, chinext, bse); None for an index, for any
    other market, and for codes that are not A-share stock codes."""
    if kind == "index" or market != "CN_A" or not is_a_share_code(symbol):
        return None
    for board, prefixes in _BOARD_PREFIXES:
        if symbol.startswith(prefixes):
            return board
    return None


def a_share_exchange(symbol: str, kind: str = "stock") -> str | None:
    """``SH``, ``SZ`` or ``BJ`` for a six-digit mainland code; None for other shapes.

    Stocks: Beijing codes start 920 (since 2024), 8 and 43; Shanghai 6 and 9 (B shares 900);
    Shenzhen 0, 2 (B shares) and 3. Indices: SZSE indices start 399, Beijing's 899, the rest
    (CSI and SSE, 000xxx) are listed in Shanghai.
    """
    if not is_a_share_code(symbol):
        return None
    if kind == "index":
        return "SZ" if symbol.startswith("399") else "BJ" if symbol.startswith("899") else "SH"
    if symbol.startswith(("920", "8", "43")):
        return "BJ"
    return "SH" if symbol.startswith(("6", "9")) else "SZ"
