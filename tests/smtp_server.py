"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1): it keeps every message it accepts
with its envelope, checks a login when asked to, and refuses the recipients it is told to."""

from __future__ import annotations

import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class Handler:
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    busy: int = 0  # DATA commands to answer 451 before accepting
    data_tries: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_tries += 1
        if self.busy > 0:  # a transient refusal, as a greylisting or busy server answers
            self.busy -= 1
            return "451 4.7.1 try again later"
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 OK queued"


class Auth:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()
        self.tries = 0

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        self.tries += 1
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            self.user,
            self.password,
        )
        return AuthResult(success=ok, handled=False)  # handled=False: the server says 535


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class SmtpServer:
    """``tls``: None (plain), ``starttls`` (required before AUTH) or ``ssl`` (implicit TLS),
    with the certificate and key given."""

    def __init__(
        self,
        user: str = "analyst",
        password: str = "s3cret",
        tls: str | None = None,
        cert: tuple[Path, Path] | None = None,
    ) -> None:
        self.handler = Handler()
        self.auth = Auth(user, password)
        self.port = free_port()
        context = None
        if tls is not None:
            assert cert is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*cert)
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self.auth,
            auth_require_tls=tls == "starttls",  # aiosmtpd counts only STARTTLS as TLS
            auth_required=True,
            tls_context=context if tls == "starttls" else None,
            require_starttls=tls == "starttls",
            ssl_context=context if tls == "ssl" else None,
        )

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
