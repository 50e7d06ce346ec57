"""AKShare's whole-market answers: today's A-share list with its snapshot, the ST list, and each
stock's unadjusted history with its 成交额.

Both lists are Eastmoney ``clist`` pages (``stock_zh_a_spot_em``: every Shanghai, Shenzhen and
Beijing A-share, ``82.push2.eastmoney.com``; ``stock_zh_a_st_em``: the risk-warning board,
``40.push2.eastmoney.com``), 100 stocks a page with a 0.5–1.5 s sleep inside the library between
pages, so one call costs ``ceil(stocks / 100)`` requests. The library drops each item's market id
(``f13``); it is read back from the captured answers, and an item whose market is not the one its
code belongs to is refused (``mismatch``), never stored under that code. The snapshot carries no
date: the caller decides which session it shows (``update.universe``). Per-stock history is the
watchlist's ``stock_zh_a_hist`` call (same request, identity check and 涨跌额 reference close),
with the 成交额 column kept.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import ProviderError
from ..markets import codes
from . import wire
from .akshare import EM_EXCHANGE_MARKET, AkshareProvider
from .base import PriceQuery, Request, guarded

SNAPSHOT = "stock_zh_a_spot_em"
ST_LIST = "stock_zh_a_st_em"
LIST_HOSTS = {SNAPSHOT: "82.push2.eastmoney.com", ST_LIST: "40.push2.eastmoney.com"}
# The exchanges' own lists, for listing dates: one request each (Shanghai's main board and STAR
# from query.sse.com.cn, 10,000 a page; Shenzhen's A-share list as one xlsx). Beijing's list
# (stock_info_bj_name_code, ~15 pages) is not asked: its listing dates stay unknown.
LISTINGS = {
    ("stock_info_sh_name_code", "主板A股"): ("query.sse.com.cn", "证券代码", "上市日期"),
    ("stock_info_sh_name_code", "科创板"): ("query.sse.com.cn", "证券代码", "上市日期"),
    ("stock_info_sz_name_code", "A股列表"): ("www.szse.cn", "A股代码", "A股上市日期"),
}
PAGE_SIZE = 100  # items per clist page, as the library asks them (pz=100)
# 申万 2021 level-1 industry indices: Shenwan's index codes and names (swsresearch.com's index
# list). ``index_hist_sw`` answers one index's whole daily history in one request, each row
# naming its index (swindexcode), from www.swsresearch.com.
SW_HOST = "www.swsresearch.com"
SW_LEVEL1 = {
    "801010": "农林牧渔", "801030": "基础化工", "801040": "钢铁", "801050": "有色金属",
    "801080": "电子", "801110": "家用电器", "801120": "食品饮料", "801130": "纺织服饰",
    "801140": "轻工制造", "801150": "医药生物", "801160": "公用事业", "801170": "交通运输",
    "801180": "房地产", "801200": "商贸零售", "801210": "社会服务", "801230": "综合",
    "801710": "建筑材料", "801720": "建筑装饰", "801730": "电力设备", "801740": "国防军工",
    "801750": "计算机", "801760": "传媒", "801770": "通信", "801780": "银行", "801790": "非银金融",
    "801880": "汽车", "801890": "机械设备", "801950": "煤炭", "801960": "石油石化",
    "801970": "环保", "801980": "美容护理",
}  # fmt: skip
EM_LOT = 100.0  # Eastmoney's 成交量 is in 手 (100 shares)
SNAPSHOT_COLUMNS = {
    "代码": "symbol",
    "名称": "name",
    "今开": "open",
    "最高": "high",
    "最低": "low",
    "最新价": "close",
    "昨收": "pre_close",
    "成交量": "volume",
    "成交额": "amount",
}


@dataclass
class MarketList:
    """One list call's stocks, and the items refused because their market was not their code's."""

    rows: pd.DataFrame  # symbol, exchange, name, open, high, low, close, pre_close, volume, amount
    requests: int
    refused: list[ProviderError] = field(default_factory=list)


def pages(stocks: int) -> int:
    """Requests one list call makes for ``stocks`` items."""
    return max(1, math.ceil(stocks / PAGE_SIZE))


def _markets_answered(answers: list[wire.Answered]) -> tuple[dict[str, list[str]], int]:
    """Each code's Eastmoney market ids as the clist pages named them, and the pages seen."""
    seen: dict[str, list[str]] = {}
    count = 0
    for answer in answers:
        if "/api/qt/clist/get" not in answer.url:
            continue
        count += 1
        try:
            body = json.loads(answer.text())
            items = body["data"]["diff"]
        except (ValueError, KeyError, TypeError):
            continue  # the library's own parse reports a page it could not read
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and "f12" in item:
                seen.setdefault(str(item["f12"]), []).append(str(item.get("f13")))
    return seen, count


def check_markets(
    frame: pd.DataFrame, answered: dict[str, list[str]], function: str
) -> tuple[pd.DataFrame, list[ProviderError]]:
    """Keep the rows whose code is an A-share stock code answered under its own exchange."""
    refused: list[ProviderError] = []
    keep = []
    for symbol in frame["symbol"]:
        exchange = codes.a_share_exchange(symbol)
        board = codes.board_of(symbol)
        markets = answered.get(symbol, [])
        want = str(EM_EXCHANGE_MARKET.get(exchange or "", ""))
        if board is None or exchange is None:
            keep.append(False)  # a B share or a code of no board: not an A-share stock
        elif not markets or any(m != want for m in markets):
            refused.append(
                ProviderError(
                    "mismatch",
                    "akshare",
                    symbol,
                    f"{function}: eastmoney listed {symbol} under market "
                    f"{'/'.join(markets) or '(none)'}, expected {want} ({exchange})",
                )
            )
            keep.append(False)
        else:
            keep.append(True)
    kept = frame[keep].copy()
    kept["exchange"] = [codes.a_share_exchange(s) for s in kept["symbol"]]
    return kept.reset_index(drop=True), refused


