"""The English edition of the demo week: the same numbers as the Chinese one, English words.

Both editions are built from the same desk and store; the English documents are read back as a
reader would (JSON, Markdown, HTML, the Word file's text, the PDF's text and fonts).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from helpers import build_demo_week, home_as
from sectorweekly.desk.english import English, Term, glossary
from sectorweekly.desk.parse import load_desk
from sectorweekly.report.model import Report, strings

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
FALLBACK = re.compile(
    r"[\u4e00-\u9fff]+ \([0-9A-Z.^]+\)"
)  # 中文名 (688256): a name without English
START, END = dt.date(2024, 10, 7), dt.date(2024, 10, 9)


@pytest.fixture(scope="module")
def english(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo week's English edition, built and written once: (report, folder, messages)."""
    out = tmp_path_factory.mktemp("english") / "en"
    return build_demo_week(demo_store.parent.parent, out, "en")


def _numbers(value: Any, path: str = "") -> dict[str, Any]:
    """Every number, flag and date of a dumped model, by its path (text left out)."""
    if isinstance(value, dict):
        return {
            k: v for key, item in value.items() for k, v in _numbers(item, f"{path}.{key}").items()
        }
    if isinstance(value, list):
        return {
            k: v for i, item in enumerate(value) for k, v in _numbers(item, f"{path}[{i}]").items()
        }
    if isinstance(value, str):
        return {path: value} if re.fullmatch(r"\d{4}-\d\d-\d\d", value) else {}
    return {path: value}


def _no_cjk(text: str) -> list[str]:
    return CJK.findall(FALLBACK.sub("", text))


def test_every_number_of_the_english_report_json_is_the_chinese_ones(demo_report, english):
    zh, zh_out, _ = demo_report
    en, en_out, _ = english
    zh_json = json.loads((zh_out / "report.json").read_text(encoding="utf-8"))
    en_json = json.loads((en_out / "report.json").read_text(encoding="utf-8"))
    zh_review, en_review = _numbers(zh_json["review"]), _numbers(en_json["review"])
    assert len(en_review) > 300  # every member's closes, caps, dates, streaks…
    assert en_review == zh_review
    assert (
        en_json["front"]["publication_date"] == zh_json["front"]["publication_date"] == "2024-10-10"
    )
    # the review table: same rows, codes and changes; market value in bn where the Chinese is 亿
    zh_rows, en_rows = zh.figure("review_table").rows, en.figure("review_table").rows
    assert [r[1] for r in en_rows] == [r[1] for r in zh_rows]
    assert [r[6] for r in en_rows if r[6].endswith("%")] == [
        r[6] for r in zh_rows if r[6].endswith("%")
    ]
    caps = [(z[4], e[4]) for z, e in zip(zh_rows, en_rows, strict=True) if "." in z[4]]
    assert caps
    for z, e in caps:
        assert float(e.replace(",", "")) == pytest.approx(float(z.replace(",", "")) / 10, abs=0.06)
    # the rating review: every count, rate and excess return, row by row
    for key, skip in (("ratings_scorecard", {0, 1}), ("ratings_detail", {1, 2, 3})):
        zt, et = zh.figure(key), en.figure(key)
        assert len(et.rows) == len(zt.rows) > 5
        for z, e in zip(zt.rows, et.rows, strict=True):
            numeric = [
                i
                for i, c in enumerate(z)
                if i not in skip and re.fullmatch(r"[+-]?[\d.,]+%?|\d{4}-\d\d-\d\d|—", str(c))
            ]
            assert [e[i] for i in numeric] == [z[i] for i in numeric]
    assert (
        zh.figure("ratings_excess").data["series"][0]["values"]
        == en.figure("ratings_excess").data["series"][0]["values"]
    )
    # the trackers' charts, in order: the same periods and values, series by series
    zh_tr = [c for c in zh.charts if c.key.startswith(("visits:", "downloads", "gpu:"))]
    en_tr = [c for c in en.charts if c.key.startswith(("visits:", "downloads", "gpu:"))]
    assert len(en_tr) == len(zh_tr) == 7
    for z, e in zip(zh_tr, en_tr, strict=True):
        assert [x["values"] for x in e.data["series"]] == [x["values"] for x in z.data["series"]]
    gpu = next(s for s in en.sections if s.key == "gpu")
    assert gpu.paragraphs[0].text.startswith("H100: new cards quoted US$ 28,620 on 7 Oct, -3.47%")
    # the front page's basket against its benchmark: the same days and values
    zh_chart, en_chart = zh.figure("relative_performance"), en.figure("relative_performance")
    assert _numbers(en_chart.data) == _numbers(zh_chart.data) != {}
    assert en_chart.data["categories"] == zh_chart.data["categories"]
    assert en.front.figures == zh.front.figures == ["relative_performance"]
    assert en_rows[0][:6] == ["Cambricon", "688256", "A-shares", "CPU/GPU", "no share count", ""]


