"""A local HTTP server that behaves as the three group robots' documented webhooks.

One server answers WeCom (``/cgi-bin/webhook/send``, ``/cgi-bin/webhook/upload_media``), DingTalk
(``/robot/send``) and Feishu (``/open-apis/bot/v2/hook/<hook>``). It checks what the real ones
check: the key, token or hook; each signature, computed here with the algorithm as the robots
document it (written again for the test, not imported from the channel); the byte limits;
the image's md5; the uploaded file's size; a timestamp within an hour. It answers the robots'
error codes, and a test may plan answers ahead (a 429, a rate-limit code, an HTML page, a 502).
Every request is kept in order, with the time on the test's clock when one is given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WECOM_MARKDOWN = 4096
WECOM_IMAGE = 2 * 1024 * 1024
WECOM_FILE = 20 * 1024 * 1024
DINGTALK_MARKDOWN = 20_000
FEISHU_BODY = 20 * 1024
HOUR = 3600
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Portal</title></head><body>Sign in</body></html>"


@dataclass
class Received:
    kind: str  # wecom | wecom-upload | dingtalk | feishu
    path: str
    query: dict[str, str]
    body: bytes
    at: float  # the test's clock when given, else the wall
    json: Any = None
    accepted: bool = False


@dataclass(frozen=True)
class Planned:
    """An answer given instead of the real one, to the next request of its kind."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


def planned_json(value: dict[str, Any], status: int = 200) -> Planned:
    return Planned(status, json.dumps(value).encode(), (("Content-Type", "application/json"),))


def planned_html(status: int = 200) -> Planned:
    return Planned(status, HTML_PAGE, (("Content-Type", "text/html; charset=utf-8"),))


@dataclass
class Robots:
    """What the server knows: the valid keys and secrets, the plans and what it received."""

    wecom_keys: set[str] = field(default_factory=set)
    dingtalk: dict[str, str] = field(default_factory=dict)  # access token -> secret
    feishu: dict[str, str] = field(default_factory=dict)  # hook -> secret
    plans: dict[str, deque[Planned]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # media_id -> name, data
    clock: Callable[[], float] | None = None

    def plan(self, kind: str, *answers: Planned) -> None:
        self.plans.setdefault(kind, deque()).extend(answers)

    def of(self, kind: str, accepted: bool = True) -> list[Received]:
        return [r for r in self.received if r.kind == kind and (r.accepted or not accepted)]


def _ok_wecom(extra: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    return 200, {"errcode": 0, "errmsg": "ok", **(extra or {})}


def wecom_send(robots: Robots, asked: Received) -> tuple[int, dict[str, Any]]:
    if asked.query.get("key") not in robots.wecom_keys:
        return 200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1], from ip: x"}
    message = asked.json
    kind = message.get("msgtype")
    if kind == "markdown":
        content = message["markdown"]["content"]
        if len(content.encode("utf-8")) > WECOM_MARKDOWN:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
    elif kind == "image":
        data = base64.b64decode(message["image"]["base64"])
        if hashlib.md5(data).hexdigest() != message["image"]["md5"]:
            return 200, {"errcode": 301019, "errmsg": "media md5 not match"}
        if len(data) > WECOM_IMAGE:
            return 200, {"errcode": 40009, "errmsg": "invalid image size"}
    elif kind == "file":
        if message["file"]["media_id"] not in robots.media:
            return 200, {"errcode": 40007, "errmsg": "invalid media_id"}
    else:
        return 200, {"errcode": 40008, "errmsg": "invalid message type"}
    return _ok_wecom()


def wecom_upload(robots: Robots, asked: Received, content_type: str) -> tuple[int, dict[str, Any]]:
    if asked.query.get("key") not in robots.wecom_keys:
        return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + asked.body
    )
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "media":
            data = part.get_payload(decode=True)
            if not 5 < len(data) <= WECOM_FILE:
                return 200, {"errcode": 40006, "errmsg": "invalid media size"}
            media_id = f"media-{len(robots.media) + 1}"
            robots.media[media_id] = (part.get_filename(), data)
            return _ok_wecom({"type": "file", "media_id": media_id, "created_at": "1"})
    return 200, {"errcode": 41006, "errmsg": "media data missing"}


