"""The Feishu/Lark (飞书) custom bot: signed requests, the summary as a card with 图表1 as a table.

The API, as Feishu documents it (自定义机器人使用指南, open.feishu.cn/document/client-docs/bot-v3/
add-custom-bot; rate limits at open.feishu.cn/document/server-docs/api-call-guide/
frequency-control; read through copies on blog.csdn.net/zhanglili1993/article/details/136473704
and juejin.cn/post/7391005009667293199):

- ``POST https://open.feishu.cn/open-apis/bot/v2/hook/HOOK`` (Lark: ``open.larksuite.com``) with
  JSON ``{"timestamp": T, "sign": S, "msg_type": "interactive", "card": …}``; the request body
  is kept within 20 KB (as issue 24 gives it; 20,000 bytes here, the stricter reading).
- Signing (签名校验): ``T`` in seconds (within an hour of Feishu's clock); ``S`` is
  Base64(HmacSHA256(key=f"{T}\\n{secret}", message=empty)): the secret is in the key, and the
  message is empty, unlike DingTalk.
- A custom bot may send 100 requests a minute and 5 a second; code 11232 is its frequency
  limit (also under load at the full and half hour). 19021 is ``sign match fail or timestamp is
  not within one hour``; 9499 a bad request. Answers are ``{"code", "msg", "data"}`` (older
  bots: ``{"StatusCode", "StatusMessage"}``).
- A custom bot cannot upload images or files: 图表1 goes as a markdown table in the card, the
  PDF only by the issue's link. Tables in a card's markdown need the card JSON 2.0 structure
  (``"schema": "2.0"``, elements under ``body``; clients 7.20 and later; 富文本（Markdown）组件,
  open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/
  content-components/rich-text, and the 2.0 release notes, which also say an unknown property
  is an error in 2.0, so the card carries nothing else).

Config: ``channel: feishu``, ``hook_env`` (the hook id, or the whole webhook URL), ``secret_env``,
optional ``base_url``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from .channel import ChannelError, Delivered, Piece, Summary
from .robot import Answer, Clock, Robot, base_url, parse_json, refused, secret
from .robot_markdown import feishu_markdown
from .split import split_markdown

BODY_LIMIT = 20_000  # "20 KB", read as the smaller of 20,000 and 20,480 bytes
BASE_URL = "https://open.feishu.cn"
ERRORS = {
    19021: "signature refused (sign match fail, or the clock is more than an hour off)",
    9499: "bad request",
    11232: "rate limited (5 a second, 100 a minute)",
}
RATE_LIMITED = {11232}
PLACEHOLDER_SIGN = "=" * 44  # a signature's length (Base64 of 32 bytes), to size a body


def sign(timestamp_s: int, secret_text: str) -> str:
    """Feishu's signature: the HMAC of nothing, keyed by ``timestamp\\nsecret``."""
    key = f"{timestamp_s}\n{secret_text}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def card(title: str, markdown: str) -> dict[str, Any]:
    """An interactive card: the title in the header, the text in one markdown element."""
    return {
        "schema": "2.0",
        "header": {"title": {"tag": "plain_text", "content": title}, "template": "blue"},
        "body": {"elements": [{"tag": "markdown", "content": markdown}]},
    }


def body(title: str, markdown: str, timestamp_s: int, signature: str) -> bytes:
    payload = {
        "timestamp": str(timestamp_s),
        "sign": signature,
        "msg_type": "interactive",
        "card": card(title, markdown),
    }
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _escaped_len(text: str) -> int:
    """Bytes a string adds inside the JSON body (quotes excluded)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def _hook(raw: str) -> str:
    if raw.startswith("http"):
        return urllib.parse.urlsplit(raw).path.rstrip("/").rsplit("/", 1)[-1]
    return raw


class FeishuChannel:
    kind = "feishu"

    def __init__(
        self,
        target: str,
        config: Mapping[str, Any],
        env: Mapping[str, str],
        *,
        wall: Clock = time.time,
        **robot: Any,
    ) -> None:
        self.target = target
        self.hook = _hook(secret(self.kind, target, config, "hook_env", env))
        self.secret = secret(self.kind, target, config, "secret_env", env)
        self.where = f"distribution.targets.{target}"
        self.base = base_url(self.kind, target, config, BASE_URL)
        self.wall = wall
        self.title = "周报"
        # The documented 5 a second and 100 a minute, each window a tenth longer for the network.
        robot.setdefault("rules", ((5, 1.1), (100, 66.0)))
        robot.setdefault("rate_wait", 2.0)
        self.robot = Robot(self.kind, target, self.hook, (self.hook, self.secret), **robot)

    def pieces(self, summary: Summary) -> list[Piece]:
        self.title = summary.title  # the card's header, the same on every part
        envelope = len(body(summary.title, "", 1_700_000_000, PLACEHOLDER_SIGN))
        parts = split_markdown(feishu_markdown(summary), BODY_LIMIT - envelope, _escaped_len)
        count = len(parts)
        return [
            Piece(
                "markdown",
                part.encode(),
                envelope + _escaped_len(part),
                f"card ({i}/{count})" if count > 1 else "card",
            )
            for i, part in enumerate(parts, 1)
        ]

    def deliver(self, piece: Piece) -> Delivered:
        if piece.kind != "markdown":
            raise ChannelError(f"feishu: cannot send a {piece.kind} piece")
        url = f"{self.base}/open-apis/bot/v2/hook/{urllib.parse.quote(self.hook)}"
        title, text = self.title, piece.body.decode()

        def request() -> tuple[str, bytes, str]:
            stamp = int(self.wall())
            data = body(title, text, stamp, sign(stamp, self.secret))
            return url, data, "application/json; charset=utf-8"

        answer = self.robot.send(request, self._read)
        data = answer.get("data")
        message_id = data.get("message_id") if isinstance(data, dict) else None
        return Delivered(message_id if isinstance(message_id, str) else None)

    def _read(self, answer: Answer) -> dict[str, Any]:
        self.robot.check_status(answer)
        value = parse_json(self.kind, answer)
        code = value.get("code", value.get("StatusCode", 0))
        if code == 0:
            return value
        message = str(value.get("msg", value.get("StatusMessage", "")))
        hints = {19021: f"check {self.where}.secret_env"}
        raise refused(self.kind, code, message, ERRORS, RATE_LIMITED, self.robot.rate_wait, hints)
