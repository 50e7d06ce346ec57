"""The build is one line: the week gathered once, every part behind one contract, no part
changing its inputs or another part's result, and the parts listed in one place."""

from __future__ import annotations

import datetime as dt
import pkgutil

import pytest

from sectorweekly import parts
from sectorweekly.build.flow import assemble, build_report
from sectorweekly.build.week import gather
from sectorweekly.desk import notes
from sectorweekly.desk.parse import load_desk
from sectorweekly.parts import EN_PARTS, PARTS, BuildContext, market_review

START, END = dt.date(2024, 10, 7), dt.date(2024, 10, 9)


@pytest.fixture
def demo_home(demo_store, monkeypatch):
    monkeypatch.setenv("SECTORWEEKLY_HOME", str(demo_store.parent.parent))
    return demo_store


# what the parts share: the contract, an edition's names, the trackers' data words, and the
# English closing pages (closing_part writes them in the English edition), the week's review
# that every part reads
HELPERS = {
    "base",
    "names",
    "tracker_words",
    "closing_en",
    "review_table",
    "market_context_indices",
    "market_coverage",
    "market_context_json",
    "market_review",
}


def test_every_part_module_is_listed_once_the_market_first_closing_last():
    modules = {m.name for m in pkgutil.iter_modules(parts.__path__)} - HELPERS
    listed = {p.__module__.rsplit(".", 1)[1] for p in [*PARTS, *EN_PARTS]}
    assert sorted(listed) == sorted(modules)
    for chosen in (PARTS, EN_PARTS):
        assert len(set(chosen)) == len(chosen)
        names = [p.__name__ for p in chosen]
        assert names[0].endswith("market_context_part") and names[1] == "market_part"
        assert names[-1] == "closing_part"


def test_the_week_holds_what_every_part_reads(demo_home):
    week = gather(load_desk(), START, END)
    assert (week.window.start, week.window.end, week.published) == (
        START,
        END,
        dt.date(2024, 10, 10),
    )
    assert week.store == demo_home
    assert week.notes is not None and week.notes_file.name == "2024-10-10.md"
    assert week.archive == ()
    # the demo's illustrative ratings, dated up to the publication date; with no earlier issue
    # a rating counts as new when it was given since the day before the window
    assert week.ratings["688256"].sample
    assert week.ratings["688256"].rating == "买入"
    with pytest.raises(AttributeError):
        week.published = END  # type: ignore[misc]  # frozen


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_part_changes_the_week_or_the_review(demo_home, lang):
    week = gather(load_desk(), START, END, lang=lang)
    review = market_review(week)
    desk_before = week.desk.model_dump_json()
    ratings_before = dict(week.ratings)
    review_before = review.model_dump_json()
    for part in PARTS if lang == "zh" else EN_PARTS:
        part(week, review)
        assert review.model_dump_json() == review_before, part.__module__
        assert week.desk.model_dump_json() == desk_before, part.__module__
        assert dict(week.ratings) == ratings_before, part.__module__


def test_the_notes_are_read_once_per_build(demo_home, monkeypatch):
    calls = []
    real = notes.parse_notes

    def counted(text, path):
        calls.append(path)
        return real(text, path)

    monkeypatch.setattr(notes, "parse_notes", counted)
    ctx = BuildContext()
    report = build_report(load_desk(), START, END, ctx)
    assert [p.name for p in calls] == ["2024-10-10.md"]
    assert not report.front.headline_suggested  # the notes' headline, from that one reading
    assert any(m.startswith("notes: ") for m in ctx.messages)


def test_messages_and_headline_come_from_the_parts(demo_home):
    week = gather(load_desk(), START, END)
    report, messages = assemble(week)
    assert report.front.headline == week.notes.headline
    assert report.front.title == f"{week.notes.headline}-算力周跟踪"
    # the market part speaks first: of its markets, nothing (a complete week); of the names to
    # watch, the three whose ratings are older than the 6-month horizon; then the notes
    assert messages[0] == (
        "ratings older than 6 months on names to watch: 688041 (2024-01-15), "
        "688047 (2024-02-05), 688702 (2024-03-11); their lines give the rating's date"
    )
    assert messages[1].startswith("notes: ")
    assert report.closing.benchmarks_text.startswith("评级以报告发布日后6个月内的相对收益为准")
    assert report.key_points[0] == report.review.summary_zh


def test_firm_texts_left_empty_are_shown_as_missing_in_every_document(demo_home, tmp_path):
    """A compliance page is never blank: the closing pages say what is missing and where it
    goes, in red, and the console says so once per text."""
    from docx import Document

    from sectorweekly.report.docx import render_docx
    from sectorweekly.report.html import render_html
    from sectorweekly.report.markdown import render_markdown

    desk = load_desk()
    firm = desk.firm.model_copy(update={"disclaimer": "", "copyright": "  "})
    desk = desk.model_copy(update={"firm": firm})
    report, messages = assemble(gather(desk, START, END))
    closing = report.closing
    assert closing.missing == ["disclaimer", "copyright"]
    assert closing.disclaimer == "（未填写：请在desk.yaml的firm.disclaimer中写入贵机构的免责声明）"
    assert closing.analyst_statement == desk.firm.analyst_statement
    assert [m for m in messages if m.startswith("desk.yaml firm.")] == [
        "desk.yaml firm.disclaimer is empty: the closing pages mark the disclaimer as not "
        "filled in; fill it in before publishing",
        "desk.yaml firm.copyright is empty: the closing pages mark the copyright as not "
        "filled in; fill it in before publishing",
    ]
    assert f"## 免责声明\n\n{closing.disclaimer}" in render_markdown(report)
    html = render_html(report, tmp_path, inline_images=False)
    assert f'<h2>免责声明</h2><p class="template">{closing.disclaimer}</p>' in html
    render_docx(report, tmp_path, tmp_path / "r.docx")
    red = [p.text for p in Document(str(tmp_path / "r.docx")).paragraphs
           if p.runs and p.runs[0].bold and "未填写" in p.text]  # fmt: skip
    assert red == [closing.disclaimer, closing.copyright]
