"""The DingTalk (钉钉) custom robot: signed requests, the summary as markdown, 图表1 by link.

The API, as DingTalk documents it (自定义机器人接入, open.dingtalk.com/document/group/custom-robot-access
and the message types at open.dingtalk.com/document/orgapp/message-type; read through copies on
blog.csdn.net/weixin_43564241/article/details/139138811 and zhuoqun.info/article/182):

- ``POST https://oapi.dingtalk.com/robot/send?access_token=TOKEN&timestamp=T&sign=S`` with JSON
  ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``.
- Signing (加签): ``T`` is the time in milliseconds (within an hour of DingTalk's clock); ``S`` is
  urlEncode(Base64(HmacSHA256(key=secret, message=f"{T}\\n{secret}"))), UTF-8.
- The markdown is a subset (headings, quotes, bold, italics, links, images by URL, lists; the
  list at cscoder.cn/docs/open/aliyun/robot-messages-markdown.html) with no tables. The text is
  kept within 20,000 bytes, the figure issue 24 gives; the pages read state no number. A custom robot cannot upload an image or a
  file: 图表1 is shown only by its public URL, the PDF only by the issue's link.
- At most 20 messages a minute per robot; more silences it for ten minutes (errcode 130101,
  ``send too fast, exceed 20 times per minute``). errcode 310000 is a refused security check:
  ``sign not match``, a missing keyword or an address outside the whitelist.

Config: ``channel: dingtalk``, ``access_token_env`` (the token, or the whole webhook URL),
``secret_env`` (the ``SEC…`` string), optional ``base_url``.
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
from .robot import (
    Answer,
    Clock,
    Robot,
    base_url,
    parse_json,
    refused,
    secret,
    webhook_param,
)
from .robot_markdown import dingtalk_markdown
from .split import split_markdown

MARKDOWN_LIMIT = 20_000
BASE_URL = "https://oapi.dingtalk.com"
ERRORS = {
    310000: "signature, keyword or IP whitelist refused",
    130101: "rate limited (20 messages a minute; the robot is silenced for ten minutes)",
}
RATE_LIMITED = {130101}


def sign(timestamp_ms: int, secret_text: str) -> str:
    """DingTalk's signature for a timestamp, URL-encoded as the query wants it."""
    message = f"{timestamp_ms}\n{secret_text}".encode()
    digest = hmac.new(secret_text.encode(), message, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


class DingtalkChannel:
    kind = "dingtalk"

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
        self.token = webhook_param(
            secret(self.kind, target, config, "access_token_env", env), "access_token"
        )
        self.secret = secret(self.kind, target, config, "secret_env", env)
        self.where = f"distribution.targets.{target}"
        self.base = base_url(self.kind, target, config, BASE_URL)
        self.wall = wall
        self.title = "周报"
        self.robot = Robot(self.kind, target, self.token, (self.token, self.secret), **robot)

    def pieces(self, summary: Summary) -> list[Piece]:
        self.title = summary.title  # what DingTalk shows in the chat list, for every part
        parts = split_markdown(dingtalk_markdown(summary), MARKDOWN_LIMIT)
        count = len(parts)
        return [
            Piece(
                "markdown",
                part.encode(),
                len(part.encode()),
                f"markdown ({i}/{count})" if count > 1 else "markdown",
            )
            for i, part in enumerate(parts, 1)
        ]

    def deliver(self, piece: Piece) -> Delivered:
        if piece.kind != "markdown":
            raise ChannelError(f"dingtalk: cannot send a {piece.kind} piece")
        text = piece.body.decode()
        payload = {"msgtype": "markdown", "markdown": {"title": self.title, "text": text}}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")

        def request() -> tuple[str, bytes, str]:
            stamp = int(self.wall() * 1000)
            token = urllib.parse.quote(self.token)
            query = f"access_token={token}&timestamp={stamp}&sign={sign(stamp, self.secret)}"
            return f"{self.base}/robot/send?{query}", body, "application/json; charset=utf-8"

        self.robot.send(request, self._read)
        return Delivered(None)

    def _read(self, answer: Answer) -> dict[str, Any]:
        self.robot.check_status(answer)
        value = parse_json(self.kind, answer)
        code = value.get("errcode", 0)
        if code == 0:
            return value
        message = str(value.get("errmsg", "")).split(",")[0]
        hints = {310000: f"check {self.where}.secret_env and the robot's security settings"}
        raise refused(self.kind, code, message, ERRORS, RATE_LIMITED, self.robot.rate_wait, hints)
