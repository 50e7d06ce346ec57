"""Sending a released issue to named targets: build each target's channel from the desk's
``distribution``, render the summary into that channel's pieces, deliver them in order, and
write one ledger row per message, whatever happened to it.

Channels are found by kind in a registry of module names, imported only when a target uses
them, so the robots' modules are optional. A failure stops that target (later pieces are
recorded ``not sent``) and never marks anything sent that was not.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..desk.distribution import Distribution
from ..errors import SectorWeeklyError
from . import ledger
from .channel import Channel, ChannelError, Piece
from .release import NotReleased, released
from .secrets import ConfigError
from .summary import summary_of

# channel kind -> module that defines its class (constructor: target, config, env)
CHANNEL_MODULES: dict[str, str] = {
    "email": "sectorweekly.send.email",
    "wecom": "sectorweekly.send.wecom",
    "dingtalk": "sectorweekly.send.dingtalk",
    "feishu": "sectorweekly.send.feishu",
}
CONFIG_EXIT, CHANNEL_EXIT = 2, 5


class ChannelFailed(SectorWeeklyError):
    """A channel refused or could not deliver a message (the ledger says which)."""

    exit_code = CHANNEL_EXIT


class AlreadySent(SectorWeeklyError):
    exit_code = 2


def channel_class(kind: str) -> type:
    """The class of channel ``kind``: the one in its module whose ``kind`` is ``kind``."""
    name = CHANNEL_MODULES.get(kind)
    if name is None:
        raise ConfigError(
            f"channel {kind!r} is not known; expected one of {', '.join(CHANNEL_MODULES)}"
        )
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise ConfigError(f"channel {kind!r} is not installed in this version") from None
    own = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and v.__module__ == name and callable(getattr(v, "deliver", None))
    ]
    # the class whose ``kind`` says so, else the module's one class named …Channel
    found = [c for c in own if getattr(c, "kind", None) == kind] or [
        c for c in own if c.__name__.endswith("Channel")
    ]
    if len(found) != 1:
        raise ConfigError(f"channel {kind!r}: {name} defines no single channel class")
    return found[0]


def make_channel(dist: Distribution, target: str, env: Mapping[str, str]) -> Channel:
    conf = dist.targets[target]
    cls = channel_class(conf.channel)
    settings = conf.settings()
    if dist.public_base_url:  # images by link (DingTalk) need where the reports are served
        settings.setdefault("public_base_url", dist.public_base_url)
    channel: Channel = cls(target, settings, env)
    return channel


def check_secret_files(
    dist: Distribution, target: str, env: Mapping[str, str], desk_root: Path | None
) -> None:
    """A secret file (named by a ``*_file_env`` variable) must live outside the desk folder,
    which is shared, copied and archived with the reports."""
    if desk_root is None:
        return
    root = desk_root.resolve()
    for key, var in dist.targets[target].settings().items():
        if not (key.endswith("_file_env") and isinstance(var, str) and env.get(var)):
            continue
        path = Path(env[var]).resolve()
        if path.is_relative_to(root):
            raise ConfigError(
                f"distribution.targets.{target}.{key}: {var} names {path}, inside the desk "
                f"folder {root}; keep secret files outside the desk"
            )


@dataclass
class SendResult:
    rows: list[ledger.Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (exit code, line)

    @property
    def exit_code(self) -> int:
        return max((c for c, _ in self.errors), default=0)


def _check_targets(dist: Distribution, names: list[str]) -> None:
    unknown = [n for n in names if n not in dist.targets]
    if unknown:
        known = ", ".join(dist.targets) or "none: add distribution.targets to desk.yaml"
        raise ConfigError(f"--to {unknown[0]}: no such target in desk.yaml (known: {known})")


def send(
    dist: Distribution,
    reports: Path,
    day: dt.date,
    names: list[str],
    env: Mapping[str, str],
    *,
    dry_run: bool = False,
    again: bool = False,
    say: Callable[[str], None] = lambda _line: None,
    desk_root: Path | None = None,
) -> SendResult:
    """Send the released issue of ``day`` to each target in ``names``, in order; a secret file
    inside ``desk_root`` (the desk folder) is refused."""
    names = list(dict.fromkeys(names))
    result = SendResult()
    kinds = {n: dist.targets[n].channel if n in dist.targets else "" for n in names}

    def refused(line: str, digests: dict[str, str], code: int) -> SendResult:
        if not dry_run:
            rows = [
                ledger.row(day, digests, kinds[n], n, "(none)", None, "refused", error=line)
                for n in names
            ]
            ledger.append(reports, rows)
            result.rows += rows
        result.errors.append((code, line))
        return result

    try:
        _check_targets(dist, names)
        issue, record = released(reports, day)
    except (ConfigError, NotReleased) as exc:
        return refused(str(exc), {}, CONFIG_EXIT)
    if not again:
        for n in names:
            before = ledger.sent_before(reports, day, record.digests, n)
            if before is not None:
                result.errors.append((CONFIG_EXIT, (
                    f"{day} was already sent to {n} at {before.time} ({ledger.LEDGER_FILE}); "
                    "--again sends it again")))  # fmt: skip
        if result.errors:
            return result
    summary = summary_of(reports, issue, record, dist.public_base_url)
    for n in names:
        _send_one(
            dist, n, summary.issue_date, record.digests, env, summary, reports, dry_run, say,
            result, desk_root,
        )  # fmt: skip
    return result


def _send_one(
    dist: Distribution, name: str, day: dt.date, digests: dict[str, str], env: Mapping[str, str],
    summary: Any, reports: Path, dry_run: bool, say: Callable[[str], None], result: SendResult,
    desk_root: Path | None,
) -> None:  # fmt: skip
    kind = dist.targets[name].channel

    def record(piece: Piece | None, outcome: str, mid: str | None = None, error: str = "") -> None:
        label = piece.label if piece else "(none)"
        r = ledger.row(
            day, digests, kind, name, label, piece.size if piece else None, outcome, mid, error
        )
        ledger.append(reports, [r])
        result.rows.append(r)

    try:
        check_secret_files(dist, name, env, desk_root)
        channel = make_channel(dist, name, env)
        pieces = channel.pieces(summary)
    except (ConfigError, ChannelError) as exc:
        line = exc.line if isinstance(exc, ChannelError) else str(exc)
        if not dry_run:
            record(None, "failed", error=line)
        result.errors.append((CONFIG_EXIT, line))
        return
    if dry_run:
        for p in pieces:
            say(f"{name} ({kind}): {p.label}, {p.size:,} bytes")
        return
    for i, piece in enumerate(pieces):
        try:
            done = channel.deliver(piece)
        except ChannelError as exc:
            record(piece, "partial" if exc.code == "partial" else "failed", error=exc.line)
            for later in pieces[i + 1 :]:
                record(later, "not sent", error=f"not sent after the failure of {piece.label}")
            result.errors.append((CHANNEL_EXIT, exc.line))
            return
        record(piece, "sent", done.message_id)
        say(f"{name} ({kind}): sent {piece.label}, {piece.size:,} bytes")