def test_the_english_review_is_written_in_english_with_the_same_moves(english):
    en, _, _ = english
    text = en.review.summary_zh
    assert text.startswith("This week (7–9 Oct 2024), the names we follow moved as follows: ")
    assert "(1) CPU/GPU sector: all up; Cambricon +28.48%, Hygon +26.84%" in text
    assert "Cambricon: 2 consecutive limit-ups from 30 Sep to 8 Oct" in text
    assert "(3) Cloud computing sector: all down; SenseTime -17.92%" in text
    assert "CSI 300 -1.54%" in text
    assert (
        en.front.title
        == "GB200 servers enter delivery; the domestic compute chain leads – AI Compute Weekly"
    )
    assert en.lang == "en" and en.up == "green"
    assert all(f.lang == "en" and f.up == "green" for f in [*en.tables, *en.charts])
    watch = next(s for s in en.sections if s.key == "watch")
    assert watch.title == "Names to watch"
    assert watch.bullets[0].startswith(
        "Domestic compute chain: Cambricon (sample rating: maintained Buy, +28.48% this week)"
    )
    assert [r.name for r in en.closing.company_ratings] == [
        "Buy",
        "Hold",
        "Neutral",
        "Avoid",
        "Sell",
    ]


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(
            re.sub(r"<[^>]+>", " ", z.read(n).decode("utf-8"))
            for n in z.namelist()
            if n.startswith("word/") and n.endswith(".xml")
        )


