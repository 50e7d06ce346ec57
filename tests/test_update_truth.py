"""Answers that parse and look right but are not: another instrument, another price basis.

Over the demo desk cut at 2025-06-20 (``test_wire_update``). Every answer crosses a real socket:
one local HTTPS server for the module (tests/wire_server.py), reached by the installed AKShare
(requests/urllib3) and yfinance (curl_cffi/libcurl) through ``HTTPS_PROXY``, each test setting
its own faults. Each case asserts what the store holds afterwards (nothing wrong; the other
symbols still arrive), the run's outcome and the one line per refused symbol.
"""

# ruff: noqa: F811  (the desk fixture is imported from test_wire_update and used by name)
from __future__ import annotations

import datetime as dt
import functools
import shutil
import sys

import pandas as pd
import pytest
from rich.console import Console

from sectorweekly import cli, store
from sectorweekly.desk.parse import Desk
from sectorweekly.desk.paths import store_path
from sectorweekly.errors import ProviderError
from sectorweekly.providers.akshare import AkshareProvider
from sectorweekly.providers.yfinance import YfinanceProvider
from sectorweekly.update import console as update_console
from sectorweekly.update import run as update_run
from sectorweekly.update.console import refusal_lines, render_summary
from sectorweekly.update.run import UpdateOptions, UpdateSummary, run_update
from test_wire_update import NOW, Sleeps, demo_closes, desk, seeded, stored  # noqa: F401
from wire_faults import (
    SINA_LAYOUTS,
    demo_bars,
    em_answer_of,
    em_body_without_identity,
    em_forward_adjusted_body,
    em_relabelled,
    em_serve,
    em_with_dividend_body,
    em_without_session_body,
    sina_encoded,
    sina_layout,
    sina_redirect,
    yahoo_answer_of,
    yahoo_serve,
    yahoo_split_adjusted_body,
    yahoo_with_dividend_body,
    yahoo_with_split_body,
)
from wire_server import (  # noqa: F401  (module_server, fresh_answers: fixtures)
    Fault,
    WireServer,
    fresh_answers,
    module_server,
    wire_server,
    yahoo_session,
)

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="openssl makes the local server's certificates"
)
D = dt.date
SEAM = D(2025, 6, 20)


def update(
    server: WireServer,
    desk: Desk,
    faults: dict[str, Fault] | None = None,
    yahoo: dict[str, Fault] | None = None,
    *,
    sources: tuple[str, ...] = ("akshare", "yfinance"),
    **options,
) -> UpdateSummary:
    """One update over the server; ``faults`` by Eastmoney secid or Sina symbol, ``yahoo`` by
    ticker (the server looks both up by the request's key)."""
    options.setdefault("workers", 4)
    options.setdefault("rate", 1000.0)
    server.reset({**(faults or {}), **(yahoo or {})})
    make = {
        "akshare": lambda: AkshareProvider(timeout=5.0),
        "yfinance": lambda: YfinanceProvider(session=yahoo_session()),
    }
    summary = run_update(
        desk,
        store_path(desk),
        UpdateOptions(**options),
        providers=[make[s]() for s in sources],
        now=NOW,
        sleep=Sleeps(),
    )
    assert server.asked, "no request reached the local server"
    return summary


def lines(summary: UpdateSummary) -> list[str]:
    return [t.plain for t in refusal_lines(summary)]


def closes(desk: Desk, symbol: str) -> dict[dt.date, float]:
    rows = stored(desk)
    return rows[rows["symbol"] == symbol].set_index("date")["close"].to_dict()


def sources(desk: Desk, symbol: str) -> set[str]:
    rows = stored(desk)
    return set(rows.loc[rows["symbol"] == symbol, "source"])


# --- another instrument ---------------------------------------------------------------------


