"""Splitting markdown within a byte limit: Chinese text at the limit, tables, markers, order.

Property-style: random documents (seeded, so a failure replays) of Chinese paragraphs, lines
without a break, sentences and tables longer than a part, split at limits from tight to the
robots' own; every part must hold the properties a reader and the robot need.
"""

from __future__ import annotations

import json
import random
import re

import pytest

from sectorweekly.send.split import split_markdown, utf8_len

HANZI = "算力光模块服务器液冷交换机芯片数据中心订单需求景气上修估值盈利增速出货量份额"
MARKER = re.compile(r"^\((\d+)/(\d+)\)\n")


def _sentence(rng: random.Random) -> str:
    words = "".join(rng.choice(HANZI) for _ in range(rng.randint(4, 40)))
    return words + rng.choice("。，；！") + rng.choice(["", "AI 1.6T ", "+3.2%"])


def _table(rng: random.Random, rows: int) -> tuple[str, str]:
    header = "| 公司 | 收盘价（元） | 周涨跌幅 | 评级 |"
    lines = [header, "| --- | ---: | ---: | --- |"]
    for i in range(rows):
        name = "".join(rng.choice(HANZI) for _ in range(rng.randint(2, 6)))
        lines.append(
            f"| {name}{i} | {rng.uniform(5, 500):.2f} | {rng.uniform(-9, 9):+.1f}% | 买入 |"
        )
    return "\n".join(lines), header


def _document(rng: random.Random) -> tuple[str, set[str]]:
    blocks = [f"# 算力周跟踪（第{rng.randint(1, 52)}周）"]
    headers: set[str] = set()
    for _ in range(rng.randint(3, 14)):
        roll = rng.random()
        if roll < 0.25:
            table, header = _table(rng, rng.randint(1, 90))
            blocks.append(table)
            headers.add(header)
        elif roll < 0.35:  # one line far longer than any part
            blocks.append("".join(_sentence(rng) for _ in range(rng.randint(40, 120))))
        else:
            lines = ["".join(_sentence(rng) for _ in range(rng.randint(1, 6)))]
            lines += [f"- {_sentence(rng)}" for _ in range(rng.randint(0, 4))]
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks), headers


def _bodies(parts: list[str]) -> list[str]:
    """The parts without their markers, checking the markers count up to the total."""
    if len(parts) == 1:
        assert not MARKER.match(parts[0])
        return parts
    bodies = []
    for index, part in enumerate(parts, 1):
        found = MARKER.match(part)
        assert found, part[:40]
        assert (int(found[1]), int(found[2])) == (index, len(parts))
        bodies.append(part[found.end() :])
    return bodies


def _squeeze(text: str) -> list[str]:
    return [re.sub(r"\s", "", line) for line in text.split("\n") if line.strip()]


def _assert_same_text(bodies: list[str], text: str, headers: set[str]) -> None:
    """The parts read back as the text: in order, nothing lost or added, a line cut only where
    it was too long, and a table's header repeated only where the table goes on."""
    original = _squeeze(text)
    got = [line for body in bodies for line in _squeeze(body)]
    heads = {re.sub(r"\s", "", h) for h in headers}
    i = j = 0
    while j < len(got):
        if i < len(original) and got[j] == original[i]:
            i, j = i + 1, j + 1
        elif i < len(original) and got[j] and original[i].startswith(got[j]):
            original[i] = original[i][len(got[j]) :]  # a line cut between parts
            j += 1
        else:
            assert got[j] in heads and got[j + 1].startswith("|---"), (got[j], original[i])
            assert original[i - 1].startswith("|")  # the table goes on from the last part
            j += 2
    assert i == len(original)


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("limit", [300, 1000, 4096])
def test_every_part_holds_within_the_limit_in_order_with_tables_whole(seed: int, limit: int):
    rng = random.Random(seed * 7919 + limit)
    text, headers = _document(rng)
    parts = split_markdown(text, limit)

    assert all(utf8_len(part) <= limit for part in parts)  # the marker's bytes included
    bodies = _bodies(parts)
    _assert_same_text(bodies, text, headers)
    # A table row is never cut: each row in a part has its four cells.
    for body in bodies:
        for line in body.split("\n"):
            if line.startswith("| ") and not line.startswith("| ---"):
                assert line.count("|") == 5, line
    # A table that goes on in the next part starts there with its header and separator.
    for body in bodies:
        lines = body.split("\n")
        runs = [i for i, line in enumerate(lines) if line.startswith("|")]
        for i in runs:
            if i == 0 or not lines[i - 1].startswith("|"):
                assert lines[i] in headers and lines[i + 1].startswith("| ---"), lines[i : i + 2]


