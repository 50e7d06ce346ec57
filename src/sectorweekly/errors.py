"""Typed errors that say what was asked, where, and what is expected.

Every error a user can cause is one of these; the CLI prints ``str(err)`` on one line and exits
with a non-zero code, so the message itself must be enough to act on.
"""

from __future__ import annotations

from pathlib import Path


class SectorWeeklyError(Exception):
    """Base of every error the project raises on purpose; used directly for what this machine
    lacks to run a command (a CJK font, the PDF engine, the ``[online]`` extra)."""

    exit_code = 6


class InputError(SectorWeeklyError):
    """Bad input in a file: names the file, the row (or key) and what was expected."""

    exit_code = 2

    def __init__(self, path: Path | str, where: int | str | None, message: str) -> None:
        self.path = str(path)
        self.where = where
        self.message = message
        loc = self.path if where is None else f"{self.path}:{where}"
        super().__init__(f"{loc}: {message}")


class DeskError(InputError):
    """The desk configuration is invalid (file, key, fix)."""


class CalendarError(SectorWeeklyError):
    """A date outside what the installed exchange calendars know."""

    exit_code = 3


class StoreError(SectorWeeklyError):
    """The store cannot answer: missing, locked, or lacking the data asked for."""

    exit_code = 4


PROVIDER_ERROR_KINDS = (
    "offline",  # no connection to the host (refused, reset, DNS)
    "timeout",  # the host or the call did not answer within its deadline
    "throttled",  # HTTP 429/503 or the library's rate-limit error
    "blocked",  # HTTP 401/403/451: the host refuses this client
    "empty",
    "malformed",  # an answer that is not what the library parses (an HTML page, bad JSON)
    "unknown_symbol",
    "unsupported",  # the installed library lacks an argument the provider passes
    "mismatch",  # the answer names another instrument than the one asked
    "basis",  # the series does not join the stored one (split-adjusted, forward-adjusted, …)
)
TRANSIENT_KINDS = frozenset({"offline", "timeout", "throttled"})


class ProviderError(SectorWeeklyError):
    """A data source could not deliver one symbol's rows; ``kind`` says why, in one word.

    Each library fails its own way (AKShare raises, yfinance returns an empty frame, baostock
    returns an error code); providers translate all of them into this one error so that retry,
    fallback and the update summary never look at library specifics.
    """

    exit_code = 5

    def __init__(self, kind: str, source: str, symbol: str, detail: str) -> None:
        if kind not in PROVIDER_ERROR_KINDS:
            raise ValueError(f"unknown provider error kind {kind!r}")
        self.kind = kind
        self.source = source
        self.symbol = symbol
        self.detail = detail
        super().__init__(f"{source}: {symbol}: {kind}: {detail}")

    @property
    def transient(self) -> bool:
        """Worth retrying: the same request may succeed a little later."""
        return self.kind in TRANSIENT_KINDS


class MachineError(SectorWeeklyError):
    """The machine refused a file operation: a full disk, a read-only folder, no permission, a
    path that does not exist. Not the user's data and not a bug: the line says where and what
    to do."""

    exit_code = 7


# errno -> (what happened, what to do); the names are the ones the OS documents
_OS_REASONS = {
    "ENOSPC": ("the disk is full", "free some space there, or choose another folder"),
    "EDQUOT": ("the disk quota is used up", "free some space there, or choose another folder"),
    "EFBIG": ("the file is larger than that disk allows", "choose another folder"),
    "EROFS": ("the file system is read-only", "choose a folder on a writable disk"),
    "EACCES": ("permission denied", "choose a folder you may write, or change its permissions"),
    "EPERM": ("operation not permitted", "choose a folder you may write, or change its owner"),
    "ENOENT": ("no such file or folder", "check the path, or create the folder first"),
    "ENOTDIR": ("a part of the path is a file, not a folder", "check the path"),
    "EISDIR": ("it is a folder", "give the path of a file"),
    "EEXIST": ("it already exists", "remove it or choose another path"),
}


def os_reason(exc: OSError) -> str:
    """What went wrong and what to do, in words: ``the disk is full; free some space …``."""
    import errno as codes

    name = codes.errorcode.get(exc.errno or 0, "")
    what, todo = _OS_REASONS.get(name, (exc.strerror or str(exc), "check the disk and the path"))
    return f"{what} ({name}); {todo}" if name else f"{what}; {todo}"


# what libraries that report an OS error as text (DuckDB) say, by errno name
_OS_WORDS = {
    "No space left on device": "ENOSPC",
    "Disk quota exceeded": "EDQUOT",
    "Read-only file system": "EROFS",
    "Permission denied": "EACCES",
}


def os_reason_in_text(text: str) -> str | None:
    """``os_reason`` of an OS error a library gave as words only, else None."""
    import errno as codes

    for words, name in _OS_WORDS.items():
        if words in text:
            return os_reason(OSError(getattr(codes, name), words))
    return None


def store_unwritable(exc: Exception, path: Path | str) -> StoreError | None:
    """The store's disk refused a write (DuckDB's error text names the OS error), as one line
    with the store's exit code; None for any other error."""
    reason = os_reason_in_text(str(exc))
    return StoreError(f"{path}: cannot write the store: {reason}") if reason else None


def machine_error(
    exc: OSError, path: Path | str | None = None, doing: str = "cannot write"
) -> MachineError:
    """``exc`` as one line naming the path (the one given, else the one the OS named)."""
    where = path if path is not None else (exc.filename2 or exc.filename)
    prefix = f"{where}: " if where is not None else ""
    return MachineError(f"{prefix}{doing}: {os_reason(exc)}")
