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
