"""What the shape of a code says: its one canonical form, its market, its A-share board, its
mainland exchange.

The one place that reads meaning into the characters of a symbol: every door (files, desk.yaml,
notes, the update, the command line) reads a symbol through :func:`canonical_symbol`. A desk's ``kind: index``
always wins over the shape (000300 is the CSI 300, 000001 both Ping An Bank and the SSE
Composite): an index has no board and no daily limit, whatever its digits look like.
"""

from __future__ import annotations

import re

from ..errors import InputError

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


def board_sql(expr: str) -> str:
    """:func:`board_of` of a stock code as a DuckDB expression (NULL when the six digits are
    no A-share stock code), for readers that check a whole file in one query."""
    whens = " ".join(
        f"WHEN {' OR '.join(f'starts_with({expr}, {p!r})' for p in prefixes)} THEN '{board}'"
        for board, prefixes in _BOARD_PREFIXES
    )
    return f"CASE WHEN {expr} GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]' THEN CASE {whens} END END"


def exchange_sql(expr: str) -> str:
    """:func:`a_share_exchange` of a stock code as a DuckDB expression."""
    return (
        f"CASE WHEN NOT {expr} GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]' THEN NULL "
        f"WHEN starts_with({expr}, '920') OR starts_with({expr}, '8') "
        f"OR starts_with({expr}, '43') THEN 'BJ' "
        f"WHEN starts_with({expr}, '6') OR starts_with({expr}, '9') THEN 'SH' ELSE 'SZ' END"
    )


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


# --- the one canonical form of a symbol ---------------------------------------------------
# A-share codes are six digits, whatever exchange tag the file wrote (600000.SH, SH600000,
# sh.600000, 600000.SS as Yahoo writes Shanghai); Hong Kong codes are at least four digits with
# .HK (700.HK, 00700 and 0700.hk are 0700.HK, as Yahoo writes them); anything else (US tickers,
# index names such as HSI or ^GSPC) is upper case.
SYMBOL_EXPECTED = "a code such as 688256, 600000.SH, 0981.HK or NVDA"
MAX_SYMBOL = 32  # characters; the longest real symbols (^GSPC, BRK-B, 600000.SH) are far shorter
_TAGS = {"SH": "SH", "SS": "SH", "SZ": "SZ", "BJ": "BJ"}
_EXCHANGE_ZH = {"SH": "Shanghai (SH)", "SZ": "Shenzhen (SZ)", "BJ": "Beijing (BJ)"}
_A_SHARE = re.compile(r"(?:(SH|SS|SZ|BJ)[.]?)?(\d{6})(?:[.](SH|SS|SZ|BJ))?")
_HK = re.compile(r"(?:HK[.]?)?(\d{1,5})(?:[.]HK)?")
_TICKER = re.compile(r"[A-Z0-9^][A-Z0-9.\-^=_&]*")


def _index_exchange(code: str) -> str | None:
    """Where an index of this code is listed, for codes that can be indices: SZSE's 399xxx,
    Beijing's 899xxx, and the SSE and CSI indices' 000xxx and 93xxxx/95xxxx."""
    if code.startswith("399"):
        return "SZ"
    if code.startswith("899"):
        return "BJ"
    return "SH" if code.startswith(("000", "93", "95")) else None


def canonical_symbol(text: str, market: str | None = None) -> str:
    """The store's one form of a symbol as a user or a file wrote it; ``market`` (when known)
    must agree with the shape. Raises ValueError whose message reads after the symbol, e.g.
    ``'600000.SZ' is listed in Shanghai (SH), not SZ`` -> "symbol '600000.SZ' is listed …"."""
    s = str(text).strip().upper()
    if not s:
        return s  # an empty cell: the reader's own check names it
    if len(s) > MAX_SYMBOL:
        raise ValueError(f"is {len(s)} characters long (at most {MAX_SYMBOL})")
    a = _A_SHARE.fullmatch(s)
    if a and not (a.group(1) and a.group(3)):
        code, tag = a.group(2), _TAGS.get(a.group(1) or a.group(3) or "")
        if market not in (None, "CN_A"):
            raise ValueError(f"is an A-share code (six digits), not a {market} symbol")
        if tag is not None:
            listed = {a_share_exchange(code, "stock"), _index_exchange(code)}
            if tag not in listed:
                where = " or ".join(sorted(_EXCHANGE_ZH[x] for x in listed if x))
                raise ValueError(f"is listed in {where}, not {tag}")
        return code
    h = _HK.fullmatch(s)
    tagged = h is not None and (s.startswith("HK") or s.endswith(".HK"))
    if h and (tagged or market == "HK" or (market is None and len(s) <= 5)):
        if market not in (None, "HK"):
            raise ValueError(f"is a Hong Kong code, not a {market} symbol")
        return h.group(1).lstrip("0").zfill(4) + ".HK"
    if s.isdigit():
        shape = "six digits for an A-share" if market == "CN_A" else "not a ticker"
        raise ValueError(f"is {len(s)} digits ({shape})")
    if re.fullmatch(r".+[.](SH|SS|SZ|BJ|HK)", s):
        raise ValueError("is an exchange suffix without the code's digits before it")
    if not _TICKER.fullmatch(s):
        raise ValueError("is not a symbol (letters, digits and . - ^ = only)")
    if market == "CN_A" and not s.startswith("^"):
        raise ValueError("is not an A-share code (six digits)")
    return s


def symbol_or_error(text: str, market: str | None = None) -> str:
    """:func:`canonical_symbol` for set-wise readers: the form, or ``!`` and what is wrong."""
    try:
        return canonical_symbol(text, market)
    except ValueError as exc:
        return f"!symbol '{str(text).strip()}' {exc}; expected {SYMBOL_EXPECTED}"


def given_symbol(value: str, where: str, market: str | None = None) -> str:
    """:func:`canonical_symbol` of a symbol typed on the command line (``--symbols nvda``);
    an InputError naming the option (``where``) when it has no canonical form."""
    try:
        return canonical_symbol(value, market)
    except ValueError as exc:
        raise InputError(
            where, None, f"symbol '{str(value).strip()}' {exc}; expected {SYMBOL_EXPECTED}"
        ) from None
