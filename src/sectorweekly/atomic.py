"""Files written whole or not at all: a reader never sees half a file, a failure leaves the
previous file (or files) as they were.

One file: written to a temporary name in the same folder (same disk, so the rename cannot copy)
and renamed over the old one. A build's several documents: written into a staging folder inside
the output folder (``Staging``), then renamed into place together, so that a failure midway
never leaves a new ``report.pdf`` beside an old ``report.docx`` claiming to be the same issue.
Every OS error is raised as one line that names the path and what to do (``errors.machine_error``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import InputError, machine_error

TMP_SUFFIX = ".tmp"
STAGING_PREFIX = ".sectorweekly-staging-"
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK}  # FAT, some network disks


def temp_path(path: Path) -> Path:
    """A hidden name beside ``path`` that no other process or thread uses at once."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{TMP_SUFFIX}")


@contextlib.contextmanager
def replacing(path: Path, doing: str = "cannot write") -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write (by a library that takes a file name);
    renamed onto ``path`` when the block succeeds, removed when it fails."""
    tmp = temp_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise machine_error(exc, path, doing) from None
    except BaseException:
        _remove(tmp)
        raise


def write_bytes(path: Path, data: bytes, doing: str = "cannot write") -> Path:
    """Write ``data`` to ``path`` whole (flushed to the disk before the rename) or not at all."""
    with replacing(path, doing) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return path


def write_text(path: Path, text: str, doing: str = "cannot write") -> Path:
    return write_bytes(path, text.encode("utf-8"), doing)


def write_lines(path: Path, lines: Iterable[str], doing: str = "cannot write") -> Path:
    """Write ``lines`` (each with its newline) one by one: for files too big to join first."""
    with replacing(path, doing) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())
    return path


def make_folder(path: Path, doing: str = "cannot create the folder") -> Path:
    """``mkdir -p``, its OS error as one line."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise machine_error(exc, path, doing) from None
    if not path.is_dir():
        raise InputError(path, None, "is a file; expected a folder")
    return path


def unstaged(path: Path) -> Path:
    """The path a staged file will have (what a message names): without the staging folder."""
    parts = path.parts
    return Path(*[p for p in parts if not p.startswith(STAGING_PREFIX)]) if parts else path


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Staging:
    """A folder of new files inside ``target``, renamed into ``target`` all together.

    Each file of the set is written under ``staging.folder`` (same relative name). ``commit``
    links the files it will replace aside first, then renames the new ones in; if a rename
    fails, the ones already renamed are put back, so ``target`` holds either the whole old set
    or the whole new one. A staging folder left by a process that was killed is removed by the
    next one.
    """

    def __init__(self, target: Path) -> None:
        self._made_target = not target.exists()  # removed again if nothing comes of it
        self.target = make_folder(target)
        self._committed = False
        self._clean_abandoned()
        self.folder = target / f"{STAGING_PREFIX}{os.getpid()}"
        shutil.rmtree(self.folder, ignore_errors=True)
        try:
            self.folder.mkdir()
        except OSError as exc:
            raise machine_error(exc, target, "cannot write there") from None

    def _clean_abandoned(self) -> None:
        for old in self.target.glob(f"{STAGING_PREFIX}*"):
            pid = old.name.removeprefix(STAGING_PREFIX)
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)

    def final(self, staged_path: Path) -> Path:
        return self.target / staged_path.relative_to(self.folder)

    def commit(self, staged: list[Path]) -> list[Path]:
        """Rename the staged files (in this order) into ``target``; their final paths."""
        backup = self.folder / ".previous"
        pairs = [(s, self.final(s)) for s in staged]
        kept: dict[Path, Path] = {}
        try:
            for n, (_, dest) in enumerate(pairs):
                if dest.exists():
                    make_folder(backup)
                    aside = backup / str(n)
                    try:
                        os.link(dest, aside)  # a second name for the old file: no data copied
                    except OSError as exc:
                        if exc.errno not in _NO_LINKS:
                            raise
                        continue  # a file system without hard links: no way back for this one
                    kept[dest] = aside
            done: list[Path] = []
            try:
                for src, dest in pairs:
                    if dest.parent != self.target:
                        make_folder(dest.parent)
                    os.replace(src, dest)
                    done.append(dest)
            except BaseException:
                for dest in reversed(done):  # the old set back, name by name
                    with contextlib.suppress(OSError):
                        if dest in kept:
                            os.replace(kept[dest], dest)
                        else:
                            dest.unlink()
                raise
        except OSError as exc:
            raise machine_error(exc, self.target, "cannot put the new files in place") from None
        else:
            self._committed = True
        finally:
            self.discard()
        return [dest for _, dest in pairs]

    def discard(self) -> None:
        """Remove the staging folder and whatever was written into it (and ``target``, when
        this made it and nothing was put in it)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._made_target and not self._committed:
            with contextlib.suppress(OSError):
                self.target.rmdir()  # only if empty

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()
