"""`sectorweekly weekly`: run every hour; once the report week has closed in every market the
desk covers, update → build → publish, and release and send only when the desk says
``auto_release: true``. A second run in the same week does nothing and says so; two at once
are refused (exit 4); each run's steps go to ``weekly.log`` beside the reports."""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from filelock import FileLock, Timeout

from .. import atomic, clock
from .. import console as consoles
from ..errors import SectorWeeklyError
from .archive import ReportsOpt
from .options import DeskOpt, desk_and_calendars

console = consoles.out()
LOG_FILE = "weekly.log"
LOCK_FILE = "weekly.lock"
MINUTE = 17  # past each hour: away from the top of the hour every other job picks


class WeeklyBusy(SectorWeeklyError):
    exit_code = 4


class JobLog:
    """``weekly.log``: one timestamped line per step, the file rewritten whole each time."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, line: str) -> None:
        stamp = clock.now_utc().replace(microsecond=0).isoformat()
        old = self.path.read_text(encoding="utf-8") if self.path.is_file() else ""
        atomic.write_text(self.path, f"{old}{stamp} {line}\n", "cannot write the job log")

    def __call__(self, line: str) -> None:
        """Log the line and print it (what the run did, on stdout)."""
        self.write(line)
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def _command(desk: Path | None, reports: Path) -> str:
    exe = shutil.which("sectorweekly")
    parts = [exe] if exe else [sys.executable, "-m", "sectorweekly"]
    parts.append("weekly")
    if desk is not None:
        parts += ["--desk", str(desk.resolve())]
    parts += ["--reports", str(reports.resolve())]
    return shlex.join(parts)


def schedule_lines(desk: Path | None, reports: Path, systemd: bool) -> str:
    """The crontab lines, or the systemd service and timer, that run weekly every hour."""
    cmd = _command(desk, reports)
    zone = "Asia/Shanghai"
    if not systemd:
        return (
            "# sectorweekly weekly: every hour; it acts once the week has closed in every market\n"
            f"CRON_TZ={zone}\n"
            f"{MINUTE} * * * * {cmd} >/dev/null\n"
        )
    return (
        "# ~/.config/systemd/user/sectorweekly-weekly.service\n"
        "[Unit]\nDescription=sectorweekly weekly issue (update, build, publish, send)\n\n"
        "[Service]\nType=oneshot\n"
        f"Environment=TZ={zone}\n"
        "# secrets (SMTP password, robot keys): EnvironmentFile=%h/.config/sectorweekly/secrets.env\n"
        f"ExecStart={cmd}\n\n"
        "# ~/.config/systemd/user/sectorweekly-weekly.timer\n"
        "[Unit]\nDescription=Run sectorweekly weekly every hour\n\n"
        f"[Timer]\nOnCalendar=*-*-* *:{MINUTE:02d}:00 {zone}\nPersistent=true\n\n"
        "[Install]\nWantedBy=timers.target\n"
        "# then: systemctl --user daemon-reload && systemctl --user enable --now "
        "sectorweekly-weekly.timer\n"
    )


def weekly(
    desk: DeskOpt = None,
    reports: ReportsOpt = None,
    no_update: Annotated[
        bool,
        typer.Option(
            "--no-update", help="Build from the store as it is (prices imported by hand)."
        ),
    ] = False,
    print_cron: Annotated[
        bool, typer.Option("--print-cron", help="Print the crontab lines to install, and stop.")
    ] = False,
    print_systemd: Annotated[
        bool,
        typer.Option("--print-systemd", help="Print the systemd service and timer, and stop."),
    ] = False,
) -> None:
    """The weekly job: when the report week has closed in every market of the desk, update,
    build and publish it (and release and send it when the desk auto-releases)."""
    from ..series.publish import reports_folder

    folder = reports_folder(reports, None)
    if print_cron or print_systemd:
        console.print(
            schedule_lines(desk, folder, print_systemd), markup=False, highlight=False, end=""
        )
        return
    d, cals = desk_and_calendars(desk)
    atomic.make_folder(folder, "cannot create the reports folder")
    lock = FileLock(str(folder / LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise WeeklyBusy(
            f"{folder / LOCK_FILE}: another sectorweekly weekly is running; it will do this week"
        ) from None
    try:
        _run(d, desk, cals, folder, no_update, JobLog(folder / LOG_FILE))
    finally:
        lock.release()


def _run(d, desk_dir, cals, folder: Path, no_update: bool, log: JobLog) -> None:  # type: ignore[no-untyped-def]
    from ..send.schedule import decide, when
    from ..series.archive import read_archive

    symbols = d.members() + d.benchmark_symbols()
    markets = sorted({d.instruments[s].market for s in symbols})
    decision = decide(cals, markets, clock.now_utc())
    week = decision.due
    nxt = decision.next
    if week is None or week.end is None:
        at = when(nxt.closes_at) if nxt.closes_at else "never (no session)"
        log(f"nothing to do: no report week has closed; the week of {nxt.monday} closes {at}")
        return
    end = week.end
    day = d.publication_date(end)
    issue = next((i for i in read_archive(folder) if i.publication_date == day), None)
    if issue is None or issue.kind != "published":
        log(
            f"the week of {week.monday} closed {when(week.closes_at)} ({week.closing_market} last): building {day}"
        )
        try:
            if not no_update:
                from .update import update

                update(desk=desk_dir)
            _build(d, week.monday, end, folder, log)
        except SectorWeeklyError as exc:  # the command line prints it; the log keeps it too
            log.write(f"stopped: {' '.join(str(exc).split())}")
            raise
        log(f"published {day} in {folder}")
    elif not d.distribution.auto_release:
        later = (
            f"; the week of {nxt.monday} closes {when(nxt.closes_at)}"
            if nxt.closes_at and not nxt.closed(clock.now_utc())
            else ""
        )
        log(f"nothing to do: {day} was published at {issue.recorded_at:%Y-%m-%d %H:%M} UTC{later}")
    dist = d.distribution
    if not dist.auto_release or not dist.default_targets:
        log(_waiting(folder, day))
        return
    _auto_send(d, folder, day, log)


def _build(d, start: dt.date, end: dt.date, folder: Path, log: JobLog) -> None:  # type: ignore[no-untyped-def]
    """Build and publish the week as ``build --publish`` does, into ``<reports>/<date>``."""
    from ..build.flow import BuildContext, build_report
    from ..report.render import write_all
    from ..report.tasks import runner
    from ..series.archive import read_archive
    from ..series.publish import publish
    from ..update.workspace import prepare

    run = runner(2)  # forked before the store is opened
    try:
        prepare(d)
        ctx = BuildContext(history=read_archive(folder))
        report = build_report(d, start, end, ctx)
        out = folder / report.front.publication_date.isoformat()
        written = write_all(report, out, run)
    finally:
        run.close()
    done = publish(folder, report, [p for p in written if p.parent == out])
    for line in [*ctx.messages, *done.messages]:
        log(line)


def _waiting(folder: Path, day: dt.date) -> str:
    from ..send.release import NotReleased, released

    try:
        released(folder, day)
    except NotReleased as exc:
        return f"waiting for release: {exc}"
    return f"{day} is released; send it with sectorweekly send {day} --to NAME"


def _auto_send(d, folder: Path, day: dt.date, log: JobLog) -> None:  # type: ignore[no-untyped-def]
    from ..send import ledger
    from ..send.release import NotReleased, release, released
    from ..send.sender import send

    try:
        _, record = released(folder, day)
    except NotReleased:
        record, _ = release(folder, day, "sectorweekly weekly (auto_release)")
        log(f"released {day} (auto_release: true)")
    todo = [
        n
        for n in d.distribution.default_targets
        if ledger.sent_before(folder, day, record.digests, n) is None
    ]
    if not todo:
        log(f"nothing to do: {day} was sent to {', '.join(d.distribution.default_targets)}")
        return
    result = send(d.distribution, folder, day, todo, os.environ, say=log, desk_root=d.root)
    if result.errors:
        for _, line in result.errors:
            log.write(f"send failed: {line}")  # the command line prints the first
        error = SectorWeeklyError(result.errors[0][1])
        error.exit_code = result.exit_code
        raise error
