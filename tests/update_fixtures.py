"""The 2024 recordings replayed through the installed AKShare and yfinance, and a small desk.

``RecordedAkshare`` and ``RecordedYfinance`` are the ``call`` of the providers in the update
tests: each call runs the real library function on replayed HTTP answers built from the CSVs
under fixtures/providers/akshare and yfinance (``responses`` for requests, a curl_cffi session
for Yahoo), and remembers what was asked so tests can check requests, retries and fallbacks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import responses
import yaml
import yfinance as yf

from sectorweekly.providers.akshare_library import library_call as ak_library_call
from sectorweekly.providers.yfinance import _library_call as yf_library_call

FIXTURES = Path(__file__).parent / "fixtures" / "providers"
AK = FIXTURES / "akshare"
YF = FIXTURES / "yfinance"
SEED = FIXTURES / "store_seed_to_2024-09-30.csv"
sys.path.insert(0, str(FIXTURES))
from sina_encode import encode  # noqa: E402

from wire_replay import ReplaySession  # noqa: E402

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


RECORDED_FILES = {
    "1.688256": "stock_zh_a_hist_688256", "0.300308": "stock_zh_a_hist_300308",
    "1.000300": "index_zh_a_hist_000300", "116.00981": "stock_hk_hist_00981",
    "105.NVDA": "stock_us_hist_105.NVDA", "106.TSM": "stock_us_hist_106.TSM",
    "HSI": "stock_hk_index_daily_sina_HSI", ".INX": "index_us_stock_sina_.INX",
}  # fmt: skip
KLINE_COLUMNS = ("日期", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率")  # fmt: skip


class _Recorded2024:
    """The 2024 recordings above as Eastmoney/Sina HTTP answers, replayed with ``responses``.

    Active while any RecordedAkshare call is in flight (calls come from several threads), so
    the installed AKShare parses them exactly as it parses the live sites' answers.
    """

    KLINE = re.compile(r"https://(\d+\.)?push2his\.eastmoney\.com/api/qt/stock/kline/get.*")
    INFO = re.compile(r"https://push2\.eastmoney\.com/api/qt/stock/get.*")
    CLIST = re.compile(r"https://80\.push2\.eastmoney\.com/api/qt/clist/get.*")
    SINA = re.compile(
        r"https://finance\.sina\.com\.cn/(stock/hkstock/(?P<hk>[^/]+)/klc2_kl\.js|staticdata/us/(?P<us>[^?]+)).*"
    )

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.mock.add_callback(responses.GET, self.KLINE, callback=self.kline)
        self.mock.add_callback(responses.GET, self.INFO, callback=self.info)
        self.mock.add_callback(responses.GET, self.CLIST, callback=self.clist)
        self.mock.add_callback(responses.GET, self.SINA, callback=self.sina)

    def __enter__(self) -> None:
        with self.lock:
            if self.active == 0:
                self.mock.start()
            self.active += 1

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.active -= 1
            if self.active == 0:
                self.mock.stop()

    @staticmethod
    def _json(body: object) -> tuple[int, dict[str, str], str]:
        return 200, {"Content-Type": "application/json"}, json.dumps(body, ensure_ascii=False)

    def kline(self, request: Any) -> tuple[int, dict[str, str], str]:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
        name = RECORDED_FILES.get(query["secid"][0])
        if name is None:
            return self._json({"rc": 0, "data": None})
        frame = pd.read_csv(AK / f"{name}.csv", dtype=str, keep_default_na=False)
        if "beg" in query and query["beg"][0] != "0":  # the server keeps only [beg, end]
            days = frame["日期"].str.replace("-", "")
            frame = frame[(days >= query["beg"][0]) & (days <= query["end"][0])]
        lines = [",".join(row) for row in frame[list(KLINE_COLUMNS)].itertuples(index=False)]
        code = query["secid"][0].split(".", 1)[1]
        return self._json({"rc": 0, "data": {"code": code, "klines": lines}})

    def info(self, request: Any) -> tuple[int, dict[str, str], str]:
        frame = pd.read_csv(AK / "stock_individual_info_em_300308.csv", dtype=str)
        fields = {"最新": "f43", "股票代码": "f57", "股票简称": "f58", "总股本": "f84",
                  "流通股": "f85", "总市值": "f116", "流通市值": "f117"}  # fmt: skip
        data = {
            fields[k]: (v if k in ("股票代码", "股票简称") else float(v)) for k, v in frame.values
        }
        return self._json({"rc": 0, "rt": 4, "svr": 1, "lt": 1, "full": 1, "data": data})

    def clist(self, request: Any) -> tuple[int, dict[str, str], str]:
        return self._json(
            {"rc": 0, "data": {"total": 1, "diff": [{"f3": 0.0, "f12": "000300", "f13": 1}]}}
        )

    def sina(self, request: Any) -> tuple[int, dict[str, str], str]:
        m = self.SINA.match(request.url)
        assert m is not None
        symbol = m.group("hk") or urllib.parse.unquote(m.group("us"))
        frame = pd.read_csv(AK / f"{RECORDED_FILES[symbol]}.csv")
        coded = encode(
            (dt.date.fromisoformat(r.date), r.open, r.high, r.low, r.close, int(r.volume))
            for r in frame.itertuples()
        )
        return 200, {"Content-Type": "application/javascript"}, f'var KLC_KL_{symbol}="{coded}";\n'


_RECORDED_2024 = _Recorded2024()


class RecordedAkshare:
    """AKShare on the 2024 recordings: the installed functions parse replayed HTTP answers.

    Remembers each request; ``fail`` maps a symbol to a callable that raises (or answers)
    instead of the library call, for the run's retry and fallback tests.
    """

    def __init__(self, fail: dict[str, Callable[[], Any]] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail or {}

    def __call__(self, function: str, **kwargs: Any) -> pd.DataFrame:
        self.calls.append((function, kwargs))
        symbol = kwargs["symbol"]
        if symbol in self.fail:
            return self.fail[symbol]()
        with _RECORDED_2024:
            return ak_library_call(function, **kwargs)

    def symbols(self) -> list[str]:
        return [kw["symbol"] for _, kw in self.calls]


class Yahoo2024(ReplaySession):
    """The 2024 Yahoo recordings above as chart answers (sessions stamped at 09:30 local)."""

    def chart(self, ticker: str) -> dict[str, Any] | None:
        path = YF / f"{ticker}.csv"
        if not path.exists():
            return None
        frame = _yf_base(ticker)
        zone = ZoneInfo(YF_TZ[ticker])
        stamps = [
            int(dt.datetime.combine(dt.date.fromisoformat(d), dt.time(9, 30), zone).timestamp())
            for d in frame["Date"]
        ]
        quote = {k.lower(): frame[k].tolist() for k in ("Open", "High", "Low", "Close", "Volume")}
        meta = {"symbol": ticker, "exchangeTimezoneName": YF_TZ[ticker], "instrumentType": "EQUITY",
                "currency": "HKD" if YF_TZ[ticker] == "Asia/Hong_Kong" else "USD",
                "gmtoffset": 0, "timezone": "LOC", "priceHint": 2, "dataGranularity": "1d"}  # fmt: skip
        adj = {"adjclose": frame["Adj Close"].tolist()}
        result = {
            "meta": meta,
            "timestamp": stamps,
            "indicators": {"quote": [quote], "adjclose": [adj]},
        }
        return {"chart": {"result": [result], "error": None}}


_YAHOO_CACHE = tempfile.mkdtemp(prefix="yf-cache-")


class RecordedYfinance:
    """yfinance on the 2024 recordings: the installed ``Ticker.history`` parses chart answers.

    Remembers each request; ``fail`` maps a ticker to a callable that raises (or answers)
    instead of the library call. ``shape="download"`` hands the rows on in ``yf.download``'s
    (Price, Ticker) column layout, which the provider also reads.
    """

    def __init__(self, shape: str = "history", fail: dict[str, Callable[[], Any]] | None = None):
        self.calls: list[tuple[str, dt.date, dt.date]] = []
        self.shape = shape
        self.fail = fail or {}

    def __call__(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        self.calls.append((ticker, start, end))
        if ticker in self.fail:
            return self.fail[ticker]()
        yf.set_tz_cache_location(_YAHOO_CACHE)
        frame = yf_library_call(ticker, start, end, session=Yahoo2024())
        if self.shape == "download" and not frame.empty:
            frame = frame[["Adj Close", "Close", "High", "Low", "Open", "Volume"]]
            frame.index = frame.index.tz_localize(None)
            frame.columns = pd.MultiIndex.from_product(
                [frame.columns, [ticker]], names=["Price", "Ticker"]
            )
        return frame


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