def test_eastmoney_answering_with_another_stock_is_refused_and_yahoo_asked(
    desk: Desk, server: WireServer
) -> None:
    summary = update(
        server, desk, {"1.688256": em_answer_of("1.601138")}, symbols=("688256", "300308")
    )
    by = {r.symbol: r for r in summary.results}
    assert [(e.source, e.kind) for e in by["688256"].errors] == [("akshare", "mismatch")]
    assert lines(summary) == ["688256: mismatch: eastmoney answered 601138 (SH) for 688256 (SH)"]
    # 601138's bars (~20 yuan) never reach 688256: Yahoo's right ones do
    assert closes(desk, "688256") == pytest.approx(demo_closes("688256"))
    assert sources(desk, "688256") == {"yfinance:Ticker.history"}
    assert closes(desk, "300308") == pytest.approx(demo_closes("300308"))  # unaffected
    assert summary.ok


def test_with_no_other_source_the_symbol_fails_and_the_store_is_untouched(
    desk: Desk, server: WireServer
) -> None:
    before = store.fingerprint(store_path(desk))
    summary = update(server, desk, {"1.688256": em_answer_of("1.601138")}, symbols=("688256",),
                     sources=("akshare",))  # fmt: skip
    failure = summary.results[0].failure
    assert failure is not None and failure.kind == "mismatch"
    assert not summary.ok and summary.added == 0
    assert store.fingerprint(store_path(desk)) == before


def test_another_series_under_the_asked_name_is_caught_at_the_seam(
    desk: Desk, server: WireServer
) -> None:
    """The answer claims to be 688256 but carries 601138's bars: the stored close of 06-20 and
    the answer's disagree, so nothing is appended (``basis``)."""
    faults = {"1.688256": em_relabelled("1.601138", "688256", 1)}
    summary = update(server, desk, faults, symbols=("688256",), sources=("akshare",))
    failure = summary.results[0].failure
    assert failure is not None and failure.kind == "basis"
    stored_close = demo_closes_at("688256", SEAM)
    assert failure.detail.startswith(f"2025-06-20: stored close {stored_close:g}, akshare close ")
    assert closes(desk, "688256") == {}


def test_yahoo_answering_with_another_ticker_is_refused(desk: Desk, server: WireServer) -> None:
    summary = update(server, desk, yahoo={"AMD": yahoo_answer_of("INTC")}, symbols=("AMD", "NVDA"),
                     sources=("yfinance",))  # fmt: skip
    by = {r.symbol: r for r in summary.results}
    assert by["AMD"].failure is not None and by["AMD"].failure.kind == "mismatch"
    assert lines(summary) == ["AMD: mismatch: yahoo answered INTC for AMD"]
    assert closes(desk, "AMD") == {}
    assert closes(desk, "NVDA") == pytest.approx(demo_closes("NVDA"))


def test_sina_redirecting_to_another_index_is_refused_and_yahoo_asked(
    desk: Desk, server: WireServer
) -> None:
    faults = {".INX": sina_redirect("https://finance.sina.com.cn/staticdata/us/.IXIC")}
    summary = update(server, desk, faults, symbols=("^GSPC", "^IXIC"))
    by = {r.symbol: r for r in summary.results}
    assert lines(summary) == ["^GSPC: mismatch: sina answered .IXIC for .INX"]
    assert by["^GSPC"].source == "yfinance" and by["^IXIC"].source == "akshare"
    assert closes(desk, "^GSPC") == pytest.approx(demo_closes("^GSPC"))
    assert closes(desk, "^IXIC") == pytest.approx(demo_closes("^IXIC"))


@pytest.mark.parametrize("layout", sorted(SINA_LAYOUTS))
def test_sina_script_layouts_the_decoder_reads_are_stored_alike(
    desk: Desk, server: WireServer, layout: str
) -> None:
    faults = {".INX": sina_layout("sina_us_.INX.js", SINA_LAYOUTS[layout])}
    summary = update(server, desk, faults, symbols=("^GSPC",), sources=("akshare",))
    assert summary.ok and summary.results[0].errors == []
    assert closes(desk, "^GSPC") == pytest.approx(demo_closes("^GSPC"))
    assert sources(desk, "^GSPC") == {"akshare:index_us_stock_sina"}


