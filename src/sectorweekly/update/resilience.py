"""Politeness and patience toward sources: a request rate, bounded retries, a circuit breaker.

Transient failures (offline, timeout, throttled) are retried with exponential backoff up to a
cap; a source found offline after its retries is not asked again in the same run, so an update
without network ends in seconds instead of retrying every symbol. ``sleep`` and ``clock`` are
injectable so tests run instantly.
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


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # tries per source and symbol, the first included
    base_delay: float = 0.5  # seconds before the first retry
    factor: float = 2.0
    max_delay: float = 8.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        return min(self.max_delay, self.base_delay * self.factor**retry)


class SourceGate:
    """All requests to one source pass here: paced to ``rate`` per second, retried, broken."""

    def __init__(
        self,
        name: str,
        rate: float,
        policy: RetryPolicy,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (requests per second)")
        self.name = name
        self.interval = 1.0 / rate
        self.policy = policy
        self.sleep = sleep
        self.clock = clock
        self.requests = 0
        self.down: ProviderError | None = None
        self._lock = threading.Lock()
        self._next_slot = 0.0

    def _wait_turn(self) -> None:
        with self._lock:
            now = self.clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
            self.requests += 1
        if slot > now:
            self.sleep(slot - now)

    def _refuse(self, symbol: str) -> ProviderError:
        assert self.down is not None
        return ProviderError(
            "offline",
            self.name,
            symbol,
            f"{NOT_ASKED} {self.name} was unreachable earlier in this run ({self.down.detail})",
        )

    def call(self, symbol: str, request: Callable[[], T]) -> T:
        """Run ``request`` with pacing and retries; raise its last ProviderError otherwise."""
        attempts = self.policy.attempts
        for attempt in range(attempts):
            if self.down is None:
                self._wait_turn()
            if self.down is not None:  # found unreachable before or while this one waited
                raise self._refuse(symbol)
            try:
                return request()
            except ProviderError as err:
                last = attempt == attempts - 1
                if not err.transient:
                    raise
                if last:
                    final = ProviderError(
                        err.kind, err.source, err.symbol, f"{err.detail} ({attempts} attempts)"
                    )
                    if err.kind == "offline":
                        self.down = final
                    raise final from err.__cause__
                self.sleep(self.policy.delay(attempt))
        raise AssertionError("attempts must be at least 1")
