"""The e-mail channel: one message per target over SMTP (SSL, STARTTLS or plain, with auth).

The body is HTML (title, 投资要点, 图表1 inline by Content-ID) with a plain-text alternative; the
PDF (and, when the target asks, the Word file) attached under a Chinese name written both ways
mail clients read it: RFC 2231 (``filename*=utf-8''…``, Apple Mail, Thunderbird) and RFC 2047
encoded words (``name="=?utf-8?B?…?="``, Outlook, QQ Mail). Bcc recipients are in the envelope
only, never in a header.
"""

from __future__ import annotations

import base64
import html
import re
import smtplib
import ssl
import time
import urllib.parse
from collections.abc import Mapping
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

from .. import clock
from ..wording import counted
from .channel import ChannelError, Delivered, Piece, Summary
from .secrets import ConfigError, secret

CHART_CID = "figure1"
RETRY_WAITS = (5.0, 30.0)  # seconds before the second and third try of a transient refusal
# the fonts mail clients have for Chinese, by platform; no web font (most clients drop them)
BODY_STYLE = (
    "font-family:'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','Noto Sans SC',"
    "'Source Han Sans SC',sans-serif;font-size:14px;line-height:1.6;color:#222;max-width:860px"
)
DOCX = "vnd.openxmlformats-officedocument.wordprocessingml.document"
WIRE = compat32.clone(linesep="\r\n")
_UNSAFE = re.compile(r'[\\/:*?"<>|\r\n\t]+')
_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


def attachment_name(title: str, suffix: str) -> str:
    """The issue's title as a file name every system accepts."""
    return _UNSAFE.sub("_", title).strip(" ._")[:80] + suffix


def encoded_words(text: str) -> str:
    """``text`` as RFC 2047 base64 encoded words, each within 75 characters, never splitting a
    character."""
    words, chunk = [], b""
    for ch in text:
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > 45:
            words.append(chunk)
            chunk = b""
        chunk += b
    words.append(chunk)
    return " ".join(f"=?utf-8?B?{base64.b64encode(w).decode('ascii')}?=" for w in words if w)


def rfc2231(param: str, text: str) -> str:
    """``param*0*=utf-8''…; param*1*=…``: the name percent-encoded in continuations of at most
    60 characters, never splitting an escape, so no header line is over SMTP's limit."""
    quoted = urllib.parse.quote(text, safe="")
    chunks, rest = [], quoted
    while rest:
        cut = min(60, len(rest))
        while cut < len(rest) and "%" in rest[cut - 2 : cut]:
            cut -= 1
        chunks.append(rest[:cut])
        rest = rest[cut:]
    return ";\n ".join(
        f"{param}*{i}*={'utf-8' + chr(39) * 2 if i == 0 else ''}{c}" for i, c in enumerate(chunks)
    )


def _attachment(data: bytes, subtype: str, name: str) -> MIMEApplication:
    part = MIMEApplication(data, subtype)
    words = encoded_words(name).replace(" ", "\n ")
    part.replace_header("Content-Type", f'application/{subtype};\n name="{words}"')
    part["Content-Disposition"] = f'attachment;\n filename="{words}";\n {rfc2231("filename", name)}'
    return part


def _html(summary: Summary) -> str:
    esc = html.escape
    points = "".join(f"<li>{esc(p)}</li>" for p in summary.points)
    parts = [
        f"<h2>{esc(summary.title)}</h2>",
        f"<p>{esc(summary.period)}</p>",
        f"<h3>投资要点</h3><ul>{points}</ul>" if points else "",
    ]
    if summary.chart_png is not None:
        parts.append(f'<p><img src="cid:{CHART_CID}" alt="图表1" style="max-width:100%"></p>')
    if summary.link:
        parts.append(f'<p><a href="{esc(summary.link)}">{esc(summary.link)}</a></p>')
    body = "".join(parts)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f'<body style="{BODY_STYLE}">{body}</body></html>'
    )


def _text(summary: Summary) -> str:
    lines = [summary.title, summary.period, "", "投资要点"]
    lines += [f"- {p}" for p in summary.points]
    if summary.table:
        lines += ["", "图表1"] + ["\t".join(r) for r in summary.table]
    if summary.link:
        lines += ["", summary.link]
    return "\n".join(lines) + "\n"


