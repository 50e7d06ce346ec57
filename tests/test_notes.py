"""The analyst's weekly notes: parsing, the sections and title they give, and their errors."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from sectorweekly.build.flow import BuildContext, build_report
from sectorweekly.desk.notes import format_source, load_notes, parse_notes
from sectorweekly.errors import InputError
from sectorweekly.parts.notes import chinese_numeral

START, END = dt.date(2024, 10, 7), dt.date(2024, 10, 9)

NOTES = """---
headline: 测试标题：GB200交付提速
watch:
  - theme: 光通信
    names: [中际旭创, "300502"]
risks:
  - 海外需求不及预期
---

## 一、Blackwell 平台交付

微软Azure率先部署GB200服务器，
标志着新平台进入云端。
来源：路透社 10月9日

OpenAI DevDay
发布 Realtime API（来源：OpenAI官网 2024-10-01；彭博 10月2日）

没有来源的一段。

## 近期催化剂

- 10月17日：台积电财报
- 10月30日：微软、Meta财报，
  关注资本开支
"""


def _parse(text: str, name: str = "2024-10-10.md") -> object:
    return parse_notes(text, Path("/desk/notes") / name)


def test_sections_paragraphs_sources_and_bullets():
    notes = _parse(NOTES)
    assert notes.headline == "测试标题：GB200交付提速"
    assert [s.title for s in notes.sections] == ["Blackwell 平台交付", "近期催化剂"]
    first, catalysts = notes.sections
    assert [p.text for p in first.paragraphs] == [
        "微软Azure率先部署GB200服务器，标志着新平台进入云端。",
        "OpenAI DevDay发布 Realtime API",
        "没有来源的一段。",
    ]
    assert [p.source for p in first.paragraphs] == [
        "根据路透社10月9日报道",
        "根据OpenAI官网10月1日、彭博10月2日报道",
        None,
    ]
    assert catalysts.paragraphs == ()
    assert catalysts.bullets == ("10月17日：台积电财报", "10月30日：微软、Meta财报，关注资本开支")
    assert first.line == 10 and catalysts.line == 21


def test_front_matter_overrides_and_sources_without_date():
    notes = _parse(NOTES)
    assert [(w.theme, w.names) for w in notes.watch] == [("光通信", ("中际旭创", "300502"))]
    assert notes.risks == ("海外需求不及预期",)
    assert format_source("公司公告", Path("n.md"), 3) == "根据公司公告报道"
    no_front = _parse("## 主题\n\n正文。\n")
    assert no_front.headline is None and no_front.watch is None and no_front.risks is None


def test_hostile_text_is_kept_verbatim_for_the_renderers_to_escape():
    notes = _parse("## <script>alert(1)</script>\n\n文本 <b>粗</b> & {{ x }}\n")
    assert notes.sections[0].title == "<script>alert(1)</script>"
    assert notes.sections[0].paragraphs[0].text == "文本 <b>粗</b> & {{ x }}"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("---\nheadline: x\n\n## 主题\n正文\n", 1, "not closed"),
        ("---\nheadline: [unclosed\n---\n## 主题\n正文\n", 2, "not valid YAML"),
        ("---\nheadline: 标题\nauthor: 我\n---\n## 主题\n正文\n", 3, "unknown front matter key"),
        ("---\nwatch:\n  - theme: 光通信\n---\n## 主题\n正文\n", 3, "theme and names"),
        ("---\nrisks: 单独一行\n---\n## 主题\n正文\n", 2, "risks: expected a list"),
        ("---\nheadline: 标题\n---\n开头没有标题的文字\n", 4, "before the first `## `"),
        ("## 主题\n### 小标题\n", 2, "only `## title` headings"),
        ("## 主题\n\n来源：路透社 10月9日\n", 3, "must follow the paragraph"),
        ("## 主题\n正文\n来源：路透社 13月40日\n", 3, "not a real date"),
        ("## 空主题\n\n## 主题\n正文\n", 1, "is empty"),
        ("## 主题\n正文\x01\n", 2, "control character U+0001"),
    ],
)
def test_bad_notes_give_file_and_line(text, line, words):
    with pytest.raises(InputError) as err:
        _parse(text)
    message = str(err.value)
    assert message.startswith(f"/desk/notes/2024-10-10.md:{line}: "), message
    assert words in message
    assert "\n" not in message


def test_missing_file_is_none_and_numerals_count_past_ten(tmp_path):
    assert load_notes(tmp_path / "2024-10-10.md") is None
    assert [chinese_numeral(n) for n in (1, 9, 10, 11, 19)] == ["一", "九", "十", "十一", "十九"]


def test_notes_become_numbered_sections_title_and_overrides(demo_desk_with_notes):
    desk, notes_dir = demo_desk_with_notes
    (notes_dir / "2024-10-10.md").write_text(NOTES, encoding="utf-8")
    ctx = BuildContext()
    report = build_report(desk, START, END, ctx)
    assert report.front.title == "测试标题：GB200交付提速-算力周跟踪"
    assert not report.front.headline_suggested
    keys = [s.key for s in report.sections]
    assert keys.index("market") < keys.index("news_1") < keys.index("news_2") < keys.index("watch")
    news = {s.key: s for s in report.sections if s.key.startswith("news_")}
    assert news["news_1"].title == "一、Blackwell 平台交付"
    assert news["news_2"].title == "二、近期催化剂"
    assert news["news_2"].bullets[0] == "10月17日：台积电财报"
    assert news["news_1"].paragraphs[0].source == "根据路透社10月9日报道"
    # the week's names to watch and risks replace the desk's
    watch = next(s for s in report.sections if s.key == "watch")
    assert len(watch.bullets) == 1
    assert watch.bullets[0].startswith("光通信：中际旭创（")
    assert "新易盛（" in watch.bullets[0] and "本周+14.26%" in watch.bullets[0]
    risks = next(s for s in report.sections if s.key == "risks")
    assert risks.bullets == ["海外需求不及预期"]
    assert any("2 news sections" in m for m in ctx.messages)
    assert report.extras["notes"]["watch_from_notes"] is True


def test_missing_notes_build_without_news_and_say_so(demo_desk_with_notes):
    desk, notes_dir = demo_desk_with_notes
    ctx = BuildContext()
    report = build_report(desk, START, END, ctx)
    assert not [s for s in report.sections if s.key.startswith("news_")]
    assert report.front.headline_suggested
    assert report.front.title.endswith("-算力周跟踪")
    said = [m for m in ctx.messages if m.startswith("no notes for 2024-10-10")]
    assert said and str(notes_dir / "2024-10-10.md") in said[0]
    # the desk's own names to watch and risks stay
    assert [w.theme for w in report.review.watch] == [t.theme for t in desk.watch]


def test_watch_name_not_in_the_desk_is_an_error(demo_desk_with_notes):
    desk, notes_dir = demo_desk_with_notes
    path = notes_dir / "2024-10-10.md"
    path.write_text(
        "---\nwatch:\n  - theme: 新主题\n    names: [不存在公司]\n---\n## 主题\n正文\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"2024-10-10\.md:3: watch theme '新主题': '不存在公司'"):
        build_report(desk, START, END, BuildContext())


def test_cli_bad_front_matter_is_one_line_and_exit_code_2(tmp_path, monkeypatch, capsys):
    from sectorweekly import cli
    from sectorweekly.cli.new_desk import desk_yaml_without_demo_data
    from sectorweekly.desk.parse import demo_desk_dir

    desk_dir = tmp_path / "desk"
    (desk_dir / "notes").mkdir(parents=True)
    demo_yaml = (demo_desk_dir() / "desk.yaml").read_text(encoding="utf-8")
    (desk_dir / "desk.yaml").write_text(
        desk_yaml_without_demo_data(demo_yaml), encoding="utf-8"
    )  # the demo's keys without its data files
    notes = desk_dir / "notes" / "2024-10-10.md"
    notes.write_text("---\nheadline: 标题\nheadlne: 拼错\n---\n## 主题\n正文\n", encoding="utf-8")
    argv = ["sectorweekly", "build", "--desk", str(desk_dir), "--start", "2024-10-07"]
    argv += ["--end", "2024-10-09", "--out", str(tmp_path / "out")]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"error: {notes}:3: unknown front matter key 'headlne'; expected headline, watch, risks"
    )
    assert not (tmp_path / "out").exists()


def test_demo_notes_give_the_demo_week_its_sections(demo_report):
    report, _, messages = demo_report
    news = [s for s in report.sections if s.key.startswith("news_")]
    assert len(news) >= 4
    assert report.front.title == f"{report.front.headline}-算力周跟踪"
    assert not report.front.headline_suggested
    text = " ".join(p.text for s in news for p in s.paragraphs) + " ".join(
        b for s in news for b in s.bullets
    )
    for event in (
        "GB200",
        "DGX B200",
        "墨西哥",
        "Realtime API",
        "Canvas",
        "Movie Gen",
        "TeleChat2",
    ):
        assert event in text, event
    catalysts = news[-1]
    assert [b[:7] for b in catalysts.bullets] == [
        "10月17日：",
        "10月29日：",
        "10月30日：",
        "10月31日：",
    ]
    assert all(p.source for s in news for p in s.paragraphs)
    assert any("news sections from" in m for m in messages)


def test_names_to_watch_show_the_gathered_rating_and_the_weekly_change(demo_desk_with_notes):
    from dataclasses import replace

    from sectorweekly.build.flow import assemble
    from sectorweekly.build.week import CurrentRating, gather

    desk, _ = demo_desk_with_notes
    week = gather(desk, START, END)  # ratings are gathered with the week, before any part runs
    week = replace(week, ratings={"688256": CurrentRating("买入", sample=False, action="upgrade")})
    report, _ = assemble(week)
    watch = next(s for s in report.sections if s.key == "watch")
    assert watch.bullets[0].startswith(
        "国产算力链：寒武纪（上调至买入，本周+28.48%）、海光信息（本周+26.84%）"
    )
    assert report.review.watch[0].line == watch.bullets[0]
    cambricon = next(m for b in report.review.boards for m in b.members if m.symbol == "688256")
    assert (cambricon.rating, cambricon.rating_action) == ("买入", "上调")


def test_without_a_headline_the_first_news_theme_is_suggested(demo_desk_with_notes):
    desk, notes_dir = demo_desk_with_notes
    (notes_dir / "2024-10-10.md").write_text("## Blackwell 平台交付\n正文。\n", encoding="utf-8")
    ctx = BuildContext()
    report = build_report(desk, START, END, ctx)
    assert report.front.title == "Blackwell 平台交付-算力周跟踪"
    assert report.front.headline_suggested
    assert any("the title suggests one" in m for m in ctx.messages)
