"""Providers on recorded HTTP answers, through the installed AKShare and yfinance code.

Only the HTTP layer is replayed (tests/wire_replay.py; the answers and how they were made are in
tests/fixtures/providers/README.md). Expected values are the demo desk's own price files, read
here with the csv module, not through the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import inspect
import time
from pathlib import Path

import pytest
import yfinance as yf

from sectorweekly.errors import ProviderError
from sectorweekly.providers.akshare import AkshareProvider
from sectorweekly.providers.base import PriceQuery
from sectorweekly.providers.yfinance import YfinanceProvider, yahoo_ticker
from wire_replay import (
    FORBIDDEN,
    HTML_200,
    NULL_DATA,
    THROTTLED,
    ReplaySession,
    akshare_wire,
    closed_port,
    curl_refused,
    refused,
    stalled,
    stalled_server,
)

D = dt.date
DEMO = Path(__file__).parents[1] / "src" / "sectorweekly" / "demo" / "desk" / "data" / "prices"
WEEK = (D(2025, 6, 23), D(2025, 6, 30))


def demo(stem: str) -> dict[dt.date, dict[str, str]]:
    with (DEMO / f"{stem}.csv").open(encoding="utf-8") as fh:
        return {D.fromisoformat(r["date"]): r for r in csv.DictReader(fh)}


def q(symbol: str, market: str, kind: str = "stock") -> PriceQuery:
    return PriceQuery(symbol, market, *WEEK, kind=kind)


@pytest.fixture(autouse=True)
def _yahoo_caches(tmp_path: Path) -> None:
    """yfinance keeps time zones and cookies on disk and past ranges in memory: per test."""
    yf.set_tz_cache_location(str(tmp_path / "yf"))
    yf.data.YfData.cache_get.cache_clear()


# --- recorded answers -> rows ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "stem", "function", "lots"),
    [
        (q("688256", "CN_A"), "688256", "stock_zh_a_hist", True),  # STAR market, secid 1.
        (q("300502", "CN_A"), "300502", "stock_zh_a_hist", True),  # ChiNext (Shenzhen), secid 0.
        (q("000300", "CN_A", "index"), "000300", "index_zh_a_hist", True),
        (q("0981.HK", "HK"), "0981_HK", "stock_hk_hist", False),
        (q("NVDA", "US"), "NVDA", "stock_us_hist", False),
    ],
)
def test_eastmoney_answers_become_the_demo_prices_with_volume_in_shares(
    query: PriceQuery, stem: str, function: str, lots: bool
) -> None:
    with akshare_wire():
        rows = AkshareProvider().prices(query)
    truth = demo(stem)
    days = [d for d in sorted(truth) if WEEK[0] <= d <= WEEK[1]]
    assert list(rows["date"]) == days
    for rec in rows.itertuples():
        row = truth[rec.date]
        assert (rec.open, rec.high, rec.low, rec.close) == pytest.approx(
            [float(row[k]) for k in ("open", "high", "low", "close")]
        )
        # the demo's June rows count A-share volume in 手; Eastmoney does too; stored × 100
        expected = float(row["volume"]) * (100 if lots else 1)
        assert rec.volume == pytest.approx(expected)
    assert set(rows["volume_unit"]) == {"shares"}
    assert set(rows["source"]) == {f"akshare:{function}"}


def test_sina_scripts_decode_in_v8_to_the_demo_prices() -> None:
    with akshare_wire():
        hsi = AkshareProvider().prices(q("HSI", "HK", "index"))
        spx = AkshareProvider().prices(q("^GSPC", "US", "index"))
    # the recorded HSI script lags two sessions behind, as Sina's often does
    assert list(hsi["date"]) == [D(2025, 6, 23), D(2025, 6, 24), D(2025, 6, 25), D(2025, 6, 26)]
    truth = demo("HSI")
    assert hsi["close"].tolist() == [float(truth[d]["close"]) for d in hsi["date"]]
    assert spx["close"].iloc[-1] == float(demo("GSPC")[D(2025, 6, 30)]["close"]) == 6204.95
    assert set(spx["volume_unit"]) == {"as reported"}


def test_yahoo_chart_answers_become_rows_with_adj_close() -> None:
    provider = YfinanceProvider(session=ReplaySession())
    nvda = provider.prices(q("NVDA", "US"))
    hsi = provider.prices(q("HSI", "HK", "index"))
    assert nvda["close"].tolist() == [float(demo("NVDA")[d]["close"]) for d in nvda["date"]]
    assert len(nvda) == 6 and nvda["adj_close"].notna().all()
    assert hsi["date"].iloc[-1] == D(2025, 6, 30) and hsi["close"].iloc[-1] == 24072.28


# --- failure bodies -> one kind each ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "secid", "fault", "kind"),
    [
        (q("688256", "CN_A"), "1.688256", NULL_DATA, "empty"),  # stock_zh_a_hist checks data
        (q("NVDA", "US"), "105.NVDA", NULL_DATA, "unknown_symbol"),  # stock_us_hist subscripts it
        (q("688256", "CN_A"), "1.688256", HTML_200, "malformed"),  # a 200 page, not JSON
        (q("688256", "CN_A"), "1.688256", FORBIDDEN, "blocked"),
        (q("0981.HK", "HK"), "116.00981", THROTTLED, "throttled"),
    ],
)
def test_failure_bodies_are_classed_by_what_happened(
    query: PriceQuery, secid: str, fault, kind: str
) -> None:
    with akshare_wire({secid: fault}), pytest.raises(ProviderError) as err:
        AkshareProvider().prices(query)
    assert err.value.kind == kind


def test_a_refused_connection_is_offline_with_the_real_requests_error() -> None:
    with akshare_wire({"1.688256": refused(closed_port())}), pytest.raises(ProviderError) as err:
        AkshareProvider().prices(q("688256", "CN_A"))
    assert err.value.kind == "offline"
    assert "ConnectionError" in err.value.detail


def test_a_stalled_socket_with_a_timeout_argument_is_a_timeout() -> None:
    with stalled_server() as port, akshare_wire({"1.688256": stalled(port)}):
        started = time.monotonic()
        with pytest.raises(ProviderError) as err:
            AkshareProvider(timeout=0.5).prices(q("688256", "CN_A"))
    assert err.value.kind == "timeout"
    assert time.monotonic() - started < 3


def test_a_stalled_sina_request_does_not_hold_up_another_threads_sina_call() -> None:
    """Only Sina's decoding (V8) is serialised, not its HTTP request: while one Sina request
    hangs on a silent server, another symbol's Sina history is fetched and decoded."""
    from concurrent.futures import ThreadPoolExecutor

    provider = AkshareProvider()
    hsi = PriceQuery("HSI", "HK", D(2025, 6, 3), D(2025, 6, 30), "index")
    spx = PriceQuery("^GSPC", "US", D(2025, 6, 3), D(2025, 6, 30), "index")
    with (
        stalled_server(hold=4.0) as port,
        akshare_wire({"HSI": stalled(port)}),
        ThreadPoolExecutor(2) as pool,
    ):
        stuck = pool.submit(provider.prices, hsi)
        time.sleep(0.3)  # the HSI request is out and waiting
        started = time.monotonic()
        frame = provider.prices(spx)
        took = time.monotonic() - started
        assert not stuck.done()
        with pytest.raises(ProviderError):
            stuck.result()
    assert took < 2.0
    assert frame["close"].iloc[-1] == float(demo("GSPC")[D(2025, 6, 30)]["close"])