def test_no_chinese_in_the_english_documents(english):
    en, out, _ = english
    for name in ("report.json", "report.md", "report.html"):
        assert _no_cjk((out / name).read_text(encoding="utf-8")) == [], name
    assert _no_cjk(_docx_text(out / "report.docx")) == []
    assert "Published: 10 Oct 2024" in (out / "report.html").read_text(encoding="utf-8")
    assert "Sample Research (template) | 10 Oct 2024 | Industry: Electronics (Outperform)" in (
        out / "report.md"
    ).read_text(encoding="utf-8")
    assert _no_cjk("\n".join(strings(en.model_dump(mode="json")))) == []
    if shutil.which("pdftotext"):
        run = subprocess.run(
            ["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
        )
        assert "Figure 1: Compute sector names: weekly performance" in run.stdout
        assert _no_cjk(run.stdout) == []


def test_the_english_pdf_embeds_a_font_with_every_glyph(english):
    _, out, _ = english
    if shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils (pdffonts) not installed")
    run = subprocess.run(
        ["pdffonts", str(out / "report.pdf")], capture_output=True, text=True, check=True
    )
    rows = run.stdout.splitlines()[2:]
    assert rows and all(re.search(r"Noto-?Sans-?SC", r) for r in rows), run.stdout  # no fallback
    assert all(r.split()[-5] == "yes" for r in rows), run.stdout  # every font embedded


def _forbidden(terms: dict[str, Term], text: str) -> list[str]:
    low = text.casefold()
    found = [v for t in terms.values() for v in t.never if v.casefold() in low]
    # 板块 is a sector: "board" names only a listing board (Main Board, ChiNext…)
    rest = re.sub(r"Main Board", "", text)
    return found + re.findall(r"\bboards?\b", rest, flags=re.IGNORECASE)


def test_every_english_sentence_keeps_to_the_glossary(demo_report, english):
    zh, _, _ = demo_report
    en, _, _ = english
    terms = glossary(load_desk().en)
    for text in strings(en.model_dump(mode="json")):
        assert _forbidden(terms, text) == [], text
    # where a Chinese sentence uses a term, its English sentence uses the glossary's English
    pairs = list(zip(zh.review.items_zh, en.review.items_zh, strict=True))
    pairs += [
        (z, e)
        for zb, eb in zip(zh.review.boards, en.review.boards, strict=True)
        for zm, em in zip(zb.members, eb.members, strict=True)
        for z, e in zip(zm.notes, em.notes, strict=True)
    ]
    assert len(pairs) > 10
    checked = 0
    for z, e in pairs:
        for term, t in terms.items():
            if term in z and term != "涨停":  # 涨停 stands inside 盘中触及涨停 and 连板 runs
                assert t.en.casefold() in e.casefold(), (term, z, e)
                checked += 1
    assert checked >= 10


def test_the_glossary_catches_a_forbidden_variant():
    terms = glossary(English(glossary={"连板": Term(en="consecutive limit-ups", never=["streak"])}))
    assert terms["连板"].never == ["streak"]  # the desk's entry replaces the package's
    assert _forbidden(terms, "Cambricon: a 3-day streak") == ["streak"]
    assert _forbidden(terms, "the CPU/GPU board rose") == ["board"]
    assert _forbidden(terms, "listed on the Main Board") == []


def test_a_name_without_english_is_shown_with_its_code_and_listed():
    from sectorweekly.parts.names import Names

    desk = load_desk()
    inst = desk.instruments["688256"].model_copy(update={"name_en": ""})
    desk = desk.model_copy(update={"instruments": {**desk.instruments, "688256": inst}})
    names = Names(desk, "en")
    assert names.instrument("688256") == "寒武纪 (688256)"
    assert names.instrument("NVDA") == "Nvidia"
    assert names.rating("买入") == "Buy"
    assert names.message() == [
        "English edition: no English name in desk.yaml for instruments.688256.name_en; "
        "shown in Chinese with the code"
    ]
    assert Names(desk, "zh").instrument("688256") == "寒武纪"


def test_a_theme_without_english_notes_is_left_out_and_named(demo_store, tmp_path):
    from sectorweekly.build.week import gather
    from sectorweekly.parts.notes_en import english_notes_part

    os.environ["SECTORWEEKLY_HOME"] = str(demo_store.parent.parent)  # the fixture restores it
    week = gather(load_desk(), START, END, lang="en")
    notes = Path(week.notes_file)
    shutil.copy(notes, tmp_path / notes.name)
    english_text = (notes.parent / "2024-10-10.en.md").read_text(encoding="utf-8")
    head, _, rest = english_text.partition("## 视频生成模型")
    (tmp_path / "2024-10-10.en.md").write_text(
        head + "## 中国电信" + rest.partition("## 中国电信")[2], encoding="utf-8"
    )
    part = english_notes_part(dataclasses.replace(week, notes_file=tmp_path / notes.name), None)
    news = [s for s in part.sections if s.key.startswith("news_")]
    titles = [s.title for s in news]
    assert [s.key for s in part.sections if s not in news] == ["risks"]  # the desk's en.risks
    assert titles[:2] == [
        "1. Nvidia's Blackwell enters delivery as GB200 capacity ramps up",
        "2. OpenAI DevDay focuses on lower costs and multimodality; Canvas adds a new way to work",
    ]
    assert titles[2].startswith("3. China Telecom trains") and len(titles) == 4
    assert part.messages == [
        "English edition: news theme 3 of 2024-10-10.md has no English text in "
        f"{tmp_path / '2024-10-10.en.md'}; left out"
    ]
    assert part.headline == "GB200 servers enter delivery; the domestic compute chain leads"
    assert news[0].paragraphs[2].source == "Source: Reuters 8 Oct"


def test_the_console_lists_no_missing_english_for_the_demo_desk(english):
    _, _, messages = english
    assert [m for m in messages if m.startswith("English edition")] == []


def test_lang_option_is_checked_in_one_line():
    import typer
    from typer.testing import CliRunner

    from sectorweekly.cli import app
    from sectorweekly.cli.editions import parse_langs

    assert parse_langs("en,zh") == ("zh", "en")
    assert parse_langs("en") == ("en",)
    with pytest.raises(typer.BadParameter, match="records the Chinese edition"):
        parse_langs("en", publish=True)
    result = CliRunner().invoke(app, ["build", "--lang", "fr"])
    assert result.exit_code == 2
    assert "'fr': expected zh, en or zh,en" in result.output
    assert "Traceback" not in result.output


def test_report_model_defaults_keep_older_archives_readable(demo_report):
    zh, _, _ = demo_report
    data = json.loads(zh.to_json())
    for key in ("lang", "up"):
        data.pop(key)
    again = Report.model_validate(data)
    assert again.lang == "zh" and again.up == "red"


@pytest.fixture(scope="module")
def with_archive(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """Four backfilled weeks, then `build --lang zh,en --publish` of the demo week (the CLI)."""
    import sys

    from sectorweekly.series.publish import backfill

    home = demo_store.parent.parent
    reports = tmp_path_factory.mktemp("series_en") / "reports"
    with home_as(home):
        backfill(load_desk(), reports, 4, dt.date(2024, 10, 10))
    run = subprocess.run(
        [sys.executable, "-m", "sectorweekly", "build", "--start", "2024-10-07", "--end",
         "2024-10-09", "--reports", str(reports), "--publish", "--lang", "en,zh"],
        capture_output=True, text=True, timeout=900,
        env={**os.environ, "SECTORWEEKLY_HOME": str(home)},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = reports / "2024-10-10"
    zh = Report.model_validate_json((out / "report.json").read_text(encoding="utf-8"))
    en = Report.model_validate_json((out / "en" / "report.json").read_text(encoding="utf-8"))
    return zh, en, out, run, reports


def test_both_editions_in_one_build_and_only_the_chinese_is_archived(with_archive):
    zh, en, out, run, reports = with_archive
    listed = run.stdout.split()
    for name in ("report.json", "report.md", "report.html", "report.docx", "report.pdf"):
        assert str(out / name) in listed and str(out / "en" / name) in listed
    assert "English edition" not in run.stderr  # the demo desk has English for everything
    archived = [json.loads(line) for line in (reports / "archive.jsonl").read_text().splitlines()]
    last = archived[-1]
    assert last["publication_date"] == "2024-10-10" and last["kind"] == "published"
    assert not any("/en/" in d or d.startswith("en/") for d in last["documents"])
    assert zh.lang == "zh" and en.lang == "en"


def test_the_series_in_english_has_the_archives_numbers(with_archive):
    zh, en, out, _, _ = with_archive
    assert (
        [r.publication_date for r in en.front.related]
        == [r.publication_date for r in zh.front.related]
        != []
    )
    assert en.front.related[0].title == "AI Compute Weekly, 5 Oct 2024 (Chinese edition)"
    assert "Against the previous issue (5 Oct): " in en.review.summary_zh
    assert _numbers(en.model_dump(mode="json")["review"]) == _numbers(
        zh.model_dump(mode="json")["review"]
    )
    for key in ("watch_performance", "industry_rating_review"):
        zt, et = zh.figure(key), en.figure(key)
        assert len(et.rows) == len(zt.rows) > 0, key
        for z, e in zip(zt.rows, et.rows, strict=True):
            nums = [i for i, c in enumerate(z) if re.fullmatch(r"[+-]?[\d.,]+%?|—", str(c))]
            assert [e[i] for i in nums] == [z[i] for i in nums], key
    assert any(k.startswith("Names to watch as a basket: the ") for k in en.key_points)
    for name in ("report.md", "report.json", "report.html"):
        assert _no_cjk((out / "en" / name).read_text(encoding="utf-8")) == [], name


def test_risks_the_notes_replace_come_from_the_english_notes_or_are_left_out(demo_store, tmp_path):
    from sectorweekly.parts.notes_en import english_risks

    os.environ["SECTORWEEKLY_HOME"] = str(demo_store.parent.parent)  # the fixture restores it
    from sectorweekly.build.week import gather

    week = gather(load_desk(), START, END, lang="en")
    assert english_risks(week) == (load_desk().en.risks, [])  # the desk's, in English
    replaced = dataclasses.replace(
        week,
        notes=dataclasses.replace(week.notes, risks=("出口管制加码",)),
        notes_file=tmp_path / "2024-10-10.md",
    )
    risks, said = english_risks(replaced)
    assert risks == [] and said == [
        "English edition: 2024-10-10.md replaces the risks for this week and 2024-10-10.en.md "
        "gives none in English; the risks section is left out"
    ]
    (tmp_path / "2024-10-10.en.md").write_text(
        "---\nrisks:\n  - Tighter export controls\n---\n", encoding="utf-8"
    )
    assert english_risks(replaced) == (["Tighter export controls"], [])


def test_an_english_theme_the_chinese_notes_lack_is_one_line_naming_its_line(demo_store, tmp_path):
    from sectorweekly.build.week import gather
    from sectorweekly.errors import InputError
    from sectorweekly.parts.notes_en import english_notes_part

    os.environ["SECTORWEEKLY_HOME"] = str(demo_store.parent.parent)  # the fixture restores it
    week = gather(load_desk(), START, END, lang="en")
    (tmp_path / "2024-10-10.en.md").write_text(
        "## 不存在的主题 | A theme of nobody\n\nText.\n", encoding="utf-8"
    )
    moved = dataclasses.replace(week, notes_file=tmp_path / "2024-10-10.md")
    with pytest.raises(InputError) as err:
        english_notes_part(moved, None)
    assert str(err.value) == (
        f"{tmp_path / '2024-10-10.en.md'}:1: no theme '不存在的主题' in 2024-10-10.md; "
        "expected the Chinese notes' heading before ' | '"
    )
