"""Politeness and patience toward hosts: a request rate, bounded retries, a circuit breaker.

Everything is kept per host (``push2his.eastmoney.com``, ``finance.sina.com.cn``,
``query2.finance.yahoo.com`` …), not per library: a block on one Eastmoney host leaves Sina's
index histories and Yahoo alone. Transient failures (offline, timeout, throttled) are retried
with exponential backoff up to a cap; throttling (HTTP 429) backs off longer. A host found
offline, throttling or silent (timeouts) after its retries, or refusing twice in a row (HTTP
403), is not asked again in the same run, so an update without network, or without one of its
hosts, ends in seconds instead of waiting out every symbol's deadline. ``sleep`` and
``clock`` are injectable so tests run instantly; the default sleep wakes on cancellation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..errors import ProviderError

T = TypeVar("T")
NOT_ASKED = "not asked:"
Sleep = Callable[[float], None]
Clock = Callable[[], float]
BREAKING_KINDS = frozenset({"offline", "throttled", "timeout"})  # after the retries
BLOCKED_IN_A_ROW = 2  # HTTP 401/403 answers from one host before it is given up


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # tries per host and symbol, the first included
    base_delay: float = 0.5  # seconds before the first retry
    factor: float = 2.0
    max_delay: float = 8.0
    throttle_delay: float = 5.0  # seconds before the first retry after HTTP 429
    throttle_max: float = 60.0

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

    def call(self, symbol: str, request: Callable[[], T], source: str | None = None) -> T:
        """Run ``request`` with pacing and retries; raise its last ProviderError otherwise."""
        source = source or self.host
        attempts = self.policy.attempts
        for attempt in range(attempts):
            if self.down is None:
                self._wait_turn()
            if self.down is not None:  # given up before or while this one waited
                raise self._refuse(source, symbol)
            try:
                result = request()
            except ProviderError as err:
                if err.kind == "blocked":
                    with self._lock:
                        self._blocked += 1
                        blocked = self._blocked
                    if blocked >= BLOCKED_IN_A_ROW:
                        self._trip(err)
                    raise
                if not err.transient:
                    raise
                if attempt == attempts - 1:
                    final = ProviderError(
                        err.kind, err.source, err.symbol, f"{err.detail} ({attempts} attempts)"
                    )
                    if err.kind in BREAKING_KINDS:
                        self._trip(final)
                    raise final from err.__cause__
                self.sleep(self.policy.delay(attempt, err.kind))
                continue
            with self._lock:
                self._blocked = 0
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
