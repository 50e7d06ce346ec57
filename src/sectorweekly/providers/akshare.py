"""AKShare: the primary online source for A-shares, Hong Kong, US stocks and their indices.

A request is a function name plus keyword arguments and the host the function talks to
(``request()``, read from the installed library's source: Eastmoney's ``push2his`` hosts for
histories, Sina for HK/US index histories; A-share indices are asked by their exchange id,
never through Eastmoney's index list). The call goes
through an injectable ``call``; by default the real library, with every argument checked
against the installed signature (a missing one is an ``unsupported`` error, never dropped).
Prices are asked unadjusted (``adjust=""``): the review and the limit rules need exchange
prices. Volumes are stored in shares: Eastmoney's A-share and index volumes (f56) are in lots
of 100 (手) and are multiplied by 100 here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..clock import now_utc
from ..errors import ProviderError
from ..markets import codes
from . import identity, wire
from .akshare_library import (
    INDEX_IDS,
    Unsupported,
    library_call,
    library_version,
    serialise_v8,
)
from .base import (
    PriceQuery,
    Provider,
    Request,
    SharesRow,
    guarded,
    register,
    standard_rows,
)

AkCall = Callable[..., pd.DataFrame]  # (function name, **kwargs) -> the library's frame

# stock_us_hist wants Eastmoney's venue prefix: 105 NASDAQ, 106 NYSE, 107 NYSE American (AMEX).
US_VENUE_PREFIX = {"NASDAQ": "105", "NYSE": "106", "AMEX": "107"}
# Venues of common US names; a desk can set ``exchange:`` on any instrument instead.
US_VENUES = {
    "NVDA": "NASDAQ",
    "AMD": "NASDAQ",
    "INTC": "NASDAQ",
    "AVGO": "NASDAQ",
    "MSFT": "NASDAQ",
    "GOOGL": "NASDAQ",
    "GOOG": "NASDAQ",
    "AMZN": "NASDAQ",
    "META": "NASDAQ",
    "AAPL": "NASDAQ",
    "MU": "NASDAQ",
    "ARM": "NASDAQ",
    "SMCI": "NASDAQ",
    "TSM": "NYSE",
    "ORCL": "NYSE",
    "ANET": "NYSE",
    "DELL": "NYSE",
    "VRT": "NYSE",
    "IBM": "NYSE",
}
# Index histories: the store's symbol -> (AKShare function, its symbol argument).
INDEX_FUNCTIONS = {
    ("HK", "HSI"): ("stock_hk_index_daily_sina", "HSI"),
    ("HK", "HSTECH"): ("stock_hk_index_daily_sina", "HSTECH"),
    ("US", "^GSPC"): ("index_us_stock_sina", ".INX"),
    ("US", "^IXIC"): ("index_us_stock_sina", ".IXIC"),
    ("US", "^DJI"): ("index_us_stock_sina", ".DJI"),
    ("US", "^NDX"): ("index_us_stock_sina", ".NDX"),
}
# Eastmoney histories share one Chinese layout; Sina's index histories use English names.
EM_COLUMNS = {
    "日期": "date",
    "开盘": "open",
    "收盘": "close",
    "最高": "high",
    "最低": "low",
    "成交量": "volume",
}
SINA_COLUMNS = {c: c for c in ("date", "open", "high", "low", "close", "volume")}

# Hosts each function talks to (akshare 1.19: stock_hist_em.py, index_zh_em.py, index_stock_hk.py,
# index_stock_us_sina.py, stock_info_em.py) and whether it takes a ``timeout`` argument.
FUNCTIONS: dict[str, tuple[str, bool]] = {
    "stock_zh_a_hist": ("push2his.eastmoney.com", True),
    "index_zh_a_hist": ("push2his.eastmoney.com", False),
    "stock_hk_hist": ("33.push2his.eastmoney.com", False),  # 15 s inside the library
    "stock_us_hist": ("63.push2his.eastmoney.com", False),  # 15 s inside the library
    "stock_hk_index_daily_sina": ("finance.sina.com.cn", False),
    "index_us_stock_sina": ("finance.sina.com.cn", False),
    "stock_individual_info_em": ("push2.eastmoney.com", True),
}
# Volume units as each function's answer carries them, and the factor to shares. The library
# passes Eastmoney's kline f56 through untouched (``pd.to_numeric``); f56 is 手 (100 shares) for
# A-shares and A-share indices — AKShare's docs say "注意单位: 手", and f57 (成交额, yuan) is about
# 100 × f56 × price — and shares for HK and US. Sina's index volumes are kept as reported.
VOLUME_UNITS = {
    "stock_zh_a_hist": ("shares", 100.0),
    "index_zh_a_hist": ("shares", 100.0),
    "stock_hk_hist": ("shares", 1.0),
    "stock_us_hist": ("shares", 1.0),
    "stock_hk_index_daily_sina": ("as reported", 1.0),
    "index_us_stock_sina": ("as reported", 1.0),
}


def tested_range() -> str:
    return "akshare>=1.19.5,<2"


def reference_prev_close(raw: pd.DataFrame) -> pd.Series | None:
    """The exchange's previous close of each row, 收盘 − 涨跌额: on an ex-rights date this is the
    reference price (除权除息参考价), not the prior session's close."""
    if "涨跌额" not in raw.columns or "收盘" not in raw.columns:
        return None
    change = pd.to_numeric(raw["涨跌额"], errors="coerce")
    return (pd.to_numeric(raw["收盘"], errors="coerce") - change).round(4)  # HK quotes 3 dp