def parse_list(raw: Any, function: str) -> pd.DataFrame:
    """The library's list frame -> the snapshot columns; prices "-" (no trade) become NaN."""
    if not isinstance(raw, pd.DataFrame):
        raise ProviderError("malformed", "akshare", "CN_A", f"{function}: expected a table")
    absent = [c for c in SNAPSHOT_COLUMNS if c not in raw.columns]
    if absent:
        raise ProviderError("malformed", "akshare", "CN_A", f"{function} lacks {', '.join(absent)}")
    out = raw[list(SNAPSHOT_COLUMNS)].rename(columns=SNAPSHOT_COLUMNS)
    out["symbol"] = out["symbol"].astype(str).str.strip()
    out["name"] = out["name"].astype(str).str.strip()
    for col in ("open", "high", "low", "close", "pre_close", "volume", "amount"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["volume"] = out["volume"] * EM_LOT
    return out.drop_duplicates("symbol").reset_index(drop=True)


class MarketSource(AkshareProvider):
    """The lists and per-stock histories of the whole A-share market, from AKShare."""

    def list_request(self, function: str) -> Request:
        return Request(function, {}, LIST_HOSTS[function], bounded=True)  # 15 s per page inside

    def fetch_list(self, request: Request) -> tuple[Any, list[wire.Answered]]:
        """One list call and every answer it received (for the market check)."""
        query = PriceQuery("CN_A", "CN_A", dt.date.min, dt.date.max)

        def call() -> Any:
            with wire.capture() as answers:
                raw = self.call(request.function, **request.kwargs)
            return raw, list(answers)

        return guarded(self, query, request.function, call)

    def read_list(self, request: Request, raw: Any, answers: list[wire.Answered]) -> MarketList:
        frame = parse_list(raw, request.function)
        answered, count = _markets_answered(answers)
        rows, refused = check_markets(frame, answered, request.function)
        return MarketList(rows, count or pages(len(frame)), refused)

    def listing_requests(self) -> list[Request]:
        return [
            Request(function, {"symbol": board}, host)
            for (function, board), (host, _, _) in LISTINGS.items()
        ]

    def fetch_listing(self, request: Request) -> pd.DataFrame:
        """symbol, list_date from one exchange list; codes the list gives as numbers padded."""
        query = PriceQuery("CN_A", "CN_A", dt.date.min, dt.date.max)
        raw = guarded(
            self, query, request.function, lambda: self.call(request.function, **request.kwargs)
        )
        _, code, day = LISTINGS[(request.function, str(request.kwargs["symbol"]))]
        if not isinstance(raw, pd.DataFrame) or not {code, day} <= set(raw.columns):
            raise self.error("malformed", query, f"{request.function}: expected {code}, {day}")
        symbols = raw[code].map(lambda c: str(c).split(".")[0].strip().zfill(6))
        days = pd.to_datetime(raw[day].astype(str), errors="coerce").dt.date
        out = pd.DataFrame({"symbol": symbols, "list_date": days})
        return out[out["list_date"].notna() & out["symbol"].map(codes.is_a_share_code)]

    def sw_request(self, code: str) -> Request:
        return Request("index_hist_sw", {"symbol": code, "period": "day"}, SW_HOST)

    def fetch_sw(self, request: Request) -> pd.DataFrame:
        """index_code, date, close of one 申万 index; rows naming another index are refused."""
        code = str(request.kwargs["symbol"])
        query = PriceQuery(code, "CN_A", dt.date.min, dt.date.max, kind="index")

        def call() -> Any:
            with warnings.catch_warnings():  # the library asks with verify=False
                warnings.simplefilter("ignore")
                return self.call(request.function, **request.kwargs)

        raw = guarded(self, query, request.function, call)
        if not isinstance(raw, pd.DataFrame) or not {"代码", "日期", "收盘"} <= set(raw.columns):
            raise self.error("malformed", query, "index_hist_sw: expected 代码, 日期, 收盘")
        named = set(raw["代码"].astype(str))
        if named - {code}:
            raise self.error(
                "mismatch", query, f"swsresearch answered {', '.join(sorted(named))} for {code}"
            )
        out = pd.DataFrame(
            {
                "index_code": code,
                "date": pd.to_datetime(raw["日期"], errors="coerce").dt.date,
                "close": pd.to_numeric(raw["收盘"], errors="coerce"),
            }
        )
        return out.dropna().sort_values("date").reset_index(drop=True)

    def cost(self, request: Request, raw: Any) -> int:
        if request.function in LIST_HOSTS and isinstance(raw, tuple):
            return max(1, sum("/api/qt/clist/get" in a.url for a in raw[1]))
        return 1

    def normalise(self, query: PriceQuery, request: Request, raw: Any) -> pd.DataFrame:
        """The watchlist's rows, with 成交额 (yuan) as ``amount``."""
        rows = super().normalise(query, request, raw)
        amount: dict[dt.date, float] = {}
        if isinstance(raw, pd.DataFrame) and "成交额" in raw.columns:
            days = pd.to_datetime(raw["日期"]).dt.date
            values = pd.to_numeric(raw["成交额"], errors="coerce")
            amount = dict(zip(days, values, strict=True))
        rows["amount"] = [amount.get(d, math.nan) for d in rows["date"]]
        return rows
