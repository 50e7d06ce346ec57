"""The notes' names to watch in the English edition: each theme's English from ``theme_en`` in
the notes or from the English notes' ``watch:``, the two files checked against each other."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sectorweekly.build.flow import BuildContext, build_report
from sectorweekly.desk.notes import parse_notes
from sectorweekly.desk.parse import load_desk
from sectorweekly.desk.watch_notes import week_watch
from sectorweekly.errors import InputError

START, END = dt.date(2024, 10, 7), dt.date(2024, 10, 9)

CHINESE = """---
headline: 光模块领涨
watch:
  - {theme: 光通信, theme_en: Optical interconnect, names: [中际旭创, "300502"]}
  - theme: 国产GPU
    names: ["688256"]
---
## 光模块
正文。
"""
ENGLISH = """---
headline: Optical modules lead
watch:
  - {theme: Optical interconnect, names: [Eoptolink, "300308"]}
  - {theme: Domestic GPUs, names: [Cambricon]}
---
## 光模块 | Optical modules
Text.
"""


def _notes(text: str, name: str = "2024-10-10.md") -> object:
    return parse_notes(text, Path("/desk/notes") / name)


def test_theme_en_is_read_beside_the_theme():
    notes = _notes(CHINESE)
    assert [(w.theme, w.theme_en) for w in notes.watch] == [
        ("光通信", "Optical interconnect"),
        ("国产GPU", ""),
    ]
    assert notes.watch_line == 3


@pytest.mark.parametrize(
    ("entry", "line"),
    [
        ('{theme: 光通信, theme_en: 12, names: ["300308"]}', 3),
        ('{theme: 光通信, theme_en: "  ", names: ["300308"]}', 3),
        ('theme: 光通信\n    theme_en: [Optical]\n    names: ["300308"]', 4),
        ('theme: 光通信\n    names: ["300308"]\n    theme_en:', 5),
    ],
)
def test_a_bad_theme_en_is_one_line_naming_the_file_line_and_key(entry, line):
    with pytest.raises(InputError) as err:
        _notes(f"---\nwatch:\n  - {entry}\n---\n## 主题\n正文\n")
    assert str(err.value) == (
        f"/desk/notes/2024-10-10.md:{line}: watch[0].theme_en: expected the theme's English "
        "name, a line of text"
    )


def test_an_unknown_key_of_an_entry_names_the_keys_it_takes():
    with pytest.raises(InputError, match=r":3: watch\[0\]: expected the keys theme and names"):
        _notes('---\nwatch:\n  - {theme: 光通信, english: x, names: ["300308"]}\n---\n')


def test_the_english_notes_give_the_english_of_the_same_entries():
    watch = week_watch(load_desk(), _notes(CHINESE), _notes(ENGLISH, "2024-10-10.en.md"))
    assert [(t.theme, t.theme_en, t.names) for t in watch] == [
        ("光通信", "Optical interconnect", ["300308", "300502"]),
        ("国产GPU", "Domestic GPUs", ["688256"]),
    ]
    alone = week_watch(load_desk(), _notes(CHINESE), None)  # the Chinese edition's
    assert [(t.theme, t.theme_en) for t in alone] == [
        ("光通信", "Optical interconnect"),
        ("国产GPU", ""),
    ]


EN = "/desk/notes/2024-10-10.en.md"


@pytest.mark.parametrize(
    ("english", "message"),
    [
        (
            ENGLISH.replace("[Cambricon]", "[Hygon]"),
            f"{EN}:5: watch[1] 'Domestic GPUs': its names differ from watch[1] '国产GPU' of "
            "2024-10-10.md; the English notes' watch lists the same entries in the same order",
        ),
        (
            ENGLISH.replace("theme: Optical interconnect", "theme: Optical modules"),
            f"{EN}:4: watch[0] 'Optical modules': differs from theme_en 'Optical interconnect' "
            "of watch[0] in 2024-10-10.md; give the English theme in one place",
        ),
        (
            ENGLISH.replace("  - {theme: Domestic GPUs, names: [Cambricon]}\n", ""),
            f"{EN}:3: watch: 1 entries, 2024-10-10.md has 2; watch[1] '国产GPU' is missing "
            "(the same entries in the same order)",
        ),
        (
            ENGLISH.replace(
                "---\n## ", "  - {theme: Servers, names: [Foxconn Industrial Internet]}\n---\n## "
            ),
            f"{EN}:6: watch[2] 'Servers': 2024-10-10.md has 2 entries in its watch; the English "
            "notes' watch lists the same entries in the same order",
        ),
        (
            ENGLISH.replace("{theme: Domestic GPUs,", "{theme: Domestic GPUs, theme_en: GPUs,"),
            f"{EN}:5: watch[1] 'Domestic GPUs': theme is already the English theme; remove "
            "theme_en",
        ),
    ],
)
def test_a_mismatch_between_the_two_files_is_one_line_naming_the_entry(english, message):
    with pytest.raises(InputError) as err:
        week_watch(load_desk(), _notes(CHINESE), _notes(english, "2024-10-10.en.md"))
    assert str(err.value) == message


def test_an_english_watch_without_a_chinese_one_is_an_error():
    chinese = _notes("---\nheadline: 标题\n---\n## 光模块\n正文。\n")
    with pytest.raises(InputError) as err:
        week_watch(load_desk(), chinese, _notes(ENGLISH, "2024-10-10.en.md"))
    assert str(err.value) == (
        f"{EN}:3: watch: 2024-10-10.md does not replace the names to watch this week; the "
        "English notes' watch only gives its entries' themes in English (remove it here)"
    )
    assert week_watch(load_desk(), chinese, _notes("## 光模块 | Optical\nText.\n")) is None


def _pdf_text(path: Path) -> str:
    run = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(run.stdout.split())


def test_the_english_documents_show_the_notes_english_themes(demo_desk_with_notes, tmp_path):
    from sectorweekly.report.render import write_all

    desk, notes_dir = demo_desk_with_notes
    (notes_dir / "2024-10-10.md").write_text(CHINESE, encoding="utf-8")
    (notes_dir / "2024-10-10.en.md").write_text(ENGLISH, encoding="utf-8")
    ctx = BuildContext()
    report = build_report(desk, START, END, ctx, "en")
    write_all(report, tmp_path / "en")
    watch = next(s for s in report.sections if s.key == "watch")
    assert [b.partition(":")[0] for b in watch.bullets] == ["Optical interconnect", "Domestic GPUs"]
    assert watch.bullets[0].startswith("Optical interconnect: Innolight (")
    assert [m for m in ctx.messages if "no English" in m or "to watch" in m] == []
    data = json.loads((tmp_path / "en" / "report.json").read_text(encoding="utf-8"))
    assert [t["theme"] for t in data["review"]["watch"]] == [
        "Optical interconnect",
        "Domestic GPUs",
    ]
    shown = [(tmp_path / "en" / f"report.{x}").read_text(encoding="utf-8") for x in ("md", "html")]
    if shutil.which("pdftotext"):
        shown.append(_pdf_text(tmp_path / "en" / "report.pdf"))
    for text in shown:
        assert "Optical interconnect: Innolight" in text and "Domestic GPUs: Cambricon" in text
        assert "光通信" not in text and "国产GPU" not in text


def test_a_theme_without_english_is_shown_in_chinese_and_listed(demo_desk_with_notes):
    desk, notes_dir = demo_desk_with_notes
    (notes_dir / "2024-10-10.md").write_text(CHINESE, encoding="utf-8")
    ctx = BuildContext()
    report = build_report(desk, START, END, ctx, "en")
    assert [t.theme for t in report.review.watch] == ["Optical interconnect", "国产GPU"]
    assert [m for m in ctx.messages if "to watch" in m] == [
        "English edition: no English for this week's theme to watch 国产GPU; shown in Chinese "
        "(give theme_en in 2024-10-10.md, or the themes in English under watch: in "
        "2024-10-10.en.md)"
    ]


def test_the_chinese_edition_is_unchanged_and_reads_no_english_notes(demo_desk_with_notes):
    desk, notes_dir = demo_desk_with_notes
    (notes_dir / "2024-10-10.md").write_text(
        CHINESE.replace(", theme_en: Optical interconnect", ""), encoding="utf-8"
    )
    before = build_report(desk, START, END, BuildContext())
    (notes_dir / "2024-10-10.md").write_text(CHINESE, encoding="utf-8")
    (notes_dir / "2024-10-10.en.md").write_text(
        ENGLISH.replace("[Cambricon]", "[Hygon]"), encoding="utf-8"
    )  # a mismatch: English only
    after = build_report(desk, START, END, BuildContext())
    watch = [next(s for s in r.sections if s.key == "watch").bullets for r in (before, after)]
    assert watch[0] == watch[1]
    assert watch[1][0].startswith("光通信：中际旭创（") and watch[1][1].startswith(
        "国产GPU：寒武纪（"
    )
    assert [t.theme for t in after.review.watch] == ["光通信", "国产GPU"]
    assert before.review.model_dump() == after.review.model_dump()


def _cli_desk(tmp_path: Path) -> Path:
    from sectorweekly.cli.new_desk import desk_yaml_without_demo_data
    from sectorweekly.desk.parse import demo_desk_dir

    desk_dir = tmp_path / "desk"
    (desk_dir / "notes").mkdir(parents=True)
    demo_yaml = (demo_desk_dir() / "desk.yaml").read_text(encoding="utf-8")
    (desk_dir / "desk.yaml").write_text(desk_yaml_without_demo_data(demo_yaml), encoding="utf-8")
    return desk_dir


@pytest.mark.parametrize(
    ("chinese", "english", "lang", "where", "message"),
    [
        (
            CHINESE.replace("theme_en: Optical interconnect", "theme_en: 3"),
            None,
            "zh,en",  # the notes' own error stops either edition
            "2024-10-10.md:4",
            "watch[0].theme_en: expected the theme's English name, a line of text",
        ),
        (
            CHINESE,
            ENGLISH.replace("[Cambricon]", "[Hygon]"),
            "en",
            "2024-10-10.en.md:5",
            "watch[1] 'Domestic GPUs': its names differ from watch[1] '国产GPU' of "
            "2024-10-10.md; the English notes' watch lists the same entries in the same order",
        ),
    ],
)
def test_cli_bad_english_theme_is_one_line_and_exit_code_2(
    tmp_path, monkeypatch, capsys, chinese, english, lang, where, message
):
    from sectorweekly import cli

    desk_dir = _cli_desk(tmp_path)
    (desk_dir / "notes" / "2024-10-10.md").write_text(chinese, encoding="utf-8")
    if english is not None:
        (desk_dir / "notes" / "2024-10-10.en.md").write_text(english, encoding="utf-8")
    argv = ["sectorweekly", "build", "--desk", str(desk_dir), "--start", "2024-10-07"]
    argv += ["--end", "2024-10-09", "--out", str(tmp_path / "out"), "--lang", lang]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == f"error: {desk_dir / 'notes' / where}: {message}"
    # every edition is built before any is written: no Chinese half of the issue is left
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_english_edition_refused_leaves_no_chinese_half_of_the_issue(
    demo_desk_with_notes, tmp_path
):
    """``build --lang zh,en``: every edition is built before any is written, so English notes
    the build refuses leave the issue's folder empty, not a Chinese edition without its twin."""
    from sectorweekly.cli.editions import write_editions
    from sectorweekly.report.tasks import runner

    desk, notes_dir = demo_desk_with_notes
    (notes_dir / "2024-10-10.md").write_text(CHINESE, encoding="utf-8")
    bad = ENGLISH.replace("[Cambricon]", "[Hygon]")
    (notes_dir / "2024-10-10.en.md").write_text(bad, encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError, match="its names differ"):
        write_editions(desk, (START, END), ("zh", "en"), [], out, tmp_path, runner(1), 1, print)
    assert not out.exists() or not any(out.iterdir())