def hk_code(symbol: str) -> str:
    """``0981.HK`` -> ``00981`` (Eastmoney's five-digit Hong Kong code)."""
    digits = codes.hk_digits(symbol)
    if len(digits) > 5:
        raise ValueError(symbol)
    return digits.zfill(5)


@register
class AkshareProvider(Provider):
    name = "akshare"
    library = "akshare"
    shares_host = "push2.eastmoney.com"  # stock_individual_info_em

    def __init__(self, call: AkCall | None = None, timeout: float = 15.0) -> None:
        self.call = call or library_call
        self.timeout = timeout

    def unavailable_reason(self) -> str | None:
        return None if self.call is not library_call else super().unavailable_reason()

    def _request(self, function: str, kwargs: dict[str, Any]) -> Request:
        host, bounded = FUNCTIONS[function]
        if bounded:
            kwargs = {**kwargs, "timeout": self.timeout}
        return Request(function, kwargs, host, bounded=bounded or function in _BOUNDED_INSIDE)

    def request(self, q: PriceQuery) -> Request:
        """The AKShare function, arguments and host that answer the query."""
        start, end = q.start.strftime("%Y%m%d"), q.end.strftime("%Y%m%d")
        dated = {"period": "daily", "start_date": start, "end_date": end}
        if q.kind == "index":
            if q.market == "CN_A" and codes.is_a_share_code(q.symbol):
                return self._request("index_zh_a_hist", {"symbol": q.symbol, **dated})
            found = INDEX_FUNCTIONS.get((q.market, q.symbol))
            if found is None:
                raise self.error(
                    "unknown_symbol",
                    q,
                    f"no AKShare index history known for {q.symbol} ({q.market}); "
                    f"known: 6-digit CSI codes, {', '.join(s for _, s in INDEX_FUNCTIONS)}",
                )
            return self._request(found[0], {"symbol": found[1]})
        if q.market == "CN_A":
            if not codes.is_a_share_code(q.symbol):
                raise self.error("unknown_symbol", q, "expected a 6-digit A-share code")
            return self._request("stock_zh_a_hist", {"symbol": q.symbol, **dated, "adjust": ""})
        if q.market == "HK":
            try:
                code = hk_code(q.symbol)
            except ValueError:
                raise self.error("unknown_symbol", q, "expected a code such as 0981.HK") from None
            return self._request("stock_hk_hist", {"symbol": code, **dated, "adjust": ""})
        venue = (q.exchange or US_VENUES.get(q.symbol.upper(), "")).upper()
        prefix = US_VENUE_PREFIX.get(venue)
        if prefix is None:
            raise self.error(
                "unknown_symbol",
                q,
                "stock_us_hist needs the listing venue; set exchange: NASDAQ|NYSE|AMEX "
                f"under instruments.{q.symbol} in desk.yaml",
            )
        symbol = f"{prefix}.{q.symbol.upper()}"
        return self._request("stock_us_hist", {"symbol": symbol, **dated, "adjust": ""})

    def fetch(self, query: PriceQuery, request: Request) -> Any:
        """One library call; the Sina ones one at a time (their V8 decoder is not thread safe)."""
        function, kwargs = request.function, request.kwargs
        if function == "index_zh_a_hist" and self.call is library_call:
            INDEX_IDS.add(str(kwargs["symbol"]))
            INDEX_IDS.install()
        if function.endswith("_sina"):
            serialise_v8()

        def call() -> Any:
            try:
                with wire.capture() as answers:
                    raw = self.call(function, **kwargs)
            except Unsupported as exc:
                raise self.error(
                    "unsupported",
                    query,
                    f"{exc}; installed akshare {library_version()}, tested with {tested_range()}",
                ) from None
            if self.call is library_call:
                self._check_identity(query, request, answers)
            return raw

        try:
            return guarded(self, query, function, call)
        except ProviderError as err:
            # Eastmoney answers an unknown code with "data": null, which some AKShare
            # functions then subscript: a TypeError about NoneType means "no such code".
            cause = err.__cause__
            if isinstance(cause, TypeError) and "NoneType" in str(cause):
                raise self.error(
                    "unknown_symbol", query, f"{function}: the source has no data for this code"
                ) from err
            raise

    def _check_identity(
        self, query: PriceQuery, request: Request, answers: list[wire.Answered]
    ) -> None:
        """Refuse an answer that names another instrument than the one asked (``mismatch``)."""
        function, asked = request.function, str(request.kwargs.get("symbol", ""))
        if function.endswith("_sina"):
            found = identity.sina(answers, asked)
        elif function in EM_HISTORIES:
            found = identity.eastmoney(answers, asked.rpartition(".")[2])
        else:
            return
        if found is None:
            return
        kind, detail = found
        if kind != "mismatch":
            detail = f"{function}: {detail}; installed akshare {library_version()}, tested with "
            detail += tested_range()
        raise self.error(kind, query, detail)

    def normalise(self, query: PriceQuery, request: Request, raw: Any) -> pd.DataFrame:
        """The library's frame -> standard rows (unadjusted prices, volumes in shares)."""
        function = request.function
        unit, factor = VOLUME_UNITS[function]
        if isinstance(raw, pd.DataFrame) and not raw.empty:
            columns = SINA_COLUMNS if function.endswith("_sina") else EM_COLUMNS
            absent = [c for c in columns if c not in raw.columns]
            if absent:
                raise self.error(
                    "malformed",
                    query,
                    f"{function} response lacks {', '.join(absent)}; got {list(raw.columns)}",
                )
            reference = reference_prev_close(raw)
            raw = raw[list(columns)].rename(columns=columns)
            if reference is not None:
                raw["prev_close"] = reference
            if factor != 1.0:
                raw = raw.assign(volume=pd.to_numeric(raw["volume"], errors="coerce") * factor)
        return standard_rows(
            query,
            raw,
            source=f"akshare:{function}",
            source_name=self.name,
            volume_unit=unit,
            adjustment="index" if query.kind == "index" else "none",
        )

    def shares(self, symbol: str, market: str) -> SharesRow | None:
        """总股本 from ``stock_individual_info_em`` (A-shares only), dated the day it was read."""
        if market != "CN_A" or not codes.is_a_share_code(symbol):
            return None
        today = _china_today()
        query = PriceQuery(symbol, market, today, today)
        request = self._request("stock_individual_info_em", {"symbol": symbol})
        raw = self.fetch(query, request)
        return parse_individual_info(self, query, raw, today=today)