def stored_bars(desk: Desk, symbol: str) -> dict[dt.date, tuple[float, ...]]:
    """(open, high, low, close, volume) per stored session after the cut."""
    with store.reader(store_path(desk)) as con:
        rows = con.execute(
            "SELECT date, open, high, low, close, volume FROM prices "
            "WHERE symbol = ? AND date > ? ORDER BY date",
            [symbol, SEAM],
        ).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


JUNE = (D(2025, 6, 3), D(2025, 6, 30))  # the demo's sessions, to the last one asked


@pytest.mark.parametrize("branch", ["_3466", "_3466 stepped", "_1479"])
def test_sina_hk_scripts_in_each_bar_layout_store_the_demo_bars(
    desk: Desk, server: WireServer, branch: str
) -> None:
    """Sina's HK index script in the decoder's current (``_3466``; days stated or stepped
    over weekdays) and older (``_1479``: no amount) bar layouts: decoded by AKShare's own V8
    run, every field of every bar stored."""
    bars = demo_bars("HSI", *JUNE)
    faults = {"HSI": sina_encoded("KLC_KL_HSI", bars, branch)}
    summary = update(server, desk, faults, symbols=("HSI",), sources=("akshare",))
    result = summary.results[0]
    assert summary.ok and result.errors == [] and result.missing == [] and result.added == 6
    want = {b[0]: pytest.approx(b[1:]) for b in bars if b[0] > SEAM}
    assert stored_bars(desk, "HSI") == want
    assert sources(desk, "HSI") == {"akshare:stock_hk_index_daily_sina"}
    assert server.count(r"finance\.sina\.com\.cn/stock/hkstock/HSI/klc2_kl\.js") == 1


def test_a_us_index_script_stepping_over_a_holiday_stores_the_right_days(
    desk: Desk, server: WireServer
) -> None:
    """Days stepped over the weekday mask across Juneteenth (2025-06-19, no session): the
    bars after the gap keep their own days, so the seam (06-20) joins and 06-23.. are stored."""
    bars = demo_bars("GSPC", *JUNE)
    assert D(2025, 6, 19) not in {b[0] for b in bars}  # the gap the steps cross
    faults = {".INX": sina_encoded("KLC_KL_GSPC", bars, "_3466 stepped")}
    summary = update(server, desk, faults, symbols=("^GSPC",), sources=("akshare",))
    assert summary.ok and summary.results[0].errors == []
    assert stored_bars(desk, "^GSPC") == {b[0]: pytest.approx(b[1:]) for b in bars if b[0] > SEAM}
    assert sources(desk, "^GSPC") == {"akshare:index_us_stock_sina"}


def test_a_us_index_script_without_amounts_is_malformed_and_yahoo_asked(
    desk: Desk, server: WireServer
) -> None:
    """``_1479`` bars carry no amount, which AKShare's US index function reads: the answer is
    the symbol's ``malformed`` (retried once), nothing of it stored, Yahoo delivers."""
    faults = {".INX": sina_encoded("KLC_KL_GSPC", demo_bars("GSPC", *JUNE), "_1479")}
    summary = update(server, desk, faults, symbols=("^GSPC",))
    result = summary.results[0]
    assert [(e.source, e.kind) for e in result.errors] == [("akshare", "malformed")]
    assert "KeyError: 'amount'" in result.errors[0].detail
    assert server.count(r"/staticdata/us/\.INX") == 2
    assert summary.ok and result.source == "yfinance"
    assert closes(desk, "^GSPC") == pytest.approx(demo_closes("^GSPC"))
    assert sources(desk, "^GSPC") == {"yfinance:Ticker.history"}


