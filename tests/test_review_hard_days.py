"""The review on the days that trip people up, on the real demo rows.

Ex-rights weeks, half-day sessions with zero-volume rows, indices whose codes look like stocks,
markets closed all window, windows far past the store, and weeks where nothing moved. The
golden file (tests/fixtures/golden/review_windows.csv) is computed by a stand-alone script from
the raw price CSVs; every field of every member is compared with it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from golden import GOLDEN_DIR, compare_with_golden, golden_rows
from helpers import limit_prices
from sectorweekly import store
from sectorweekly.analysis.market import MemberMove, MemberSpec, Window, compute_moves
from sectorweekly.build.flow import BuildContext, build_report
from sectorweekly.desk.parse import demo_desk_dir, load_desk
from sectorweekly.markets.calendars import Calendars
from sectorweekly.narrative import zh
from sectorweekly.parts.market import _spec
from sectorweekly.report.model import Report
from sectorweekly.update.workspace import prepare

D = dt.date.fromisoformat
WINDOWS = golden_rows(GOLDEN_DIR / "review_windows.csv")


@pytest.fixture
def demo_home(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SECTORWEEKLY_HOME", str(demo_store.parent.parent))
    return demo_store


def moves_for(path: Path, start: str, end: str, desk=None) -> dict[str, MemberMove]:
    desk = desk or load_desk()
    symbols = list(desk.instruments)
    with store.reader(path) as con:
        moves, _ = compute_moves(
            con, Calendars.build(), [_spec(desk, s) for s in symbols], Window(D(start), D(end))
        )
    return {m.symbol: m for m in moves}


def report_for(start: str, end: str, desk=None) -> Report:
    return build_report(desk or load_desk(), D(start), D(end), BuildContext())


@pytest.mark.parametrize("window", sorted(WINDOWS), ids=lambda w: f"{w[0]}..{w[1]}")
def test_every_field_of_every_member_matches_the_golden_answers(demo_store, window) -> None:
    desk = load_desk()
    moves = moves_for(demo_store, *window, desk=desk)
    compare_with_golden(window, WINDOWS[window], moves)


# --- 1. ex-rights and bonus-share days ------------------------------------------------------


def test_ex_rights_week_is_chained_through_the_exchange_reference(demo_store) -> None:
    moves = moves_for(demo_store, "2025-05-26", "2025-05-30")
    xys, ywk = moves["300502"], moves["002837"]
    # by hand: base 05-23 close, the ex-date's close against the reference, the rest plainly
    # 新易盛: 112.13/115.93 × 88.27/79.77 − 1 = +7.03% (the unadjusted closes read −23.86%)
    assert round((112.13 / 115.93 * 88.27 / 79.77 - 1) * 100, 2) == 7.03
    assert xys.change_pct == 7.03
    assert (xys.base_close, xys.end_close) == (115.93, 88.27)
    # 英维克: 32.40/31.50 × 24.26/24.77 − 1 = +0.74% (the unadjusted closes read −22.98%)
    assert ywk.change_pct == 0.74
    assert xys.ex_dates == [D("2025-05-28")] and ywk.ex_dates == [D("2025-05-30")]
    assert xys.basis == ywk.basis == "reference"
    assert not xys.big_drop and not ywk.big_drop
    assert moves["300308"].basis == "close" and moves["300308"].ex_dates == []


def test_ex_date_limit_prices_come_from_the_reference() -> None:
    # 300502 (ChiNext ±20%) on 2025-05-28: from the reference 79.77, not the prior close 112.13
    assert limit_prices(79.77, 20) == (95.72, 63.82)
    assert limit_prices(112.13, 20) == (134.56, 89.7)  # what the unadjusted close would give
    # 002837 (main board ±10%) on 2025-05-30
    assert limit_prices(24.77, 10) == (27.25, 22.29)


def test_ex_rights_week_report_says_the_basis(demo_home) -> None:
    report = report_for("2025-05-26", "2025-05-30")
    members = {m.symbol: m for t in report.review.watch for m in t.members}
    assert members["300502"].change_pct == 7.03
    assert "5月28日除权除息，涨跌幅按交易所除权参考价连乘计算" in members["300502"].notes
    assert "出现大幅回调" not in members["300502"].notes
    # rated 中性 on 2024-08-12, more than the 6-month horizon before this week: shown with its date
    assert "英维克（示例评级：2024年8月12日评级中性，本周+0.74%）" in report.review.watch[1].line
    cited = {(s.symbol, s.source) for s in report.review.sources}
    assert ("300502", "Overwatch-mercy/stock-data@94897568e0:300502.csv") in cited
    assert report.review.as_of_note == (
        "注：以上市值、涨跌幅信息截至各地时间2025年5月30日；新易盛、英维克本周除权除息，"
        "其涨跌幅以除权除息日的交易所参考前收盘价逐日连乘计算，其余标的按收盘价计算"
    )


def _desk_without_references(tmp_path: Path):
    """The demo desk with its price files stripped of the reference columns (and its dividend
    file of the two names' rows)."""
    root = tmp_path / "desk"
    shutil.copytree(demo_desk_dir(), root)
    for name in ("300502.csv", "002837.csv"):
        path = root / "data" / "prices" / name
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text(
            "\n".join(",".join(line.split(",")[:12]) for line in lines) + "\n", encoding="utf-8"
        )
    dividends = root / "data" / "dividends.csv"
    kept = [
        line
        for line in dividends.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("300502,", "002837,"))
    ]
    dividends.write_text("\n".join(kept) + "\n", encoding="utf-8")
    desk = load_desk(root)
    prepare(desk)  # the command line does this before a build; a build only reads
    return desk


