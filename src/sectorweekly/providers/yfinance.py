"""yfinance: the second source, for Hong Kong, US, A-shares and indices.

Bars are asked with ``auto_adjust=False``: Yahoo's Close is then adjusted for splits but not for
dividends (stored as ``adjustment='split_adj'``), and its Adj Close goes to ``adj_close`` for the
ratings scorecard. A split inside the answer is undone on the sessions before it (``undo_splits``),
so the series joins a store that holds those sessions as they traded; a split after the answer's
last session cannot be seen and the seam check refuses the series (``basis``). yfinance hides most failures by default (an empty frame, or a ticker
"possibly delisted" when its time-zone lookup failed on the network); the provider turns that
off (``config.debug.hide_exceptions = False``), so a connection error arrives as the
connection error it is, and a missing ticker as YFTickerMissingError. Requests go through
yfinance's own curl_cffi session, or one given to the provider (tests replay answers with it).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..markets import codes
from . import identity
from .base import PriceQuery, Provider, Request, guarded, register, standard_rows

YfCall = Callable[[str, dt.date, dt.date], pd.DataFrame]  # (ticker, start, end exclusive)

INDEX_TICKERS = {
    ("HK", "HSI"): "^HSI",
    ("HK", "HSTECH"): "HSTECH.HK",  # Yahoo lists the Hang Seng TECH index as HSTECH.HK
    ("US", "^GSPC"): "^GSPC",
    ("US", "^IXIC"): "^IXIC",
    ("US", "^DJI"): "^DJI",
    ("US", "^NDX"): "^NDX",
}
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
_CONFIG_LOCK = threading.Lock()


def _configure(yf: Any) -> None:
    """Errors raised, not logged: a network failure must not read as a delisted ticker."""
    with _CONFIG_LOCK:
        yf.config.debug.hide_exceptions = False
        logging.getLogger("yfinance").setLevel(logging.CRITICAL)


def _library_call(
    ticker: str, start: dt.date, end: dt.date, timeout: float = 15.0, session: Any = None
) -> Any:
    """``Ticker.history`` through yfinance's session (or ``session``), errors raised.

    The instrument Yahoo answered for (``meta.symbol`` of the chart) goes with the frame, in
    ``attrs["answered_symbol"]``: yfinance keeps past ranges in its own response cache, so the
    history metadata, not the wire, is where every answer names its instrument."""
    yf = importlib.import_module("yfinance")
    _configure(yf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        asked = yf.Ticker(ticker, session=session)
        frame = asked.history(
            start=start.isoformat(),
            end=end.isoformat(),
            interval="1d",
            auto_adjust=False,
            actions=True,  # Yahoo's own dividends and splits: the seam's corporate actions
            timeout=timeout,
        )
        meta = asked.get_history_metadata()  # read from the answer history() parsed: no request
    try:
        frame.attrs["answered_symbol"] = meta["symbol"]  # not a lazy key: nothing is fetched
    except KeyError:
        frame.attrs["answered_symbol"] = None
    return frame


YAHOO_SUFFIX = {"SH": "SS", "SZ": "SZ", "BJ": "BJ"}  # Yahoo's names for the mainland exchanges


def a_share_ticker(symbol: str) -> str | None:
    """688256 -> 688256.SS (Shanghai), 300308 -> 300308.SZ (Shenzhen), 920xxx -> .BJ (Beijing)."""
    exchange = codes.a_share_exchange(symbol)
    return f"{symbol}.{YAHOO_SUFFIX[exchange]}" if exchange else None


def a_share_index_ticker(symbol: str) -> str | None:
    """000300 -> 000300.SS (CSI/SSE indices), 399006 -> 399006.SZ (SZSE indices), 899050 -> .BJ."""
    exchange = codes.a_share_exchange(symbol, kind="index")
    return f"{symbol}.{YAHOO_SUFFIX[exchange]}" if exchange else None


def yahoo_ticker(q: PriceQuery) -> str | None:
    """The Yahoo ticker of a store symbol; None when there is no sensible mapping."""
    if q.market == "CN_A":
        return a_share_index_ticker(q.symbol) if q.kind == "index" else a_share_ticker(q.symbol)
    if q.kind == "index":
        found = INDEX_TICKERS.get((q.market, q.symbol))
        return found or (q.symbol if q.symbol.startswith("^") else None)
    if q.market == "HK":
        return q.symbol.upper() if codes.is_hk_code(q.symbol) else None
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


def undo_splits(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Sessions before a split inside the answer, back on the prices they traded at.

    Yahoo divides every Close before a split by its ratio; the store keeps sessions as they
    were fetched, so the answer is put back on that basis: prices before the split times the
    ratio, volumes divided by it. The split session's reference previous close is the prior
    close over the ratio (a known corporate action for the seam check). Returns the frame and
    a note saying what was converted (None when the answer holds no split).
    """
    if "Stock Splits" not in frame.columns or "Close" not in frame.columns:
        return frame, None
    ratios = pd.to_numeric(frame["Stock Splits"], errors="coerce").fillna(0.0).to_numpy()
    events = [(i, float(r)) for i, r in enumerate(ratios) if r > 0 and r != 1.0 and i > 0]
    if not events:
        return frame, None
    out = frame.copy()
    factor = [1.0] * len(out)
    for i, ratio in events:
        for j in range(i):
            factor[j] *= ratio
    scale = pd.Series(factor, index=out.index)
    for col in ("Open", "High", "Low", "Close", "Adj Close"):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce") * scale
    if "Volume" in out.columns:
        out["Volume"] = pd.to_numeric(out["Volume"], errors="coerce") / scale
    closes = pd.to_numeric(out["Close"], errors="coerce")
    out["_split_prev_close"] = float("nan")
    for i, ratio in events:
        out.loc[out.index[i], "_split_prev_close"] = closes.iloc[i - 1] / ratio
    dates = out[out.columns[0]]
    shown = ", ".join(f"{ratio:g}:1 on {pd.Timestamp(dates.iloc[i]).date()}" for i, ratio in events)
    return out, f"Yahoo's split-adjusted prices before the split ({shown}) converted back"


