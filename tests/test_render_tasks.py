"""The renderer registry and the task runner: every output declares its needs, the serial twin
and the forked runner write the same bytes, results are matched to tasks by name, and a failed
task names itself and leaves the output folder as it was."""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from sectorweekly.errors import SectorWeeklyError
from sectorweekly.report.formats import BY_NAME, DOCUMENTS, RENDERERS, with_needs
from sectorweekly.report.model import Chart
from sectorweekly.report.render import write_all
from sectorweekly.report.tasks import ForkRunner, SerialRunner, Task, runner

INGREDIENTS = {"charts", "tables", "font"}


def test_every_output_is_listed_once_with_what_it_needs():
    names = [r.name for r in RENDERERS]
    assert sorted(names) == sorted([*DOCUMENTS, *INGREDIENTS])
    for r in RENDERERS:
        assert set(r.needs) <= INGREDIENTS, r.name  # documents need ingredients, not documents
        assert isinstance(r.own_process, bool)
        assert (r.file is None) == (r.name in INGREDIENTS), r.name
    assert {r.name: set(r.needs) for r in RENDERERS if r.needs} == {
        "pdf": {"charts"},
        "docx": {"charts", "font"},
        "html": {"charts", "font"},
    }
    assert {r.name for r in RENDERERS if r.own_process} == {"charts", "tables", "pdf", "docx"}
    # found in a cache, these are copied here: no process is started for them
    assert {r.name for r in RENDERERS if r.cached} == {"charts", "tables", "pdf", "xlsx"}
    assert [BY_NAME[d].file for d in DOCUMENTS] == [
        "report.json",
        "report.md",
        "report.html",
        "report.docx",
        "report.pdf",
        "charts.xlsx",
    ]
    assert [r.name for r in with_needs(["html"])] == ["charts", "font", "html"]  # the preview's


def _pid(needs: dict) -> int:
    return os.getpid()


def _slow_pid(needs: dict) -> int:
    time.sleep(0.6)
    return os.getpid()


def _total(needs: dict) -> tuple[int, int, int]:
    return needs["slow"], needs["quick"], os.getpid()


def _fails(needs: dict) -> None:
    raise ValueError("no such layout")


def test_results_are_matched_to_tasks_by_name_not_by_order():
    tasks = [
        Task("slow", _slow_pid, own_process=True),  # started first, finishes last
        Task("quick", _pid, own_process=True),
        Task("both", _total, needs=("slow", "quick")),
    ]
    with ForkRunner(warm=()) as forked:
        done = forked.run(tasks)
    slow, quick, here = done["both"]
    assert (done["slow"], done["quick"]) == (slow, quick)
    assert here == os.getpid() and len({slow, quick, here}) == 3  # two processes of their own
    serial = SerialRunner().run(tasks)
    assert set(serial.values()) == {os.getpid(), (os.getpid(), os.getpid(), os.getpid())}
    assert isinstance(runner(1), SerialRunner)


@pytest.mark.parametrize("own_process", [True, False])
def test_a_failed_task_is_one_line_naming_it(own_process):
    tasks = [Task("pdf", _fails, own_process=own_process), Task("json", _pid)]
    for run in (SerialRunner(), ForkRunner(warm=())):
        with pytest.raises(SectorWeeklyError) as err:
            run.run(tasks)
        run.close()
        assert str(err.value) == "pdf: internal error (ValueError: no such layout)"
        assert err.value.exit_code == 70  # a bug in a renderer: the README's code for one


def test_needs_no_task_makes_or_in_a_circle_are_refused():
    with pytest.raises(ValueError, match="needs"):
        SerialRunner().run([Task("pdf", _pid, needs=("charts",))])
    with pytest.raises(ValueError, match="need each other"):
        SerialRunner().run([Task("a", _pid, needs=("b",)), Task("b", _pid, needs=("a",))])


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _comparable(name: str, data: bytes) -> object:
    """A file's content without what differs between any two builds: the Word file's zip
    entry times, and the PDF's image names (WeasyPrint's digest of each image's full path,
    which holds the build's staging folder)."""
    if name.endswith(".docx"):
        with zipfile.ZipFile(io.BytesIO(data)) as docx:
            return {n: docx.read(n) for n in docx.namelist()}
    if name.endswith(".pdf"):
        inflated = re.sub(  # a stream may end in a CR byte of its own: the end of line is
            rb"stream\r?\n(.*?)endstream",  # left to the decompressor, which stops at its end
            lambda m: zlib.decompressobj().decompress(m.group(1)),
            data,
            flags=re.S,
        )
        inflated = re.sub(rb"/Length \d+", b"/Length", inflated)  # of the compressed names
        inflated = inflated[: inflated.rindex(b"/Type /XRef")]  # and so the objects' offsets
        return re.sub(rb"/i[0-9a-f]{32,}", b"/IMAGE", inflated)
    return data


def test_the_serial_twin_and_the_forked_runner_write_the_same_bytes(
    demo_report, tmp_path, monkeypatch
):
    report = demo_report[0]
    before = report.model_dump_json()
    # the only clock in the files: the fonts' "modified" time, which fontTools takes from here
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1728518400")
    outputs = {}
    for name, make in (("serial", SerialRunner), ("forked", ForkRunner)):
        monkeypatch.setenv("SECTORWEEKLY_HOME", str(tmp_path / f"home-{name}"))  # no caches
        written = write_all(report, tmp_path / name, make())
        outputs[name] = _files(tmp_path / name)
        assert [p.name for p in written[-len(DOCUMENTS) :]] == [BY_NAME[d].file for d in DOCUMENTS]
        assert len(written) == len(outputs[name])  # every file it wrote, and only those
    assert report.model_dump_json() == before  # the model was only read
    serial, forked = outputs["serial"], outputs["forked"]
    assert sorted(serial) == sorted(forked)
    assert len([n for n in serial if n.startswith("charts/")]) == len(report.charts) + len(
        report.tables
    )
    different = {n for n in serial if _comparable(n, serial[n]) != _comparable(n, forked[n])}
    assert different == set()


def test_a_failed_format_leaves_the_previous_issue_whole(demo_report, tmp_path):
    report = demo_report[0]
    folder = tmp_path / "issue"
    folder.mkdir()
    (folder / "report.md").write_text("last week", encoding="utf-8")
    broken = report.model_copy(deep=True)
    chart = broken.charts[0]
    broken.charts[0] = Chart(**{**chart.model_dump(exclude={"file"}), "kind": "pie"})
    for make in (SerialRunner, ForkRunner):
        with pytest.raises(SectorWeeklyError) as err:
            write_all(broken, folder, make())
        assert str(err.value) == (
            f"figure '{chart.key}': unknown chart kind 'pie'; expected bar, line, hbar"
        )
        assert _files(folder) == {"report.md": b"last week"}  # no staging folder, no half file


def test_the_preview_makes_only_what_its_html_page_needs(demo_report, tmp_path):
    from sectorweekly.report.render import made_for

    report = demo_report[0]
    made = made_for(report, tmp_path, ("html",), skip=("font",))
    assert list(made) == ["charts"]  # no table images, no font subset, no document
    assert sorted(p.relative_to(tmp_path).as_posix() for p in made["charts"]) == sorted(
        c.file for c in report.charts
    )
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        c.file.removeprefix("charts/") for c in report.charts
    )