class EmailChannel:
    kind = "email"

    def __init__(self, target: str, config: Mapping[str, Any], env: Mapping[str, str]) -> None:
        self.target = target
        self.config = dict(config)
        self.host: str = config["host"]
        self.security: str = config.get("security", "starttls")
        self.port: int = int(config.get("port") or _PORTS[self.security])
        self.sender: str = config["from"]
        self.to = list(config.get("to", []))
        self.cc = list(config.get("cc", []))
        self.bcc = list(config.get("bcc", []))
        self.limit = int(float(config.get("max_message_mb", 20.0)) * 1024 * 1024)
        self.timeout = float(config.get("timeout", 60.0))
        where = f"distribution.targets.{target}"
        self.user = secret(env, config.get("user_env"), None, f"{where}.user_env")
        self.password = secret(
            env,
            config.get("password_env"),
            config.get("password_file_env"),
            f"{where}.password_env",
        )
        try:
            self.context = ssl.create_default_context(cafile=config.get("tls_ca_file"))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"{where}.tls_ca_file: cannot read {config.get('tls_ca_file')} as a CA bundle "
                f"({getattr(exc, 'strerror', None) or exc})"
            ) from None
        if self.user and not self.password:
            raise ConfigError(
                f"{where}: user_env is set but no password; set password_env (or password_file_env)"
            )

    @property
    def recipients(self) -> list[str]:
        return list(dict.fromkeys(self.to + self.cc + self.bcc))

    def message(self, summary: Summary) -> MIMEMultipart:
        """The whole message: related(alternative(text, html), 图表1) then the attachments."""
        alternative = MIMEMultipart("alternative")
        alternative.attach(MIMEText(_text(summary), "plain", "utf-8"))
        alternative.attach(MIMEText(_html(summary), "html", "utf-8"))
        related = MIMEMultipart("related")
        related.attach(alternative)
        if summary.chart_png is not None:
            image = MIMEImage(summary.chart_png, "png")
            image["Content-ID"] = f"<{CHART_CID}>"
            image["Content-Disposition"] = 'inline; filename="figure1.png"'
            related.attach(image)
        msg = MIMEMultipart("mixed")
        msg.attach(related)
        files = self._files(summary)
        for path, subtype in files:
            name = attachment_name(summary.title, path.suffix)
            msg.attach(_attachment(path.read_bytes(), subtype, name))
        msg["Subject"] = Header(summary.title, "utf-8")
        msg["From"] = formataddr(("", self.sender))
        if self.to:
            msg["To"] = ", ".join(self.to)
        if self.cc:
            msg["Cc"] = ", ".join(self.cc)
        msg["Date"] = format_datetime(clock.now_utc())
        msg["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[1])
        return msg

    def _files(self, summary: Summary) -> list[tuple[Path, str]]:
        """The documents attached, each with its MIME subtype."""
        files: list[tuple[Path, str]] = []
        if summary.pdf is not None:
            files.append((summary.pdf, "pdf"))
        if summary.docx is not None and self.config.get("attach_docx"):
            files.append((summary.docx, DOCX))
        return files

    def pieces(self, summary: Summary) -> list[Piece]:
        msg = self.message(summary)
        body = msg.as_bytes(policy=WIRE)  # CRLF: smtplib sends bytes as they are
        if len(body) > self.limit:
            raise ChannelError(
                f"email: {self.target}: the message is {len(body) / 1048576:.1f} MB with its "
                f"attachments, over distribution.targets.{self.target}.max_message_mb "
                f"({self.limit / 1048576:g} MB); raise it if the server allows",
                code="size",
            )
        files = [attachment_name(summary.title, p.suffix) for p, _ in self._files(summary)]
        label = f"email to {counted(len(self.recipients), 'recipient')}" + (
            f" with {', '.join(files)}" if files else ""
        )
        return [Piece("email", body, len(body), label, msg["Message-ID"])]

    def _connect(self) -> smtplib.SMTP:
        context = self.context
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                smtp.starttls(context=context)
        if self.user:
            self._login(smtp)
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        """One mechanism, PLAIN before LOGIN: a refused password is said once, not retried
        under every mechanism the server offers."""
        smtp.ehlo_or_helo_if_needed()
        offered = smtp.esmtp_features.get("auth", "").upper().split()
        smtp.user, smtp.password = self.user or "", self.password or ""
        for name, answer in (("PLAIN", smtp.auth_plain), ("LOGIN", smtp.auth_login)):
            if name in offered:
                smtp.auth(name, answer)
                return
        smtp.login(self.user or "", self.password or "")

    def deliver(self, piece: Piece) -> Delivered:
        """Send the message; a transient refusal (a 4xx answer, or no connection before the
        message went out) is tried again after each pause of ``retry_waits`` (5 s, 30 s)."""
        waits = [float(w) for w in self.config.get("retry_waits", RETRY_WAITS)]
        for wait in (*waits, None):
            try:
                return self._deliver_once(piece)
            except ChannelError as exc:
                if not exc.transient or wait is None:
                    raise
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _deliver_once(self, piece: Piece) -> Delivered:
        where = f"email: {self.target}: {self.host}:{self.port}"
        sending = False  # past this point a lost connection may have delivered the message
        try:
            smtp = self._connect()
            try:
                sending = True
                refused = smtp.sendmail(self.sender, self.recipients, piece.body)
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelError(
                f"{where}: {exc.smtp_code} authentication refused; check the user and password "
                f"in {self.config.get('user_env')}/{self.config.get('password_env')}",
                code=str(exc.smtp_code),
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            first, (code, _) = next(iter(exc.recipients.items()))
            raise ChannelError(
                f"{where}: {code} every recipient refused (first: {first})", code=str(code)
            ) from None
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise ChannelError(
                f"{where}: {exc.smtp_code} {' '.join(text.split())}",
                code=str(exc.smtp_code),
                transient=400 <= exc.smtp_code < 500,
            ) from None
        except ssl.SSLCertVerificationError as exc:
            raise ChannelError(
                f"{where}: the server's certificate is not trusted ({exc.verify_message}); "
                f"give its CA in distribution.targets.{self.target}.tls_ca_file",
                code="certificate",
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            what = "STARTTLS" if "STARTTLS" in str(exc) else "AUTH (a login)"
            fix = "set security: ssl or none" if what == "STARTTLS" else "remove user_env"
            raise ChannelError(
                f"{where}: the server does not offer {what}; {fix}", code="unsupported"
            ) from None
        except (TimeoutError, smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise ChannelError(
                f"{where}: cannot {'deliver' if sending else 'connect'} "
                f"({type(exc).__name__}: {exc})",
                code="lost" if sending else "connect",
                transient=not sending,  # never twice: the first may have arrived
            ) from None
        if refused:
            some = ", ".join(f"{a} ({c})" for a, (c, _) in refused.items())
            raise ChannelError(f"{where}: some recipients refused: {some}", code="partial")
        return Delivered(piece.name)
