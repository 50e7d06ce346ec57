"""The machine refusing a write, on real file systems: a full disk (a small tmpfs), a read-only
one (the same, remounted read-only), a path that cannot exist. Each case: the documented exit
code, one line that names the path and what to do, no traceback (none at exit either, from a
zip file or DuckDB being collected), the previous documents byte for byte, no temporary file
left, and the store as it was.

Mounting needs root and a kernel that allows it; without either the cases skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sectorweekly import store
from test_cli_bad_inputs import world  # noqa: F401  (the fixture: a seeded demo desk)

WEEK = ["--start", "2024-10-07", "--end", "2024-10-11"]
EARLIER_WEEK = ["--start", "2024-09-23", "--end", "2024-09-27"]
DOCUMENTS = ("report.json", "report.md", "report.html", "report.docx", "report.pdf")


class Mounts:
    """Small tmpfs mounts made and removed by the test: ``new(size)``, ``read_only(mount)``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: list[Path] = []

    def new(self, size: str) -> Path:
        point = self.root / f"mnt-{uuid.uuid4().hex[:8]}"
        point.mkdir()
        run = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
            capture_output=True, text=True,
        )  # fmt: skip
        if run.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {run.stderr.strip() or run.returncode}")
        self.made.append(point)
        return point

    def read_only(self, point: Path) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)

    @staticmethod
    def fill(point: Path, leave_kb: int = 0) -> None:
        """Fill the disk, leaving about ``leave_kb`` kilobytes free."""
        st = os.statvfs(point)
        free = st.f_bavail * st.f_frsize - leave_kb * 1024
        with open(point / "filler", "wb") as fh:
            while free > 0:
                chunk = min(free, 1 << 20)
                try:
                    fh.write(b"\0" * chunk)
                    fh.flush()
                except OSError:
                    break
                free -= chunk

    def remove(self) -> None:
        for point in reversed(self.made):
            subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.fixture
def mounts(tmp_path: Path) -> Iterator[Mounts]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    m = Mounts(tmp_path)
    try:
        yield m
    finally:
        m.remove()