# The Eastmoney kline functions, whose answers name the instrument (data.code, data.market).
EM_HISTORIES = frozenset({"stock_zh_a_hist", "index_zh_a_hist", "stock_hk_hist", "stock_us_hist"})
# Functions without a timeout argument that still bound their own request (15 s inside).
_BOUNDED_INSIDE = frozenset({"stock_hk_hist", "stock_us_hist"})


def _china_today() -> dt.date:
    return (now_utc() + dt.timedelta(hours=8)).date()


def parse_individual_info(
    provider: Provider, query: PriceQuery, raw: Any, *, today: dt.date
) -> SharesRow:
    """The item/value frame of ``stock_individual_info_em`` -> shares outstanding."""
    if not isinstance(raw, pd.DataFrame) or not {"item", "value"} <= set(raw.columns):
        raise provider.error("malformed", query, "stock_individual_info_em: expected item/value")
    answered = raw.loc[raw["item"] == "股票代码", "value"]
    if len(answered) and str(answered.iloc[0]).strip() != query.symbol:
        raise provider.error(
            "mismatch", query, f"eastmoney answered {answered.iloc[0]} for {query.symbol}"
        )
    found = raw.loc[raw["item"] == "总股本", "value"]
    if found.empty:
        raise provider.error("empty", query, "stock_individual_info_em: no 总股本 item")
    try:
        shares = float(found.iloc[0])
    except (TypeError, ValueError):
        raise provider.error(
            "malformed", query, f"stock_individual_info_em: 总股本 {found.iloc[0]!r}"
        ) from None
    if not shares > 0:
        raise provider.error("malformed", query, f"stock_individual_info_em: 总股本 {shares}")
    return SharesRow(
        symbol=query.symbol,
        as_of=today,
        shares=shares,
        source="akshare:stock_individual_info_em",
        note="总股本 as read on the as_of date",
    )
