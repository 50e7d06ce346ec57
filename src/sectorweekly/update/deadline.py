"""A deadline on every library call, a budget for the whole run, and a way to stop it at once.

Some library calls take no timeout (``index_zh_a_hist``, the Sina index histories), and even
those that do can stall past it (a socket that accepts and never answers, retries inside the
library). Each call therefore runs in a daemon thread the update waits on for at most the
deadline; past it the call is abandoned (its thread ends on its own, holding nothing the run
needs) and reported as ``timeout``; the deadline covers the whole answer, so a body sent a byte
a second ends there too. A ``Budget`` bounds the run: no call or backoff outlasts it, and what
is left when it is spent is skipped. A ``Cancel`` set by Ctrl-C (or SIGTERM) wakes every wait
within a tenth of a second, so the run stops in seconds; what was committed stays committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
POLL_S = 0.1


class Cancelled(Exception):
    """The run was stopped (Ctrl-C) while this call waited."""


class Cancel:
    """Set once to stop every wait of the run."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    def sleep(self, seconds: float) -> None:
        """``time.sleep`` that wakes (raising Cancelled) when the run is stopped."""
        if self._event.wait(max(0.0, seconds)):
            raise Cancelled()


class BudgetSpent(Exception):
    """The run's total budget is spent: this symbol is skipped, not failed."""


class Budget:
    """The run's seconds, from ``clock``: the time left bounds each call and each backoff."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.end = None if seconds is None else clock() + seconds

    def left(self) -> float:
        return float("inf") if self.end is None else self.end - self.clock()

    def check(self) -> None:
        if self.left() <= 0:
            raise BudgetSpent()

    def bound(self, seconds: float) -> float:
        """``seconds``, or the time left if that is shorter; BudgetSpent when none is left."""
        self.check()
        return min(seconds, self.left())

    def sleeper(self, sleep: Callable[[float], None]) -> Callable[[float], None]:
        """``sleep`` that refuses a wait the budget cannot hold (the symbol is then skipped)."""

        def bounded(seconds: float) -> None:
            if seconds > self.left():
                raise BudgetSpent()
            sleep(seconds)

        return bounded


class DeadlineExceeded(TimeoutError):
    """The call did not return within its deadline and was abandoned."""


def call_with_deadline(fn: Callable[[], T], seconds: float, cancel: Cancel | None = None) -> T:
    """``fn()`` in a daemon thread; its result, its exception, or DeadlineExceeded."""
    done = threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the waiting thread as is
            box["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=target, name="sectorweekly-call", daemon=True)
    worker.start()
    started = time.monotonic()
    while not done.wait(min(POLL_S, seconds)):
        if cancel is not None and cancel.is_set:
            raise Cancelled()
        if time.monotonic() - started >= seconds:
            raise DeadlineExceeded(f"no answer within the {seconds:g} s deadline; abandoned")
    if "error" in box:
        raise box["error"]
    return box["value"]
