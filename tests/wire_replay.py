"""Recorded HTTP answers replayed under the real AKShare and yfinance code.

Only the HTTP layer is replaced: ``responses`` answers the requests AKShare sends (through the
real requests stack, so its exceptions are the real ones), and ``ReplaySession`` — a real
curl_cffi Session whose ``request`` answers from the same files — serves yfinance. Failures are
real too: a stalled socket is a local server that accepts and never answers, a refused
connection is a real connect to a local port nobody listens on (the name resolves first).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import responses
from curl_cffi import requests as curl_requests

WIRE = Path(__file__).parent / "fixtures" / "providers" / "wire"
KLINE = re.compile(r"https://(\d+\.)?push2his\.eastmoney\.com/api/qt/stock/kline/get.*")
INDEX_LIST = re.compile(r"https://80\.push2\.eastmoney\.com/api/qt/clist/get.*")
SINA = re.compile(
    r"https://finance\.sina\.com\.cn/(stock/hkstock/(?P<hk>[^/]+)/klc2_kl\.js|staticdata/us/(?P<us>[^?]+)).*"
)
DATA_NULL = (WIRE / "em_data_null.json").read_text(encoding="utf-8")
BLOCK_PAGE = (WIRE / "block_page.html").read_text(encoding="utf-8")

Answer = tuple[int, dict[str, str], str]  # status, headers, body
Fault = Callable[[requests.PreparedRequest], Answer]


# --- failures as they come off a socket ----------------------------------------------------


@contextmanager
def stalled_server(hold: float = 5.0) -> Iterator[int]:
    """A 127.0.0.1 port that accepts connections and never answers (each closed after ``hold``)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    stop = threading.Event()
    held: list[tuple[socket.socket, float]] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append((conn, time.monotonic()))
            except OSError:
                pass
            for conn, since in list(held):
                if time.monotonic() - since > hold:
                    conn.close()
                    held.remove((conn, since))
        for conn, _ in held:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        server.close()


def closed_port() -> int:
    """A local port with nothing listening: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused(port: int) -> Fault:
    """The request, sent for real to ``localhost:port``: the name resolves, the connect fails."""

    def fault(request: requests.PreparedRequest) -> Answer:
        timeout = getattr(request, "req_kwargs", {}).get("timeout")
        requests.get(f"http://localhost:{port}/", timeout=timeout)
        raise AssertionError("a closed port answered")

    return fault


def stalled(port: int) -> Fault:
    """The request, sent for real to a server that never answers (bounded by its timeout)."""

    def fault(request: requests.PreparedRequest) -> Answer:
        timeout = getattr(request, "req_kwargs", {}).get("timeout")
        requests.get(f"http://127.0.0.1:{port}/", timeout=timeout)
        raise AssertionError("the stalled server answered")

    return fault


def status(code: int, body: str = "", content_type: str = "text/html; charset=utf-8") -> Fault:
    return lambda request: (code, {"Content-Type": content_type}, body)


HTML_200 = status(200, BLOCK_PAGE)
FORBIDDEN = status(403, "<html><head><title>403 Forbidden</title></head><body>403</body></html>")
THROTTLED = status(429, "Too Many Requests", "text/plain")
NULL_DATA = status(200, DATA_NULL, "application/json; charset=utf-8")


# --- Eastmoney and Sina through responses --------------------------------------------------


class Wire:
    """What the replay served: every URL asked, in order (thread-safe)."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.lock = threading.Lock()

    def note(self, url: str) -> None:
        with self.lock:
            self.asked.append(url)

    def count(self, pattern: str) -> int:
        with self.lock:
            return sum(1 for u in self.asked if re.search(pattern, u))


def _json(body: str) -> Answer:
    return 200, {"Content-Type": "application/json; charset=utf-8"}, body


