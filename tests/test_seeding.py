"""Seeding a desk: every seed it carries loads through the one writer, once, and again only
when its own files change."""

from __future__ import annotations

from pathlib import Path

import pytest

from sectorweekly import store
from sectorweekly.desk.parse import load_desk
from sectorweekly.desk.paths import store_path
from sectorweekly.errors import DeskError
from sectorweekly.update.workspace import RATINGS_KEY, TRACKERS_KEY, prepare, seeds

DESK_YAML = """
firm: {name: 测试研究所}
series: 算力周跟踪
industry: 电子
instruments:
  "688041": {name: 海光信息, market: CN_A}
  "000300": {name: 沪深300, market: CN_A, kind: index}
boards:
  - name: CPU/GPU
    members: ["688041"]
benchmarks:
  CN_A: ["000300"]
seed_prices: [prices.csv, dividends.csv]
seed_shares: shares.csv
trackers:
  seed:
    - {file: visits.csv, kind: visits}
    - {file: gpu.csv, kind: gpu-price}
ratings:
  history: ratings.csv
"""

FILES = {
    "prices.csv": "symbol,date,close\n688041,2025-05-15,142.11\n688041,2025-05-16,138.49\n"
    "000300,2025-05-16,3907.13\n",
    "dividends.csv": "symbol,date,cash,source\n688041,2025-05-16,0.17,notice\n",
    "shares.csv": "symbol,as_of,shares\n688041,2025-05-16,2324338091\n",
    "visits.csv": "series,group,period_start,period_end,value,unit\n"
    "ChatGPT,文本-海外,2025-05-09,2025-05-15,77600,万次\n",
    "gpu.csv": "date,model,condition,price,currency\n2025-05-12,H100,new,28900,USD\n",
    "ratings.csv": "date,symbol,rating\n2025-05-16,688041,买入\n",
}


@pytest.fixture
def desk_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SECTORWEEKLY_TODAY", "2025-07-02")
    root = tmp_path / "desk"
    root.mkdir()
    (root / "desk.yaml").write_text(DESK_YAML, encoding="utf-8")
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def _counts(path: Path) -> dict[str, int]:
    with store.reader(path) as con:
        return {
            table: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in ("prices", "shares", "tracker_series", "gpu_prices", "ratings")
        }


def test_every_seed_loads_once(desk_dir: Path) -> None:
    desk = load_desk(desk_dir)
    assert [s.digest_key for s in seeds(desk)] == ["seed_digest", TRACKERS_KEY, RATINGS_KEY]
    path, added = prepare(desk)
    assert path == store_path(desk) and added == 3
    assert _counts(path) == {
        "prices": 3, "shares": 1, "tracker_series": 1, "gpu_prices": 1, "ratings": 1
    }  # fmt: skip
    with store.reader(path) as con:
        ref = con.execute(
            "SELECT prev_close FROM prices WHERE symbol = '688041' AND date = '2025-05-16'"
        ).fetchall()
    assert ref == [(141.94,)]  # the dividend seed gave the ex-date its reference price
    before = store.fingerprint(path)
    assert prepare(desk) == (path, 0)
    assert store.fingerprint(path) == before  # unchanged files: nothing written


def test_a_changed_seed_file_reloads_that_seed_alone(desk_dir: Path) -> None:
    desk = load_desk(desk_dir)
    path, _ = prepare(desk)
    prices_digest = store.meta_value(path, "seed_digest")
    with (desk_dir / "visits.csv").open("a", encoding="utf-8") as fh:
        fh.write("ChatGPT,文本-海外,2025-05-16,2025-05-22,79900,万次\n")
    assert prepare(desk) == (path, 0)  # no price row: the price seed was not reloaded
    assert _counts(path)["tracker_series"] == 2
    assert store.meta_value(path, "seed_digest") == prices_digest


def test_a_missing_seed_file_is_named_by_its_key_and_its_seed_not_loaded(desk_dir: Path) -> None:
    (desk_dir / "gpu.csv").unlink()
    desk = load_desk(desk_dir)
    with pytest.raises(DeskError) as err:
        prepare(desk)
    assert err.value.where == "trackers.seed[1].file"
    assert "gpu.csv does not exist; expected a CSV or xlsx path relative to the desk" in str(
        err.value
    )
    # the seeds before it loaded; the tracker seed and those after it did not
    counts = _counts(store_path(desk))
    assert counts["prices"] == 3 and counts["tracker_series"] == 0 and counts["ratings"] == 0
