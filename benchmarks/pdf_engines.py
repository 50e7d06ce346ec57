"""WeasyPrint against Typst on the demo week's PDF: is the PDF engine the floor of a build?

Run: .venv/bin/python benchmarks/pdf_engines.py [--runs 5]   (Typst: pip install typst)

Both engines lay out the same content: the demo report's sections, tables, eight chart images,
closing pages, Noto Sans SC from the pinned font package, a running header and page numbers.
WeasyPrint reads the report's own PDF source (``report.pdf.pdf_html``, the HTML template with the
page rules); for Typst the report model is written out as Typst markup here, roughly, which is
what adopting it would mean: a second layout to keep in step with the HTML. Prints wall and CPU
seconds per engine (median of ``--runs``), the page count and the fonts each PDF embeds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def typst_source(report, out_dir: Path) -> str:  # type: ignore[no-untyped-def]
    """The report as Typst markup (strings go in as string literals: nothing is interpreted)."""

    def s(text: object) -> str:
        return "#" + json.dumps(str(text), ensure_ascii=False)

    f = report.front
    head = f"{f.series} ｜ {f.publication_date:%Y-%m-%d}"
    out = [
        '#set page(paper: "a4", margin: (top: 20mm, bottom: 18mm, x: 16mm),',
        f'  header: [#set text(8pt, fill: rgb("#5b6570")); {s(f.firm)} #h(1fr) {s(head)}'
        ' #line(length: 100%, stroke: 0.6pt + rgb("#8c1d18"))],',
        '  footer: context [#set text(8pt); #h(1fr) #counter(page).display("1 / 1", both: true)'
        " #h(1fr)])",
        '#set text(font: "Noto Sans SC", size: 10pt, lang: "zh")',
        "#set par(justify: true, leading: 0.8em)",
        '#show heading: set text(fill: rgb("#8c1d18"), size: 12.5pt, weight: "regular")',
        f'#text(size: 18pt, fill: rgb("#8c1d18"))[{s(f.title)}]',
        "",
        "= 投资要点",
        *[s(p) + "\n" for p in report.key_points],
    ]
    figures = {t.key: t for t in report.tables} | {c.key: c for c in report.charts}

    def figure(key: str) -> list[str]:
        x = figures[key]
        cap = f"图表{x.number}：{x.title}" + (f"（单位：{x.unit}）" if x.unit else "")
        lines = [f'#text(fill: rgb("#8c1d18"))[{s(cap)}]']
        if hasattr(x, "columns"):
            cells = [s(c) for c in x.columns]
            for row in x.rows:
                cells += ["[" + s("" if v is None else v) + "]" for v in row]
            lines.append(
                f"#text(size: 8pt)[#table(columns: {len(x.columns)}, stroke: 0.4pt + luma(200),"
                f" {', '.join(c if c.startswith('[') else '[' + c + ']' for c in cells)})]"
            )
        elif x.file:
            lines.append(f'#image("{x.file}", width: 100%)')
        lines.append(f'#text(size: 8pt, fill: rgb("#5b6570"))[{s("来源：" + x.source)}]')
        return [*lines, ""]

    for section in report.sections:
        out += [f"= {s(section.title)}", ""]
        out += [s(p.text) + "\n" for p in section.paragraphs]
        out += [f"- {s(b)}" for b in section.bullets]
        for key in section.figures:
            out += figure(key)
    c = report.closing
    out += ["#pagebreak()", "= 分析师声明", s(c.analyst_statement), "", "= 免责声明",
            s(c.disclaimer), "", "= 特别声明", s(c.special_statement), "", s(c.copyright)]  # fmt: skip
    return "\n".join(out)


def fonts(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        try:
            lines = subprocess.run(["pdffonts", f.name], capture_output=True, text=True).stdout
        except FileNotFoundError:
            return "(pdffonts not installed)"
    return ", ".join(line.split()[0] for line in lines.splitlines()[2:])


def pages(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page\n") or pdf.count(b"/Type/Page") or pdf.count(b"/Type /Page")


def timed(fn, runs: int) -> tuple[float, float, bytes]:  # type: ignore[no-untyped-def]
    walls, cpus, result = [], [], b""
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SECTORWEEKLY_HOME"] = str(Path(tmp) / "home")
        from pylopdf_fonts_zh_cn import sans_path

        from sectorweekly.build.flow import build_report
        from sectorweekly.desk.parse import load_desk
        from sectorweekly.report.charts import draw_charts
        from sectorweekly.report.pdf import html_to_pdf, pdf_html
        from sectorweekly.update.workspace import prepare

        out = Path(tmp) / "out"
        desk = load_desk()
        prepare(desk)  # the CLI's edge step: seeds the demo store
        report = build_report(desk, dt.date(2024, 10, 7), dt.date(2024, 10, 9))
        draw_charts(report, out)
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

        t0 = time.perf_counter()
        import weasyprint  # noqa: F401

        print(f"import weasyprint: {time.perf_counter() - t0:.2f} s")
        html = pdf_html(report, out)
        wall, cpu, pdf = timed(lambda: html_to_pdf(html, out), args.runs)
        print(f"WeasyPrint: {wall:.2f} s wall, {cpu:.2f} s CPU, {len(pdf) / 1024:.0f} KiB; "
              f"fonts: {fonts(pdf)}")  # fmt: skip
        try:
            t0 = time.perf_counter()
            import typst
        except ImportError:
            print("Typst: not installed (pip install typst)")
            return
        print(f"import typst: {time.perf_counter() - t0:.2f} s")
        source = typst_source(report, out).encode()
        font_dir = str(Path(sans_path()).parent)

        def compile_typst() -> bytes:
            return typst.compile(source, root=str(out), font_paths=[font_dir])

        wall, cpu, pdf = timed(compile_typst, args.runs)
        print(f"Typst: {wall:.2f} s wall, {cpu:.2f} s CPU, {len(pdf) / 1024:.0f} KiB; "
              f"fonts: {fonts(pdf)}")  # fmt: skip
        (Path(tmp) / "typst.pdf").write_bytes(pdf)
        keep = os.environ.get("KEEP_PDF")
        if keep:
            Path(keep).write_bytes(pdf)


if __name__ == "__main__":
    main()
