"""Where a failure belongs: the host's (breaker) or the symbol's (one retry), and the budget.

The gate is driven with the ProviderErrors the providers raise (their classing from real
library exceptions is covered over real sockets in test_transport_update.py); sleeps are
recorded, not slept.
"""

from __future__ import annotations

import pytest

from sectorweekly.errors import ProviderError
from sectorweekly.providers.base import WEB_PAGE
from sectorweekly.update.deadline import Budget, BudgetSpent
from sectorweekly.update.resilience import HostGate, RetryPolicy

HOST = "push2his.eastmoney.com"


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def gate(sleep=None) -> HostGate:
    return HostGate(
        HOST,
        1000.0,
        RetryPolicy(),
        sleep=sleep if sleep is not None else Sleeps(),
        clock=lambda: 0.0,
    )


def failing(kind: str, detail: str = "stock_zh_a_hist: boom", counter: list | None = None):
    def request():
        if counter is not None:
            counter.append(1)
        raise ProviderError(kind, "akshare", "x", detail)

    return request


def test_a_bad_body_is_retried_once_and_never_gives_the_host_up() -> None:
    g = gate()
    for symbol in ("688256", "688047", "688981", "688702", "300308"):
        calls: list[int] = []
        with pytest.raises(ProviderError) as err:
            g.call(symbol, failing("malformed", "truncated body: ChunkedEncodingError", calls))
        assert err.value.kind == "malformed" and len(calls) == 2
    assert g.down is None
    assert g.call("601138", lambda: "rows") == "rows"


def test_a_timeout_is_not_retried_and_two_in_a_row_give_the_host_up() -> None:
    g = gate()
    calls: list[int] = []
    with pytest.raises(ProviderError):
        g.call("000300", failing("timeout", "no answer within the 30 s deadline", calls))
    assert len(calls) == 1 and g.down is None
    g.call("688256", lambda: "rows")  # an answer between: the count starts again
    with pytest.raises(ProviderError):
        g.call("688047", failing("timeout"))
    assert g.down is None
    with pytest.raises(ProviderError):
        g.call("688981", failing("timeout"))
    assert g.down is not None and "2 in a row" in g.down.detail
    with pytest.raises(ProviderError, match=r"not asked: push2his\.eastmoney\.com was given up"):
        g.call("688702", lambda: "rows")


def test_throttling_is_retried_with_the_long_backoff_then_gives_the_host_up() -> None:
    sleeps = Sleeps()
    g = gate(sleeps)
    calls: list[int] = []
    with pytest.raises(ProviderError, match=r"\(3 attempts\)"):
        g.call("688256", failing("throttled", "HTTP 429", calls))
    assert len(calls) == 3 and [s for s in sleeps if s >= 1] == [5.0, 10.0]
    assert g.down is not None and g.down.kind == "throttled"


def test_pages_from_three_symbols_in_a_row_give_the_host_up() -> None:
    g = gate()
    page = f"stock_zh_a_hist: {WEB_PAGE}: JSONDecodeError"
    for symbol in ("688256", "688047"):
        with pytest.raises(ProviderError):
            g.call(symbol, failing("malformed", page))
    assert g.down is None  # two symbols' pages: still the symbols'
    with pytest.raises(ProviderError):
        g.call("688981", failing("malformed", page))
    assert g.down is not None
    assert "answers every request with a web page (HTML), not data" in g.down.detail


def test_a_backoff_the_budget_cannot_hold_skips_instead_of_sleeping() -> None:
    now = [0.0]
    budget = Budget(4.0, clock=lambda: now[0])
    sleeps = Sleeps()
    g = HostGate(HOST, 1000.0, RetryPolicy(), budget.sleeper(sleeps), clock=lambda: now[0])
    with pytest.raises(BudgetSpent):
        g.call("688256", failing("throttled", "HTTP 429"))  # the first backoff is 5 s
    assert sleeps == []
    now[0] = 4.0
    with pytest.raises(BudgetSpent):
        budget.bound(30.0)
    assert Budget(None).bound(30.0) == 30.0


def test_the_budget_bounds_a_call_to_the_time_left() -> None:
    now = [100.0]
    budget = Budget(10.0, clock=lambda: now[0])
    now[0] = 107.5
    assert budget.bound(30.0) == pytest.approx(2.5)
    assert budget.bound(1.0) == 1.0
