"""The WeCom (企业微信) group robot: the summary as markdown, 图表1 as an image, the PDF as a file.

The API, as WeCom documents it (群机器人配置说明, developer.work.weixin.qq.com/document/path/91770,
and the file upload on the same page; read through its copies on cnblogs.com/tiandi/p/17768525
and hexdocs.pm/wechat_sdk WeChat.Work.ChatRobot):

- ``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`` with JSON ``{"msgtype":
  "markdown", "markdown": {"content": …}}``; the content at most 4,096 bytes, UTF-8.
- An image: ``{"msgtype": "image", "image": {"base64": …, "md5": …}}``, the md5 of the image
  before base64, at most 2 MB, JPG or PNG.
- A file: ``POST …/cgi-bin/webhook/upload_media?key=KEY&type=file`` (multipart/form-data, the
  part named ``media`` with filename and length; more than 5 bytes, at most 20 MB) answers a
  ``media_id`` (valid three days), then ``{"msgtype": "file", "file": {"media_id": …}}``.
- Each robot sends at most 20 messages a minute. Answers are ``{"errcode", "errmsg"}``;
  93000 is an invalid webhook key (github.com/wes-lin/Cloud189Checkin/issues/175), 45009 the
  frequency limit (``api freq out of limit``), 40058 ``markdown.content exceed max length 4096``
  (github.com/RayWangQvQ/BiliBiliToolPro/issues/702).

Config (``distribution.targets.<name>`` in desk.yaml): ``channel: wecom``, ``key_env`` naming the
environment variable that holds the key (or the whole webhook URL), optional ``base_url``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
import uuid
from collections.abc import Mapping
from typing import Any

from .channel import ChannelError, Delivered, Piece, Summary
from .robot import Answer, Robot, base_url, parse_json, refused, secret, webhook_param
from .robot_markdown import wecom_markdown
from .split import split_markdown

MARKDOWN_LIMIT = 4096
IMAGE_LIMIT = 2 * 1024 * 1024
FILE_LIMIT = 20 * 1024 * 1024
FILE_MIN = 6  # "more than 5 bytes"
BASE_URL = "https://qyapi.weixin.qq.com"
ERRORS = {
    93000: "invalid webhook key",
    45009: "rate limited (20 messages a minute)",
    40058: "a message longer than WeCom accepts (markdown 4,096 bytes)",
}
RATE_LIMITED = {45009}


class WecomChannel:
    kind = "wecom"

    def __init__(
        self, target: str, config: Mapping[str, Any], env: Mapping[str, str], **robot: Any
    ) -> None:
        self.target = target
        self.key = webhook_param(secret(self.kind, target, config, "key_env", env), "key")
        self.hint = f"check distribution.targets.{target}.key_env"
        self.base = base_url(self.kind, target, config, BASE_URL)
        self.robot = Robot(self.kind, target, self.key, (self.key,), **robot)

    def pieces(self, summary: Summary) -> list[Piece]:
        parts = split_markdown(wecom_markdown(summary), MARKDOWN_LIMIT)
        pieces = [
            Piece("markdown", p.encode(), len(p.encode()), _label("markdown", i, len(parts)))
            for i, p in enumerate(parts, 1)
        ]
        if summary.chart_png:
            png = summary.chart_png
            if len(png) > IMAGE_LIMIT:
                raise ChannelError(
                    f"wecom: 图表1 is {len(png):,} bytes; a WeCom image is at most {IMAGE_LIMIT:,}"
                )
            pieces.append(Piece("image", png, len(png), "image 图表1.png", "图表1.png"))
        if summary.pdf is not None:
            try:
                data = summary.pdf.read_bytes()
            except OSError as error:
                reason = error.strerror or type(error).__name__
                raise ChannelError(f"wecom: cannot read {summary.pdf}: {reason}") from None
            if not FILE_MIN <= len(data) <= FILE_LIMIT:
                raise ChannelError(
                    f"wecom: {summary.pdf.name} is {len(data):,} bytes; a WeCom file is "
                    f"{FILE_MIN} to {FILE_LIMIT:,} bytes"
                )
            name = shown_name(summary)
            pieces.append(Piece("file", data, len(data), f"file {name}", name))
        return pieces

    def deliver(self, piece: Piece) -> Delivered:
        if piece.kind == "markdown":
            self._message({"msgtype": "markdown", "markdown": {"content": piece.body.decode()}})
        elif piece.kind == "image":
            encoded = base64.b64encode(piece.body).decode("ascii")
            digest = hashlib.md5(piece.body).hexdigest()
            self._message({"msgtype": "image", "image": {"base64": encoded, "md5": digest}})
        elif piece.kind == "file":
            media_id = self._upload(piece.name or "report.pdf", piece.body)
            self._message({"msgtype": "file", "file": {"media_id": media_id}})
        else:
            raise ChannelError(f"wecom: cannot send a {piece.kind} piece")
        return Delivered(None)

    def _message(self, payload: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base}/cgi-bin/webhook/send?key={urllib.parse.quote(self.key)}"
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return self.robot.send(lambda: (url, body, "application/json; charset=utf-8"), self._read)

    def _upload(self, name: str, data: bytes) -> str:
        key = urllib.parse.quote(self.key)
        url = f"{self.base}/cgi-bin/webhook/upload_media?key={key}&type=file"
        boundary = uuid.uuid4().hex
        body = _multipart(boundary, name, data)
        content_type = f"multipart/form-data; boundary={boundary}"
        answer = self.robot.send(lambda: (url, body, content_type), self._read, paced=False)
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise ChannelError("wecom: the upload answered without a media_id")
        return media_id

    def _read(self, answer: Answer) -> dict[str, Any]:
        self.robot.check_status(answer)
        value = parse_json(self.kind, answer)
        code = value.get("errcode", 0)
        if code == 0:
            return value
        message = str(value.get("errmsg", "")).split(",")[0]
        hints = {93000: self.hint}
        raise refused(self.kind, code, message, ERRORS, RATE_LIMITED, self.robot.rate_wait, hints)


def shown_name(summary: Summary) -> str:
    """The PDF's name in the group: its own, unless that is the build's plain ``report.pdf``,
    which says nothing in a chat; then the issue's title and date."""
    assert summary.pdf is not None
    if summary.pdf.stem.lower() != "report":
        return summary.pdf.name
    title = "".join("_" if c in '\\/:*?"<>|' or ord(c) < 32 else c for c in summary.title)
    return f"{title}_{summary.issue_date:%Y%m%d}.pdf"


def _label(kind: str, index: int, count: int) -> str:
    return f"{kind} ({index}/{count})" if count > 1 else kind


def _multipart(boundary: str, name: str, data: bytes) -> bytes:
    """One part named ``media``; the file name in UTF-8 as browsers send it (WeCom shows it)."""
    shown = name.replace("\\", "_").replace('"', "_").replace("\r", "").replace("\n", "")
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="media"; filename="{shown}"; '
        f"filelength={len(data)}\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode()
