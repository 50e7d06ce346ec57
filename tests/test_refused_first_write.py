"""A write refused into a desk whose store does not exist yet leaves the desk folder exactly as
it was: no store, no WAL, no lock file, no folder made for the store. Every writer: the imports,
ratings, the whole market, the update."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from sectorweekly import store
from sectorweekly.desk.parse import load_desk
from sectorweekly.providers.akshare import AkshareProvider
from sectorweekly.update.run import UpdateOptions, run_update
from test_store_writer import sw
from test_universe_bad_inputs import BARS, good
from update_fixtures import RecordedAkshare, make_desk


def tree(folder: Path) -> list[str]:
    """Every file and folder under ``folder``, relative: what a user would see in it."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:
    """A desk made by `init` (no demo data): no store yet."""
    code, _, err = sw(capsys, monkeypatch, "init", tmp_path / "desk")
    assert code == 0, err
    assert not (tmp_path / "desk" / "store.duckdb").exists()
    return tmp_path / "desk"


# Each is refused by the store's writer, under its lock (the rows read, then checked):
# (file name, its text, the command, the error line's FILE:ROW and words)
REFUSED = {
    "prices": (
        "prices.csv",
        "symbol,date,close\n300308,2024-10-08,185.83\n300308,2024-10-09,abc\n",
        ["import", "prices"],
        "prices.csv:3: close 'abc' is not a number",
    ),
    "shares": (
        "shares.csv",
        "symbol,as_of,shares\n300308,2024-10-09,1121166509\n300308,2024-10-09,1200000000\n",
        ["import", "shares"],
        "shares.csv:3: duplicate 300308",
    ),
    "ratings": (
        "ratings.csv",
        "date,symbol,rating\n2024-01-15,300308,买入\n2024-01-15,300308,卖出\n",
        ["ratings", "import"],
        "ratings.csv:3: duplicate 300308 2024-01-15 with rating '卖出'",
    ),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_refused_first_import_leaves_the_desk_as_it_was(
    desk: Path, tmp_path: Path, monkeypatch, capsys, kind: str
) -> None:
    name, text, command, words = REFUSED[kind]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = tree(desk)
    code, _, err = sw(capsys, monkeypatch, *command, path, "--desk", desk)
    assert code == 2
    assert err.strip().startswith("error: ") and "\n" not in err.strip(), err
    assert f"{tmp_path}/{words}" in err, err
    assert tree(desk) == before  # no store.duckdb, no store.duckdb.lock


def test_a_refused_first_whole_market_import_leaves_the_desk_as_it_was(
    desk: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    twice = "600000,2024-10-09,9,9.5,8.9,9.2,5,1\n600000,2024-10-09,9,9.5,8.9,9.3,5,1\n"
    folder = good(tmp_path / "market", bars__csv=BARS + twice)
    before = tree(desk)
    code, _, err = sw(capsys, monkeypatch, "import", "universe", folder, "--desk", desk)
    assert code == 2
    assert "bars.csv:7: duplicate 600000 2024-10-09 with close 9.3" in err, err
    assert tree(desk) == before


def test_no_folder_is_left_for_a_store_that_was_refused(
    desk: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """A desk whose ``store:`` names a folder not made yet: the refused import leaves none."""
    yaml = desk / "desk.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "store: db/2024/store.duckdb\n", "utf-8")
    name, text, command, _ = REFUSED["prices"]
    (tmp_path / name).write_text(text, encoding="utf-8")
    before = tree(desk)
    code, _, err = sw(capsys, monkeypatch, *command, tmp_path / name, "--desk", desk)
    assert code == 2 and "close 'abc' is not a number" in err, err
    assert tree(desk) == before and not (desk / "db").exists()
    (tmp_path / name).write_text(text.replace("abc", "190.5"), encoding="utf-8")
    code, _, err = sw(capsys, monkeypatch, *command, tmp_path / name, "--desk", desk)
    assert code == 0, err  # a good file then makes the folder and the store
    assert store.meta_value(desk / "db/2024/store.duckdb", "last_ingest.prices") is not None


def test_an_update_that_wrote_nothing_leaves_no_store_and_no_lock(tmp_path: Path) -> None:
    desk = load_desk(make_desk(tmp_path / "desk"))
    db = tmp_path / "fresh" / "store.duckdb"

    def offline():
        raise requests.exceptions.ConnectionError("Max retries exceeded (offline)")

    ak = RecordedAkshare(fail={"106.TSM": offline})
    summary = run_update(
        desk,
        db,
        UpdateOptions(workers=1, rate=1000.0, symbols=("TSM",)),
        providers=[AkshareProvider(call=ak)],
        now=dt.datetime(2024, 10, 11, 12, 0, tzinfo=dt.UTC),
        sleep=lambda _s: None,
    )
    assert not summary.ok and "nothing was written" in summary.failure_message()
    assert not (tmp_path / "fresh").exists()  # neither the store, its lock, nor its folder


def test_a_writer_waiting_behind_a_refused_first_write_then_writes(
    desk: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """The lock file goes with the refused write while another writer waits on it: the waiter
    takes the lock afresh and its rows are stored."""
    db = desk / "store.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import time, pathlib
                from sectorweekly import store
                with store.held_lock(pathlib.Path({str(db)!r})):
                    print("held", flush=True)
                    time.sleep(1.0)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    good_prices = tmp_path / "good.csv"
    good_prices.write_text("symbol,date,close\n300308,2024-10-08,185.83\n", encoding="utf-8")
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert store.lock_file(db).exists()
        code, _, err = sw(capsys, monkeypatch, "import", "prices", good_prices, "--desk", desk)
    finally:
        holder.wait(timeout=20)
    assert holder.returncode == 0
    assert code == 0, err
    with store.reader(db) as con:
        rows = con.execute("SELECT symbol, date, close FROM prices").fetchall()
    assert rows == [("300308", dt.date(2024, 10, 8), 185.83)]


def test_a_failed_meta_write_on_a_new_store_leaves_nothing(tmp_path: Path) -> None:
    """The bookkeeping writer (``store.writer``) too: a block that fails creates no store."""
    db = tmp_path / "new" / "store.duckdb"
    with pytest.raises(RuntimeError, match="stopped"), store.writer(db) as con:
        store.set_meta(con, "checked", "yes")
        raise RuntimeError("stopped")
    assert not (tmp_path / "new").exists()
    with store.writer(db) as con:
        store.set_meta(con, "checked", "yes")
    assert store.meta_value(db, "checked") == "yes"