def test_chinese_text_cut_at_the_exact_limit_never_mid_character():
    text = "中" * 5000  # 15,000 bytes, no break anywhere
    parts = split_markdown(text, 4096)
    bodies = _bodies(parts)
    assert len(parts) == 4
    assert all(utf8_len(p) <= 4096 for p in parts)
    # Each part is filled: only the last is short, and none is short by a whole character.
    assert all(4096 - utf8_len(p) < 3 for p in parts[:-1])
    assert "".join(bodies) == text
    assert all(p.encode("utf-8").decode("utf-8") == p for p in parts)


def test_a_text_within_the_limit_is_one_part_without_a_marker():
    text = "## 投资要点\n\n" + "算力需求持续上修。" * 150  # 4,071 bytes
    assert utf8_len(text) <= 4096
    assert split_markdown(text, 4096) == [text]


def test_the_marker_bytes_count_against_the_limit():
    first, second, third = "甲" * 1000, "乙" * 363, "丙" * 10
    # first + blank line + second = 3,000 + 2 + 1,089 = 4,091 bytes: one part without a marker,
    # 4,097 with "(1/2)\n", so they may not share a part.
    parts = split_markdown(f"{first}\n\n{second}\n\n{third}", 4096)
    assert parts == [f"(1/2)\n{first}", f"(2/2)\n{second}\n\n{third}"]
    assert utf8_len(f"(1/2)\n{first}\n\n{second}") == 4097


def test_paragraph_boundaries_come_before_sentence_ends():
    one, two, three = ("一句话。" * 250, "两句话。" * 250, "三句话。" * 250)  # 3,000 bytes each
    parts = split_markdown(f"{one}\n\n{two}\n\n{three}", 4096)
    assert _bodies(parts) == [one, two, three]


def test_a_long_line_is_cut_after_a_sentence_when_one_ends_near_the_limit():
    line = ("光模块出货量环比增长" * 30 + "。") * 8  # sentences of 91 characters, no newline
    parts = _bodies(split_markdown(line, 1000))
    assert all(part.endswith("。") for part in parts[:-1])
    assert "".join(parts) == line


def test_a_table_longer_than_a_part_repeats_its_header():
    rows = [f"| 公司{i:03d} | {i}.00 | +{i % 9}.0% |" for i in range(400)]
    table = "\n".join(["| 公司 | 收盘价 | 周涨跌 |", "| --- | --- | --- |", *rows])
    parts = _bodies(split_markdown(f"## 图表1\n\n{table}", 4096))
    assert len(parts) >= 3
    seen = []
    for part in parts:
        lines = part.split("\n")
        start = lines.index("| 公司 | 收盘价 | 周涨跌 |")
        assert lines[start + 1] == "| --- | --- | --- |"
        seen += lines[start + 2 :]
    assert seen == rows  # every row once, in order


def test_more_than_nine_parts_counts_the_wider_marker():
    text = "\n\n".join("数" * 300 for _ in range(40))  # 40 paragraphs of 900 bytes
    parts = split_markdown(text, 1000)
    assert len(parts) == 40
    assert parts[9].startswith("(10/40)\n")
    assert all(utf8_len(p) <= 1000 for p in parts)


def test_a_channel_measure_counts_the_escaped_json():
    def escaped(text: str) -> int:
        return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2

    text = "\n".join(f'行{i}："引号"与\\反斜杠' for i in range(400))
    parts = split_markdown(text, 2000, escaped)
    assert all(escaped(p) <= 2000 for p in parts)
    assert len(parts) > 1


@pytest.mark.parametrize("seed", range(40))
def test_at_a_limit_narrower_than_a_table_row_nothing_is_lost(seed: int):
    rng = random.Random(seed)
    text, headers = _document(rng)
    parts = split_markdown(text, 60)
    assert all(utf8_len(part) <= 60 for part in parts)
    _assert_same_text(_bodies(parts), text, headers)