# --- yfinance: the network error, not "possibly delisted" -------------------------------------


def test_yahoo_connection_errors_stay_offline_for_every_ticker() -> None:
    """yfinance 1.x reports the network error for two tickers, then "possibly delisted"."""
    session = ReplaySession({"*": curl_refused(closed_port())})
    provider = YfinanceProvider(session=session)
    kinds = []
    for symbol in ("NVDA", "AMD", "INTC", "TSM"):
        with pytest.raises(ProviderError) as err:
            provider.prices(q(symbol, "US"))
        kinds.append(err.value.kind)
    assert kinds == ["offline"] * 4


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (403, "<html><head><title>403 Forbidden</title></head><body>403</body></html>", "blocked"),
        (503, "<html><body>Service Unavailable</body></html>", "throttled"),
        (200, "<html><body>consent page</body></html>", "malformed"),
    ],
)
def test_a_yahoo_page_that_is_not_json_is_classed_by_its_status(status, body, kind) -> None:
    """yfinance turns a block page into a JSON decode error; the status it came with decides."""
    provider = YfinanceProvider(session=ReplaySession({"NVDA": lambda _url: (status, body)}))
    with pytest.raises(ProviderError) as err:
        provider.prices(q("NVDA", "US"))
    assert err.value.kind == kind
    if status >= 400:
        assert f"HTTP {status} from https://query2.finance.yahoo.com/v8/finance/chart/NVDA" in (
            err.value.detail
        )


