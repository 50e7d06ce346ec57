"""A local HTTPS server that answers for every data host, reached through a real proxy tunnel.

The tests point ``HTTPS_PROXY`` at a CONNECT proxy on 127.0.0.1 and trust a certificate
authority made for the test (``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``). AKShare's requests
(urllib3) and yfinance's curl_cffi (libcurl) then open a real TLS connection per host through the
tunnel; the proxy ends TLS with a certificate naming every host and answers from the recorded
answers in tests/fixtures/providers/wire. Nothing in either library is replaced: the bytes cross
a socket, so a body shorter than its Content-Length, a corrupt gzip stream, a chunked answer or
a body sent one byte at a time reach the libraries' own parsers exactly as they would off the
network. A subprocess started with :meth:`WireServer.env` talks to the same server.
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib
import json
import os
import re
import socket
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

WIRE = Path(__file__).parent / "fixtures" / "providers" / "wire"
HOST_NAMES = (
    "eastmoney.com",
    "*.eastmoney.com",
    "*.push2his.eastmoney.com",
    "*.push2.eastmoney.com",
    "sina.com.cn",
    "*.sina.com.cn",
    "yahoo.com",
    "*.yahoo.com",
    "*.finance.yahoo.com",
    "*.sse.com.cn",
    "*.szse.cn",
    "*.swsresearch.com",
)
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
NO_PROXY_VARS = ("NO_PROXY", "no_proxy")
CA_VARS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
BLOCK_PAGE = (WIRE / "block_page.html").read_bytes()
DATA_NULL = (WIRE / "em_data_null.json").read_bytes()
YAHOO_NOT_FOUND = json.dumps(
    {"chart": {"result": None, "error": {"code": "Not Found", "description": "No data found"}}}
).encode()
JSON = "application/json; charset=utf-8"
YAHOO_COOKIE = (
    "A3=d=AQABBrecorded&S=AQAAArecorded; Max-Age=31557600; Domain=.yahoo.com; Path=/; Secure"
)


# --- what a request was and how it is answered -----------------------------------------------


@dataclass(frozen=True)
class Asked:
    """One request as the server received it."""

    host: str
    path: str
    query: dict[str, str]
    key: str  # what the request is about: a secid, ``clist``, a Sina symbol, a Yahoo ticker
    at: float

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.path}?" + urllib.parse.urlencode(self.query)


@dataclass(frozen=True)
class Reply:
    """An answer and how it is put on the wire."""

    status: int = 200
    body: bytes = b""
    content_type: str = JSON
    mode: str = "plain"  # plain | truncate | gzip | gzip_corrupt | chunked | trickle | reset
    trickle_s: float = 1.0  # seconds between bytes of a trickle
    headers: tuple[tuple[str, str], ...] = ()


Fault = Callable[[Asked, Reply], Reply]  # (the request, the recorded answer) -> what is sent


def truncated(asked: Asked, reply: Reply) -> Reply:
    """Content-Length says the whole body; half of it is sent, then the connection closes."""
    return dataclasses.replace(reply, mode="truncate")


def gzip_corrupt(asked: Asked, reply: Reply) -> Reply:
    """``Content-Encoding: gzip`` with the compressed stream damaged in its middle."""
    return dataclasses.replace(reply, mode="gzip_corrupt")


def gzipped(asked: Asked, reply: Reply) -> Reply:
    return dataclasses.replace(reply, mode="gzip")


def chunked(asked: Asked, reply: Reply) -> Reply:
    return dataclasses.replace(reply, mode="chunked")


def trickle(seconds_per_byte: float = 1.0) -> Fault:
    """The recorded answer, one byte every ``seconds_per_byte`` (headers at once)."""
    return lambda asked, reply: dataclasses.replace(
        reply, mode="trickle", trickle_s=seconds_per_byte
    )


def status(code: int, body: bytes = b"", content_type: str = "text/plain") -> Fault:
    return lambda asked, reply: Reply(code, body, content_type)


THROTTLED = status(429, b"Too Many Requests")
PORTAL = status(200, BLOCK_PAGE, "text/html; charset=utf-8")  # a login page on every host
EMPTY = status(200, b"", JSON)


def reset(asked: Asked, reply: Reply) -> Reply:
    """The connection is closed before any answer."""
    return dataclasses.replace(reply, mode="reset")


def drop_after(fault: Fault, times: int) -> Fault:
    """``fault`` for the first ``times`` requests it matches, the recorded answer after that."""
    seen = {"n": 0}
    lock = threading.Lock()

    def once(asked: Asked, reply: Reply) -> Reply:
        with lock:
            seen["n"] += 1
            n = seen["n"]
        return fault(asked, reply) if n <= times else reply

    return once


# --- the recorded answers, by host ----------------------------------------------------------


def _kline(asked: Asked) -> Reply:
    path = WIRE / f"em_kline_{asked.key}.json"
    return Reply(body=path.read_bytes() if path.exists() else DATA_NULL)


def _sina(asked: Asked) -> Reply:
    hk = "/stock/hkstock/" in asked.path
    path = WIRE / (f"sina_hk_{asked.key}.js" if hk else f"sina_us_{asked.key}.js")
    if not path.exists():
        return Reply(404, b"<html>404</html>", "text/html")
    return Reply(body=path.read_bytes(), content_type="application/javascript")


def yahoo_chart(ticker: str, lo: int | None = None, hi: int | None = None) -> dict | None:
    """The recorded chart of ``ticker``, cut to [lo, hi) seconds as Yahoo does."""
    path = WIRE / f"yahoo_chart_{ticker}.json"
    if not path.exists():
        return None
    chart = json.loads(path.read_text())
    return yahoo_window(chart, lo, hi) if lo is not None and hi is not None else chart


def yahoo_window(chart: dict, lo: int, hi: int) -> dict:
    """``chart`` (changed in place) keeping the sessions stamped in [lo, hi) seconds."""
    result = chart["chart"]["result"][0]
    keep = [i for i, t in enumerate(result["timestamp"]) if lo <= t < hi]
    result["timestamp"] = [result["timestamp"][i] for i in keep]
    for block in (*result["indicators"]["quote"], *result["indicators"]["adjclose"]):
        for k in block:
            block[k] = [block[k][i] for i in keep]
    return chart


def _yahoo(asked: Asked) -> Reply:
    if asked.host == "fc.yahoo.com":  # Yahoo's 404 that sets the session cookie
        return Reply(404, b"", "text/html", headers=(("Set-Cookie", YAHOO_COOKIE),))
    if "getcrumb" in asked.path:
        return Reply(body=b"crumb-recorded", content_type="text/plain")
    if "/v8/finance/chart/" not in asked.path:
        return Reply(404, b"", "text/html")
    q = asked.query
    lo, hi = (int(q["period1"]), int(q["period2"])) if "period1" in q else (None, None)
    chart = yahoo_chart(asked.key, lo, hi)
    if chart is None:
        return Reply(404, YAHOO_NOT_FOUND)
    return Reply(body=json.dumps(chart).encode())


def request_key(host: str, path: str, query: dict[str, str]) -> str:
    if "secid" in query:
        return query["secid"]
    if "/clist/" in path:
        return "clist"
    m = re.search(r"/hkstock/([^/]+)/", path) or re.search(r"/staticdata/us/([^/?]+)", path)
    if m and "sina" in host:
        return urllib.parse.unquote(m.group(1))
    m = re.search(r"/v8/finance/chart/([^/?]+)", path)
    if m:
        return urllib.parse.unquote(m.group(1))
    return ""


def recorded(asked: Asked) -> Reply:
    if asked.host.endswith("eastmoney.com"):
        if asked.key == "clist":
            return Reply(body=(WIRE / "em_index_list.json").read_bytes())
        return _kline(asked)
    if asked.host.endswith("sina.com.cn"):
        return _sina(asked)
    if asked.host.endswith("yahoo.com"):
        return _yahoo(asked)
    return Reply(404, b"unknown host", "text/plain")


# --- certificates ---------------------------------------------------------------------------


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA made for this test run, and a server certificate it signs for every data host."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=sectorweekly wire test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=wire.test",
    )  # fmt: skip
    names = ",".join(f"DNS:{n}" for n in HOST_NAMES)
    (folder / "ext.cnf").write_text(
        f"subjectAltName={names}\nextendedKeyUsage=serverAuth\n"
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf",
    )  # fmt: skip
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


# --- the proxy and server -------------------------------------------------------------------


class _Handler(socketserver.StreamRequestHandler):
    server: WireServer  # type: ignore[assignment]

    def handle(self) -> None:
        line = self.rfile.readline(65536).decode("latin-1").strip()
        self._headers()
        parts = line.split()
        if len(parts) < 2:
            return
        if parts[0] != "CONNECT":  # a plain-HTTP request through the proxy
            self._serve(self.connection, self.rfile, first=line, tls=False)
            return
        host = parts[1].rsplit(":", 1)[0]
        self.connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        try:
            tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return
        self.server.track(tls)
        try:
            self._serve(tls, tls.makefile("rb"), host=host, tls=True)
        finally:
            self.server.untrack(tls)
            with suppress(OSError):
                tls.close()

    def _headers(self, rfile: Any = None) -> dict[str, str]:
        rfile = rfile or self.rfile
        headers = {}
        while True:
            raw = rfile.readline(65536)
            if not raw or raw in (b"\r\n", b"\n"):
                return headers
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()

    def _serve(
        self, sock: socket.socket, rfile: Any, *, first: str = "", host: str = "", tls: bool
    ) -> None:
        while not self.server.stopping.is_set():
            line = first or rfile.readline(65536).decode("latin-1").strip()
            first = ""
            if not line:
                return
            method, target, *_ = line.split()
            headers = self._headers(rfile) if tls else {}
            if int(headers.get("content-length", "0") or 0):
                rfile.read(int(headers["content-length"]))
            if target.startswith("http://"):
                split = urllib.parse.urlsplit(target)
                host, target = (
                    split.hostname or "",
                    split.path + ("?" + split.query if split.query else ""),
                )
            split = urllib.parse.urlsplit(target)
            query = dict(urllib.parse.parse_qsl(split.query))
            asked = Asked(
                host, split.path, query, request_key(host, split.path, query), time.time()
            )
            self.server.note(asked)
            reply = self.server.answer(asked)
            if not self.server.send(sock, reply, method == "HEAD"):
                return
            if not tls:
                return


class WireServer(socketserver.ThreadingTCPServer):
    """The proxy every host's requests go to; ``faults`` change answers by key or host.

    A fault is looked up by the request's key (an Eastmoney secid such as ``1.688256``,
    ``clist``, a Sina symbol such as ``HSI``, a Yahoo ticker such as ``^HSI``), then by its host
    (``query2.finance.yahoo.com``), its domain (``eastmoney.com``), then ``*`` for every
    request.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, folder: Path, faults: dict[str, Fault] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.ca, cert, key = make_certificates(folder)
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(cert, key)
        self.faults: dict[str, Fault] = dict(faults or {})
        self.asked: list[Asked] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self.generation = 0  # bumped by reset(): a trickle from before it stops

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment variables that send both libraries' requests here."""
        env = dict(os.environ if base is None else base)
        for var in NO_PROXY_VARS:
            env.pop(var, None)
        env.update({v: self.proxy for v in PROXY_VARS})
        env.update({v: str(self.ca) for v in CA_VARS})
        return env

    def reset(self, faults: dict[str, Fault] | None = None) -> None:
        """Answer with ``faults`` from now on, forget the requests seen so far, and end any
        trickle still being sent (a server shared by a module's tests starts each one clean)."""
        with self._lock:
            self.faults = dict(faults or {})
            self.asked = []
            self.generation += 1

    def note(self, asked: Asked) -> None:
        with self._lock:
            self.asked.append(asked)

    def count(self, pattern: str) -> int:
        """Requests whose host + path + query match ``pattern``."""
        with self._lock:
            return sum(1 for a in self.asked if re.search(pattern, a.url))

    def per_host(self) -> dict[str, int]:
        with self._lock:
            out: dict[str, int] = {}
            for a in self.asked:
                out[a.host] = out.get(a.host, 0) + 1
            return out

    def answer(self, asked: Asked) -> Reply:
        reply = recorded(asked)
        domain = ".".join(asked.host.split(".")[-2:])  # eastmoney.com, yahoo.com, …
        fault = next(
            (self.faults[k] for k in (asked.key, asked.host, domain, "*") if k in self.faults),
            None,
        )
        return fault(asked, reply) if fault is not None else reply

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)

    def send(self, sock: socket.socket, reply: Reply, head: bool = False) -> bool:
        """Put ``reply`` on the wire; False when the connection is to be closed."""
        if reply.mode == "reset":
            return False
        body = reply.body
        headers = {"Content-Type": reply.content_type, **dict(reply.headers)}
        if reply.mode in ("gzip", "gzip_corrupt"):
            body = gzip.compress(body)
            if reply.mode == "gzip_corrupt":
                middle = len(body) // 2
                body = (
                    body[:middle]
                    + bytes(b ^ 0x5A for b in body[middle : middle + 32])
                    + (body[middle + 32 :])
                )
            headers["Content-Encoding"] = "gzip"
        if reply.mode == "chunked":
            headers["Transfer-Encoding"] = "chunked"
        else:
            headers["Content-Length"] = str(len(body))
        reason = {
            200: "OK", 302: "Found", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"
        }  # fmt: skip
        head_lines = [f"HTTP/1.1 {reply.status} {reason.get(reply.status, 'Status')}"]
        head_lines += [f"{k}: {v}" for k, v in headers.items()]
        try:
            sock.sendall(("\r\n".join(head_lines) + "\r\n\r\n").encode("latin-1"))
            if head:
                return True
            if reply.mode == "truncate":
                sock.sendall(body[: len(body) // 2])
                return False
            if reply.mode == "chunked":
                for i in range(0, len(body), 1000):
                    piece = body[i : i + 1000]
                    sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
                return True
            if reply.mode == "trickle":
                generation = self.generation
                for i in range(len(body)):
                    if self.stopping.wait(reply.trickle_s) or self.generation != generation:
                        return False
                    sock.sendall(body[i : i + 1])
                return True
            sock.sendall(body)
        except OSError:
            return False
        return True

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        with self._lock:
            for sock in list(self._open):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self.server_close()


def fresh_yahoo_state() -> None:
    """Forget yfinance's process-wide cookie, crumb, cookie strategy, answer and disk caches.

    ``YfData`` is a singleton: a login page from the server switches its cookie strategy, and
    a cookie the server set would outlive the server. yfinance's time-zone and cookie caches
    stay bound to the first folder they opened, whatever ``set_tz_cache_location`` says later,
    so time zones learnt here would reach other tests. Each server run starts and ends as a new
    process would, so nothing leaks either way.
    """
    data = importlib.import_module("yfinance.data")
    cache = importlib.import_module("yfinance.cache")
    data.SingletonMeta._instances.pop(data.YfData, None)
    data.YfData.cache_get.cache_clear()
    cache._TzCacheManager._tz_cache = None
    cache._CookieCacheManager._Cookie_cache = None


@contextmanager
def wire_server(faults: dict[str, Fault] | None = None) -> Iterator[WireServer]:
    """Start the server and send this process's requests to it until the block ends."""
    fresh_yahoo_state()
    with tempfile.TemporaryDirectory(prefix="sw-wire-") as tmp:
        server = WireServer(Path(tmp), faults)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        saved = {v: os.environ.get(v) for v in (*PROXY_VARS, *NO_PROXY_VARS, *CA_VARS)}
        for var in NO_PROXY_VARS:
            os.environ.pop(var, None)
        os.environ.update(server.env({}))
        try:
            yield server
        finally:
            for var, value in saved.items():
                if value is None:
                    os.environ.pop(var, None)
                else:
                    os.environ[var] = value
            server.stop()
            thread.join(5)
            fresh_yahoo_state()


def yahoo_session() -> Any:
    """A fresh curl_cffi session as yfinance makes its own (``impersonate="chrome"``), made
    inside ``wire_server`` so that it reads the test's CA bundle when it is created."""
    from curl_cffi import requests as curl_requests

    return curl_requests.Session(impersonate="chrome")


# The fixtures of a test module that talks to the server (import both into the module;
# tests ask for ``server``):


@pytest.fixture(scope="module", name="server")
def module_server() -> Iterator[WireServer]:
    """One server for the module: starting one makes a CA and a certificate."""
    with wire_server() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_answers(server: WireServer) -> None:
    """Each test starts with the recorded answers and yfinance as a new process knows it."""
    server.reset()
    fresh_yahoo_state()