@pytest.mark.parametrize(
    ("branch", "lacks"),
    [("_200", "open"), ("_139", "date"), ("_197", "date"), ("_999", "date")],
    ids=["closes only", "dates only", "bare integers", "unknown layout"],
)
def test_a_script_without_bars_is_malformed_and_stores_nothing(
    desk: Desk, server: WireServer, branch: str, lacks: str
) -> None:
    """Layouts the decoder reads that hold no bars (``_200`` a close per session, ``_139``
    weekdays, ``_197`` bare integers) or that it does not know (no rows): refused whole,
    never stored as bars with holes."""
    before = store.fingerprint(store_path(desk))
    faults = {"HSI": sina_encoded("KLC_KL_HSI", demo_bars("HSI", *JUNE), branch)}
    summary = update(server, desk, faults, symbols=("HSI",), sources=("akshare",))
    failure = summary.results[0].failure
    assert failure is not None and failure.kind == "malformed"
    assert failure.detail.startswith(f"stock_hk_index_daily_sina: KeyError: '{lacks}'")
    assert server.count("/hkstock/HSI/") == 2  # the symbol's: retried once
    assert not summary.ok and summary.added == 0
    assert store.fingerprint(store_path(desk)) == before


# --- another basis --------------------------------------------------------------------------


def demo_closes_at(symbol: str, day: dt.date) -> float:
    """The demo's close of ``day`` (at or before the cut: what the seeded store holds)."""
    from test_wire_update import DEMO, STEM

    frame = pd.read_csv(DEMO / "data" / "prices" / f"{STEM.get(symbol, symbol)}.csv")
    return float(frame.loc[frame["date"] == day.isoformat(), "close"].iloc[0])


def test_a_forward_adjusted_answer_is_refused_naming_both_closes(
    desk: Desk, server: WireServer
) -> None:
    body = em_forward_adjusted_body("1.688256", D(2025, 6, 25), 1.5)
    summary = update(server, desk, {"1.688256": em_serve(body)}, symbols=("688256",),
                     sources=("akshare",))  # fmt: skip
    failure = summary.results[0].failure
    stored_close = demo_closes_at("688256", SEAM)
    assert failure is not None and failure.kind == "basis"
    assert lines(summary) == [
        f"688256: basis: 2025-06-20: stored close {stored_close:g}, akshare close "
        f"{stored_close - 1.5:g} for the same session (an adjusted series (forward-adjusted "
        "prices differ by the dividends since)); not stored"
    ]
    assert closes(desk, "688256") == {}


def test_a_split_adjusted_yahoo_answer_is_refused(desk: Desk, server: WireServer) -> None:
    """NVDA stored as traded, then Yahoo's Close divided by a later 10:1 split."""
    yahoo = {"NVDA": yahoo_serve(yahoo_split_adjusted_body("NVDA", 10))}
    before = store.fingerprint(store_path(desk))
    summary = update(server, desk, yahoo=yahoo, symbols=("NVDA",), sources=("yfinance",))
    failure = summary.results[0].failure
    stored_close = demo_closes_at("NVDA", SEAM)
    assert failure is not None and failure.kind == "basis"
    assert f"stored close {stored_close:g}, yfinance close {stored_close / 10:g}" in failure.detail
    assert "a 10:1 ratio, as a split-adjusted series" in failure.detail
    assert store.fingerprint(store_path(desk)) == before


def test_a_split_inside_yahoos_answer_is_converted_back_and_said(
    desk: Desk, server: WireServer
) -> None:
    split = D(2025, 6, 25)
    yahoo = {"NVDA": yahoo_serve(yahoo_with_split_body("NVDA", split, 10))}
    summary = update(server, desk, yahoo=yahoo, symbols=("NVDA",), sources=("yfinance",))
    result = summary.results[0]
    assert summary.ok and result.added == 6
    expected = {d: (c if d < split else c / 10) for d, c in demo_closes("NVDA").items()}
    assert closes(desk, "NVDA") == pytest.approx(expected)
    kinds = {f.kind: f for f in result.flags}
    assert "10:1 on 2025-06-25" in kinds["converted"].detail
    assert kinds.keys() == {"converted"}  # the seam (06-20) joined as traded


