"""SMTP delivery: one connection for many messages, reconnecting, 4xx retried with backoff, 5xx final."""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .settings import MailSettings

SENT, TEMPORARY, PERMANENT = "sent", "temporary", "permanent"
# Seconds to wait before each retry of a temporary failure (a 4xx, a dropped connection, a timeout);
# after the last the member stays "deferred" for the next run. About four minutes in all: a greylisting
# server (451 for a few minutes) lets the message through within one run.
BACKOFF: tuple[float, ...] = (2, 5, 15, 30, 60, 120)


class SessionError(Exception):
    """The server cannot be used at all (unreachable, TLS, login, our sender refused): no member is
    at fault, so none is marked failed; the run stops and the journal keeps them queued."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True)
class Outcome:
    status: str       # SENT, TEMPORARY or PERMANENT
    reply: str        # the server's answer ("250 2.0.0 Ok: queued as …"), or what went wrong
    attempts: int = 1


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


def _encoded(address: str) -> str:
    """An envelope address with its domain in IDNA (ASCII), which every server takes without SMTPUTF8."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}" if local else address


class Postman:
    """Delivers messages over one SMTP session, opened when first needed and reopened after a drop.

    `sleep` and `clock` are parameters so that tests (and the benchmark) run the backoff and the rate
    limit without waiting for them."""

    def __init__(self, settings: MailSettings, *, backoff: Sequence[float] = BACKOFF,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.backoff = tuple(backoff)
        self._sleep, self._clock = sleep, clock
        self._smtp: smtplib.SMTP | None = None
        self._last_start: float | None = None
        self.connections = 0  # how many sessions were opened (a test and the summary read it)

    # ---- the session ---------------------------------------------------------------------------
    def _context(self) -> ssl.SSLContext:
        # Certificates are always verified: a private server names its CA file in mail.yaml.
        return ssl.create_default_context(cafile=str(self.settings.ca_file) if self.settings.ca_file else None)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        local = socket.gethostname() or "localhost"
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, local_hostname=local, timeout=s.timeout, context=self._context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, local_hostname=local, timeout=s.timeout)
            if s.security == "starttls":
                smtp.starttls(context=self._context())
        smtp.ehlo()
        if s.user:
            if s.security == "none" and not _loopback(s.host):
                smtp.close()
                raise smtplib.SMTPResponseException(530, f"not logging in to {s.host} without TLS: the password "
                                                         "would cross the network in clear; expected security: starttls or tls")
            smtp.login(s.user, s.password or "")
        self.connections += 1
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            except OSError:
                pass
            self._smtp = None

    # ---- one message ---------------------------------------------------------------------------
    def deliver(self, data: bytes, sender: str, recipient: str,
                on_retry: Callable[[str], None] | None = None) -> Outcome:
        """Send one message to one recipient; temporary failures are retried per `backoff`. Raises
        SessionError when the session itself fails for good (after the retries, if temporary)."""
        reply, session = "", False
        for attempt in range(len(self.backoff) + 1):
            if attempt:
                if on_retry:
                    on_retry(reply)
                self._sleep(self.backoff[attempt - 1])
            self._pace()
            status, reply, session = self._try(data, sender, recipient)
            if session and status == PERMANENT:
                raise SessionError(reply)
            if status != TEMPORARY:
                return Outcome(status, reply, attempt + 1)
        if session:
            raise SessionError(reply)
        return Outcome(TEMPORARY, reply, len(self.backoff) + 1)

    def _pace(self) -> None:
        """The rate limit: message starts at least 60/per_minute seconds apart."""
        if self.settings.per_minute:
            interval = 60.0 / self.settings.per_minute
            if self._last_start is not None:
                wait = self._last_start + interval - self._clock()
                if wait > 0:
                    self._sleep(wait)
        self._last_start = self._clock()

    def _try(self, data: bytes, sender: str, recipient: str) -> tuple[str, str, bool]:
        """(status, reply, whether the session failed rather than this recipient or message)."""
        try:
            if self._smtp is None:
                try:
                    self._smtp = self._connect()
                except smtplib.SMTPResponseException as e:  # 421/554 greeting, a refused STARTTLS or login
                    self._drop()
                    return _status(e.smtp_code), _reply(e.smtp_code, e.smtp_error), True
                except ssl.SSLError as e:  # a certificate that does not verify will not verify next time
                    self._drop()
                    return PERMANENT, f"TLS: {e}", True
            smtp = self._smtp
            try:
                code, message = smtp.mail(_encoded(sender))
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                # The server closed the idle session (a drop after N messages, an idle timeout):
                # nothing of this message was sent, so open a new one at once, no backoff.
                self._drop()
                self._smtp = smtp = self._connect()
                code, message = smtp.mail(_encoded(sender))
            if code != 250:
                return self._refused(code, message, session=True)
            code, message = smtp.rcpt(_encoded(recipient))
            if code not in (250, 251):
                return self._refused(code, message)
            code, message = smtp.data(data)
            if code != 250:
                return self._refused(code, message)
            return SENT, _reply(code, message), False
        except smtplib.SMTPResponseException as e:
            self._drop()
            return _status(e.smtp_code), _reply(e.smtp_code, e.smtp_error), e.smtp_code == 421
        except (smtplib.SMTPException, OSError) as e:
            # A drop, a timeout, a refused connection: nothing says the server took the message.
            session = self._smtp is None
            self._drop()
            return TEMPORARY, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__, session

    def _refused(self, code: int, message: bytes, session: bool = False) -> tuple[str, str, bool]:
        """A refusal mid-transaction: reset it so the session serves the next message (421 closes it)."""
        if code == 421 or code < 0:
            self._drop()
            session = session or code == 421
        else:
            try:
                self._smtp.rset()  # type: ignore[union-attr]
            except (smtplib.SMTPException, OSError):
                self._drop()
        return _status(code), _reply(code, message), session


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def _status(code: int) -> str:
    return PERMANENT if 500 <= code < 600 else TEMPORARY
