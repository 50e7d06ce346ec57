"""AKShare: the primary online source for A-shares, Hong Kong, US stocks and their indices.

Each request is a function name plus keyword arguments (``request()``), sent through an
injectable ``call`` so tests feed recorded frames to the same parsing code without the library.
Prices are asked unadjusted (``adjust=""``): the review and the limit rules need exchange prices.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..errors import ProviderError
from .base import PriceQuery, Provider, SharesRow, guarded, register, standard_rows

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

# Volume units as each function reports them (手 = lots of 100 shares on the mainland).
VOLUME_UNITS = {
    "stock_zh_a_hist": "lots(100sh)",
    "index_zh_a_hist": "lots(100sh)",
    "stock_hk_hist": "shares",
    "stock_us_hist": "shares",
    "stock_hk_index_daily_sina": "as reported",
    "index_us_stock_sina": "as reported",
}


def reference_prev_close(raw: pd.DataFrame) -> pd.Series | None:
    """The exchange's previous close of each row, 收盘 − 涨跌额: on an ex-rights date this is the
    reference price (除权除息参考价), not the prior session's close."""
    if "涨跌额" not in raw.columns or "收盘" not in raw.columns:
        return None
    change = pd.to_numeric(raw["涨跌额"], errors="coerce")
    return (pd.to_numeric(raw["收盘"], errors="coerce") - change).round(4)  # HK quotes 3 dp


def _library_call(function: str, **kwargs: Any) -> pd.DataFrame:
    """Call ``akshare.<function>``; arguments the installed version lacks are left out."""
    ak = importlib.import_module("akshare")
    fn = getattr(ak, function)
    accepted = inspect.signature(fn).parameters
    return fn(**{k: v for k, v in kwargs.items() if k in accepted})


def hk_code(symbol: str) -> str:
    """``0981.HK`` -> ``00981`` (Eastmoney's five-digit Hong Kong code)."""
    digits = symbol.upper().removesuffix(".HK")
    if not digits.isdigit() or len(digits) > 5:
        raise ValueError(symbol)
    return digits.zfill(5)


@register
class AkshareProvider(Provider):
    name = "akshare"
    library = "akshare"

    def __init__(self, call: AkCall | None = None, timeout: float = 15.0) -> None:
        self.call = call or _library_call
        self.timeout = timeout

    def unavailable_reason(self) -> str | None:
        return None if self.call is not _library_call else super().unavailable_reason()

    def request(self, q: PriceQuery) -> tuple[str, dict[str, Any]]:
        """The AKShare function and arguments that answer the query."""
        start, end = q.start.strftime("%Y%m%d"), q.end.strftime("%Y%m%d")
        dated = {"period": "daily", "start_date": start, "end_date": end}
        if q.kind == "index":
            if q.market == "CN_A" and q.symbol.isdigit() and len(q.symbol) == 6:
                return "index_zh_a_hist", {"symbol": q.symbol, **dated}
            found = INDEX_FUNCTIONS.get((q.market, q.symbol))
            if found is None:
                raise self.error(
                    "unknown_symbol",
                    q,
                    f"no AKShare index history known for {q.symbol} ({q.market}); "
                    f"known: 6-digit CSI codes, {', '.join(s for _, s in INDEX_FUNCTIONS)}",
                )
            return found[0], {"symbol": found[1]}
        if q.market == "CN_A":
            if not (q.symbol.isdigit() and len(q.symbol) == 6):
                raise self.error("unknown_symbol", q, "expected a 6-digit A-share code")
            args = {"symbol": q.symbol, **dated, "adjust": "", "timeout": self.timeout}
            return "stock_zh_a_hist", args
        if q.market == "HK":
            try:
                code = hk_code(q.symbol)
            except ValueError:
                raise self.error("unknown_symbol", q, "expected a code such as 0981.HK") from None
            return "stock_hk_hist", {"symbol": code, **dated, "adjust": ""}
        venue = (q.exchange or US_VENUES.get(q.symbol.upper(), "")).upper()
        prefix = US_VENUE_PREFIX.get(venue)
        if prefix is None:
            raise self.error(
                "unknown_symbol",
                q,
                "stock_us_hist needs the listing venue; set exchange: NASDAQ|NYSE|AMEX "
                f"under instruments.{q.symbol} in desk.yaml",
            )
        return "stock_us_hist", {"symbol": f"{prefix}.{q.symbol.upper()}", **dated, "adjust": ""}

    def prices(self, query: PriceQuery) -> pd.DataFrame:
        function, kwargs = self.request(query)
        try:
            raw = guarded(self, query, function, lambda: self.call(function, **kwargs))
        except ProviderError as err:
            # Eastmoney answers an unknown code with "data": null, which some AKShare
            # functions then subscript: a TypeError about NoneType means "no such code".
            cause = err.__cause__
            if isinstance(cause, TypeError) and "NoneType" in str(cause):
                raise self.error(
                    "unknown_symbol", query, f"{function}: the source has no data for this code"
                ) from err
            raise
        return self.normalise(query, function, raw)

    def normalise(self, query: PriceQuery, function: str, raw: Any) -> pd.DataFrame:
        """The library's frame -> standard rows (unadjusted prices, the function's volume unit)."""
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
        return standard_rows(
            query,
            raw,
            source=f"akshare:{function}",
            source_name=self.name,
            volume_unit=VOLUME_UNITS[function],
            adjustment="index" if query.kind == "index" else "none",
        )

    def shares(self, symbol: str, market: str) -> SharesRow | None:
        """总股本 from ``stock_individual_info_em`` (A-shares only), dated the day it was read."""
        if market != "CN_A" or not (symbol.isdigit() and len(symbol) == 6):
            return None
        today = _china_today()
        query = PriceQuery(symbol, market, today, today)
        function = "stock_individual_info_em"
        raw = guarded(
            self,
            query,
            function,
            lambda: self.call(function, symbol=symbol, timeout=self.timeout),
        )
        return parse_individual_info(self, query, raw, today=today)


def _china_today() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()


def parse_individual_info(
    provider: Provider, query: PriceQuery, raw: Any, *, today: dt.date
) -> SharesRow:
    """The item/value frame of ``stock_individual_info_em`` -> shares outstanding."""
    if not isinstance(raw, pd.DataFrame) or not {"item", "value"} <= set(raw.columns):
        raise provider.error("malformed", query, "stock_individual_info_em: expected item/value")
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
