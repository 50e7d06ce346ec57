"""What the wire said: the HTTP status a library saw before it failed, and exception kinds.

AKShare reads ``requests.get(...).json()`` without checking the status, so a 403 block page
surfaces as a JSON decode error; the status recorded here (per thread, from the requests
adapter that built the response) tells a block or a throttle apart from a page that is merely
not JSON. Inside ``capture()`` every response the thread receives is also kept, so a provider
can read what the server answered (the instrument it named) even where the library returns only
a table. Classification matches the real exception classes of requests, curl_cffi and
yfinance, imported when installed; nothing here sends a request.
"""

from __future__ import annotations

import importlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

_local = threading.local()
_installed = False
_install_lock = threading.Lock()


def install_status_recorder() -> None:
    """Record each response's status on the calling thread (once per process): requests'
    adapter (AKShare) and curl_cffi's session (yfinance, which also turns a block page into a
    JSON decode error)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        try:
            adapters = importlib.import_module("requests.adapters")
        except ImportError:
            adapters = None
        if adapters is not None:
            original: Callable[..., Any] = adapters.HTTPAdapter.build_response

            def build_response(self: Any, req: Any, resp: Any) -> Any:
                response = original(self, req, resp)
                _local.status = (response.status_code, req.url)
                _keep(str(req.url), response)
                _local.page = _is_page(response.headers.get("Content-Type"))
                return response

            adapters.HTTPAdapter.build_response = build_response
        try:
            curl = importlib.import_module("curl_cffi.requests")
        except ImportError:
            curl = None
        if curl is not None:
            for verb in ("get", "post"):
                _record_curl(curl.Session, verb)
        _installed = True


def _record_curl(session_class: type, verb: str) -> None:
    sent: Callable[..., Any] = getattr(session_class, verb)

    def call(self: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        response = sent(self, url, *args, **kwargs)
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            _local.status = (status, url)
            _local.page = _is_page(getattr(response, "headers", {}).get("Content-Type"))
        _keep(url, response)
        return response

    setattr(session_class, verb, call)


@dataclass(frozen=True)
class Answered:
    """One HTTP response a library received: the URL asked and the response object (whose body
    the library has read by the time the call returns)."""

    url: str
    response: Any

    @property
    def final_url(self) -> str:
        """The URL that answered, after any redirect."""
        return str(getattr(self.response, "url", None) or self.url)

    def text(self) -> str:
        try:
            content = self.response.content
        except Exception:  # a body that could not be read is no answer to check
            return ""
        if isinstance(content, bytes):
            return content.decode("utf-8", errors="replace")
        return str(content or "")


def _keep(url: str, response: Any) -> None:
    kept = getattr(_local, "answers", None)
    if kept is not None:
        kept.append(Answered(url, response))


@contextmanager
def capture() -> Iterator[list[Answered]]:
    """Keep every response the calling thread receives inside the block, in order.

    Per thread: symbols are fetched concurrently, each call on its own thread, so one call's
    answers never mix with another's.
    """
    install_status_recorder()
    outer = getattr(_local, "answers", None)
    kept: list[Answered] = []
    _local.answers = kept
    try:
        yield kept
    finally:
        _local.answers = outer
        if outer is not None:
            outer.extend(kept)


def _is_page(content_type: str | None) -> bool:
    return bool(content_type) and "html" in str(content_type).lower()


def reset_status() -> None:
    _local.status = None
    _local.page = False


def last_was_page() -> bool:
    """The last response this thread received was an HTML page (a login, proxy or error page)."""
    return bool(getattr(_local, "page", False))


def parsed_a_page(exc: BaseException) -> bool:
    """A JSON decode error (or one it caused) whose text was an HTML document."""
    seen: BaseException | None = exc
    while seen is not None:
        doc = getattr(seen, "doc", None)
        if isinstance(doc, str) and doc.lstrip()[:1] == "<":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def last_status() -> tuple[int, str] | None:
    """(status, url) of the last response this thread received, since reset_status()."""
    return getattr(_local, "status", None)


def _classes(module: str, *names: str) -> tuple[type[BaseException], ...]:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return ()
    return tuple(c for n in names if isinstance(c := getattr(mod, n, None), type))


def _status_of(exc: BaseException) -> int | None:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


THROTTLED = frozenset({429, 503})
BLOCKED = frozenset({401, 403, 451})


def kind_of_status(status: int | None) -> str | None:
    if status in THROTTLED:
        return "throttled"
    if status in BLOCKED:
        return "blocked"
    if status == 404:
        return "unknown_symbol"
    return None


def body_error(exc: BaseException) -> str | None:
    """What went wrong with an answer's body after its headers arrived: cut short or corrupt.

    Such an answer is the one request's fault (the symbol's), not the host's: the host did
    answer. requests raises ChunkedEncodingError (short body) or ContentDecodingError (bad gzip);
    curl_cffi raises its connection or HTTP error with the 2xx response it had received.
    """
    short = _classes("requests.exceptions", "ChunkedEncodingError") + _classes(
        "curl_cffi.requests.exceptions", "ChunkedEncodingError", "IncompleteRead"
    )
    corrupt = _classes("requests.exceptions", "ContentDecodingError") + _classes(
        "curl_cffi.requests.exceptions", "ContentDecodingError"
    )
    if corrupt and isinstance(exc, corrupt):
        return "corrupt body"
    if short and isinstance(exc, short):
        return "truncated body"
    curl_error = _classes("curl_cffi.requests.exceptions", "RequestException")
    status = _status_of(exc)
    if curl_error and isinstance(exc, curl_error) and status is not None and 200 <= status < 300:
        code = getattr(exc, "code", None)
        return "corrupt body" if code == CURLE_BAD_CONTENT_ENCODING else "truncated body"
    return None


CURLE_BAD_CONTENT_ENCODING = 61


def classify(exc: BaseException, status: int | None = None) -> str:
    """One error kind for an exception raised inside a library call.

    Order matters: requests' JSONDecodeError and HTTPError are OSErrors, and yfinance's
    YFPricesMissingError is a YFTickerMissingError, so the narrower classes come first.
    ``status`` is the HTTP status the call last received, when known.
    """
    yf_missing_prices = _classes("yfinance.exceptions", "YFPricesMissingError")
    yf_missing = _classes("yfinance.exceptions", "YFTickerMissingError")
    yf_rate = _classes("yfinance.exceptions", "YFRateLimitError")
    timeouts = (
        TimeoutError,
        socket.timeout,
        *_classes("requests.exceptions", "Timeout"),
        *_classes("curl_cffi.requests.exceptions", "Timeout"),
    )
    http_errors = (
        *_classes("requests.exceptions", "HTTPError"),
        *_classes("curl_cffi.requests.exceptions", "HTTPError"),
    )
    decode_errors = (
        json.JSONDecodeError,
        *_classes("requests.exceptions", "JSONDecodeError", "InvalidJSONError"),
        *_classes("curl_cffi.requests.exceptions", "JSONDecodeError"),
    )
    connection_errors = (
        ConnectionError,  # refused, reset, aborted (the builtin)
        socket.gaierror,
        *_classes("requests.exceptions", "ConnectionError", "ChunkedEncodingError"),
        *_classes(
            "curl_cffi.requests.exceptions", "ConnectionError", "DNSError", "ProxyError", "SSLError"
        ),
    )
    if yf_rate and isinstance(exc, yf_rate):
        return "throttled"
    if yf_missing_prices and isinstance(exc, yf_missing_prices):
        return "empty"
    if yf_missing and isinstance(exc, yf_missing):
        return "unknown_symbol"
    if isinstance(exc, timeouts):  # before connection errors: ConnectTimeout is both
        return "timeout"
    if body_error(exc) is not None:  # the host answered; this answer's body is bad
        return "malformed"
    if http_errors and isinstance(exc, http_errors):
        return kind_of_status(_status_of(exc) or status) or "offline"
    by_status = kind_of_status(status)
    if by_status in ("throttled", "blocked"):  # e.g. a block page AKShare then fails to parse
        return by_status
    if isinstance(exc, decode_errors):
        return "malformed"
    if isinstance(exc, connection_errors):
        return "offline"
    return "malformed"
