"""`build --lang`: the editions of one issue, written from one desk and one week.

The Chinese edition (``zh``, the default) is written into the issue's folder as before; the
English edition (``en``) into its ``en/`` subfolder, with the same file names (report.json,
report.md, report.html, report.docx, report.pdf and charts/): the same numbers and dates, the
edition's words. The series archive (``--publish``) keeps the Chinese edition's report model; of
the English one, what the English index lists (its title, names and documents).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..desk.parse import Desk
from ..narrative.edition import LANGS

if TYPE_CHECKING:
    from ..report.model import Report
    from ..report.tasks import Runner
    from ..series.archive import ArchivedIssue

EN_FOLDER = "en"

LangOpt = Annotated[
    str,
    typer.Option(
        "--lang",
        metavar="zh|en|zh,en",
        help="Editions to write: zh (default), en (into the folder's en/), or zh,en for both.",
    ),
]


def parse_langs(value: str, publish: bool = False) -> tuple[str, ...]:
    """`zh`, `en`, `zh,en` -> the editions, the Chinese first; anything else, or ``--publish``
    without the Chinese edition (the archive keeps that one), is a one-line usage error."""
    langs = tuple(dict.fromkeys(x.strip() for x in value.split(",") if x.strip()))
    wrong = [x for x in langs if x not in LANGS]
    if wrong or not langs:
        raise typer.BadParameter(
            f"{value!r}: expected zh, en or zh,en (comma-separated editions)", param_hint="--lang"
        )
    if publish and "zh" not in langs:
        raise typer.BadParameter(
            "records the Chinese edition; add zh to --lang", param_hint="--publish"
        )
    return tuple(x for x in LANGS if x in langs)


def edition_folder(folder: Path, lang: str) -> Path:
    return folder / EN_FOLDER if lang == "en" else folder


def write_editions(
    desk: Desk,
    window: tuple[dt.date | None, dt.date | None],
    langs: tuple[str, ...],
    history: list[ArchivedIssue],
    out: Path | None,
    series_dir: Path,
    run: Runner,
    jobs: int,
    say: Callable[[str], None],
) -> tuple[dict[str, Report], Path, list[Path]]:
    """Build every edition, then write each (the Chinese first): a week the English edition
    refuses (its notes, say) writes nothing. Returns each edition's report (the first first),
    the issue's folder and every file written. ``run`` writes the first edition, a new runner
    of ``jobs`` each next one."""
    from ..build.flow import BuildContext, build_report
    from ..report.render import write_all
    from ..report.tasks import runner

    built: list[tuple[str, Report]] = []
    for lang in langs:  # every edition built before any is written: an error leaves no half issue
        ctx = BuildContext(history=history)
        built.append((lang, build_report(desk, window[0], window[1], ctx, lang)))
        for msg in ctx.messages:
            say(msg)
    folder = out or series_dir / built[0][1].front.publication_date.isoformat()
    reports: dict[str, Report] = {}
    written: list[Path] = []
    for i, (lang, report) in enumerate(built):
        written += write_all(report, edition_folder(folder, lang), run if i == 0 else runner(jobs))
        reports[lang] = report
    return reports, folder, written


def other_editions(
    reports: dict[str, Report], folder: Path, written: list[Path]
) -> dict[str, tuple[Report, list[Path]]]:
    """The editions after the first, each with its documents, as the archive records them."""
    return {
        lang: (report, [p for p in written if p.parent == edition_folder(folder, lang)])
        for lang, report in list(reports.items())[1:]
    }
