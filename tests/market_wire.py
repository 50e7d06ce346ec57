"""Eastmoney's whole-market answers, built from the real market slice for the local server.

The bars are the real unadjusted bars of ../shared/data/market (read there, never copied); the
answers are laid out as Eastmoney sends them and as the installed AKShare reads them: the
``clist`` pages of ``stock_zh_a_spot_em``/``stock_zh_a_st_em`` (``data.total`` and ``data.diff``
items keyed ``f1``…``f152`` in field order; 成交量 in 手; ``f13`` the market id) and the kline
answers of ``stock_zh_a_hist`` (``data.code``, ``data.market``, one comma-separated line per
session with 涨跌额 in the tenth place). Names are those of the stocks in 2024; the ST list's
names are placeholders of the right shape (the slice has no ST status), not facts.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from dataclasses import dataclass, field

import pandas as pd

from market_slice import MARKET_DIR, SLICE_NAME
from wire_server import Asked, Fault, Reply

SLICE = MARKET_DIR / SLICE_NAME
NAMES_2024 = {
    "600000": "浦发银行",
    "000001": "平安银行",
    "300308": "中际旭创",
    "688981": "中芯国际",
    "002693": "双成药业",
}
# Listing dates as the exchanges list them (002693's is left out: unknown to the tests)
LISTED = {
    "600000": "1999-11-10",
    "688981": "2020-07-16",
    "000001": "1991-04-03",
    "300308": "2012-04-10",
}
EM_MARKET = {"SH": 1, "SZ": 0}
# clist item fields in the order Eastmoney sends them (the library names them by position)
SPOT_FIELDS = [*(f"f{i}" for i in range(1, 19)), *(f"f{i}" for i in range(20, 26))]
SPOT_FIELDS += ["f62", "f115", "f128", "f136", "f140", "f141", "f152"]
ST_FIELDS = SPOT_FIELDS[1:]  # the risk-warning board asks no f1


def sw_close(code: str, day: dt.date) -> float:
    """A synthetic 申万 close: the index code's last digits plus the day of the year."""
    return round(1000 + int(code[-3:]) + day.timetuple().tm_yday / 100, 2)


def load_slice(symbols: list[str] | None = None) -> pd.DataFrame:
    frame = pd.read_csv(SLICE, dtype={"symbol": str})
    if symbols is not None:
        frame = frame[frame["symbol"].isin(symbols)]
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame.sort_values(["symbol", "date"]).reset_index(drop=True)


def market_id(symbol: str) -> int:
    return 1 if symbol.startswith("6") else 0


