"""Recorded provider responses (with each library's dtypes) and a small desk for update tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

FIXTURES = Path(__file__).parent / "fixtures" / "providers"
AK = FIXTURES / "akshare"
YF = FIXTURES / "yfinance"
SEED = FIXTURES / "store_seed_to_2024-09-30.csv"

# AKShare functions that turn 日期/date into datetime.date objects; the others keep strings.
AK_DATE_OBJECTS = {
    "stock_zh_a_hist",
    "stock_hk_hist",
    "stock_hk_index_daily_sina",
    "index_us_stock_sina",
}
YF_TZ = {
    "0981.HK": "Asia/Hong_Kong",
    "0020.HK": "Asia/Hong_Kong",
    "^HSI": "Asia/Hong_Kong",
    "^GSPC": "America/New_York",
}


def ak_frame(function: str, symbol: str) -> pd.DataFrame:
    """What ``akshare.<function>(symbol=…)`` returns, from the recorded CSV."""
    frame = pd.read_csv(AK / f"{function}_{symbol}.csv", dtype={"股票代码": str})
    col = "日期" if "日期" in frame.columns else "date"
    if function in AK_DATE_OBJECTS:
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def _yf_base(ticker: str) -> pd.DataFrame:
    frame = pd.read_csv(YF / f"{ticker}.csv")
    frame["Volume"] = frame["Volume"].astype("int64")
    return frame


def yf_history(ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """``Ticker.history(auto_adjust=False)``: flat columns, tz-aware index named Date."""
    frame = _yf_base(ticker)
    index = pd.DatetimeIndex(pd.to_datetime(frame.pop("Date"))).tz_localize(YF_TZ[ticker])
    frame.index = index.rename("Date")
    local = index.date
    return frame[(local >= start) & (local < end)]


def yf_download(ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """``yf.download(auto_adjust=False)``: (Price, Ticker) MultiIndex columns, naive dates."""
    frame = _yf_base(ticker)
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("Date"))).rename("Date")
    frame = frame[(frame.index.date >= start) & (frame.index.date < end)]
    frame = frame[["Adj Close", "Close", "High", "Low", "Open", "Volume"]]
    frame.columns = pd.MultiIndex.from_product([frame.columns, [ticker]], names=["Price", "Ticker"])
    return frame


class RecordedAkshare:
    """An ``AkshareProvider(call=…)`` stand-in: serves recorded frames, remembers each request."""

    def __init__(self, fail: dict[str, Callable[[], Any]] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail or {}

    def __call__(self, function: str, **kwargs: Any) -> pd.DataFrame:
        self.calls.append((function, kwargs))
        symbol = kwargs["symbol"]
        if symbol in self.fail:
            return self.fail[symbol]()
        frame = ak_frame(function, symbol)
        if "start_date" in kwargs and function not in (
            "stock_hk_index_daily_sina",
            "index_us_stock_sina",
        ):
            col = "日期"
            days = pd.to_datetime(frame[col].astype(str))
            lo = pd.Timestamp(kwargs["start_date"])
            hi = pd.Timestamp(kwargs["end_date"])
            frame = frame[(days >= lo) & (days <= hi)].reset_index(drop=True)
        return frame

    def symbols(self) -> list[str]:
        return [kw["symbol"] for _, kw in self.calls]


class RecordedYfinance:
    def __init__(self, shape: str = "history", fail: dict[str, Callable[[], Any]] | None = None):
        self.calls: list[tuple[str, dt.date, dt.date]] = []
        self.shape = shape
        self.fail = fail or {}

    def __call__(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        self.calls.append((ticker, start, end))
        if ticker in self.fail:
            return self.fail[ticker]()
        if not (YF / f"{ticker}.csv").exists():
            return pd.DataFrame()  # yfinance's answer for a ticker it has nothing for
        return (yf_history if self.shape == "history" else yf_download)(ticker, start, end)


DESK_YAML: dict[str, Any] = {
    "firm": {"name": "测试所", "template": True},
    "series": "算力周跟踪",
    "industry": "电子",
    "instruments": {
        "688256": {"name": "寒武纪", "market": "CN_A", "listed": "2020-07-20"},
        "300308": {"name": "中际旭创", "market": "CN_A", "listed": "2012-04-10"},
        "0981.HK": {"name": "中芯国际H", "market": "HK"},
        "NVDA": {"name": "英伟达", "market": "US"},
        "TSM": {"name": "台积电ADR", "market": "US"},
        "000300": {"name": "沪深300", "market": "CN_A", "kind": "index"},
        "HSI": {"name": "恒生指数", "market": "HK", "kind": "index"},
        "^GSPC": {"name": "标普500", "market": "US", "kind": "index"},
    },
    "boards": [
        {"name": "CPU/GPU", "members": ["688256", "NVDA"]},
        {"name": "晶圆代工", "members": ["0981.HK", "TSM"]},
        {"name": "光模块", "members": ["300308"]},
    ],
    "benchmarks": {"CN_A": ["000300"], "HK": ["HSI"], "US": ["^GSPC"]},
    "seed_prices": ["seed"],
}


def make_desk(root: Path, **instrument_overrides: dict[str, Any]) -> Path:
    """A desk folder whose seed store ends on 2024-09-30 (before the National Day holiday)."""
    data = yaml.safe_load(yaml.safe_dump(DESK_YAML))
    for symbol, fields in instrument_overrides.items():
        data["instruments"][symbol].update(fields)
    root.mkdir(parents=True, exist_ok=True)
    (root / "seed").mkdir(exist_ok=True)
    (root / "seed" / "prices.csv").write_bytes(SEED.read_bytes())
    (root / "desk.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root
