"""Hostile text from notes or data shows as text in every format and breaks none of them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document

from sectorweekly.desk.notes import parse_notes
from sectorweekly.report.docx import render_docx
from sectorweekly.report.html import standalone_html
from sectorweekly.report.markdown import render_markdown
from sectorweekly.report.model import ORDER_NEWS, Paragraph, Section, Table
from sectorweekly.report.pdf import render_pdf

SCRIPT = "<script>alert('x')</script>"
HOSTILE_NOTES = f"""---
headline: "标题{SCRIPT}</style>"
---

## 一、{SCRIPT}

正文 <img src=http://evil.example/x.png onerror=alert(1)> & {{{{ 7*7 }}}} **粗** </style>结束
来源：<b>媒体</b> 10月9日

- 要点 <a href="https://evil.example">链接</a>
"""


@pytest.fixture(scope="module")
def hostile(demo_report, tmp_path_factory):
    """The demo report with a hostile news section, table and headline, rendered everywhere."""
    report, out, _ = demo_report
    notes = parse_notes(HOSTILE_NOTES, Path("notes/2024-10-10.md"))
    bad = report.model_copy(deep=True)
    bad.front.headline = notes.headline
    bad.front.title = f"{notes.headline}-{bad.front.series}"
    bad.front.firm = '示例"研究所"</style><script>x</script>'
    s = notes.sections[0]
    bad.sections.append(
        Section(
            key="hostile",
            title=f"一、{s.title}",
            order=ORDER_NEWS + 1,
            paragraphs=[Paragraph(text=p.text, source=p.source) for p in s.paragraphs]
            + [Paragraph(text="数据中的控制字符\x01结束")],
            bullets=list(s.bullets),
            figures=["hostile_table"],
        )
    )
    bad.tables.append(
        Table(
            key="hostile_table",
            title=f"表{SCRIPT}",
            columns=["名称<th>", "值"],
            rows=[[SCRIPT, "+1.00%"], ["a|b", "<td>"]],
            source="<i>来源</i>",
        )
    )
    bad.number_figures()
    dest = tmp_path_factory.mktemp("hostile")
    (dest / "report.html").write_text(standalone_html(bad, out), encoding="utf-8")
    (dest / "report.pdf").write_bytes(render_pdf(bad, out))
    render_docx(bad, out, dest / "report.docx")
    (dest / "report.md").write_text(render_markdown(bad), encoding="utf-8")
    return bad, dest


def test_html_shows_hostile_text_escaped(hostile):
    _, dest = hostile
    html = (dest / "report.html").read_text(encoding="utf-8")
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<img src=http://evil" not in html and "&lt;img src=http://evil.example" in html
    assert '<a href="https://evil' not in html
    assert "{{ 7*7 }}" in html  # shown, not evaluated
    assert html.count("</style>") == 1  # the page's own; the headline's and the firm's are text
    assert len(re.findall(r"<script>", html)) == 1  # only the sort script


def test_pdf_renders_hostile_text_as_text(hostile):
    _, dest = hostile
    pdf = dest / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "一、<script>alert('x')</script>" in flat
    assert "<img" in flat and "{{7*7}}" in flat
    assert "根据<b>媒体</b>10月9日报道" in flat
    assert '示例"研究所"</style><script>x</script>' in flat  # the running header


def test_word_keeps_hostile_text_and_replaces_control_characters(hostile):
    _, dest = hostile
    doc = Document(str(dest / "report.docx"))
    paragraphs = [p.text for p in doc.paragraphs]
    assert f"一、{SCRIPT}" in paragraphs
    body = next(p for p in paragraphs if p.startswith("正文 <img"))
    assert body.endswith("</style>结束（根据<b>媒体</b>10月9日报道）")
    assert "数据中的控制字符\ufffd结束" in paragraphs
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "名称<th>")
    assert table.rows[1].cells[0].text == SCRIPT


def test_markdown_escapes_hostile_text(hostile):
    _, dest = hostile
    md = (dest / "report.md").read_text(encoding="utf-8")
    assert SCRIPT not in md
    assert r"\<script\>alert('x')\</script\>" in md
    assert r"a\|b" in md  # a pipe cannot split the table cell