def dingtalk_expected_sign(timestamp: str, secret: str) -> str:
    """DingTalk's documented 加签, before URL encoding."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def feishu_expected_sign(timestamp: str, secret: str) -> str:
    """Feishu's documented 签名校验: HMAC-SHA256 of nothing, keyed by timestamp + newline + secret."""
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def dingtalk_send(robots: Robots, asked: Received) -> tuple[int, dict[str, Any]]:
    secret = robots.dingtalk.get(asked.query.get("access_token", ""))
    if secret is None:
        return 200, {"errcode": 300001, "errmsg": "token is not exist"}
    stamp = asked.query.get("timestamp", "")
    fresh = stamp.isdigit() and abs(int(stamp) / 1000 - time.time()) < HOUR
    if not fresh or asked.query.get("sign") != dingtalk_expected_sign(stamp, secret):
        return 200, {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc]"}
    text = asked.json["markdown"]["text"]
    if len(text.encode("utf-8")) > DINGTALK_MARKDOWN:
        return 200, {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"}
    return 200, {"errcode": 0, "errmsg": "ok"}


def feishu_send(robots: Robots, asked: Received, hook: str) -> tuple[int, dict[str, Any]]:
    secret = robots.feishu.get(hook)
    if secret is None:
        return 200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
    if len(asked.body) > FEISHU_BODY:
        return 400, {"code": 9499, "msg": "Bad Request", "data": {}}
    stamp = str(asked.json.get("timestamp", ""))
    fresh = stamp.isdigit() and abs(int(stamp) - time.time()) < HOUR
    if not fresh or asked.json.get("sign") != feishu_expected_sign(stamp, secret):
        return 200, {
            "code": 19021,
            "msg": "sign match fail or timestamp is not within one hour from current time",
            "data": {},
        }
    return 200, {"code": 0, "msg": "success", "data": {}}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        robots = self.server.robots
        split = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(split.query).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        kind = _kind(split.path)
        at = robots.clock() if robots.clock else time.time()
        asked = Received(kind, split.path, query, body, at)
        robots.received.append(asked)
        plan = robots.plans.get(kind)
        if plan:
            answer = plan.popleft()
            return self._reply(answer.status, answer.body, dict(answer.headers))
        content_type = self.headers.get("Content-Type", "")
        if kind != "wecom-upload":
            asked.json = json.loads(body.decode("utf-8"))
        if kind == "wecom":
            status, value = wecom_send(robots, asked)
        elif kind == "wecom-upload":
            status, value = wecom_upload(robots, asked, content_type)
        elif kind == "dingtalk":
            status, value = dingtalk_send(robots, asked)
        elif kind == "feishu":
            status, value = feishu_send(robots, asked, split.path.rsplit("/", 1)[-1])
        else:
            return self._reply(404, HTML_PAGE, {"Content-Type": "text/html"})
        asked.accepted = value.get("errcode", value.get("code")) == 0
        data = json.dumps(value, ensure_ascii=False).encode()
        self._reply(status, data, {"Content-Type": "application/json; charset=utf-8"})

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _kind(path: str) -> str:
    if path == "/cgi-bin/webhook/send":
        return "wecom"
    if path == "/cgi-bin/webhook/upload_media":
        return "wecom-upload"
    if path == "/robot/send":
        return "dingtalk"
    if path.startswith("/open-apis/bot/v2/hook/"):
        return "feishu"
    return "unknown"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, robots: Robots) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.robots = robots


@contextmanager
def robot_server(robots: Robots) -> Iterator[str]:
    """The server's base URL while the block runs."""
    server = _Server(robots)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