@dataclass
class Market:
    """The answers for a set of stocks on one day (``today``), with changes a test makes."""

    bars: pd.DataFrame
    today: dt.date
    st: dict[str, str] = field(default_factory=dict)  # code -> name on the ST list
    references: dict[tuple[str, dt.date], float] = field(default_factory=dict)  # ex-rights 昨收
    answer_code: dict[str, str] = field(default_factory=dict)  # asked code -> code answered
    list_market: dict[str, int] = field(default_factory=dict)  # code -> f13 in the lists
    names: dict[str, str] = field(default_factory=dict)  # code -> a name other than 2024's
    sw_answer: dict[str, str] = field(default_factory=dict)  # 申万 code asked -> code answered

    def __post_init__(self) -> None:
        self._parts = {str(s): g.reset_index(drop=True) for s, g in self.bars.groupby("symbol")}

    def rows(self, symbol: str) -> pd.DataFrame:
        part = self._parts.get(symbol, self.bars.iloc[:0]).copy()
        prev = part["close"].shift(1)
        refs = [self.references.get((symbol, d)) for d in part["date"]]
        part["pre"] = [r if r is not None else p for r, p in zip(refs, prev, strict=True)]
        return part

    def kline(self, asked: Asked) -> Reply:
        market, _, code = asked.query["secid"].partition(".")
        beg = dt.datetime.strptime(asked.query["beg"], "%Y%m%d").date()
        end = dt.datetime.strptime(asked.query["end"], "%Y%m%d").date()
        part = self.rows(code)
        if part.empty:
            return Reply(body=b'{"rc":0,"data":null}')
        lines = []
        for r in part[(part["date"] >= beg) & (part["date"] <= end)].itertuples():
            chg = r.close - r.pre if not math.isnan(r.pre) else 0.0
            pct = 100 * chg / r.pre if not math.isnan(r.pre) else 0.0
            lines.append(
                f"{r.date},{r.open:.2f},{r.close:.2f},{r.high:.2f},{r.low:.2f},"
                f"{round(r.volume / 100)},{r.amount:.2f},0.00,{pct:.2f},{chg:.2f},0.00"
            )
        answered = self.answer_code.get(code, code)
        data = {
            "code": answered,
            "market": market_id(answered) if answered != code else int(market),
            "name": NAMES_2024.get(answered, answered),
            "decimal": 2,
            "dktotal": len(part),
            "klines": lines,
        }
        return Reply(body=json.dumps({"rc": 0, "data": data}, ensure_ascii=False).encode())

    def item(self, symbol: str, fields: list[str]) -> dict[str, object]:
        part = self.rows(symbol)
        today = part[part["date"] == self.today]
        name = self.st.get(symbol) or self.names.get(symbol) or NAMES_2024.get(symbol, symbol)
        values: dict[str, object] = {f: "-" for f in fields}
        values.update(f12=symbol, f13=self.list_market.get(symbol, market_id(symbol)), f14=name)
        if len(today):
            r = today.iloc[0]
            values.update(
                f2=r.close, f3=round(100 * (r.close / r.pre - 1), 2), f4=round(r.close - r.pre, 2),
                f5=round(r.volume / 100), f6=float(r.amount), f15=r.high, f16=r.low, f17=r.open,
                f18=r.pre,
            )  # fmt: skip
        return values

    def clist(self, asked: Asked, reply: Reply) -> Reply:
        is_st = "f:4" in asked.query.get("fs", "")
        codes = sorted(self.st) if is_st else sorted(self.bars["symbol"].unique())
        fields = ST_FIELDS if is_st else SPOT_FIELDS
        size, page = int(asked.query.get("pz", 100)), int(asked.query.get("pn", 1))
        shown = codes[(page - 1) * size : page * size]
        body = {
            "rc": 0,
            "data": {"total": len(codes), "diff": [self.item(c, fields) for c in shown]},
        }
        return Reply(body=json.dumps(body, ensure_ascii=False).encode())

    def sse(self, asked: Asked, reply: Reply) -> Reply:
        """Shanghai's list (``STOCK_TYPE`` 1: main board A shares, 8: STAR)."""
        star = asked.query.get("STOCK_TYPE") == "8"
        result = [
            {
                "A_STOCK_CODE": code, "SEC_NAME_CN": NAMES_2024[code], "SEC_NAME_FULL": "",
                "COMPANY_ABBR": NAMES_2024[code], "FULL_NAME": "",
                "LIST_DATE": day.replace("-", ""),
            }
            for code, day in LISTED.items()
            if code.startswith("6") and code.startswith("688") == star
        ]  # fmt: skip
        body = {"result": result, "pageHelp": {"total": len(result), "pageNo": 1}}
        return Reply(body=json.dumps(body, ensure_ascii=False).encode())

    def szse(self, asked: Asked, reply: Reply) -> Reply:
        """Shenzhen's A-share list, an xlsx workbook with the codes as numbers."""
        rows = [
            {"板块": "创业板" if c.startswith("3") else "主板", "A股代码": int(c),
             "A股简称": NAMES_2024[c], "A股上市日期": day, "A股总股本": "", "A股流通股本": "",
             "所属行业": ""}
            for c, day in LISTED.items()
            if not c.startswith("6")
        ]  # fmt: skip
        book = io.BytesIO()
        pd.DataFrame(rows).to_excel(book, index=False)
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Reply(body=book.getvalue(), content_type=xlsx)

    def sw(self, asked: Asked, reply: Reply) -> Reply:
        """Shenwan's index history: synthetic closes (the slice has no 申万 index closes), each
        index its own level, one row per session of the slice up to ``today``."""
        code = asked.query["swindexcode"]
        answered = self.sw_answer.get(code, code)
        days = sorted(d for d in self.bars["date"].unique() if d <= self.today)
        data = [
            {"swindexcode": answered, "bargaindate": f"{d} 00:00:00", "openindex": 0,
             "maxindex": 0, "minindex": 0, "closeindex": sw_close(code, d), "hike": 0,
             "markup": 0, "bargainamount": 0, "bargainsum": 0}
            for d in days
        ]  # fmt: skip
        return Reply(body=json.dumps({"data": data}, ensure_ascii=False).encode())

    def faults(self) -> dict[str, Fault]:
        """The server's faults that answer every list and kline request from this market."""
        return {
            "clist": self.clist,
            "push2his.eastmoney.com": lambda a, r: self.kline(a),
            "query.sse.com.cn": self.sse,
            "www.szse.cn": self.szse,
            "www.swsresearch.com": self.sw,
        }
