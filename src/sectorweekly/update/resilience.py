"""Politeness and patience toward hosts: a request rate, bounded retries, a circuit breaker.

Everything is kept per host (``push2his.eastmoney.com``, ``finance.sina.com.cn``,
``query2.finance.yahoo.com`` …), not per library: a block on one Eastmoney host leaves Sina's
index histories and Yahoo alone. Failures are put where they belong. The host's: a refused
connection, no DNS, throttling (HTTP 429/503) — retried with exponential backoff up to a cap
(429 backs off longer), then the host is given up — and refusals (HTTP 403) or silence
(timeouts) twice in a row with no answer between, after which the host is given up at once. The
symbol's: a body cut short, a corrupt gzip stream, bad JSON, an empty answer — retried once,
never counted against the host, since the host did answer. A timeout is not retried: the
call already waited its whole deadline. HTML pages from three different symbols in a row (a
login or proxy page answering every request) give the host up too. A host given up is not asked
again in the same run, so an update without network, or without one of its hosts, ends in
seconds. ``sleep`` and ``clock`` are injectable so tests run instantly; the default sleep wakes
on cancellation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..errors import ProviderError
from ..providers.base import is_web_page

T = TypeVar("T")
NOT_ASKED = "not asked:"
Sleep = Callable[[float], None]
Clock = Callable[[], float]
BREAKING_KINDS = frozenset({"offline", "throttled"})  # the host's, after the retries
BODY_KINDS = frozenset({"malformed"})  # the symbol's: retried once, never trips the host
BLOCKED_IN_A_ROW = 2  # HTTP 401/403 answers from one host before it is given up
TIMEOUTS_IN_A_ROW = 2  # calls past their deadline, with no answer between
PAGES_IN_A_ROW = 3  # symbols answered with an HTML page, with no data between


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # tries per host and symbol, the first included
    base_delay: float = 0.5  # seconds before the first retry
    factor: float = 2.0
    max_delay: float = 8.0
    throttle_delay: float = 5.0  # seconds before the first retry after HTTP 429
    throttle_max: float = 60.0
    body_attempts: int = 2  # tries after a bad body (truncated, corrupt, not data): one retry

    def delay(self, retry: int, kind: str = "offline") -> float:
        """Seconds to wait before retry number ``retry`` (0-based) after an error of ``kind``."""
        if kind == "throttled":
            return min(self.throttle_max, self.throttle_delay * self.factor**retry)
        return min(self.max_delay, self.base_delay * self.factor**retry)


class HostGate:
    """All requests to one host pass here: paced to ``rate`` per second, retried, broken."""

    def __init__(
        self,
        host: str,
        rate: float,
        policy: RetryPolicy,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (requests per second)")
        self.host = self.name = host
        self.interval = 1.0 / rate
        self.policy = policy
        self.sleep = sleep
        self.clock = clock
        self.requests = 0
        self.down: ProviderError | None = None
        self._blocked = 0
        self._timeouts = 0
        self._pages: set[str] = set()
        self._lock = threading.Lock()
        self._next_slot = 0.0

    def _wait_turn(self, cost: int = 1) -> None:
        with self._lock:
            now = self.clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval * cost
            self.requests += cost
        if slot > now:
            self.sleep(slot - now)

    def charge(self, requests: int) -> None:
        """Count ``requests`` more (made inside one library call) and push the next slot back."""
        if requests > 0:
            with self._lock:
                self._next_slot = max(self.clock(), self._next_slot) + self.interval * requests
                self.requests += requests

    def _refuse(self, source: str, symbol: str) -> ProviderError:
        assert self.down is not None
        return ProviderError(
            self.down.kind,
            source,
            symbol,
            f"{NOT_ASKED} {self.host} was given up earlier in this run ({self.down.detail})",
        )

    def _trip(self, err: ProviderError) -> None:
        with self._lock:
            if self.down is None:
                self.down = err

    def _count(self, err: ProviderError, symbol: str) -> None:
        """Refusals, silences and pages in a row: enough of one kind gives the host up."""
        with self._lock:
            if err.kind == "blocked":
                self._blocked += 1
                tripped = self._blocked >= BLOCKED_IN_A_ROW
            elif err.kind == "timeout":
                self._timeouts += 1
                tripped = self._timeouts >= TIMEOUTS_IN_A_ROW
            elif is_web_page(err):
                self._pages.add(symbol)
                tripped = len(self._pages) >= PAGES_IN_A_ROW
            else:
                return
        if not tripped:
            return
        if err.kind == "malformed":
            err = ProviderError(
                err.kind,
                err.source,
                err.symbol,
                f"answers every request with a web page (HTML), not data: {err.detail}",
            )
        elif err.kind == "timeout":
            err = ProviderError(
                err.kind, err.source, err.symbol, f"{err.detail} ({TIMEOUTS_IN_A_ROW} in a row)"
            )
        self._trip(err)

    def _answered(self) -> None:
        with self._lock:
            self._blocked = self._timeouts = 0
            self._pages.clear()

    def call(self, symbol: str, request: Callable[[], T], source: str | None = None) -> T:
        """Run ``request`` with pacing and retries; raise its last ProviderError otherwise."""
        source = source or self.host
        attempts = self.policy.attempts
        tries = max(attempts, self.policy.body_attempts)
        for attempt in range(tries):
            if self.down is None:
                self._wait_turn()
            if self.down is not None:  # given up before or while this one waited
                raise self._refuse(source, symbol)
            try:
                result = request()
            except ProviderError as err:
                self._count(err, symbol)
                if err.kind in BODY_KINDS:
                    if attempt + 1 >= self.policy.body_attempts:
                        raise
                    self.sleep(self.policy.delay(attempt, err.kind))
                    continue
                if not err.transient or err.kind == "timeout":
                    raise
                if attempt + 1 >= attempts:
                    final = ProviderError(
                        err.kind, err.source, err.symbol, f"{err.detail} ({attempts} attempts)"
                    )
                    if err.kind in BREAKING_KINDS:
                        self._trip(final)
                    raise final from err.__cause__
                self.sleep(self.policy.delay(attempt, err.kind))
                continue
            self._answered()
            return result
        raise AssertionError("attempts must be at least 1")


SourceGate = HostGate  # the name callers used when gates were kept per library


class Gates:
    """One gate per host, made on first use."""

    def __init__(self, rate: float, policy: RetryPolicy, sleep: Sleep, clock: Clock) -> None:
        self.rate, self.policy, self.sleep, self.clock = rate, policy, sleep, clock
        self._gates: dict[str, HostGate] = {}
        self._lock = threading.Lock()

    def __getitem__(self, host: str) -> HostGate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = HostGate(host, self.rate, self.policy, self.sleep, self.clock)
                self._gates[host] = gate
            return gate

    def items(self) -> list[tuple[str, HostGate]]:
        with self._lock:
            return list(self._gates.items())