def test_missing_reference_is_said_instead_of_a_false_loss(tmp_path) -> None:
    desk = _desk_without_references(tmp_path)
    report = report_for("2025-05-26", "2025-05-30", desk)
    members = {m.symbol: m for t in report.review.watch for m in t.members}
    xys = members["300502"]
    assert xys.change_pct is None and xys.status == "no_reference"  # not −23.86%
    assert (
        "5月28日价格变动超出涨跌停限制，疑为除权除息日而库中缺少除权参考价，涨跌幅暂不计算"
        in xys.notes
    )
    assert "出现大幅回调" not in xys.notes
    assert members["002837"].change_pct is None
    assert members["300308"].change_pct == 1.83  # the others are unaffected


# --- 2. half-day sessions with zero volume --------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "changes"),
    [
        ("2024-02-05", "2024-02-09", {"0981.HK": 0.85, "0020.HK": 5.13}),
        ("2024-12-23", "2024-12-24", {"0981.HK": 2.83, "0020.HK": -0.67}),
    ],
)
def test_half_day_zero_volume_rows_are_not_suspensions(demo_home, start, end, changes) -> None:
    moves = moves_for(demo_home, start, end)
    for symbol, change in changes.items():
        assert moves[symbol].end_date == D(end)
        assert not moves[symbol].suspended
        assert moves[symbol].change_pct == change
    report = report_for(start, end)
    assert "停牌" not in report.review.summary_zh


def test_flat_unchanged_zero_volume_row_on_a_full_session_is_a_suspension(demo_store) -> None:
    # 2024-01-15, a full HK session: 0020.HK's row is volume 0, O=H=L=C=1.05, the prior close
    moves = moves_for(demo_store, "2024-01-15", "2024-01-15")
    assert moves["0020.HK"].suspended
    assert not moves["0981.HK"].suspended  # zero volume too, but its price moved


# --- 3. indices are not stocks --------------------------------------------------------------