@register
class YfinanceProvider(Provider):
    name = "yfinance"
    library = "yfinance"

    def __init__(
        self, call: YfCall | None = None, timeout: float = 15.0, session: Any = None
    ) -> None:
        self.call = call
        self.timeout = timeout
        self.session = session

    def unavailable_reason(self) -> str | None:
        return None if self.call is not None else super().unavailable_reason()

    def supports(self, query: PriceQuery) -> bool:
        return super().supports(query) and yahoo_ticker(query) is not None

    def request(self, query: PriceQuery) -> Request:
        ticker = yahoo_ticker(query)
        if ticker is None:
            raise self.error("unknown_symbol", query, "no Yahoo ticker for this code")
        end = query.end + dt.timedelta(days=1)  # Yahoo's end is exclusive
        kwargs = {"ticker": ticker, "start": query.start, "end": end}
        return Request("Ticker.history", kwargs, YAHOO_HOST, bounded=True)

    def fetch(self, query: PriceQuery, request: Request) -> Any:
        ticker, start, end = (request.kwargs[k] for k in ("ticker", "start", "end"))
        call = self.call
        what = f"history({ticker})"
        if call is not None:
            return guarded(self, query, what, lambda: call(ticker, start, end))

        def checked() -> Any:
            raw = _library_call(ticker, start, end, self.timeout, self.session)
            found = identity.yahoo(raw.attrs.get("answered_symbol"), ticker)
            if found is not None:
                kind, detail = found
                raise self.error(kind, query, detail if kind == "mismatch" else f"{what}: {detail}")
            return raw

        return guarded(self, query, what, checked)

    def normalise(self, query: PriceQuery, request: Request, raw: Any) -> pd.DataFrame:
        ticker = request.kwargs["ticker"]
        converted = None
        if isinstance(raw, pd.DataFrame) and not raw.empty:
            frame = flatten(raw, ticker)
            if not frame.empty and "Close" not in frame.columns:
                raise self.error(
                    "malformed", query, f"{ticker}: no Close column; got {list(frame.columns)}"
                )
            frame, converted = undo_splits(frame)
            renamed = frame.rename(columns=COLUMNS)
            raw = renamed[[c for c in COLUMNS.values() if c in renamed.columns]].copy()
            reference = dividend_prev_close(frame)
            if "_split_prev_close" in frame.columns:
                split_ref = frame["_split_prev_close"]
                reference = split_ref if reference is None else split_ref.fillna(reference)
            if reference is not None:
                raw["prev_close"] = reference
        rows = standard_rows(
            query,
            raw,
            source=SOURCE,
            source_name=self.name,
            volume_unit="shares" if query.kind != "index" else "as reported",
            adjustment="index" if query.kind == "index" else "split_adj",
        )
        if converted:
            rows.attrs["converted"] = converted  # said in the summary (checks.check_rows)
        return rows
