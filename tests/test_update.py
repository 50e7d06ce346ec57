"""``sectorweekly update`` on recorded responses: what it asks, what it stores, how it fails."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
import requests
from yfinance.exceptions import YFRateLimitError

from sectorweekly import store
from sectorweekly.desk.parse import Desk, load_desk
from sectorweekly.desk.paths import store_path
from sectorweekly.errors import InputError, ProviderError, SectorWeeklyError, StoreError
from sectorweekly.providers.akshare import AkshareProvider
from sectorweekly.providers.yfinance import YfinanceProvider
from sectorweekly.update.resilience import RetryPolicy, SourceGate
from sectorweekly.update.run import UpdateOptions, UpdateSummary, run_update
from sectorweekly.update.workspace import prepare
from update_fixtures import RecordedAkshare, RecordedYfinance, ak_frame, make_desk

D = dt.date
UTC = dt.UTC
# Friday 2024-10-11, 12:00 UTC: Shanghai closed at 07:00 UTC; New York has not opened;
# Hong Kong is closed all day (重阳节).
FRIDAY_NOON = dt.datetime(2024, 10, 11, 12, 0, tzinfo=UTC)
DESK_ORDER = ("688256", "NVDA", "0981.HK", "TSM", "300308", "000300", "HSI", "^GSPC")


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    d = load_desk(make_desk(tmp_path / "desk"))
    prepare(d)
    return d


def run(
    desk: Desk,
    ak: RecordedAkshare | None = None,
    yf: RecordedYfinance | None = None,
    now: dt.datetime = FRIDAY_NOON,
    sleeps: Sleeps | None = None,
    **options,
) -> UpdateSummary:
    chain = []
    if ak is not None:
        chain.append(AkshareProvider(call=ak))
    if yf is not None:
        chain.append(YfinanceProvider(call=yf))
    options.setdefault("workers", 1)
    options.setdefault("rate", 1000.0)
    return run_update(
        desk,
        store_path(desk),
        UpdateOptions(**options),
        providers=chain,
        now=now,
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def stored(desk: Desk, symbol: str) -> pd.DataFrame:
    with store.reader(store_path(desk)) as con:
        frame = con.execute("SELECT * FROM prices WHERE symbol = ? ORDER BY date", [symbol]).df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def asked(ak: RecordedAkshare) -> dict[str, tuple[str | None, str | None]]:
    return {kw["symbol"]: (kw.get("start_date"), kw.get("end_date")) for _, kw in ak.calls}


# --- incremental ------------------------------------------------------------------------------


def test_requests_start_at_the_seam_and_stop_at_the_last_closed_session(desk: Desk) -> None:
    ak = RecordedAkshare()
    summary = run(desk, ak)
    calls = asked(ak)
    # store ends 2024-09-30: each request asks that session back (the seam, checked against
    # the stored close, never written) and runs to the last closed session
    assert calls["688256"] == ("20240930", "20241011")
    assert calls["300308"] == ("20240930", "20241011")
    assert calls["000300"] == ("20240930", "20241011")
    # Hong Kong is closed 10-11 (Chung Yeung)
    assert calls["00981"] == ("20240930", "20241010")
    # New York has not closed 10-11 yet at 12:00 UTC
    assert calls["105.NVDA"] == ("20240930", "20241010")
    assert calls["106.TSM"] == ("20240930", "20241010")
    by = {r.symbol: r for r in summary.results}
    assert by["688256"].added == 4 and by["688256"].last_date == D(2024, 10, 11)
    assert by["0981.HK"].added == 7 and by["0981.HK"].last_date == D(2024, 10, 10)
    assert by["NVDA"].added == 8 and by["NVDA"].last_date == D(2024, 10, 10)
    assert by["HSI"].source_detail == "akshare:stock_hk_index_daily_sina"
    assert summary.ok and summary.added == sum(r.added for r in summary.results)
    rows = stored(desk, "688256").set_index("date")
    raw = ak_frame("stock_zh_a_hist", "688256").set_index("日期")
    for day in (D(2024, 10, 8), D(2024, 10, 11)):
        assert rows.loc[day, "close"] == raw.loc[day, "收盘"]
        assert rows.loc[day, "source"] == "akshare:stock_zh_a_hist"
        assert rows.loc[day, "volume_unit"] == "shares"  # Eastmoney's 手 × 100
        assert rows.loc[day, "volume"] == raw.loc[day, "成交量"] * 100
        assert rows.loc[day, "adjustment"] == "none"
        assert rows.loc[day, "fetched_at"] is not pd.NaT


def test_no_request_when_the_store_is_complete(desk: Desk) -> None:
    run(desk, RecordedAkshare())
    before = store.fingerprint(store_path(desk))
    ak = RecordedAkshare()
    summary = run(desk, ak)
    assert ak.calls == []
    assert summary.up_to_date and summary.ok
    assert store.fingerprint(store_path(desk)) == before


def test_a_session_still_trading_is_not_asked(desk: Desk) -> None:
    ak = RecordedAkshare()
    # Tuesday 2024-10-08 06:00 UTC = 14:00 in Shanghai: the day's session is still open
    run(desk, ak, now=dt.datetime(2024, 10, 8, 6, 0, tzinfo=UTC), symbols=("688256", "NVDA"))
    assert ak.calls == [
        ("stock_us_hist", ak.calls[0][1]),
    ]
    assert asked(ak)["105.NVDA"] == ("20240930", "20241007")  # from the seam, the last stored


def test_since_backfills_missing_sessions_only(desk: Desk) -> None:
    with store.writer(store_path(desk)) as con:
        con.execute(
            "DELETE FROM prices WHERE symbol = '300308' AND date = DATE '2024-09-25'"
        ).fetchall()
    ak = RecordedAkshare()
    summary = run(desk, ak, symbols=("300308",), since=D(2024, 9, 23))
    # one request from the session before the hole (the seam) to the last closed session;
    # stored rows are compared, not added
    assert asked(ak)["300308"] == ("20240924", "20241011")
    result = summary.results[0]
    assert result.added == 5  # 09-25 and 10-08..10-11
    assert result.changes == [] and not result.kept_changes


# --- resume -----------------------------------------------------------------------------------


def test_resume_after_an_interruption_half_way(desk: Desk) -> None:
    def interrupted():
        raise KeyboardInterrupt

    first = RecordedAkshare(fail={"00981": interrupted})
    with pytest.raises(KeyboardInterrupt):
        run(desk, first)
    symbols = list(DESK_ORDER)
    done = [s for s in symbols if stored(desk, s)["date"].max() > D(2024, 9, 30)]
    # each symbol was committed on its own as it arrived: those before the stop are kept
    assert "688256" in done and "0981.HK" not in done

    second = RecordedAkshare()
    summary = run(desk, second)
    asked_again = {r.symbol for r in summary.results if r.asked is not None}
    assert asked_again == set(symbols) - set(done)  # nothing stored is fetched again
    assert summary.ok
    assert stored(desk, "0981.HK")["date"].max() == D(2024, 10, 10)
    assert len(stored(desk, "688256")) == 6 + 4  # 09-23..09-30 seeded, 10-08..10-11 fetched


# --- fallback, retries and failures -----------------------------------------------------------


ConnectionError = requests.exceptions.ConnectionError


def offline():
    raise ConnectionError("HTTPSConnectionPool(host='33.push2his.eastmoney.com'): Max retries")


def test_fallback_from_akshare_to_yfinance_after_retries(desk: Desk) -> None:
    ak = RecordedAkshare(fail={"00981": offline})
    yf = RecordedYfinance("download")
    sleeps = Sleeps()
    summary = run(desk, ak, yf, sleeps=sleeps, symbols=("0981.HK",))
    assert ak.symbols() == ["00981"] * 3  # three attempts …
    assert [s for s in sleeps if s >= 0.1] == [0.5, 1.0]  # … with exponential backoff
    result = summary.results[0]
    assert result.source == "yfinance" and result.added == 7
    assert [(e.source, e.kind) for e in result.errors] == [("akshare", "offline")]
    rows = stored(desk, "0981.HK").set_index("date")
    assert rows.loc[D(2024, 10, 2), "source"] == "yfinance:Ticker.history"
    assert rows.loc[D(2024, 10, 2), "adjustment"] == "split_adj"
    assert rows.loc[D(2024, 10, 2), "adj_close"] == rows.loc[D(2024, 10, 2), "close"]
    assert summary.ok


def test_an_offline_source_is_not_asked_again_in_the_same_run(desk: Desk) -> None:
    ak = RecordedAkshare(
        fail={
            s: offline
            for s in ("688256", "105.NVDA", "00981", "106.TSM", "300308", "000300", "HSI", ".INX")
        }
    )
    before = store.fingerprint(store_path(desk))
    summary = run(desk, ak)
    # per host: the first symbol's three attempts, then the breaker keeps the others unasked
    assert ak.symbols() == ["688256"] * 3 + ["105.NVDA"] * 3 + ["00981"] * 3 + ["HSI"] * 3
    assert all(r.failure and r.failure.kind == "offline" for r in summary.results)
    assert store.fingerprint(store_path(desk)) == before
    message = summary.failure_message()
    assert message.startswith("offline: no data source could be reached (akshare: ")
    assert "nothing was written" in message
    assert "CN_A to 2024-09-30, HK to 2024-09-30, US to 2024-09-30" in message


ReadTimeout = requests.exceptions.ReadTimeout


def _raise(exc: BaseException):
    def fn():
        raise exc

    return fn


@pytest.mark.parametrize(
    ("response", "kind", "attempts"),
    [
        (_raise(ConnectionError("Name or service not known")), "offline", 3),
        (_raise(ReadTimeout("Read timed out. (read timeout=15)")), "timeout", 1),
        (_raise(YFRateLimitError()), "throttled", 3),
        (lambda: pd.DataFrame(), "empty", 1),
        (lambda: pd.DataFrame({"日期": ["2024-10-08"], "收盘": ["n/a"]}), "malformed", 1),
        (_raise(TypeError("'NoneType' object is not subscriptable")), "unknown_symbol", 1),
    ],
)
def test_each_failure_kind_is_reported_and_nothing_is_written(
    desk: Desk, response, kind: str, attempts: int
) -> None:
    before = store.fingerprint(store_path(desk))
    ak = RecordedAkshare(fail={"106.TSM": response})
    summary = run(desk, ak, symbols=("TSM",))
    assert len(ak.calls) == attempts  # offline and throttled are retried; a timeout waited enough
    result = summary.results[0]
    assert result.failed and result.failure is not None
    assert result.failure.kind == kind and isinstance(result.failure, ProviderError)
    assert not summary.ok
    assert store.fingerprint(store_path(desk)) == before


def test_a_failed_symbol_does_not_stop_the_others(desk: Desk) -> None:
    ak = RecordedAkshare(fail={"106.TSM": lambda: pd.DataFrame()})
    summary = run(desk, ak)
    by = {r.symbol: r for r in summary.results}
    assert by["TSM"].failed and by["TSM"].failure.kind == "empty"
    assert by["NVDA"].added == 8
    assert stored(desk, "TSM")["date"].max() == D(2024, 9, 30)
    assert summary.failure_message().startswith("1 of 8 symbols failed (empty); ")


# --- sanity checks ----------------------------------------------------------------------------


SEAM = D(2024, 9, 30)  # the store's last session, asked back with every request


def _a_share(mutate) -> RecordedAkshare:
    frame = ak_frame("stock_zh_a_hist", "688256")
    frame = mutate(frame)
    return RecordedAkshare(fail={"688256": lambda: frame})


def test_a_date_off_the_exchange_calendar_rejects_the_frame(desk: Desk) -> None:
    frame = ak_frame("stock_hk_hist", "00981")
    frame = frame[frame["日期"] >= D(2024, 10, 2)].copy()
    frame.loc[frame.index[-1], "日期"] = D(2024, 10, 5)  # a Saturday inside the asked range
    ak = RecordedAkshare(fail={"00981": lambda: frame})
    summary = run(desk, ak, RecordedYfinance(), symbols=("0981.HK",))
    result = summary.results[0]
    assert [(e.source, e.kind) for e in result.errors] == [("akshare", "malformed")]
    assert "2024-10-05 is not a HK (XHKG) session" in result.errors[0].detail
    assert result.source == "yfinance"  # the next source's frame passed the same checks
    assert "2024-10-05" not in {str(d) for d in stored(desk, "0981.HK")["date"]}


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("最高", 300.0, "high 300 is below open/close 346.99"),
        ("最低", 350.0, "low 350 is above open/close 346.99"),
        ("收盘", -1.0, "close -1 is not a positive price"),
    ],
)
def test_bars_that_cannot_be_true_reject_the_frame(
    desk: Desk, column: str, value: float, message: str
) -> None:
    def bad(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame["日期"] >= SEAM].copy()
        frame.loc[frame.index[frame["日期"] == D(2024, 10, 8)][0], column] = value
        return frame

    before = store.fingerprint(store_path(desk))
    summary = run(desk, _a_share(bad), symbols=("688256",))
    failure = summary.results[0].failure
    assert failure is not None and failure.kind == "malformed"
    assert message in failure.detail
    assert store.fingerprint(store_path(desk)) == before


def test_a_move_beyond_the_limit_is_flagged_and_kept(desk: Desk) -> None:
    def spike(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame["日期"] >= SEAM].copy()
        i = frame.index[frame["日期"] == D(2024, 10, 10)][0]
        frame.loc[i, ["收盘", "最高"]] = 450.0  # +21.1% on 371.50, beyond STAR's ±20%
        frame.loc[i, "涨跌额"] = 450.0 - 371.50  # the source's change against the 10-09 close
        return frame

    summary = run(desk, _a_share(spike), symbols=("688256",))
    result = summary.results[0]
    assert result.added == 4
    flags = [f for f in result.flags if f.kind == "limit_move"]
    # 10-10 up beyond the limit; 10-11 (333.00) is judged against the source's reference
    # previous close (收盘 − 涨跌额, the real 10-10 close), as the review judges it: no flag
    assert [f.date for f in flags] == [D(2024, 10, 10)]
    assert "beyond the ±20% limit of 科创板" in flags[0].detail
    assert stored(desk, "688256").set_index("date").loc[D(2024, 10, 10), "close"] == 450.0
    # the real 10-08 close at exactly the limit (289.16 × 1.2 = 346.99) is not flagged
    assert D(2024, 10, 8) not in [f.date for f in flags]


def test_no_limit_flag_in_the_first_sessions_after_listing(tmp_path: Path) -> None:
    d = load_desk(make_desk(tmp_path / "d2", **{"688256": {"listed": "2024-09-27"}}))
    prepare(d)

    def spike(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame["日期"] >= SEAM].copy()
        i = frame.index[frame["日期"] == D(2024, 10, 8)][0]
        frame.loc[i, ["开盘", "收盘", "最高"]] = 400.0  # +38% on 289.16
        return frame

    summary = run(d, _a_share(spike), symbols=("688256",))
    result = summary.results[0]
    # 10-08 is the 3rd session since listing on 09-27: STAR has no limit in its first 5
    assert D(2024, 10, 8) not in [f.date for f in result.flags if f.kind == "limit_move"]


def test_sessions_the_source_skips_are_reported(desk: Desk) -> None:
    def gap(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame["日期"] >= SEAM) & (frame["日期"] != D(2024, 10, 9))]

    summary = run(desk, _a_share(gap), symbols=("688256",))
    flags = [f for f in summary.results[0].flags if f.kind == "missing_sessions"]
    assert len(flags) == 1 and "1 of 4 asked session(s): 2024-10-09" in flags[0].detail
    assert summary.results[0].added == 3


# --- --force ----------------------------------------------------------------------------------


def test_differing_rows_are_kept_without_force_and_listed_when_forced(desk: Desk) -> None:
    with store.writer(store_path(desk)) as con:
        con.execute(
            "UPDATE prices SET close = 289.00 WHERE symbol = '688256' AND date = DATE '2024-09-30'"
        ).fetchall()
    before = store.fingerprint(store_path(desk))
    kept = run(desk, RecordedAkshare(), symbols=("688256",), since=D(2024, 9, 30), force=False)
    # without --force the stored 09-30 row is only asked back as the seam, and the source's
    # close for it differs: the new sessions do not join the store and are refused whole
    assert kept.results[0].asked == (D(2024, 10, 8), D(2024, 10, 11))
    failure = kept.results[0].failure
    assert failure is not None and failure.kind == "basis"
    assert "2024-09-30: stored close 289, akshare close 289.16" in failure.detail
    assert store.fingerprint(store_path(desk)) == before

    forced = run(desk, RecordedAkshare(), symbols=("688256",), since=D(2024, 9, 27), force=True)
    result = forced.results[0]
    assert result.asked == (D(2024, 9, 27), D(2024, 10, 11))
    assert result.replaced == 1 and result.added == 4
    assert [(c.date, c.column, c.old, c.new) for c in result.changes] == [
        (D(2024, 9, 30), "close", 289.0, 289.16)
    ]
    row = stored(desk, "688256").set_index("date").loc[D(2024, 9, 30)]
    assert row["close"] == 289.16 and row["source"] == "akshare:stock_zh_a_hist"


def test_a_differing_overlap_is_reported_but_not_written_without_force(desk: Desk) -> None:
    with store.writer(store_path(desk)) as con:
        con.execute(
            "DELETE FROM prices WHERE symbol = '688256' AND date = DATE '2024-09-27'"
        ).fetchall()
        con.execute(
            "UPDATE prices SET close = 289.00 WHERE symbol = '688256' AND date = DATE '2024-09-30'"
        ).fetchall()
    summary = run(desk, RecordedAkshare(), symbols=("688256",), since=D(2024, 9, 23))
    result = summary.results[0]
    assert result.added == 5  # 09-27 and 10-08..10-11
    assert result.kept_changes and result.replaced == 0
    assert [(c.date, c.column) for c in result.changes] == [(D(2024, 9, 30), "close")]
    assert stored(desk, "688256").set_index("date").loc[D(2024, 9, 30), "close"] == 289.0


def test_requests_are_paced_to_the_rate() -> None:
    sleeps = Sleeps()
    gate = SourceGate("akshare", 2.0, RetryPolicy(), sleep=sleeps, clock=lambda: 100.0)
    for _ in range(5):
        gate.call("688256", lambda: None)
    assert sleeps == [0.5, 1.0, 1.5, 2.0]  # five requests at 2 per second
    assert gate.requests == 5


# --- options, availability and the one writer -------------------------------------------------


def test_unknown_symbol_option_names_the_desk(desk: Desk) -> None:
    with pytest.raises(InputError, match="--symbols AAPL: not an instrument of this desk"):
        run(desk, RecordedAkshare(), symbols=("AAPL",))


def test_no_usable_source_says_how_to_install(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("akshare", "yfinance") else real(name, *a),
    )
    before = store.fingerprint(store_path(desk))
    with pytest.raises(SectorWeeklyError, match=r"pip install 'sectorweekly\[online\]'"):
        run_update(desk, store_path(desk), UpdateOptions(), now=FRIDAY_NOON)
    assert store.fingerprint(store_path(desk)) == before


def test_a_second_writer_waits_then_fails_clearly(desk: Desk) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import time, pathlib
                from sectorweekly import store
                with store.held_lock(pathlib.Path({str(store_path(desk))!r})):
                    print("held", flush=True)
                    time.sleep(1.5)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = store.fingerprint(store_path(desk))
        t0 = time.perf_counter()
        with pytest.raises(StoreError) as err:
            run(desk, RecordedAkshare(), lock_timeout=0.3)
        waited = time.perf_counter() - t0
    finally:
        holder.wait(timeout=10)
    assert 0.25 <= waited < 1.5
    assert "another sectorweekly process is writing to this store" in str(err.value)
    assert store.fingerprint(store_path(desk)) == before
    assert run(desk, RecordedAkshare()).ok  # once the other writer is done


def test_several_workers_store_the_same_rows_as_one(tmp_path: Path) -> None:
    serial = load_desk(make_desk(tmp_path / "serial"))
    parallel = load_desk(make_desk(tmp_path / "parallel"))
    for d in (serial, parallel):
        prepare(d)
    run(serial, RecordedAkshare(), workers=1)
    ak = RecordedAkshare()
    summary = run(parallel, ak, workers=4, rate=50.0)
    assert len(ak.calls) == 8 and summary.ok
    cols = ["symbol", "date", "open", "high", "low", "close", "volume", "source"]
    for symbol in DESK_ORDER:
        a, b = stored(serial, symbol)[cols], stored(parallel, symbol)[cols]
        pd.testing.assert_frame_equal(a, b)


def test_shares_outstanding_from_akshare_go_to_the_shares_table(desk: Desk) -> None:
    summary = run(desk, RecordedAkshare(), symbols=("300308", "NVDA"), shares=True)
    assert [(s.symbol, s.shares, s.source) for s in summary.shares] == [
        ("300308", 1121166509.0, "akshare:stock_individual_info_em")
    ]  # A-shares only: AKShare's 总股本 is a mainland item
    with store.reader(store_path(desk)) as con:
        rows = con.execute(
            "SELECT symbol, as_of, shares, source FROM shares WHERE source LIKE 'akshare:%'"
        ).fetchall()
    assert rows == [
        ("300308", summary.shares[0].as_of, 1121166509.0, "akshare:stock_individual_info_em")
    ]
