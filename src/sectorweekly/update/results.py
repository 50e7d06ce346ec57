"""What an update did, per symbol and in sum: the console and the exit code read only this.

Kept apart from the run so the report of a run can be read (and tested) without the machinery
that fetches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ProviderError
from ..providers.base import is_web_page
from ..wording import counted
from .checks import Change, Flag
from .resilience import NOT_ASKED


@dataclass
class SymbolResult:
    symbol: str
    market: str
    asked: tuple[dt.date, dt.date] | None  # the requested range; None when up to date
    source: str | None = None  # provider that delivered
    source_detail: str | None = None  # e.g. akshare:stock_zh_a_hist
    added: int = 0
    replaced: int = 0
    last_date: dt.date | None = None
    errors: list[ProviderError] = field(default_factory=list)  # every source tried, in order
    flags: list[Flag] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    kept_changes: bool = False  # differences found but not written (no --force)
    tail_source: str | None = None  # the later source that filled the last sessions
    missing: list[dt.date] = field(default_factory=list)  # asked sessions no source had
    skipped: bool = False  # not fetched: the run's budget was spent first
    future: list[tuple[str, dt.date]] = field(default_factory=list)  # (source, date) dropped

    @property
    def failed(self) -> bool:
        return self.asked is not None and self.source is None and not self.skipped

    @property
    def failure(self) -> ProviderError | None:
        return self.errors[-1] if self.failed and self.errors else None


@dataclass
class SharesResult:
    symbol: str
    shares: float | None = None
    as_of: dt.date | None = None
    source: str | None = None
    added: bool = False
    error: ProviderError | None = None


@dataclass
class UpdateSummary:
    store_path: Path
    results: list[SymbolResult]
    shares: list[SharesResult] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # source -> why it was not used
    seconds: float = 0.0
    store_last: dict[str, dt.date] = field(default_factory=dict)  # per market, after the run
    requests: dict[str, int] = field(default_factory=dict)  # HTTP requests per host
    given_up: dict[str, str] = field(default_factory=dict)  # host -> why it was not asked again
    rebase: bool = False  # the run re-based stored histories (--rebase)
    budget: float | None = None

    @property
    def failed(self) -> list[SymbolResult]:
        return [r for r in self.results if r.failed]

    @property
    def skipped(self) -> list[SymbolResult]:
        return [r for r in self.results if r.skipped]

    @property
    def incomplete(self) -> list[SymbolResult]:
        return [r for r in self.results if r.missing and not r.failed]

    @property
    def web_pages(self) -> bool:
        """Nothing arrived and every answer was an HTML page: a login or proxy page, not data."""
        errors = [e for r in self.failed for e in r.errors]
        return (
            bool(errors)
            and not any(r.source for r in self.results)
            and all(is_web_page(e) for e in errors)
        )

    @property
    def up_to_date(self) -> bool:
        return all(r.asked is None for r in self.results)

    @property
    def added(self) -> int:
        return sum(r.added for r in self.results)

    @property
    def ok(self) -> bool:
        return (
            not self.failed
            and not self.skipped
            and not self.incomplete
            and not any(s.error for s in self.shares)
        )

    def failure_message(self) -> str:
        """One line for the end of a failed run: what failed, what the store still holds."""
        failed = self.failed
        kinds = sorted({r.failure.kind for r in failed if r.failure})
        through = ", ".join(f"{m} to {d}" for m, d in sorted(self.store_last.items()))
        if self.web_pages:
            hosts = ", ".join(sorted(self.requests))
            head = (
                "the network answers with web pages (a login or proxy page), not data: every "
                f"host asked ({hosts}) returned HTML; nothing was written. Log in to the network "
                "or check the proxy, then run the update again"
            )
        elif failed and self.added == 0 and kinds == ["offline"]:
            reasons: dict[str, str] = {}
            for e in (e for r in failed for e in r.errors if e.kind == "offline"):
                if not e.detail.startswith(NOT_ASKED):
                    reasons.setdefault(e.source, _short(e.detail))
            why = "; ".join(f"{s}: {d}" for s, d in reasons.items())
            head = f"offline: no data source could be reached ({why}); nothing was written"
        else:
            parts = []
            if failed:
                parts.append(f"{len(failed)} of {counted(len(self.results), 'symbol')} failed")
                if kinds:
                    parts[-1] += f" ({', '.join(kinds)})"
            if self.skipped:
                parts.append(
                    f"{len(self.skipped)} skipped: the run's budget of {self.budget:g} s was "
                    "spent (a larger --budget gives them time)"
                )
            for r in self.incomplete:
                days = ", ".join(d.isoformat() for d in r.missing)
                parts.append(f"{r.symbol} lacks {days} (no source had them)")
            shares_failed = [s for s in self.shares if s.error]
            if shares_failed:
                parts.append(f"{counted(len(shares_failed), 'share count')} failed")
            head = (
                "; ".join(parts)
                + f"; {counted(self.added, 'row was', 'rows were')} stored for the others"
            )
        return (
            f"{head}. The store holds {through or 'no prices'}; "
            "`sectorweekly build` works from it and states the last date per market."
        )


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
