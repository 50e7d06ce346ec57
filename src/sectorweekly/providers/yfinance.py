"""yfinance: the second source, for Hong Kong, US, A-shares and indices.

Bars are asked with ``auto_adjust=False``: Yahoo's Close is then adjusted for splits but not for
dividends (stored as ``adjustment='split_adj'``), and its Adj Close goes to ``adj_close`` for the
ratings scorecard. yfinance reports many failures as an empty frame rather than an exception;
both become a ProviderError. Requests go through an injectable ``call`` so tests need no library.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import socket
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from .base import PriceQuery, Provider, guarded, register, standard_rows

YfCall = Callable[[str, dt.date, dt.date], pd.DataFrame]  # (ticker, start, end exclusive)

INDEX_TICKERS = {("HK", "HSI"): "^HSI", ("HK", "HSTECH"): "^HSTECH"}
COLUMNS = {
    "Date": "date",
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
}
SOURCE = "yfinance:Ticker.history"


YAHOO_HOST = "query2.finance.yahoo.com"


def _resolvable(host: str) -> str | None:
    """None when the host name resolves; otherwise why not (no request is sent)."""
    try:
        socket.getaddrinfo(host, 443)
    except OSError as exc:
        return f"cannot resolve {host} ({exc})"
    return None


def _library_call(ticker: str, start: dt.date, end: dt.date, timeout: float = 15.0) -> Any:
    """``Ticker.history`` with errors raised, not logged (yfinance hides them by default).

    Offline, yfinance first fails to look up the ticker's time zone and reports the ticker as
    "possibly delisted"; that is told apart from a truly unknown ticker by resolving Yahoo's host.
    """
    yf = importlib.import_module("yfinance")
    logging.getLogger("yfinance").setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the raise_errors deprecation notice of yfinance 1.x
            return yf.Ticker(ticker).history(
                start=start.isoformat(),
                end=end.isoformat(),
                interval="1d",
                auto_adjust=False,
                actions=False,
                raise_errors=True,
                timeout=timeout,
            )
    except Exception as exc:
        if "Missing" in type(exc).__name__ and (why := _resolvable(YAHOO_HOST)):
            raise ConnectionError(why) from exc
        raise


def a_share_ticker(symbol: str) -> str | None:
    """688256 -> 688256.SS (Shanghai), 300308 -> 300308.SZ (Shenzhen)."""
    if not (symbol.isdigit() and len(symbol) == 6):
        return None
    return f"{symbol}.SS" if symbol.startswith(("6", "9")) else f"{symbol}.SZ"


def yahoo_ticker(q: PriceQuery) -> str | None:
    """The Yahoo ticker of a store symbol; None when there is no sensible mapping."""
    if q.market == "CN_A":
        if q.kind == "index":
            return f"{q.symbol}.SS" if q.symbol.isdigit() else None
        return a_share_ticker(q.symbol)
    if q.market == "HK":
        if q.kind == "index":
            return INDEX_TICKERS.get(
                ("HK", q.symbol), q.symbol if q.symbol.startswith("^") else None
            )
        return q.symbol.upper() if q.symbol.upper().endswith(".HK") else None
    return q.symbol.upper()


def flatten(raw: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """``yf.download``'s (Price, Ticker) MultiIndex columns or ``history``'s flat ones -> flat."""
    if isinstance(raw.columns, pd.MultiIndex):
        level = list(raw.columns.names).index("Ticker") if "Ticker" in raw.columns.names else 1
        tickers = raw.columns.get_level_values(level)
        if ticker not in set(tickers):
            return raw.iloc[0:0, 0:0]
        raw = raw.xs(ticker, axis=1, level=level)
    frame = raw.reset_index()
    first = frame.columns[0]
    if first not in COLUMNS:
        frame = frame.rename(columns={first: "Date"})
    return frame


def dividend_prev_close(frame: pd.DataFrame) -> pd.Series | None:
    """On an ex-dividend day, the reference previous close: the prior (split-adjusted) Close less
    the dividend. Other rows, and an ex-date whose prior session is not in the frame, stay NaN;
    splits need nothing here because Yahoo's Close is already split-adjusted."""
    if "Dividends" not in frame.columns or "Close" not in frame.columns:
        return None
    dividend = pd.to_numeric(frame["Dividends"], errors="coerce").fillna(0.0)
    prior = pd.to_numeric(frame["Close"], errors="coerce").shift(1)
    return (prior - dividend).where(dividend > 0)


@register
class YfinanceProvider(Provider):
    name = "yfinance"
    library = "yfinance"

    def __init__(self, call: YfCall | None = None, timeout: float = 15.0) -> None:
        self.call = call
        self.timeout = timeout

    def unavailable_reason(self) -> str | None:
        return None if self.call is not None else super().unavailable_reason()

    def supports(self, query: PriceQuery) -> bool:
        return super().supports(query) and yahoo_ticker(query) is not None

    def prices(self, query: PriceQuery) -> pd.DataFrame:
        ticker = yahoo_ticker(query)
        if ticker is None:
            raise self.error("unknown_symbol", query, "no Yahoo ticker for this code")
        end = query.end + dt.timedelta(days=1)  # Yahoo's end is exclusive
        call = self.call
        if call is None:
            raw = guarded(
                self,
                query,
                f"history({ticker})",
                lambda: _library_call(ticker, query.start, end, self.timeout),
            )
        else:
            raw = guarded(self, query, f"history({ticker})", lambda: call(ticker, query.start, end))
        return self.normalise(query, ticker, raw)

    def normalise(self, query: PriceQuery, ticker: str, raw: Any) -> pd.DataFrame:
        if isinstance(raw, pd.DataFrame) and not raw.empty:
            frame = flatten(raw, ticker)
            if not frame.empty and "Close" not in frame.columns:
                raise self.error(
                    "malformed", query, f"{ticker}: no Close column; got {list(frame.columns)}"
                )
            renamed = frame.rename(columns=COLUMNS)
            raw = renamed[[c for c in COLUMNS.values() if c in renamed.columns]].copy()
            reference = dividend_prev_close(frame)
            if reference is not None:
                raw["prev_close"] = reference
        return standard_rows(
            query,
            raw,
            source=SOURCE,
            source_name=self.name,
            volume_unit="shares" if query.kind != "index" else "as reported",
            adjustment="index" if query.kind == "index" else "split_adj",
        )
