"""Providers on recorded responses: requests they make, rows they return, errors they raise."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
import requests
from curl_cffi.requests import exceptions as curl_exceptions
from yfinance import exceptions as yf_exceptions

from sectorweekly.errors import ProviderError, SectorWeeklyError
from sectorweekly.providers import base, wire
from sectorweekly.providers.akshare import AkshareProvider, parse_individual_info
from sectorweekly.providers.base import PriceQuery, provider_class
from sectorweekly.providers.csv_source import CsvPricesProvider
from sectorweekly.providers.yfinance import YfinanceProvider, yahoo_ticker
from sectorweekly.store import PRICE_COLUMNS
from update_fixtures import RecordedAkshare, RecordedYfinance, ak_frame

D = dt.date


def q(symbol: str, market: str, start: str, end: str, kind: str = "stock", **kw) -> PriceQuery:
    return PriceQuery(symbol, market, D.fromisoformat(start), D.fromisoformat(end), kind, **kw)


# --- AKShare: which function, which arguments ---------------------------------------------


@pytest.mark.parametrize(
    ("query", "function", "args"),
    [
        (
            q("688256", "CN_A", "2024-10-08", "2024-10-11"),
            "stock_zh_a_hist",
            {
                "symbol": "688256",
                "period": "daily",
                "start_date": "20241008",
                "end_date": "20241011",
                "adjust": "",
            },
        ),
        (
            q("0981.HK", "HK", "2024-10-02", "2024-10-10"),
            "stock_hk_hist",
            {"symbol": "00981", "start_date": "20241002", "end_date": "20241010", "adjust": ""},
        ),
        (q("NVDA", "US", "2024-10-01", "2024-10-10"), "stock_us_hist", {"symbol": "105.NVDA"}),
        (q("TSM", "US", "2024-10-01", "2024-10-10"), "stock_us_hist", {"symbol": "106.TSM"}),
        (
            q("BABA", "US", "2024-10-01", "2024-10-10", exchange="NYSE"),
            "stock_us_hist",
            {"symbol": "106.BABA"},
        ),
        (
            q("000300", "CN_A", "2024-10-08", "2024-10-11", "index"),
            "index_zh_a_hist",
            {"symbol": "000300", "start_date": "20241008"},
        ),
        (
            q("HSI", "HK", "2024-10-02", "2024-10-10", "index"),
            "stock_hk_index_daily_sina",
            {"symbol": "HSI"},
        ),
        (
            q("^GSPC", "US", "2024-10-01", "2024-10-10", "index"),
            "index_us_stock_sina",
            {"symbol": ".INX"},
        ),
        (
            q("^IXIC", "US", "2024-10-01", "2024-10-10", "index"),
            "index_us_stock_sina",
            {"symbol": ".IXIC"},
        ),
    ],
)
def test_akshare_request(query: PriceQuery, function: str, args: dict) -> None:
    request = AkshareProvider(call=RecordedAkshare()).request(query)
    got_function, got_args = request.function, request.kwargs
    assert got_function == function
    assert {k: got_args[k] for k in args} == args


def test_akshare_us_stock_without_venue_is_unknown_symbol_naming_the_fix() -> None:
    with pytest.raises(ProviderError) as err:
        AkshareProvider(call=RecordedAkshare()).request(q("CRWV", "US", "2024-10-01", "2024-10-10"))
    assert err.value.kind == "unknown_symbol"
    assert "exchange: NASDAQ|NYSE|AMEX" in err.value.detail


# --- AKShare: recorded frames -> standard rows ------------------------------------------------


def test_akshare_a_share_rows_are_unadjusted_in_shares_with_source() -> None:
    rec = RecordedAkshare()
    rows = AkshareProvider(call=rec).prices(q("688256", "CN_A", "2024-10-08", "2024-10-11"))
    assert list(rows.columns) == PRICE_COLUMNS
    assert list(rows["date"]) == [D(2024, 10, 8), D(2024, 10, 9), D(2024, 10, 10), D(2024, 10, 11)]
    # real closes of 寒武纪 (688256): 10-08 closed at the +20% limit, 289.16 × 1.2 = 346.99
    raw = ak_frame("stock_zh_a_hist", "688256").set_index("日期")
    assert rows["close"].tolist() == [raw.loc[d, "收盘"] for d in rows["date"]]
    assert rows["close"].iloc[0] == pytest.approx(346.99)
    assert set(rows["volume_unit"]) == {"shares"}  # Eastmoney's 手 (lots of 100) × 100
    assert rows["volume"].tolist() == [raw.loc[d, "成交量"] * 100 for d in rows["date"]]
    assert set(rows["adjustment"]) == {"none"}
    assert set(rows["source"]) == {"akshare:stock_zh_a_hist"}
    assert rows["adj_close"].isna().all()
    assert rows["fetched_at"].notna().all()
    assert rec.calls[0][1]["adjust"] == ""


def test_akshare_string_dates_and_sina_full_history_are_cut_to_the_range() -> None:
    provider = AkshareProvider(call=RecordedAkshare())
    us = provider.prices(q("NVDA", "US", "2024-10-01", "2024-10-04"))  # 日期 kept as strings
    assert list(us["date"]) == [D(2024, 10, 1), D(2024, 10, 2), D(2024, 10, 3), D(2024, 10, 4)]
    assert set(us["volume_unit"]) == {"shares"}
    hsi = provider.prices(q("HSI", "HK", "2024-10-02", "2024-10-10", "index"))
    assert hsi["date"].min() == D(2024, 10, 2) and hsi["date"].max() == D(2024, 10, 10)
    assert set(hsi["adjustment"]) == {"index"}
    assert set(hsi["source"]) == {"akshare:stock_hk_index_daily_sina"}
    csi = provider.prices(q("000300", "CN_A", "2024-10-08", "2024-10-08", "index"))
    assert csi["close"].tolist() == pytest.approx([4256.1])


def test_akshare_shares_from_individual_info() -> None:
    provider = AkshareProvider(call=RecordedAkshare())
    info = pd.DataFrame(
        {"item": ["股票代码", "总股本", "流通股"], "value": ["688256", 417458000.0, 4.1e8]}
    )
    row = parse_individual_info(
        provider, q("688256", "CN_A", "2024-10-08", "2024-10-08"), info, today=D(2024, 10, 8)
    )
    assert row.shares == 417458000.0
    assert row.as_of == D(2024, 10, 8)
    assert row.source == "akshare:stock_individual_info_em"


# --- yfinance ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "market", "kind", "ticker"),
    [
        ("0981.HK", "HK", "stock", "0981.HK"),
        ("HSI", "HK", "index", "^HSI"),
        ("^GSPC", "US", "index", "^GSPC"),
        ("^IXIC", "US", "index", "^IXIC"),
        ("688256", "CN_A", "stock", "688256.SS"),
        ("300308", "CN_A", "stock", "300308.SZ"),
        ("000300", "CN_A", "index", "000300.SS"),
        ("TSM", "US", "stock", "TSM"),
    ],
)
def test_yahoo_tickers(symbol: str, market: str, kind: str, ticker: str) -> None:
    assert yahoo_ticker(q(symbol, market, "2024-10-02", "2024-10-02", kind)) == ticker


@pytest.mark.parametrize("shape", ["history", "download"])
def test_yfinance_rows_keep_adj_close_and_local_dates(shape: str) -> None:
    rec = RecordedYfinance(shape)
    rows = YfinanceProvider(call=rec).prices(q("0981.HK", "HK", "2024-10-02", "2024-10-10"))
    assert rec.calls == [("0981.HK", D(2024, 10, 2), D(2024, 10, 11))]  # Yahoo's end is exclusive
    # HK sessions 10-02..10-10 (10-01 National Day, 10-11 Chung Yeung are holidays)
    assert len(rows) == 7 and rows["date"].iloc[0] == D(2024, 10, 2)
    assert rows["adj_close"].tolist() == rows["close"].tolist()  # no dividend in the span
    assert set(rows["adjustment"]) == {"split_adj"}
    assert set(rows["source"]) == {"yfinance:Ticker.history"}
    assert rows["volume"].dtype == "float64"


def test_yfinance_empty_frame_is_an_empty_error() -> None:
    provider = YfinanceProvider(call=lambda t, s, e: pd.DataFrame())
    with pytest.raises(ProviderError) as err:
        provider.prices(q("0020.HK", "HK", "2024-10-02", "2024-10-10"))
    assert err.value.kind == "empty" and err.value.source == "yfinance"


# --- one error kind for every library's way of failing ----------------------------------------


def _http_error(status: int) -> requests.exceptions.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.exceptions.HTTPError(f"{status} Client Error", response=response)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (requests.exceptions.ConnectionError("Max retries exceeded"), "offline"),
        (ConnectionRefusedError(111, "Connection refused"), "offline"),
        (curl_exceptions.ConnectionError("Failed to connect"), "offline"),
        (curl_exceptions.DNSError("Could not resolve host"), "offline"),
        (requests.exceptions.ReadTimeout("read timed out"), "timeout"),
        (requests.exceptions.ConnectTimeout("connect timed out"), "timeout"),
        (curl_exceptions.Timeout("Operation timed out"), "timeout"),
        (TimeoutError(), "timeout"),
        (_http_error(429), "throttled"),
        (_http_error(403), "blocked"),
        (_http_error(404), "unknown_symbol"),
        (yf_exceptions.YFRateLimitError(), "throttled"),
        (yf_exceptions.YFTzMissingError("$XXXX"), "unknown_symbol"),
        (yf_exceptions.YFPricesMissingError("NVDA", "(1d 2030-01-01 -> 2030-01-02)"), "empty"),
        # an HTML page where JSON was expected: not offline, and not retried
        (requests.exceptions.JSONDecodeError("Expecting value", "<html>", 0), "malformed"),
        (json.JSONDecodeError("Expecting value", "<html>", 0), "malformed"),
        (KeyError("klines"), "malformed"),
    ],
)
def test_exceptions_are_classified(exc: Exception, kind: str) -> None:
    assert wire.classify(exc) == kind

    def boom(*args, **kwargs):
        raise exc

    with pytest.raises(ProviderError) as err:
        AkshareProvider(call=boom).prices(q("688256", "CN_A", "2024-10-08", "2024-10-11"))
    assert err.value.kind == kind
    assert err.value.source == "akshare" and err.value.symbol == "688256"


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (pd.DataFrame(), "empty"),  # Eastmoney "data": null -> stock_zh_a_hist's empty frame
        (pd.DataFrame({"date": ["2024-10-08"], "x": [1]}), "malformed"),  # wrong columns
        ("<html>busy</html>", "malformed"),  # not a table at all
    ],
)
def test_akshare_bad_responses(response: object, kind: str) -> None:
    provider = AkshareProvider(call=lambda f, **kw: response)
    with pytest.raises(ProviderError) as err:
        provider.prices(q("688256", "CN_A", "2024-10-08", "2024-10-11"))
    assert err.value.kind == kind


def test_akshare_unknown_code_typeerror_is_unknown_symbol() -> None:
    def none_data(function: str, **kwargs):
        data_json = {"data": None}
        return data_json["data"]["klines"]  # what stock_us_hist does with an unknown code

    with pytest.raises(ProviderError) as err:
        AkshareProvider(call=none_data).prices(q("NVDA", "US", "2024-10-01", "2024-10-02"))
    assert err.value.kind == "unknown_symbol"


def test_unreadable_numbers_are_malformed() -> None:
    frame = ak_frame("stock_zh_a_hist", "688256")
    frame["收盘"] = frame["收盘"].astype(object)
    frame.loc[frame.index[-1], "收盘"] = "--"
    provider = AkshareProvider(call=lambda f, **kw: frame)
    with pytest.raises(ProviderError) as err:
        provider.prices(q("688256", "CN_A", "2024-10-08", "2024-10-18"))
    assert err.value.kind == "malformed" and "close" in err.value.detail


# --- CSV importer as a provider, and the registry ---------------------------------------------


def test_csv_provider_serves_rows_of_the_price_files(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "symbol,date,close,open,high,low,volume\n"
        "688256,2024-10-08,315.6,290,315.6,288,100\n"
        "688256,2024-10-09,284.04,300,310,284.04,100\n"
    )
    rows = CsvPricesProvider([path]).prices(q("688256", "CN_A", "2024-10-09", "2024-10-11"))
    assert rows["close"].tolist() == [284.04]
    assert set(rows["source"]) == {"csv:p.csv"}
    with pytest.raises(ProviderError) as err:
        CsvPricesProvider([path]).prices(q("NVDA", "US", "2024-10-09", "2024-10-11"))
    assert err.value.kind == "unknown_symbol"


def test_registry_lists_builtin_providers_and_accepts_new_ones() -> None:
    assert provider_class("akshare") is AkshareProvider
    assert provider_class("csv") is CsvPricesProvider
    assert provider_class("yfinance") is YfinanceProvider

    @base.register
    class Fixed(base.Provider):
        name = "fixed-test"

        def request(self, query: PriceQuery) -> base.Request:
            return base.Request("prices", {}, self.name)

        def fetch(self, query: PriceQuery, request: base.Request) -> None:
            raise self.error("empty", query, "nothing")

        def normalise(self, query: PriceQuery, request: base.Request, raw: object) -> pd.DataFrame:
            raise AssertionError("never reached: fetch found nothing")

    assert provider_class("fixed-test") is Fixed
    with pytest.raises(SectorWeeklyError, match="unknown data source 'nope'"):
        provider_class("nope")
    base._REGISTRY.pop("fixed-test")


def test_missing_library_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("akshare", "yfinance") else real(name, *a),
    )
    reason = AkshareProvider().unavailable_reason()
    assert reason == "akshare is not installed; pip install 'sectorweekly[online]'"
    assert "pip install 'sectorweekly[online]'" in (YfinanceProvider().unavailable_reason() or "")
    assert AkshareProvider(call=RecordedAkshare()).unavailable_reason() is None
