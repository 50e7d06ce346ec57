"""Which instrument a server answered for: read from the raw answer, compared with what was asked.

A library returns a table and drops the instrument the server named, so another instrument's
bars (same shape, consistent inside themselves) would pass every check on the rows. The
providers keep the responses of each call (``wire.capture``) and compare, before anything is
stored: Eastmoney's ``data.code`` and ``data.market`` with the ``secid`` asked, Yahoo's
``meta.symbol`` (as yfinance's history metadata keeps it) with the ticker asked, the symbol in the URL Sina answered (after
any redirect) with the one asked. A difference is ``mismatch``; an answer that no longer names
its instrument where the parsed format did is ``malformed``; a call that reached none of the
endpoints the provider expects is ``unsupported`` (the installed library talks to another one).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Sequence
from typing import Any

from .wire import Answered

Finding = tuple[str, str]  # (error kind, detail)

# Eastmoney's market ids (the number before the dot of a secid), named as a reader knows them.
EM_MARKETS = {
    "0": "SZ",
    "1": "SH",
    "2": "CSI",
    "47": "CSI",
    "116": "HK",
    "105": "NASDAQ",
    "106": "NYSE",
    "107": "AMEX",
}
EM_KLINE_PATH = "/api/qt/stock/kline/get"
SINA_SCRIPT = re.compile(r"/stock/hkstock/([^/]+)/klc2_kl\.js|/staticdata/us/([^/?]+)")


def _em_market(market: object) -> str:
    return EM_MARKETS.get(str(market), f"market {market}")


def _json(answer: Answered) -> Any:
    try:
        return json.loads(answer.text())
    except ValueError:
        return None  # not JSON: the library's own parse reports it (malformed)


def eastmoney(answers: Sequence[Answered], code: str) -> Finding | None:
    """Each kline answer's ``data.code``/``data.market`` against the ``secid`` it answered."""
    klines = [a for a in answers if EM_KLINE_PATH in urllib.parse.urlsplit(a.url).path]
    if not klines:
        return ("unsupported", "the call asked no Eastmoney kline endpoint")
    for answer in klines:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.url).query)
        secid = (query.get("secid") or [""])[0]
        asked_market, _, asked_code = secid.partition(".")
        if asked_code.upper() != code.upper():
            return ("mismatch", f"eastmoney was asked secid {secid or '(none)'} for {code}")
        body = _json(answer)
        if not isinstance(body, dict):
            continue
        data = body.get("data")
        if data is None:
            continue  # Eastmoney's "no such code on this market"; the library tries the next
        if not isinstance(data, dict) or "code" not in data or "market" not in data:
            return ("malformed", "eastmoney answer names no instrument (data.code, data.market)")
        got_code, got_market = str(data["code"]), str(data["market"])
        if (got_code.upper(), got_market) != (asked_code.upper(), asked_market):
            return (
                "mismatch",
                f"eastmoney answered {got_code} ({_em_market(got_market)}) "
                f"for {asked_code} ({_em_market(asked_market)})",
            )
    return None


def yahoo(answered: object, ticker: str) -> Finding | None:
    """The ``meta.symbol`` of Yahoo's chart answer (yfinance's history metadata) against the
    ticker asked."""
    if not isinstance(answered, str) or not answered:
        return ("malformed", "yahoo chart answer names no instrument (meta.symbol)")
    if answered.upper() != ticker.upper():
        return ("mismatch", f"yahoo answered {answered} for {ticker}")
    return None


def sina(answers: Sequence[Answered], symbol: str) -> Finding | None:
    """The symbol in each Sina URL that answered (a redirect included) against the one asked."""
    scripts = [a for a in answers if "sina.com.cn" in urllib.parse.urlsplit(a.url).netloc]
    if not scripts:
        return ("unsupported", "the call asked no Sina script")
    for answer in scripts:
        for url in dict.fromkeys((answer.url, answer.final_url)):
            parts = urllib.parse.urlsplit(url)
            if not parts.netloc.endswith("sina.com.cn"):
                continue  # sent off Sina (a login page): the library's parse fails on it
            match = SINA_SCRIPT.search(parts.path)
            if match is None:
                return ("mismatch", f"sina answered {url.split('?')[0]} for {symbol}")
            got = urllib.parse.unquote(match.group(1) or match.group(2))
            if got.upper() != symbol.upper():
                return ("mismatch", f"sina answered {got} for {symbol}")
    return None