def test_index_kind_wins_over_the_shape_of_the_code(demo_store) -> None:
    moves = moves_for(demo_store, "2024-10-07", "2024-10-09")
    assert moves["000300"].limit_board is None and moves["000300"].limit_pct is None
    specs = [
        MemberSpec("000001", "CN_A", kind="index"),  # SSE Composite
        MemberSpec("600000", "CN_A"),
    ]
    con = duckdb.connect(":memory:")
    store._init(con)
    got, _ = compute_moves(con, Calendars.build(), specs, Window(D("2024-10-08"), D("2024-10-09")))
    boards = {m.symbol: m.limit_board for m in got}
    assert boards == {"000001": None, "600000": "main"}
    assert load_desk().instruments["000300"].kind == "index"


# --- 4. closed all window wins over a zero-volume last row ------------------------------------


def test_market_closed_all_window_is_not_also_suspended(demo_home) -> None:
    moves = moves_for(demo_home, "2024-12-25", "2024-12-26")
    hk = moves["0981.HK"]
    assert hk.market_closed and not hk.suspended and hk.status == "market_closed"
    assert hk.base_date == hk.end_date == D("2024-12-24")  # a zero-volume half-day row
    summary = report_for("2024-12-25", "2024-12-26").review.summary_zh
    assert "停牌" not in summary
    assert "中芯国际H休市" in summary and "同期沪深300 +0.10%，恒生指数休市" in summary


# --- 5. a window far past the store -----------------------------------------------------------


def test_window_far_past_the_store_says_where_each_market_stops(demo_home) -> None:
    report = report_for("2025-09-01", "2025-09-05")
    summary = report.review.summary_zh
    assert "A股、港股、美股数据截至2025年6月30日，晚于该日的行情尚未入库。" in summary
    assert "本地数据库无此标的行情" not in summary
    assert summary.endswith("注：以上市值、涨跌幅信息截至各地时间2025年6月30日。")
    members = {m.symbol: m for b in report.review.boards for m in b.members}
    assert members["688256"].last_date == D("2025-06-30")
    assert members["688256"].status == "data_behind"
    assert "数据截至5月23日，本周无行情" in members["688041"].notes
    assert report.review.markets["CN_A"].data_through == D("2025-06-30")


# --- 6. breadth words when nothing moved --------------------------------------------------------


def test_every_market_closed_reads_xiushi(demo_home) -> None:
    report = report_for("2025-01-01", "2025-01-01")
    summary = report.review.summary_zh
    assert "涨跌互现" not in summary
    assert {b.breadth for b in report.review.boards} == {"休市"}
    assert "同期沪深300休市，恒生指数休市，标普500休市，纳斯达克综指休市。" in summary
    assert "0.00%" not in report.front.title  # no 寒武纪周涨0.00% for a closed week
    table = next(t for t in report.tables if t.key == "review_table")
    assert {row[-1] for row in table.rows} == {"0.00%（休市）"}  # 0 with the reason


def test_a_name_ending_in_digits_is_never_glued_to_a_number(demo_home) -> None:
    summary = report_for("2024-10-01", "2024-10-04").review.summary_zh
    assert "沪深3000.00%" not in summary
    assert "同期沪深300休市，恒生指数+7.59%，标普500 -0.20%" in summary
    assert zh.name_with_change("沪深300", 0.0) == "沪深300持平"
    assert zh.name_with_change("沪深300", 1.5) == "沪深300 +1.50%"
    assert zh.name_with_change("寒武纪", -2.0) == "寒武纪-2.00%"


def test_breadth_words() -> None:
    assert zh.breadth_word([0.0, 0.0]) == "持平"
    assert zh.breadth_word([1.0, 0.0]) == "上涨或持平"
    assert zh.breadth_word([-1.0, 0.0]) == "下跌或持平"
    assert zh.breadth_word([1.0, -1.0]) == "涨跌互现"
    assert zh.breadth_word([1.0, 2.0]) == "普涨"
    assert zh.breadth_word([], closed=True) == "休市"
