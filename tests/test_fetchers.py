"""The fetcher contract over every source: a tiny real input in, rows of the declared kind out.

Online sources answer from recorded HTTP (tests/wire_replay.py) through the installed
libraries; file sources read small files written here. Each source's rows must carry its kind's
key and compared columns with the store's types, and name the input they came from.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import pkgutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import yfinance as yf

import sectorweekly.providers as providers_pkg
from sectorweekly import store
from sectorweekly.desk.parse import load_desk
from sectorweekly.desk.rating_scale import RatingScales
from sectorweekly.markets.calendars import Calendars
from sectorweekly.providers.akshare import AkshareProvider
from sectorweekly.providers.akshare_market import MarketSource
from sectorweekly.providers.base import PriceQuery, Provider
from sectorweekly.providers.csv_source import CsvPricesProvider
from sectorweekly.providers.fetcher import Fetcher
from sectorweekly.providers.file_sources import (
    GpuFilesFetcher,
    PriceFilesFetcher,
    PriceFilesQuery,
    RatingFilesFetcher,
    RatingFilesQuery,
    SeriesFilesFetcher,
    SharesFilesFetcher,
    SharesFilesQuery,
    TrackerFilesQuery,
)
from sectorweekly.providers.market_files import MarketFolder
from sectorweekly.providers.market_sources import MarketFilesFetcher, MarketFolderQuery
from sectorweekly.providers.tracker_files import SeriesOptions
from sectorweekly.providers.yfinance import YfinanceProvider
from wire_replay import ReplaySession, akshare_wire
from wire_server import fresh_yahoo_state

D = dt.date
WEEK = (D(2025, 6, 23), D(2025, 6, 30))
PROVIDERS = Path(providers_pkg.__file__).parent


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


Case = Callable[[Path], tuple[Fetcher[Any], Any, AbstractContextManager[Any]]]


def _akshare(_tmp: Path) -> tuple[Fetcher[Any], Any, AbstractContextManager[Any]]:
    return AkshareProvider(), PriceQuery("688256", "CN_A", *WEEK), akshare_wire()


def _akshare_market(_tmp: Path) -> tuple[Fetcher[Any], Any, AbstractContextManager[Any]]:
    """The whole market's per-stock history is the same stage chain as the watchlist's."""
    return MarketSource(), PriceQuery("688256", "CN_A", *WEEK), akshare_wire()


@contextmanager
def _fresh_yahoo(tmp: Path) -> Iterator[None]:
    """yfinance's process-wide cookie, crumb and caches, new for this source and gone after."""
    fresh_yahoo_state()
    yf.set_tz_cache_location(str(tmp / "yf"))
    try:
        yield
    finally:
        fresh_yahoo_state()


def _yfinance(tmp: Path) -> tuple[Fetcher[Any], Any, AbstractContextManager[Any]]:
    provider = YfinanceProvider(session=ReplaySession())
    return provider, PriceQuery("NVDA", "US", *WEEK), _fresh_yahoo(tmp)


PRICES = "symbol,date,close\n688041,2025-05-15,142.11\n688041,2025-05-16,138.49\n"


def _csv_provider(tmp: Path) -> tuple[Fetcher[Any], Any, AbstractContextManager[Any]]:
    path = _write(tmp, "p.csv", PRICES)
    query = PriceQuery("688041", "CN_A", D(2025, 5, 15), D(2025, 5, 16))
    return CsvPricesProvider([path], {"688041": "CN_A"}), query, nullcontext()


def _price_files(tmp: Path) -> tuple[Fetcher[Any], Any, AbstractContextManager[Any]]:
    prices = _write(tmp, "p.csv", PRICES)
    dividends = _write(tmp, "d.csv", "symbol,date,cash,source\n688041,2025-05-16,0.17,notice\n")
    query = PriceFilesQuery((dividends, prices), {"688041": "CN_A"}, Calendars.build())
    return PriceFilesFetcher(), query, nullcontext()


def _shares_files(tmp: Path) -> tuple[Fetcher[Any], Any, AbstractContextManager[Any]]:
    path = _write(tmp, "s.csv", "symbol,as_of,shares\n688041,2025-05-16,2324338091\n")
    return SharesFilesFetcher(), SharesFilesQuery((path,)), nullcontext()


def _rating_files(tmp: Path) -> tuple[Fetcher[Any], Any, AbstractContextManager[Any]]:
    path = _write(tmp, "r.csv", "date,symbol,rating,target_price\n2025-05-16,688041,买入,160\n")
    scales = RatingScales.from_desk(load_desk().ratings)
    return RatingFilesFetcher(), RatingFilesQuery((path,), scales, {"688041"}), nullcontext()


def _series_files(tmp: Path) -> tuple[Fetcher[Any], Any, AbstractContextManager[Any]]:
    path = _write(
        tmp,
        "v.csv",
        "series,group,period_start,period_end,value,unit\n"
        "ChatGPT,文本-海外,2024-09-20,2024-09-26,77600,万次\n",
    )
    query = TrackerFilesQuery((path,), "visits", SeriesOptions())
    return SeriesFilesFetcher(), query, nullcontext()


def _gpu_files(tmp: Path) -> tuple[Fetcher[Any], Any, AbstractContextManager[Any]]:
    path = _write(
        tmp, "g.csv", "date,model,condition,price,currency\n2024-09-30,H100,二手,22700,usd\n"
    )
    return GpuFilesFetcher(), TrackerFilesQuery((path,), "gpu-price"), nullcontext()


