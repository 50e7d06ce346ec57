"""What the three group robots share: secrets from the environment, pacing, posting with retries.

Pacing is a sliding window per robot (at most N messages in any W seconds), not a token bucket:
a bucket of 20 refilled every 3 s lets 21 messages into some minute, and DingTalk answers the
21st by silencing the robot for ten minutes. Every robot with the same webhook shares one window
within the process, whatever target names it. Each window is a little longer than documented
(61 s for "a minute"), so that a request slowed on the way does not land inside the last one. Clock, wall time and sleep are injectable so the
tests decide and check the waits without waiting.

Retries: HTTP 429, 5xx, a connection that fails and each channel's documented rate-limit codes
are retried (up to three times; a rate limit waits for the server's ``Retry-After`` or the
channel's window, the others back off 1, 2, 4 s). A request sent but not answered in time is
not retried (the group could see the message twice). Anything else is one line, never retried.
Secrets are never printed: any line that would carry one has it replaced by ``***``.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .channel import ChannelError

Clock = Callable[[], float]
Sleep = Callable[[float], None]
TIMEOUT = 30.0
BACKOFF = (1.0, 2.0, 4.0)


@dataclass
class Window:
    """At most ``count`` events in any ``seconds``; :meth:`wait` sleeps until one may go."""

    rules: tuple[tuple[int, float], ...]
    clock: Clock
    sleep: Sleep
    sent: deque[float] = field(default_factory=deque)
    waits: list[float] = field(default_factory=list)  # every wait decided, for the tests

    def wait(self) -> None:
        longest = max(seconds for _, seconds in self.rules)
        while True:
            now = self.clock()
            while self.sent and now - self.sent[0] >= longest:
                self.sent.popleft()
            delay = max((self._delay(now, n, s) for n, s in self.rules), default=0.0)
            if delay <= 0:
                self.sent.append(now)
                return
            self.waits.append(delay)
            self.sleep(delay)

    def _delay(self, now: float, count: int, seconds: float) -> float:
        recent = [t for t in self.sent if now - t < seconds]
        if len(recent) < count:
            return 0.0
        return recent[-count] + seconds - now


_WINDOWS: dict[tuple[str, str, Clock], Window] = {}


def window_for(
    kind: str, identity: str, rules: tuple[tuple[int, float], ...], clock: Clock, sleep: Sleep
) -> Window:
    """The one window of the robot at ``identity`` (hashed: the key is a secret)."""
    key = (kind, hashlib.sha256(identity.encode()).hexdigest(), clock)
    if key not in _WINDOWS:
        _WINDOWS[key] = Window(rules, clock, sleep)
    return _WINDOWS[key]


def secret(
    kind: str, target: str, config: Mapping[str, Any], key: str, env: Mapping[str, str]
) -> str:
    """The value of the environment variable that ``distribution.targets.<target>.<key>`` names."""
    if not isinstance(config, Mapping):
        raise ChannelError(
            f"{kind}: distribution.targets.{target} is not a mapping of keys", code="config"
        )
    name = config.get(key)
    where = f"distribution.targets.{target}.{key}"
    if not isinstance(name, str) or not name.strip():
        raise ChannelError(
            f"{kind}: {where} is missing; expected the name of an environment variable",
            code="config",
        )
    value = env.get(name.strip(), "").strip()
    if not value:
        raise ChannelError(f"{kind}: {where} names {name.strip()}, which is not set", code="config")
    return value


def webhook_param(raw: str, name: str) -> str:
    """A webhook's credential alone (``key``, ``access_token``), also when the variable holds
    the whole URL the robot's settings page shows."""
    if raw.startswith("http"):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(raw).query)
        return query.get(name, [raw])[0]
    return raw


def base_url(kind: str, target: str, config: Mapping[str, Any], default: str) -> str:
    """The robot's address: the documented one, or ``base_url`` (a test server, Lark)."""
    value = config.get("base_url") or default
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ChannelError(
            f"{kind}: distribution.targets.{target}.base_url is {value!r}; expected an http(s) URL",
            code="config",
        )
    return value.rstrip("/")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


def http_post(url: str, data: bytes, content_type: str) -> Answer:
    """One POST; an HTTP error status is an answer too (its body says why)."""
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers or {}), error.read() or b"")


class Transient(Exception):
    """An answer worth another try, after ``wait`` seconds when the server said how long."""

    def __init__(self, line: str, code: str | None, wait: float | None = None) -> None:
        super().__init__(line)
        self.line, self.code, self.wait = line, code, wait