def test_yahoo_no_prices_in_range_is_empty_and_unknown_ticker_is_unknown() -> None:
    provider = YfinanceProvider(session=ReplaySession())
    later = PriceQuery("NVDA", "US", D(2025, 8, 4), D(2025, 8, 8))  # past the recording
    with pytest.raises(ProviderError) as err:
        provider.prices(later)
    assert err.value.kind == "empty"
    with pytest.raises(ProviderError) as err:
        provider.prices(q("ZZZZ", "US"))
    assert err.value.kind == "unknown_symbol"


@pytest.mark.parametrize(
    ("symbol", "kind", "ticker"),
    [
        ("399006", "index", "399006.SZ"),  # 创业板指 is a Shenzhen index
        ("000300", "index", "000300.SS"),
        ("920118", "stock", "920118.BJ"),  # Beijing Stock Exchange
        ("830799", "stock", "830799.BJ"),
        ("430047", "stock", "430047.BJ"),
        ("688256", "stock", "688256.SS"),
        ("300502", "stock", "300502.SZ"),
    ],
)
def test_a_share_yahoo_tickers(symbol: str, kind: str, ticker: str) -> None:
    assert yahoo_ticker(PriceQuery(symbol, "CN_A", *WEEK, kind=kind)) == ticker


def test_hang_seng_tech_is_yahoos_hstech_hk() -> None:
    assert yahoo_ticker(PriceQuery("HSTECH", "HK", *WEEK, kind="index")) == "HSTECH.HK"


# --- the installed libraries take every argument the providers pass ---------------------------

CONTRACT_QUERIES = [
    q("688256", "CN_A"),
    q("300502", "CN_A"),
    q("000300", "CN_A", "index"),
    q("0981.HK", "HK"),
    q("NVDA", "US"),
    q("HSI", "HK", "index"),
    q("HSTECH", "HK", "index"),
    q("^GSPC", "US", "index"),
    q("^IXIC", "US", "index"),
]


@pytest.mark.parametrize("query", CONTRACT_QUERIES, ids=lambda x: x.symbol)
def test_every_argument_exists_in_the_installed_akshare(query: PriceQuery) -> None:
    provider = AkshareProvider()
    request = provider.request(query)
    fn = getattr(importlib.import_module("akshare"), request.function)
    params = inspect.signature(fn).parameters
    assert set(request.kwargs) <= set(params), (request.function, set(request.kwargs) - set(params))
    assert provider.prerequisites(request) == []  # indices by id: no list read first


def test_shares_argument_exists_in_the_installed_akshare() -> None:
    provider = AkshareProvider()
    request = provider._request("stock_individual_info_em", {"symbol": "688256"})
    fn = importlib.import_module("akshare").stock_individual_info_em
    assert set(request.kwargs) <= set(inspect.signature(fn).parameters)


def test_yfinance_history_takes_every_argument_passed() -> None:
    from yfinance.scrapers.history import PriceHistory  # Ticker.history passes **kwargs here

    params = inspect.signature(PriceHistory.history).parameters
    assert {"start", "end", "interval", "auto_adjust", "actions", "timeout"} <= set(params)
    assert "session" in inspect.signature(yf.Ticker).parameters


def test_an_argument_the_library_lacks_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: dropped silently — and every AKShare function has a default ``symbol``."""
    ak = importlib.import_module("akshare")
    real = ak.stock_zh_a_hist

    def renamed(
        code: str = "000001",
        period: str = "daily",
        start_date: str = "",
        end_date: str = "",
        adjust: str = "",
        timeout=None,
    ):
        return real(code, period, start_date, end_date, adjust, timeout)

    monkeypatch.setattr(ak, "stock_zh_a_hist", renamed)
    with akshare_wire() as wire, pytest.raises(ProviderError) as err:
        AkshareProvider().prices(q("688256", "CN_A"))
    assert err.value.kind == "unsupported"
    assert "takes no symbol argument" in err.value.detail
    assert wire.asked == []  # nothing asked, nothing stored under the wrong code
