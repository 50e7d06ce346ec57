"""The whole-market section in the English edition: the demo week built in both editions with
the whole market in the store, every number the same, English words, declared fallbacks only."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import build_demo_week, market_home
from market_store import MARKET_DIR
from sectorweekly.desk.english import glossary
from sectorweekly.desk.parse import load_desk
from sectorweekly.narrative import market_context_en as me
from sectorweekly.report.model import strings
from test_english_edition import CJK, _docx_text, _forbidden, _numbers

pytestmark = pytest.mark.skipif(not MARKET_DIR.is_dir(), reason="no shared market slice")
KEY_POINT = (
    "SW Electronics +6.31% this week (equal-weighted constituents), 1st of 31 SW level-1 "
    "industries; 1,281 A-shares rose and 3,774 fell (mostly down), 793 closed limit-up; "
    "highest streak 002693 (14 consecutive limit-ups)"
)


@pytest.fixture(scope="module")
def editions(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """Both editions of the demo week from one store holding the whole market:
    {lang: (report, folder, messages)}."""

    home = market_home(demo_store, tmp_path_factory.mktemp("market_en_home"))
    return {
        lang: build_demo_week(home, tmp_path_factory.mktemp(f"market_{lang}"), lang)
        for lang in ("zh", "en")
    }


def _fallbacks(messages: list[str]) -> list[str]:
    line = next(m for m in messages if "申万 industry names have no English" in m)
    return line.split(": ", 1)[1].split("、")


def test_the_first_key_point_and_lead_in_english(editions) -> None:
    en = editions["en"][0]
    assert en.key_points[0] == KEY_POINT
    section = en.sections[0]
    assert section.key == "market_context"
    assert section.paragraphs[0].text == (
        "5,083 A-shares count for the week (besides 10 suspended all week and 0 without a base "
        "close): 1,281 rose, 28 were flat and 3,774 fell; daily turnover averaged RMB 3,191.3 bn, "
        "up 23.21% on last week. 793 stocks closed limit-up during the week (822 last week); "
        "the highest streak was 14 consecutive limit-ups (12 last week). Last week's figures "
        "are recomputed from the local store."
    )


def test_every_market_context_number_is_the_chinese_editions(editions) -> None:
    (zh, zh_out, _), (en, en_out, _) = editions["zh"], editions["en"]
    zh_json = json.loads((zh_out / "report.json").read_text(encoding="utf-8"))
    en_json = json.loads((en_out / "report.json").read_text(encoding="utf-8"))
    z, e = zh_json["extras"]["market_context"], en_json["extras"]["market_context"]
    assert len(_numbers(e)) > 250
    assert _numbers(e) == _numbers(z)
    # the same data; only an industry's name is English, its 申万 name kept beside it
    assert [m["name_zh"] for m in e["industries"]] == [m["name"] for m in z["industries"]]
    assert e["industries"][0]["name"] == "Electronics" and len(e["industries"]) == 31
    assert e["week"] == z["week"] and e["last_week"] == z["last_week"]
    assert e["best"] == z["best"] and e["places"] == z["places"]
    # the section's figures: the same keys in the same order, the same numbers drawn
    assert en.sections[0].figures == zh.sections[0].figures
    for key in ("mc_industry_rank", "mc_ladder"):
        assert en.figure(key).data["values"] == zh.figure(key).data["values"]
    for key in ("mc_distribution", "mc_limits"):
        zs, es = zh.figure(key).data["series"], en.figure(key).data["series"]
        assert [s["values"] for s in es] == [s["values"] for s in zs]
    assert len(en.figure("mc_limits").data["categories"]) == 4  # 8 Oct, 9 Oct, week, last week
    # the tables: counts and rates cell by cell; turnover 亿元 ÷ 10 = RMB bn
    zd, ed = zh.figure("mc_daily").rows, en.figure("mc_daily").rows
    assert len(ed) == len(zd) == 4
    for zr, er in zip(zd, ed, strict=True):
        assert er[1:10] == zr[1:10]
        z_yi = float(re.sub(r"[^\d.]", "", str(zr[10])))
        e_bn = float(re.sub(r"[^\d.]", "", str(er[10])))
        assert e_bn == pytest.approx(z_yi / 10, abs=0.06)
    assert ed[0][4] == 780 and ed[2][4] == 827  # limit-ups on 8 Oct and stock-days of the week
    for key, cols in (("mc_indices", [2]), ("mc_places", [1, 2, 3, 4]), ("mc_industry", [1, 2])):
        zt, et = zh.figure(key).rows, en.figure(key).rows
        assert len(et) == len(zt) > 3
        for zr, er in zip(zt, et, strict=True):
            numeric = [i for i in cols if re.fullmatch(r"[+-]?[\d.,]+%?|—|\d+", str(zr[i]))]
            assert [er[i] for i in numeric] == [zr[i] for i in numeric], (key, zr, er)


def test_the_english_section_is_english_but_for_the_declared_fallbacks(editions) -> None:
    en, out, messages = editions["en"]
    fallbacks = _fallbacks(messages)
    # every level-1 name has English; the 6 level-2 industries of 电子 have none in the data file
    assert sorted(fallbacks) == sorted(
        ["半导体", "元件", "光学光电子", "其他电子Ⅱ", "消费电子", "电子化学品Ⅱ"]
    )
    # 通信 (optical modules, network gear) is named in English in the ranking and report.json
    assert "Communication" in en.figure("mc_industry_rank").data["categories"]
    industries = json.loads((out / "report.json").read_text(encoding="utf-8"))["extras"][
        "market_context"
    ]["industries"]
    named = {m["name_zh"]: m["name"] for m in industries}
    assert named["通信"] == "Communication" and named["建筑装饰"] == "Construction & Decoration"
    assert "Electronics" in en.figure("mc_industry_rank").data["categories"]
    assert en.figure("mc_industry_rank").data["highlight"] == "Electronics"
    assert en.figure("mc_industry_rank").notes == [
        "Industry change: equal-weighted constituents; orange marks this report's industry"
    ]
    assert en.figure("mc_ladder").data["categories"][:2] == ["14 in a row", "8 in a row"]
    declared = re.compile("|".join(sorted(map(re.escape, fallbacks), key=len, reverse=True)))

    def stray(text: str) -> list[str]:
        names = re.sub(r"[\u4e00-\u9fff]+ \([0-9A-Z.^]+\)", "", text)  # 中文名 (688256)
        return CJK.findall(declared.sub("", names))

    section = [*en.tables, *en.charts]
    for f in section:
        if f.key.startswith("mc_"):
            assert stray(json.dumps(f.model_dump(mode="json"), ensure_ascii=False)) == [], f.key
    data = (out / "report.json").read_text(encoding="utf-8")
    assert stray(re.sub(r'"name_zh": "[^"]*"', "", data)) == []  # the 申万 name, kept as data
    for name in ("report.md", "report.html"):
        assert stray((out / name).read_text(encoding="utf-8")) == [], name
    assert stray(_docx_text(out / "report.docx")) == []
    if shutil.which("pdftotext"):
        run = subprocess.run(
            ["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
        )
        assert "Streak ladder (9 Oct)" in run.stdout
        assert stray(run.stdout) == []


def test_the_section_keeps_to_the_glossary(editions) -> None:
    en = editions["en"][0]
    terms = glossary(load_desk().en)
    assert terms["连板天梯"].en == "streak ladder" and terms["晋级率"].en == "promotion rate"
    texts = [
        t
        for f in [*en.tables, *en.charts]
        if f.key.startswith("mc_")
        for t in strings(f.model_dump(mode="json"))
    ] + [en.key_points[0], en.sections[0].paragraphs[0].text]
    for text in texts:
        assert _forbidden(terms, text) == [], text
    words = " ".join(texts)
    for term in ("涨停", "炸板", "一字板", "连板", "炸板率", "晋级率", "最高板", "连板天梯"):
        assert terms[term].en.casefold() in words.casefold(), term


def test_the_english_names_file_covers_every_sw_industry_and_translates_none() -> None:
    with (MARKET_DIR / "sw2021_codes.csv").open(encoding="utf-8") as f:
        codes = list(csv.DictReader(f))
    with me.NAMES_FILE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    level1 = {r["level1"] for r in codes}
    level2 = {r["level2"] for r in codes if r["level2"]}
    assert {r["name"] for r in rows if r["level"] == "1"} == level1 and len(level1) == 31
    assert {r["name"] for r in rows if r["level"] == "2"} == level2 and len(level2) == 134
    named = [r for r in rows if r["name_en"]]
    assert len(named) == 31 and all(r["name_en"].isascii() for r in named)
    assert {r["level"] for r in named} == {"1"}  # no level-2 name has English yet
    missing: list[str] = []
    assert me.industry_en("电子", missing) == "Electronics" and missing == []
    assert me.industry_en("石油石化", missing) == "Petroleum & Petrochemicals" and missing == []
    assert me.industry_en("半导体", missing) == "半导体" and missing == ["半导体"]