def test_a_good_seam_with_a_dividend_is_stored_and_flagged(desk: Desk, server: WireServer) -> None:
    ex = D(2025, 6, 23)
    body = em_with_dividend_body("1.688256", ex, 1.5)
    summary = update(server, desk, {"1.688256": em_serve(body)}, symbols=("688256",),
                     sources=("akshare",))  # fmt: skip
    result = summary.results[0]
    stored_close = demo_closes_at("688256", SEAM)
    assert summary.ok and result.added == 6
    assert closes(desk, "688256") == pytest.approx(demo_closes("688256"))
    flag = next(f for f in result.flags if f.kind == "ex_rights")
    assert flag.date == ex and f"{stored_close - 1.5:g}" in flag.detail
    with store.reader(store_path(desk)) as con:
        prev = con.execute(
            "SELECT prev_close FROM prices WHERE symbol = '688256' AND date = ?", [ex]
        ).fetchone()[0]
    assert prev == pytest.approx(stored_close - 1.5)


def test_a_yahoo_dividend_on_the_first_new_session_joins_the_seam(
    desk: Desk, server: WireServer
) -> None:
    ex = D(2025, 6, 23)
    yahoo = {"INTC": yahoo_serve(yahoo_with_dividend_body("INTC", ex, 0.125))}
    summary = update(server, desk, yahoo=yahoo, symbols=("INTC",), sources=("yfinance",))
    result = summary.results[0]
    assert summary.ok and result.added == 6
    assert closes(desk, "INTC") == pytest.approx(demo_closes("INTC"))
    assert [f.date for f in result.flags if f.kind == "ex_rights"] == [ex]


# --- the command line -----------------------------------------------------------------------