def _market_files(tmp: Path) -> tuple[Fetcher[Any], Any, AbstractContextManager[Any]]:
    folder = tmp / "market"
    folder.mkdir()
    _write(folder, "bars.csv", "symbol,date,open,high,low,close,volume,amount\n"
           "688041,2025-05-15,140,143,139,142.11,1000,142110\n")  # fmt: skip
    _write(folder, "sw2021_codes.csv", "industry_code,level1\n270000,电子\n")
    query = MarketFolderQuery(MarketFolder(folder, Calendars.build()))
    return MarketFilesFetcher(), query, nullcontext()


# source -> (its case, the first row's key, a compared value of that row)
CASES: dict[type[Fetcher[Any]], tuple[Case, tuple[Any, ...], tuple[str, Any]]] = {
    AkshareProvider: (_akshare, ("688256", D(2025, 6, 23)), ("volume_unit", "shares")),
    MarketSource: (_akshare_market, ("688256", D(2025, 6, 23)), ("volume_unit", "shares")),
    YfinanceProvider: (_yfinance, ("NVDA", D(2025, 6, 23)), ("volume_unit", "shares")),
    CsvPricesProvider: (_csv_provider, ("688041", D(2025, 5, 15)), ("close", 142.11)),
    PriceFilesFetcher: (_price_files, ("688041", D(2025, 5, 15)), ("close", 142.11)),
    SharesFilesFetcher: (_shares_files, ("688041", D(2025, 5, 16)), ("shares", 2324338091.0)),
    RatingFilesFetcher: (_rating_files, ("688041", D(2025, 5, 16)), ("target_price", 160.0)),
    SeriesFilesFetcher: (_series_files, ("visits", "ChatGPT", D(2024, 9, 20)), ("value", 77600.0)),
    GpuFilesFetcher: (_gpu_files, ("H100", "used", D(2024, 9, 30)), ("currency", "USD")),
    MarketFilesFetcher: (_market_files, ("688041", D(2025, 5, 15)), ("amount", 142110.0)),
}


def _frame(rows: Any) -> pd.DataFrame:
    """Rows as a frame: a stager is run in a scratch DuckDB connection, as the writer runs it."""
    if not hasattr(rows, "stage"):
        return rows
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect(":memory:") as con:
        rows.stage(con, Path(tmp))
        return con.execute("SELECT * FROM _rows ORDER BY _ord").df()


def _as_python(value: Any) -> Any:
    return value.date() if isinstance(value, pd.Timestamp) else value


def _type_holds(sql: str, values: pd.Series) -> bool:
    present = [_as_python(v) for v in values if v is not None and not pd.isna(v)]
    if sql == "DATE":
        return all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in present)
    if sql == "DOUBLE":
        return pd.api.types.is_numeric_dtype(values) or all(
            isinstance(v, int | float) for v in present
        )
    if sql == "BOOLEAN":
        return all(isinstance(v, bool | np.bool_) for v in present)
    return all(isinstance(v, str) for v in present)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2025-07-02")


@pytest.mark.parametrize("source", list(CASES), ids=lambda c: c.__name__)
def test_every_source_yields_rows_of_its_kind(source: type[Fetcher[Any]], tmp_path: Path) -> None:
    case, first_key, (column, value) = CASES[source]
    fetcher, query, wire = case(tmp_path)
    assert type(fetcher) is source
    kind = store.KINDS[fetcher.kind]
    with wire:
        frame = _frame(fetcher.rows(query))
    required = [*kind.key, *kind.compared]
    assert [c for c in required if c not in frame.columns] == []
    for col in required:
        assert _type_holds(kind.types[col], frame[col]), f"{source.__name__}.{col}"
    first = frame.iloc[0]
    assert tuple(_as_python(first[c]) for c in kind.key) == first_key
    expected = pytest.approx(value) if isinstance(value, float) else value
    assert first[column] == expected
    if isinstance(fetcher, Provider):
        assert set(frame["symbol"]) == {query.symbol}
    else:  # a file source names each row's file and line, for FILE:ROW errors
        assert frame["file"].notna().all() and (frame["line"] >= 2).all()


def test_the_dividend_file_gives_its_ex_date_a_reference_price(tmp_path: Path) -> None:
    fetcher, query, _ = _price_files(tmp_path)
    frame = _frame(fetcher.rows(query)).set_index("date")
    assert frame.loc[pd.Timestamp(2025, 5, 16), "prev_close"] == pytest.approx(141.94)


def _concrete_fetchers() -> Iterator[type[Fetcher[Any]]]:
    for info in pkgutil.iter_modules([str(PROVIDERS)]):
        importlib.import_module(f"sectorweekly.providers.{info.name}")
    todo: list[type[Fetcher[Any]]] = [Fetcher]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("sectorweekly.") and not getattr(
            cls, "__abstractmethods__", None
        ):
            yield cls


def test_the_contract_test_covers_every_source_of_the_package() -> None:
    assert set(_concrete_fetchers()) == set(CASES)


def test_a_source_without_its_stages_cannot_be_made() -> None:
    class OnlyPrices(Provider):
        name = "only-prices"

        def prices(self, query: PriceQuery) -> pd.DataFrame:  # the old, optional-stage shape
            return pd.DataFrame()

    with pytest.raises(TypeError, match="request"):
        OnlyPrices()


def test_no_source_writes_to_the_store() -> None:
    """Rows reach the store only where the commands, the update and seeding hand them over."""
    writers = []
    for path in sorted(PROVIDERS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("ingest", "writer"):
                writers.append(f"{path.name}:{node.lineno}")
    assert writers == []
