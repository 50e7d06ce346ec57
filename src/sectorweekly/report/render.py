"""Write every format of a report into the output folder, the slow steps beside each other.

What each format needs and where it runs is declared once, in ``formats.RENDERERS``; a runner
(``tasks``) runs them in that order of needs: with ``ForkRunner`` the chart and table images,
the PDF's layout and the Word file each in a process of their own while this one makes the font
subset and writes the JSON, Markdown and HTML files; with ``SerialRunner`` (``build --jobs 1``)
all of it here, to the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..atomic import Staging
from .model import Report
from .tasks import ForkRunner, Runner, SerialRunner


def write_all(
    report: Report,
    out_dir: Path,
    runner: Runner | None = None,
) -> list[Path]:
    """Write report.json, .md, .html, .docx and .pdf and the figures' images; ``runner`` may be started early. Returns the files written: images first, in
    figure order, then the documents. The report's model is only read.

    Everything is written into a staging folder inside ``out_dir`` first and renamed into
    place only when every file is whole (``atomic.Staging``): a failed build leaves the
    previous issue's files as they were, never a mix of two issues.
    """
    from . import pdf_cache
    from .charts import plan_figures
    from .formats import DOCUMENTS, RENDERERS, Job, LaidOut, from_caches, tasks

    run = runner or ForkRunner()
    staging: Staging | None = None
    try:
        staging = Staging(out_dir)
        stage = staging.folder  # the figures' links and every document are relative to it
        figures = plan_figures(report, stage)
        job = Job(report, stage, figures, split=isinstance(run, ForkRunner))
        given = from_caches(job, RENDERERS)
        made = run.run(tasks(job, RENDERERS, given), given)
        laid_out = made.get("pdf")
        if isinstance(laid_out, LaidOut) and laid_out.fresh is not None:
            pdf_cache.keep(laid_out.key, laid_out.fresh)
        figures.keep()  # the images a forked copy could not keep in the cache
        images = sorted([*made["charts"], *made["tables"]])
        written = [made[n].path if n == "pdf" else made[n] for n in DOCUMENTS if n in made]
        done = staging.commit(images + written)
        prune_figures(out_dir, {p.name for p in images})
        return done
    finally:
        run.close()
        if staging is not None:
            staging.discard()


def made_for(
    report: Report, folder: Path, formats: tuple[str, ...], skip: tuple[str, ...] = ()
) -> dict[str, Any]:
    """What ``formats`` need (not the formats themselves, nor ``skip``), made here straight
    into ``folder``: the preview's chart images for its HTML page, which serves its own font."""
    from .charts import plan_figures
    from .formats import Job, from_caches, tasks, with_needs

    figures = plan_figures(report, folder)
    chosen = [r for r in with_needs(formats) if r.name not in (*formats, *skip)]
    job = Job(report, folder, figures, split=False)
    given = from_caches(job, chosen)
    made = SerialRunner().run(tasks(job, chosen, given), given)
    figures.keep()
    figures.prune()
    return made


def prune_figures(out_dir: Path, keep: set[str]) -> None:
    """Remove figure files an earlier build of this folder left that this report lacks."""
    for old in (out_dir / "charts").glob("figure_*.png"):
        if old.name not in keep:
            old.unlink(missing_ok=True)
