"""desk.yaml mistakes name the key's path; codes written without quotes stay codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sectorweekly.desk.parse import demo_desk_dir, load_desk
from sectorweekly.errors import DeskError

DEMO = (demo_desk_dir() / "desk.yaml").read_text(encoding="utf-8")


def desk_with(tmp_path: Path, old: str, new: str) -> Path:
    assert old in DEMO
    (tmp_path / "desk.yaml").write_text(DEMO.replace(old, new, 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('members: ["688981", "0981.HK", TSM]', 'members: ["688981", "0981.HK", "688981"]',
         "desk.yaml:boards[1].members[2]: '688981' is twice in this board (also members[0]); "
         "expected each symbol in one board once"),
        ('members: ["0020.HK"]', 'members: ["0020.HK", NVDA]',
         "desk.yaml:boards[2].members[1]: 'NVDA' is also in board 'CPU/GPU' "
         "(boards[0].members[3]); expected each symbol in one board once"),
        ('members: ["0020.HK"]', "members: []",
         "desk.yaml:boards[2].members: empty board; expected at least one member symbol"),
        ("publication_lag_days: 1", "publication_lag_days: -2",
         "desk.yaml:publication_lag_days: Input should be greater than or equal to 0"),
    ],
)  # fmt: skip
def test_desk_mistakes_name_the_key(tmp_path, old, new, message):
    with pytest.raises(DeskError) as err:
        load_desk(desk_with(tmp_path, old, new))
    assert str(err.value) == f"{tmp_path / 'desk.yaml'}:{message.removeprefix('desk.yaml:')}"


def test_codes_without_quotes_are_read_as_written(tmp_path):
    text = DEMO.replace('"002130": {name', "002130: {name").replace(
        '"300308", "601138"', "300308, 601138"
    )
    text = text.replace('names: ["300308"', "names: [300308").replace(', "002130",', ", 002130,")
    assert "002130: {name" in text and "[300308, 601138" in text
    (tmp_path / "desk.yaml").write_text(text, encoding="utf-8")
    desk = load_desk(tmp_path)
    assert "002130" in desk.instruments and desk.instruments["002130"].name == "沃尔核材"
    assert desk.watch[1].names[:3] == ["300308", "601138", "300502"]
    assert "002130" in desk.watch[1].names