def sectorweekly(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The command in its own process: what is printed as it exits counts too."""
    return subprocess.run(
        [sys.executable, "-m", "sectorweekly", *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})},
    )  # fmt: skip


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) by relative path."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Temporary files or staging folders a writer left behind."""
    if not folder.exists():
        return []
    return [
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.name.endswith(".tmp") or p.name.startswith(".sectorweekly-staging-")
    ]


@dataclass
class Case:
    """``arrange(desk, mounts)`` returns (the command line, env, the folder to watch)."""

    name: str
    arrange: Callable[[Path, Mounts], tuple[list[str], dict[str, str], Path | None]]
    code: int
    words: tuple[str, ...]
    # the command that follows a first, successful ``arrange`` command once the disk was made
    # read-only or full: the previous files it wrote must come through intact
    then: Callable[[Path, Path], list[str]] | None = None
    then_breaks: str = ""  # "read-only" or "full"


def _build(desk: Path, out: Path, week: list[str] = WEEK) -> list[str]:
    return ["build", *week, "--desk", str(desk), "--out", str(out)]


def full_out(desk, m):
    return _build(desk, m.new("300k") / "r"), {}, None


def full_out_previous(desk, m):
    point = m.new("6m")
    return _build(desk, point / "r", EARLIER_WEEK), {}, point / "r"


def read_only_out(desk, m):
    point = m.new("1m")
    m.read_only(point)
    return _build(desk, point / "r"), {}, None


def read_only_out_previous(desk, m):
    point = m.new("6m")
    return _build(desk, point / "r", EARLIER_WEEK), {}, point / "r"


def store_read_only(desk, m):
    point = m.new("20m")
    shutil.copytree(desk, point / "desk")
    m.read_only(point)
    prices = desk.parent / "files" / "new_prices.csv"
    prices.write_text("symbol,date,close\n300308,2024-10-10,150\n", encoding="utf-8")
    return ["import", "prices", str(prices), "--desk", str(point / "desk")], {}, point / "desk"


def store_full(desk, m):
    point = m.new("12m")
    shutil.copytree(desk, point / "desk")
    prices = desk.parent / "files" / "many_prices.csv"
    if not prices.exists():
        from helpers import sessions  # the US market's sessions from the calendars

        days = sessions("US", "2010-01-04", "2024-06-28")
        rows = [f"NEWX{k},{d},{10 + k},US\n" for d in days for k in range(6)]
        prices.write_text("symbol,date,close,market\n" + "".join(rows), encoding="utf-8")
    Mounts.fill(point, leave_kb=150)
    return ["import", "prices", str(prices), "--desk", str(point / "desk")], {}, point / "desk"


def full_cache(desk, m):
    point = m.new("1m")
    out = desk.parent / f"out-{uuid.uuid4().hex[:6]}"
    return _build(desk, out), {"SECTORWEEKLY_HOME": str(point)}, None


def read_only_cache(desk, m):
    point = m.new("1m")
    m.read_only(point)
    out = desk.parent / f"out-{uuid.uuid4().hex[:6]}"
    return _build(desk, out), {"SECTORWEEKLY_HOME": str(point / "home")}, None


def publish_read_only(desk, m):
    point = m.new("6m")
    return [*_build(desk, point / "r", EARLIER_WEEK), "--publish"], {}, point


def backfill_into(desk, m):
    point = m.new("2m")
    return ["backfill", "--weeks", "2", "--desk", str(desk), "--reports", str(point)], {}, point


def first_backfill_full(desk, m):
    point = m.new("1m")
    Mounts.fill(point, leave_kb=20)
    return (
        ["backfill", "--weeks", "2", "--desk", str(desk), "--reports", str(point / "r")],
        {},
        point,
    )


def first_store_full(desk, m):
    point = m.new("1m")
    shutil.copytree(desk.parent / "empty_desk", point / "desk")  # no store yet
    Mounts.fill(point, leave_kb=20)
    prices = desk.parent / "files" / "prices.csv"
    return ["import", "prices", str(prices), "--desk", str(point / "desk")], {}, point


def next_week(desk: Path, watched: Path) -> list[str]:
    return _build(desk, watched)  # the next week into the same folder


def next_week_published(desk: Path, watched: Path) -> list[str]:
    return [*_build(desk, watched / "r"), "--publish"]


def more_weeks(desk: Path, watched: Path) -> list[str]:
    return ["backfill", "--weeks", "4", "--desk", str(desk), "--reports", str(watched)]


def scorecard_read_only(desk, m):
    point = m.new("1m")
    m.read_only(point)
    return ["ratings", "evaluate", "--out", str(point / "card"), "--desk", str(desk)], {}, None


def init_in_proc(desk, m):
    return ["init", "/proc/nope"], {}, None


def init_read_only(desk, m):
    point = m.new("1m")
    m.read_only(point)
    return ["init", str(point / "new_desk")], {}, None


def preview_port(port: str):
    def arrange(desk, m):
        return ["preview", "--port", port, "--desk", str(desk)], {}, None

    return arrange


CASES = [
    Case("build --out on a full disk", full_out, 7, ("/r/", "the disk is full (ENOSPC)")),
    Case("build --out on a full disk keeps the previous issue", full_out_previous, 7,
         ("the disk is full (ENOSPC)",), then=next_week, then_breaks="full"),
    Case("build --out on a read-only disk", read_only_out, 7, ("read-only (EROFS)", "/r")),
    Case("build --out on a disk remounted read-only keeps the previous issue",
         read_only_out_previous, 7, ("read-only (EROFS)",), then=next_week,
         then_breaks="read-only"),
    Case("build --publish into a read-only reports folder keeps the archive", publish_read_only,
         7, ("read-only (EROFS)",), then=next_week_published, then_breaks="read-only"),
    Case("backfill into a read-only reports folder keeps the archive", backfill_into, 7,
         ("archive.jsonl", "read-only (EROFS)"), then=more_weeks, then_breaks="read-only"),
    Case("backfill into a full reports folder keeps the archive", backfill_into, 7,
         ("archive.jsonl: cannot write the archive", "the disk is full (ENOSPC)"),
         then=more_weeks, then_breaks="full"),
    Case("a first backfill into a full disk leaves no archive nor its lock", first_backfill_full,
         7, ("archive.jsonl: cannot write the archive", "the disk is full (ENOSPC)")),
    Case("a first import into a new store on a full disk leaves no store nor its lock",
         first_store_full, 4, ("store.duckdb", "the disk is full (ENOSPC)")),
    Case("import prices into a store on a read-only disk", store_read_only, 4,
         ("store.duckdb", "cannot write the store", "read-only (EROFS)")),
    Case("import prices into a store on a full disk", store_full, 4,
         ("store.duckdb", "cannot write the store", "the disk is full (ENOSPC)")),
    Case("build with a full cache folder", full_cache, 0, ("warning: cache skipped", "ENOSPC")),
    Case("build with a read-only cache folder", read_only_cache, 0,
         ("warning: cache skipped", "EROFS")),
    Case("ratings evaluate --out on a read-only disk", scorecard_read_only, 7,
         ("card: cannot create the folder", "read-only (EROFS)")),
    Case("init /proc/nope", init_in_proc, 7, ("/proc/nope: cannot create the desk",)),
    Case("init on a read-only disk", init_read_only, 7,
         ("new_desk: cannot create the desk", "read-only (EROFS)")),
    Case("preview --port 70000", preview_port("70000"), 2, ("--port", "65535")),
    Case("preview --port -1", preview_port("-1"), 2, ("--port", "greater than or equal to 0")),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_machine_refusing_a_write(world, mounts, case):  # noqa: F811
    desk = world["desk"]
    db = desk / "store.duckdb"
    before_store = store.fingerprint(db)
    args, env, watched = case.arrange(desk, mounts)
    if case.then is not None:
        first = sectorweekly(*args, env=env)
        assert first.returncode == 0, first.stderr
        assert watched is not None
        args = case.then(desk, watched)
        point = next(p for p in mounts.made if watched.is_relative_to(p))
        if case.then_breaks == "read-only":
            mounts.read_only(point)
        else:
            Mounts.fill(point, leave_kb=20)
    before = snapshot(watched) if watched else {}
    if case.then is not None:
        names = {Path(k).name for k in before}
        assert names & {*DOCUMENTS, "archive.jsonl"}, before.keys()
    run = sectorweekly(*args, env=env)

    assert run.returncode == case.code, run.stderr
    err = run.stderr.strip()
    assert "Traceback" not in run.stderr + run.stdout
    assert "Exception ignored" not in run.stderr
    for words in case.words:
        assert words in (err.splitlines()[-1] if case.code else err), err
    if case.code and watched is None and "--out" in args:
        assert not Path(args[args.index("--out") + 1]).exists()  # a folder it made goes too
    if case.code:
        lines = err.splitlines()  # a build's own messages may come first, the error last
        assert [x for x in lines if x.startswith("error")] == [lines[-1]], err
        assert lines[-1].startswith("error: "), err
    else:
        warnings = [line for line in err.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and "cache skipped" in warnings[0], err  # once, not per folder
        out = Path(args[args.index("--out") + 1])
        assert {p.name for p in out.iterdir()} >= {*DOCUMENTS, "charts"}
        assert len(list((out / "charts").glob("figure_*.png"))) >= 8
        assert (out / "report.docx").read_bytes()[:2] == b"PK"
        assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"
    if watched is not None:
        if "filler" in before:
            before.pop("filler")
        after = snapshot(watched)
        after.pop("filler", None)
        assert after == before  # the previous issue (or store) byte for byte
        assert leftovers(watched) == []
        if (watched / "store.duckdb").exists():
            assert not (watched / "store.duckdb.wal").exists()
    for point in mounts.made:
        assert leftovers(point) == []
    assert store.fingerprint(db) == before_store


def test_staging_commits_all_or_restores_the_old_set(tmp_path):
    """Renaming the staged set in place: when one rename fails (its target is now a folder),
    the files already renamed are put back, so the folder holds the old set whole."""
    from sectorweekly.atomic import Staging
    from sectorweekly.errors import MachineError

    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old a")
    (out / "b.txt").write_text("old b")
    staging = Staging(out)
    for name in ("a.txt", "b.txt", "c.txt"):
        (staging.folder / name).write_text(f"new {name[0]}")
    (out / "c.txt").mkdir()  # a folder where the new c.txt goes: that rename fails
    (out / "c.txt" / "keep").write_text("x")
    with pytest.raises(MachineError, match="cannot put the new files in place"):
        staging.commit([staging.folder / n for n in ("a.txt", "b.txt", "c.txt")])
    assert (out / "a.txt").read_text() == "old a" and (out / "b.txt").read_text() == "old b"
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt", "c.txt"]


@pytest.mark.parametrize(
    ("errno_name", "words"),
    [
        ("ENOSPC", "the disk is full (ENOSPC); free some space there"),
        ("EDQUOT", "the disk quota is used up (EDQUOT)"),
        ("EROFS", "the file system is read-only (EROFS); choose a folder on a writable disk"),
        ("EACCES", "permission denied (EACCES)"),
        ("EPERM", "operation not permitted (EPERM)"),
        ("ENOENT", "no such file or folder (ENOENT); check the path"),
        ("ENOTDIR", "a part of the path is a file, not a folder (ENOTDIR)"),
    ],
)
def test_os_errors_are_classed_into_one_line(errno_name, words):
    import errno

    from sectorweekly.errors import MachineError, machine_error

    exc = OSError(getattr(errno, errno_name), os.strerror(getattr(errno, errno_name)), "/x/y")
    err = machine_error(exc, Path("/out/report.pdf"))
    assert isinstance(err, MachineError) and err.exit_code == 7
    assert str(err) == f"/out/report.pdf: cannot write: {words}" or str(err).startswith(
        f"/out/report.pdf: cannot write: {words}"
    )


def test_atomic_write_on_dev_full_leaves_the_old_file(tmp_path):
    """/dev/full as the file system: a write through it fails; the helper's own temp file
    beside a real target is gone and the target is as it was."""
    from sectorweekly.atomic import replacing
    from sectorweekly.errors import MachineError

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this machine")
    target = tmp_path / "report.json"
    target.write_bytes(b"old")
    refused = pytest.raises(MachineError, match=r"report.json: cannot write: the disk is full")
    with refused, replacing(target) as tmp:
        tmp.symlink_to("/dev/full")  # the temp name leads to the full device
        with open(tmp, "wb") as fh:
            fh.write(b"new" * 1000)
            fh.flush()
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_init_into_an_empty_folder_keeps_that_folder(tmp_path):
    """`init .` in an empty folder: the desk's files land in that very folder (a shell standing
    in it keeps standing in it), and nothing temporary is left beside it."""
    folder = tmp_path / "desk"
    folder.mkdir()
    inode = folder.stat().st_ino
    run = subprocess.run(
        [sys.executable, "-m", "sectorweekly", "init", "."],
        capture_output=True, text=True, timeout=120, cwd=folder,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert folder.stat().st_ino == inode
    assert (folder / "desk.yaml").is_file() and (folder / "notes").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["desk"]
