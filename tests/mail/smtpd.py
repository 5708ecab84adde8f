"""A real SMTP server on loopback (aiosmtpd) that records what it receives and misbehaves on request."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# Implicit TLS: AUTH does go over TLS, though aiosmtpd counts only STARTTLS's and warns (per session).
QUIET = "ignore:Requiring AUTH while not requiring TLS"
USER, PASSWORD = "editor@cega.example.org", "s3cret-pa55"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)  # type: ignore[return-value]


@dataclass
class Recorder:
    """The handler: keeps every accepted message, and misbehaves as real servers do on request:
    drops the session after every `drop_after` messages; answers 451 to the first `defer_first`
    DATA commands; refuses `reject` recipients with 550 user unknown and `refuse` ones with the
    reply given (552 …); denies relaying to everyone (`relay_denied`, 554 5.7.1); greylists each
    sender/recipient pair for `greylist` seconds after it is first seen (450, as postgrey); takes
    `delay` seconds to reply to the final dot (the message kept before); keeps a message to a `lose_reply` address
    and closes the connection instead of replying (once per address)."""

    drop_after: int | None = None
    defer_first: int = 0
    reject: set[str] = field(default_factory=set)
    refuse: dict[str, str] = field(default_factory=dict)
    relay_denied: bool = False
    greylist: float = 0.0
    delay: float = 0.0
    lose_reply: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    deferred: int = 0
    data_started: int = 0  # DATA transactions whose message has arrived, replied to or not
    sessions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _in_session: dict = field(default_factory=dict)
    _first_seen: dict = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802
        if self.relay_denied:
            return f"554 5.7.1 <{address}>: Relay access denied"
        if address in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address in self.refuse:
            return self.refuse[address]
        if self.greylist:
            first = self._first_seen.setdefault((envelope.mail_from, address), time.monotonic())
            if time.monotonic() - first < self.greylist:
                return f"450 4.2.0 <{address}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        self.data_started += 1
        if self.deferred < self.defer_first:
            self.deferred += 1
            return "451 4.7.1 Greylisted, try again later"
        # Kept before the slow reply, as a real server queues it: a client that goes away now
        # has still sent the message.
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
            count = self._in_session[id(session)] = self._in_session.get(id(session), 0) + 1
            number = len(self.received)
        if self.delay:
            await asyncio.sleep(self.delay)
        lost = set(envelope.rcpt_tos) & self.lose_reply
        if lost:  # the message is kept; the reply never leaves
            self.lose_reply -= lost
            server.transport.abort()
            return "250 2.0.0 Ok (never seen by the client)"
        if self.drop_after and count >= self.drop_after:
            # After the 250 has gone out: the client sees the next command fail, as with a server
            # that closes a session after so many messages.
            asyncio.get_running_loop().call_soon(server.transport.close)
        return f"250 2.0.0 Ok: queued as Q{number:05d}"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Tls:
    """A certificate authority made at test time, a server certificate for 127.0.0.1 it signed, and
    the CA file a client names in mail.yaml to trust it."""

    ca_file: Path
    server: ssl.SSLContext

    @classmethod
    def make(cls, folder: Path) -> "Tls":
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(server)
        ca_file = folder / "test-ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        return cls(ca_file, server)


def _authenticate(server, session, envelope, mechanism, auth_data):  # noqa: ANN001
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


class Silent:
    """A port that takes connections and never says a word (a server that never greets): the
    kernel completes the handshake for a listening socket nobody accepts on."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def stop(self) -> None:
        self.sock.close()


def start(handler: Recorder, security: str = "none", tls: Tls | None = None) -> Controller:
    """A started server: `none` (no TLS, no AUTH), `auth` (no TLS, AUTH required), `starttls`
    (STARTTLS required, then AUTH required) or `tls` (TLS from the first byte, AUTH required)."""
    port = free_port()
    kwargs: dict = {"hostname": "127.0.0.1", "port": port, "ready_timeout": 10}
    if security == "starttls":
        kwargs.update(tls_context=tls.server, require_starttls=True, auth_required=True, auth_require_tls=True,
                      authenticator=_authenticate)
    elif security == "auth":
        kwargs.update(auth_required=True, auth_require_tls=False, authenticator=_authenticate)
    elif security == "tls":
        kwargs.update(ssl_context=tls.server, auth_required=True, auth_require_tls=False, authenticator=_authenticate)
    controller = Controller(handler, **kwargs)
    controller.start()
    return controller