@contextmanager
def akshare_wire(faults: dict[str, Fault] | None = None) -> Iterator[Wire]:
    """Serve Eastmoney klines by ``secid``, the index list, and Sina scripts by symbol.

    ``faults`` keys: an Eastmoney secid (``1.688256``), ``clist`` (the index list), or a Sina
    symbol (``HSI``, ``.INX``); the value answers instead of the recording.
    """
    faults = faults or {}
    wire = Wire()

    def kline(request: requests.PreparedRequest) -> Answer:
        wire.note(request.url or "")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
        secid = query["secid"][0]
        if secid in faults:
            return faults[secid](request)
        path = WIRE / f"em_kline_{secid}.json"
        return _json(path.read_text(encoding="utf-8") if path.exists() else DATA_NULL)

    def clist(request: requests.PreparedRequest) -> Answer:
        wire.note(request.url or "")
        if "clist" in faults:
            return faults["clist"](request)
        return _json((WIRE / "em_index_list.json").read_text(encoding="utf-8"))

    def sina(request: requests.PreparedRequest) -> Answer:
        wire.note(request.url or "")
        m = SINA.match(request.url or "")
        assert m is not None
        symbol = m.group("hk") or urllib.parse.unquote(m.group("us"))
        if symbol in faults:
            return faults[symbol](request)
        name = f"sina_hk_{symbol}.js" if m.group("hk") else f"sina_us_{symbol}.js"
        path = WIRE / name
        if not path.exists():
            return 404, {"Content-Type": "text/html"}, "<html>404</html>"
        return 200, {"Content-Type": "application/javascript"}, path.read_text()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru("http://127.0.0.1")
        rsps.add_passthru("http://localhost")
        rsps.add_callback(responses.GET, KLINE, callback=kline)
        rsps.add_callback(responses.GET, INDEX_LIST, callback=clist)
        rsps.add_callback(responses.GET, SINA, callback=sina)
        yield wire


# --- Yahoo through a curl_cffi session -------------------------------------------------------

YAHOO_NOT_FOUND = json.dumps(
    {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
        }
    }
)


class ReplaySession(curl_requests.Session):
    """A real curl_cffi Session whose requests are answered from the recorded Yahoo charts.

    ``faults`` maps a ticker to a callable ``(url) -> (status, body)`` or raising; ``"*"``
    applies to every ticker.
    """

    def __init__(self, faults: dict[str, Callable[[str], tuple[int, str]]] | None = None) -> None:
        super().__init__()
        self.faults = faults or {}
        self.asked: list[str] = []
        self._lock = threading.Lock()

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> curl_requests.Response:  # type: ignore[override]
        params = kwargs.get("params") or {}
        full = url + ("?" + urllib.parse.urlencode(params) if params else "")
        with self._lock:
            self.asked.append(full)
        if "fc.yahoo.com" in url:
            return _curl_response(url, 404, "")
        if "getcrumb" in url:
            return _curl_response(url, 200, "crumb-recorded")
        m = re.search(r"/v8/finance/chart/([^/?]+)", url)
        if m is None:
            return _curl_response(url, 404, "")
        ticker = urllib.parse.unquote(m.group(1))
        fault = self.faults.get(ticker) or self.faults.get("*")
        if fault is not None:
            code, body = fault(full)
            return _curl_response(url, code, body)
        chart = self.chart(ticker)
        if chart is None:
            return _curl_response(url, 404, YAHOO_NOT_FOUND)
        if "period1" in params:  # Yahoo answers only the asked range
            lo, hi = int(params["period1"]), int(params["period2"])
            result = chart["chart"]["result"][0]
            keep = [i for i, t in enumerate(result["timestamp"]) if lo <= t < hi]
            result["timestamp"] = [result["timestamp"][i] for i in keep]
            for block in (*result["indicators"]["quote"], *result["indicators"]["adjclose"]):
                for key in block:
                    block[key] = [block[key][i] for i in keep]
        return _curl_response(url, 200, json.dumps(chart))

    def chart(self, ticker: str) -> dict[str, Any] | None:
        """The recorded chart answer of ``ticker`` (all its sessions), or None."""
        path = WIRE / f"yahoo_chart_{ticker}.json"
        return json.loads(path.read_text()) if path.exists() else None


def _curl_response(url: str, code: int, body: str) -> curl_requests.Response:
    response = curl_requests.Response()
    response.url = url
    response.status_code = code
    response.ok = 200 <= code < 400
    response.reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(code, "")
    response.content = body.encode()
    response.headers["Content-Type"] = "application/json;charset=utf-8"
    return response


def curl_refused(port: int) -> Callable[[str], tuple[int, str]]:
    """A real curl connect to a closed local port: curl_cffi's own ConnectionError."""

    def fault(url: str) -> tuple[int, str]:
        curl_requests.get(f"http://localhost:{port}/", timeout=5)
        raise AssertionError("a closed port answered")

    return fault
