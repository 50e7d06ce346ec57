"""What every channel is: it renders a :class:`Summary` into pieces within its own limits, and
delivers one piece at a time; the sender, the ledger and ``--dry-run`` need nothing else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

PieceKind = Literal["markdown", "text", "image", "file", "email"]


@dataclass(frozen=True)
class Summary:
    """What a channel may say of an issue, taken from the published report model and files."""

    title: str  # the report's title, e.g. 算力周跟踪（2024年10月7日—10月10日）
    issue_date: dt.date  # the issue's date (the archive's key)
    period: str  # the week in words, e.g. 2024-10-08 至 2024-10-11
    points: tuple[str, ...]  # 投资要点, one string per point, plain text
    table: tuple[tuple[str, ...], ...] = ()  # 图表1 as rows of cells, the header first
    chart_png: bytes | None = None  # 图表1 drawn, PNG
    pdf: Path | None = None
    docx: Path | None = None
    link: str | None = None  # a public URL of the issue, when the desk gives a base URL
    chart_url: str | None = None  # a public URL of 图表1 as PNG (DingTalk shows images by link)
    digests: dict[str, str] = field(default_factory=dict)  # document name -> sha256


@dataclass(frozen=True)
class Piece:
    """One message as the channel will post it, in order; ``size`` is what the channel's
    limit counts (bytes of the body for the robots)."""

    kind: PieceKind
    body: bytes
    size: int
    label: str  # one line for --dry-run and the ledger, e.g. "markdown (2/3)" or "file 周报.pdf"
    name: str | None = None  # file name of an image or file piece


@dataclass(frozen=True)
class Delivered:
    message_id: str | None  # the channel's id of the message, when it gives one


class ChannelError(Exception):
    """A channel's refusal as one line (``wecom: 93000 invalid webhook key; check …``);
    ``transient`` errors may be retried, the others end the send to that target."""

    def __init__(self, line: str, *, code: str | None = None, transient: bool = False) -> None:
        super().__init__(line)
        self.line = line
        self.code = code
        self.transient = transient


class Channel(Protocol):
    kind: str  # email | wecom | dingtalk | feishu
    target: str  # the desk's name for this target (distribution.<name>)

    def pieces(self, summary: Summary) -> list[Piece]:
        """The messages for this summary, split within the channel's limits, in order."""
        ...

    def deliver(self, piece: Piece) -> Delivered:
        """Post one piece; raises ChannelError. Pacing and retries are the channel's own."""
        ...