def test_the_command_exits_5_and_prints_one_line_for_the_refused_symbol(
    desk: Desk,
    server: WireServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(update_run, "source_chain", lambda d, source: [AkshareProvider()])
    monkeypatch.setattr(
        update_console,
        "run_update",
        functools.partial(update_run.run_update, now=NOW, sleep=Sleeps()),
    )
    argv = ["sectorweekly", "update", "--desk", str(desk.root), "--symbols", "688256,300308"]
    monkeypatch.setattr(sys, "argv", argv)
    server.reset({"1.688256": em_answer_of("1.601138")})
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out, err = capsys.readouterr()
    assert exc.value.code == 5
    assert "688256: mismatch: eastmoney answered 601138 (SH) for 688256 (SH)" in out
    assert err.strip().splitlines()[-1].startswith("error: 1 of 2 symbols failed (mismatch)")
    assert closes(desk, "300308") == pytest.approx(demo_closes("300308"))
    assert closes(desk, "688256") == {}


# --- --force and --rebase -------------------------------------------------------------------


def _keep_nvda_from(desk: Desk, first: dt.date) -> None:
    """NVDA's stored history starting at ``first`` (inside the recorded chart)."""
    with store.writer(store_path(desk)) as con:
        con.execute("DELETE FROM prices WHERE symbol = 'NVDA' AND date < ?", [first]).fetchall()


def test_force_refuses_to_overwrite_a_history_with_another_basis(
    desk: Desk, server: WireServer
) -> None:
    _keep_nvda_from(desk, D(2025, 6, 3))
    before = store.fingerprint(store_path(desk))
    yahoo = {"NVDA": yahoo_serve(yahoo_split_adjusted_body("NVDA", 10))}
    summary = update(server, desk, yahoo=yahoo, symbols=("NVDA",), sources=("yfinance",),
                     since=D(2025, 6, 3), force=True)  # fmt: skip
    failure = summary.results[0].failure
    assert failure is not None and failure.kind == "basis"
    assert failure.detail.startswith("13 of 13 stored closes differ (first 2025-06-03")
    assert "`--rebase` re-bases the history" in failure.detail
    assert store.fingerprint(store_path(desk)) == before


def test_rebase_replaces_the_whole_history_and_lists_every_row(
    desk: Desk, server: WireServer
) -> None:
    _keep_nvda_from(desk, D(2025, 6, 3))
    yahoo = {"NVDA": yahoo_serve(yahoo_split_adjusted_body("NVDA", 10))}
    summary = update(
        server, desk, yahoo=yahoo, symbols=("NVDA",), sources=("yfinance",), rebase=True
    )
    result = summary.results[0]
    assert summary.ok and result.replaced == 13 and result.added == 6
    with store.reader(store_path(desk)) as con:
        got = dict(con.execute("SELECT date, close FROM prices WHERE symbol = 'NVDA'").fetchall())
    chart = yahoo_split_adjusted_body("NVDA", 10)["chart"]["result"][0]
    want = {
        dt.datetime.fromtimestamp(t, dt.UTC).date(): c
        for t, c in zip(chart["timestamp"], chart["indicators"]["quote"][0]["close"], strict=True)
    }
    assert got == pytest.approx(want)
    console = Console(record=True, width=200)
    console.print(render_summary(summary))
    text = console.export_text()
    assert "rows re-based (--rebase)" in text
    listed = {ln.split("│")[2].strip() for ln in text.splitlines() if ln.count("│") >= 5 and
              "NVDA" in ln and "close" in ln}  # fmt: skip
    assert len(listed) == 13  # every re-based session, not the first 20 changes


def test_rebase_refuses_an_answer_that_lacks_stored_sessions(
    desk: Desk, server: WireServer
) -> None:
    before = store.fingerprint(store_path(desk))
    summary = update(server, desk, symbols=("NVDA",), sources=("yfinance",), rebase=True)
    failure = summary.results[0].failure
    assert failure is not None and failure.kind == "basis"
    assert failure.detail.startswith("cannot re-base: the answer lacks")
    assert store.fingerprint(store_path(desk)) == before


# --- a newer library that reads another format ----------------------------------------------


def test_an_answer_that_no_longer_names_its_instrument_is_malformed_not_stored(
    desk: Desk, server: WireServer
) -> None:
    body = em_body_without_identity("1.688256")
    summary = update(server, desk, {"1.688256": em_serve(body)}, symbols=("688256",),
                     sources=("akshare",))  # fmt: skip
    failure = summary.results[0].failure
    assert failure is not None and failure.kind == "malformed"
    assert failure.detail.startswith(
        "stock_zh_a_hist: eastmoney answer names no instrument (data.code, data.market); "
        "installed akshare 1.19.5, tested with akshare>="
    )
    assert closes(desk, "688256") == {}


def test_a_share_count_for_another_stock_is_refused() -> None:
    from sectorweekly.providers.akshare import parse_individual_info
    from sectorweekly.providers.base import PriceQuery

    raw = pd.DataFrame({"item": ["股票代码", "总股本"], "value": ["601138", 19858000000.0]})
    query = PriceQuery("688256", "CN_A", D(2025, 6, 30), D(2025, 6, 30))
    with pytest.raises(ProviderError) as exc:
        parse_individual_info(AkshareProvider(), query, raw, today=D(2025, 6, 30))
    assert exc.value.kind == "mismatch"
    assert str(exc.value).endswith("eastmoney answered 601138 for 688256")


def test_yahoo_answers_from_yfinances_own_cache_are_checked_too(
    tmp_path, server: WireServer
) -> None:
    """yfinance answers a past range again from its response cache, without a request: the
    instrument is read from its history metadata, so a cached answer is checked the same."""
    import yfinance as yf

    from sectorweekly.providers.base import PriceQuery

    yf.set_tz_cache_location(str(tmp_path / "yf"))
    server.reset({"AMD": yahoo_answer_of("INTC")})
    provider = YfinanceProvider(session=yahoo_session())
    nvda = PriceQuery("NVDA", "US", D(2025, 6, 23), D(2025, 6, 27))
    first, again = provider.prices(nvda), provider.prices(nvda)
    assert server.count(r"/v8/finance/chart/NVDA\?.*period1") == 1  # then from the cache
    assert (
        list(again["close"])
        == list(first["close"])
        == pytest.approx([demo_closes("NVDA")[d] for d in first["date"]])
    )
    amd = PriceQuery("AMD", "US", D(2025, 6, 23), D(2025, 6, 27))
    for _ in range(2):
        with pytest.raises(ProviderError) as exc:
            provider.prices(amd)
        assert exc.value.kind == "mismatch" and exc.value.detail == "yahoo answered INTC for AMD"


def test_the_rebase_command_lists_every_row_and_exits_0(
    desk: Desk,
    server: WireServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _keep_nvda_from(desk, D(2025, 6, 3))
    server.reset({"NVDA": yahoo_serve(yahoo_split_adjusted_body("NVDA", 10))})
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(
        update_run, "source_chain", lambda d, source: [YfinanceProvider(session=yahoo_session())]
    )
    monkeypatch.setattr(
        update_console,
        "run_update",
        functools.partial(update_run.run_update, now=NOW, sleep=Sleeps()),
    )
    argv = ["sectorweekly", "update", "--desk", str(desk.root), "--symbols", "NVDA", "--rebase"]
    monkeypatch.setattr(sys, "argv", argv)
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr().out
    assert code == 0
    assert "rows re-based (--rebase)" in out
    rebased = {ln.split("│")[2].strip() for ln in out.splitlines() if "│ close" in ln}
    assert len(rebased) == 13 and "2025-06-03" in rebased and "2025-06-20" in rebased
    assert closes(desk, "NVDA")[D(2025, 6, 30)] == pytest.approx(
        demo_closes("NVDA")[D(2025, 6, 30)] / 10
    )


def test_an_answer_without_the_seam_session_is_refused_and_the_next_source_asked(
    desk: Desk, server: WireServer
) -> None:
    body = em_without_session_body("1.688256", SEAM)
    summary = update(server, desk, {"1.688256": em_serve(body)}, symbols=("688256",))
    result = summary.results[0]
    assert [(e.source, e.kind) for e in result.errors] == [("akshare", "basis")]
    assert result.errors[0].detail.startswith("the answer lacks the seam session 2025-06-20")
    assert result.source == "yfinance"
    assert closes(desk, "688256") == pytest.approx(demo_closes("688256"))


def test_concurrent_refusals_each_name_their_own_pair(desk: Desk, server: WireServer) -> None:
    """Four workers, twenty symbols, three answers swapped: each check reads its own call's
    answer (per thread), so the lines name exactly the swapped pairs and the rest arrive."""
    from test_wire_update import SYMBOLS

    faults = {
        "1.688256": em_answer_of("1.601138"),
        "1.688047": em_answer_of("1.688981"),
        "0.300502": em_answer_of("0.300308"),
    }
    summary = update(server, desk, faults, symbols=SYMBOLS, workers=4)
    assert sorted(lines(summary)) == [
        "300502: mismatch: eastmoney answered 300308 (SZ) for 300502 (SZ)",
        "688047: mismatch: eastmoney answered 688981 (SH) for 688047 (SH)",
        "688256: mismatch: eastmoney answered 601138 (SH) for 688256 (SH)",
    ]
    assert summary.ok
    for symbol in SYMBOLS:
        assert closes(desk, symbol) == pytest.approx(demo_closes(symbol)), symbol
