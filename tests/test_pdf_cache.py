"""An unchanged report is not laid out again; any change to what the PDF shows is."""

from __future__ import annotations

from pathlib import Path

from sectorweekly.desk.paths import cache_dir
from sectorweekly.report import pdf_cache
from sectorweekly.report.render import write_all

HTML = '<img src="charts/figure_01.png"><p>正文</p>'


def test_the_key_follows_the_html_and_the_bytes_of_linked_files(tmp_path: Path):
    (tmp_path / "charts").mkdir()
    chart = tmp_path / "charts" / "figure_01.png"
    chart.write_bytes(b"one")
    (tmp_path / "charts" / "figure_02.png").write_bytes(b"not linked")
    first = pdf_cache.key(HTML, tmp_path)
    assert pdf_cache.key(HTML, tmp_path) == first
    (tmp_path / "charts" / "figure_02.png").write_bytes(b"changed, still not linked")
    assert pdf_cache.key(HTML, tmp_path) == first
    chart.write_bytes(b"two")  # same file name, another image
    assert pdf_cache.key(HTML, tmp_path) != first
    assert pdf_cache.key(HTML.replace("正文", "改过的正文"), tmp_path) != pdf_cache.key(
        HTML, tmp_path
    )


def test_a_second_build_of_the_same_report_reuses_the_laid_out_pdf(demo_report, tmp_path):
    report, _, _ = demo_report
    first = write_all(report.model_copy(deep=True), tmp_path / "a")
    kept = sorted(cache_dir("pdf").glob("*.pdf"))
    assert len(kept) == 1
    second = write_all(report.model_copy(deep=True), tmp_path / "b")
    assert sorted(cache_dir("pdf").glob("*.pdf")) == kept
    pdf_a = next(p for p in first if p.name == "report.pdf").read_bytes()
    pdf_b = next(p for p in second if p.name == "report.pdf").read_bytes()
    assert pdf_a == pdf_b and pdf_a.startswith(b"%PDF")
    changed = report.model_copy(deep=True)
    changed.front.headline = changed.front.title = "另一个标题-算力周跟踪"
    write_all(changed, tmp_path / "c")
    assert len(list(cache_dir("pdf").glob("*.pdf"))) == 2
    assert (tmp_path / "c" / "report.pdf").read_bytes() != pdf_a
