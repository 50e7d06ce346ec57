"""The three markets a desk can cover, and what differs between them.

May import only the core modules (``errors``, ``clock``…) and the ``holidays`` data; the desk
and everything above import it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Market:
    code: str
    calendar: str  # exchange_calendars code
    currency: str
    label_zh: str
    cap_unit_zh: str  # unit of market cap in the review table (亿 of the local currency)


MARKETS: dict[str, Market] = {
    "CN_A": Market("CN_A", "XSHG", "CNY", "A股", "亿元"),
    "HK": Market("HK", "XHKG", "HKD", "港股", "亿港元"),
    "US": Market("US", "XNYS", "USD", "美股", "亿美元"),
}

MARKET_ALIASES = {"CN": "CN_A", "A": "CN_A", "SH": "CN_A", "SZ": "CN_A", "HK": "HK", "US": "US"}


def market(code: str) -> Market:
    """Look a market up by code; raises KeyError naming the allowed codes."""
    key = MARKET_ALIASES.get(code.upper(), code.upper()) if code else code
    try:
        return MARKETS[key]
    except KeyError:
        raise KeyError(f"unknown market {code!r}, expected one of {', '.join(MARKETS)}") from None
