"""The whole-market slice (/work/shared/data/market) in a store, through the real writer.

Board and exchange come from the code's shape; listing dates, names and ST status are left
unknown (the slice does not give them), as a desk that imports only these files would have.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sectorweekly import store
from sectorweekly.markets import codes

MARKET_DIR = Path("/work/shared/data/market")
BARS = MARKET_DIR / "cn_a_daily_2024-08-20_2024-10-11.csv.gz"
SOURCE = "suiwenfeng/stock@1fe8998"
SW_SOURCE = "swsresearch StockClassifyUse_stock.xls / SwClassCode_2021.xls"


def _framed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame = frame.copy()
    frame["file"] = name
    frame["line"] = range(2, len(frame) + 2)
    return frame


def fill_market_store(path: Path) -> Path:
    """Write the slice into the store at ``path`` (created when absent)."""
    bars = pd.read_csv(BARS, dtype={"symbol": str}, parse_dates=["date"])
    bars["date"] = bars["date"].dt.date
    bars["pre_close"] = float("nan")
    bars["source"] = SOURCE
    symbols = sorted(bars["symbol"].unique())
    universe = pd.DataFrame(
        {
            "symbol": symbols,
            "exchange": [codes.a_share_exchange(s) for s in symbols],
            "board": [codes.board_of(s) for s in symbols],
            "list_date": pd.Series([None] * len(symbols), dtype=object),
            "delist_date": pd.Series([None] * len(symbols), dtype=object),
            "registration_ipo": pd.Series([None] * len(symbols), dtype=object),
            "source": "code shape (markets.codes)",
            "as_of": dt.date(2024, 10, 11),
        }
    )
    sw_codes = pd.read_csv(MARKET_DIR / "sw2021_codes.csv", dtype=str)
    sw_codes["source"] = SW_SOURCE
    member = pd.read_csv(MARKET_DIR / "sw2021_membership.csv", dtype=str)
    member = member.drop(columns=["file"])
    member["included_on"] = pd.to_datetime(member["included_on"]).dt.date
    member["updated_on"] = pd.to_datetime(member["updated_on"]).dt.date
    member["source"] = SW_SOURCE
    store.ingest(path, "cn-universe", _framed(universe, "universe (code shape)"))
    store.ingest(path, "sw-codes", _framed(sw_codes, "sw2021_codes.csv"))
    store.ingest(path, "sw-membership", _framed(member, "sw2021_membership.csv"))
    store.ingest(path, "cn-bars", _framed(bars, BARS.name))
    return path