def refused(
    kind: str,
    code: object,
    message: str,
    errors: Mapping[int, str],
    rate_limited: set[int],
    wait: float | None,
    hints: Mapping[int, str],
) -> Exception:
    """What a robot's answer with a non-zero ``code`` means: a wait for its rate limit, else a
    refusal naming the code, its known meaning (or the robot's own ``message``) and, for a code
    that has one, what to check."""
    known = errors.get(code) if isinstance(code, int) else None
    if code in rate_limited:
        return Transient(f"{kind}: {code} {known}", str(code), wait)
    line = f"{kind}: {code} {known or message.strip() or 'refused'}"
    hint = hints.get(code) if isinstance(code, int) else None
    return ChannelError(line + (f"; {hint}" if hint else ""), code=str(code))


def parse_json(kind: str, answer: Answer) -> dict[str, Any]:
    """The JSON of an answer; a web page (a portal, a proxy's login, a 404 page) is refused."""
    head = answer.body.lstrip()[:15].lower()
    content_type = {k.lower(): v for k, v in answer.headers.items()}.get("content-type", "")
    if "html" in content_type or head.startswith((b"<!doctype", b"<html", b"<")):
        raise ChannelError(f"{kind}: the webhook answered with a web page, not JSON")
    try:
        value = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ChannelError(
            f"{kind}: the webhook answered HTTP {answer.status} with something that is not JSON"
        ) from None
    if not isinstance(value, dict):
        raise ChannelError(f"{kind}: the webhook answered JSON that is not an object")
    return value


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked to wait (``Retry-After``, Feishu's ``x-ogw-ratelimit-reset``)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in ("retry-after", "x-ogw-ratelimit-reset"):
        try:
            return max(0.0, float(lowered[name]))
        except (KeyError, ValueError):
            continue
    return None


class Robot:
    """Posting for one robot: pacing, retries, one-line errors with the secrets scrubbed."""

    def __init__(
        self,
        kind: str,
        target: str,
        identity: str,
        secrets: tuple[str, ...],
        *,
        rules: tuple[tuple[int, float], ...] = ((20, 61.0),),
        rate_wait: float = 60.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        post: Callable[[str, bytes, str], Answer] = http_post,
    ) -> None:
        self.kind = kind
        self.target = target
        self.secrets = tuple(s for s in secrets if s)
        self.sleep = sleep
        self.post = post
        self.rate_wait = rate_wait  # a rate limit answered without Retry-After is waited out
        self.window = window_for(kind, identity, rules, clock, sleep)
        self.retry_waits: list[float] = []  # every back-off decided, for the tests

    def scrub(self, line: str) -> str:
        for value in self.secrets:
            line = line.replace(value, "***")
        return line

    def send(
        self,
        request: Callable[[], tuple[str, bytes, str]],
        read: Callable[[Answer], dict[str, Any]],
        *,
        paced: bool = True,
    ) -> dict[str, Any]:
        """``request()`` builds the URL, body and content type afresh for every attempt (a
        signature has a timestamp); ``read`` turns the answer into JSON or raises."""
        last: Transient | None = None
        for attempt in range(len(BACKOFF) + 1):
            if attempt:
                assert last is not None
                delay = last.wait if last.wait is not None else BACKOFF[attempt - 1]
                self.retry_waits.append(delay)
                self.sleep(delay)
            if paced:
                self.window.wait()
            url, body, content_type = request()
            try:
                answer = self.post(url, body, content_type)
            except TimeoutError:
                # Sent, perhaps, but unanswered: another try could post the message twice.
                raise ChannelError(
                    f"{self.kind}: no answer within {TIMEOUT:.0f} s; the message may have arrived",
                    code="timeout",
                    transient=True,
                ) from None
            except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
                reason = " ".join(str(getattr(error, "reason", error)).split())
                last = Transient(f"{self.kind}: could not reach the webhook ({reason})", "network")
                continue
            try:
                return read(answer)
            except Transient as error:
                last = error
            except ChannelError as error:
                raise ChannelError(
                    self.scrub(error.line), code=error.code, transient=error.transient
                ) from None
        assert last is not None
        raise ChannelError(
            self.scrub(f"{last.line} (gave up after {len(BACKOFF) + 1} tries)"),
            code=last.code,
            transient=True,
        )

    def check_status(self, answer: Answer) -> None:
        """429 and 5xx are worth another try whatever the body says."""
        if answer.status == 429:
            raise Transient(
                f"{self.kind}: HTTP 429, too many requests",
                "429",
                retry_after(answer.headers) or self.rate_wait,
            )
        if answer.status >= 500:
            raise Transient(
                f"{self.kind}: HTTP {answer.status} from the webhook", str(answer.status)
            )
