"""SMTP delivery: one session for many messages, reopened after a drop; each message tried once, its
outcome classed (sent, temporary, permanent and whose fault, fate unknown); configuration faults raised."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .members import ascii_address

if TYPE_CHECKING:
    from .settings import MailSettings

SENT, TEMPORARY, PERMANENT, UNKNOWN = "sent", "temporary", "permanent", "unknown"
MEMBER, SERVER = "member", "server"  # whose fault a permanent refusal is
LOGIN_VARIABLES = "BULLETIN_PRESS_SMTP_USER and BULLETIN_PRESS_SMTP_PASSWORD"


class ConfigFault(Exception):
    """The server cannot be used as configured (unreachable, no STARTTLS, an untrusted certificate,
    a login missing or refused, our sender refused): no member is at fault. `line` says what to fix;
    `transient` faults (nothing listening, no answer) only count as such before the first session."""

    def __init__(self, line: str, transient: bool = False) -> None:
        super().__init__(line)
        self.line, self.transient = line, transient


@dataclass(frozen=True)
class Outcome:
    status: str       # SENT, TEMPORARY, PERMANENT or UNKNOWN (the message went, no reply came)
    reply: str        # the server's answer ("250 2.0.0 Ok: queued as …"), or what went wrong
    fault: str = MEMBER  # for PERMANENT: MEMBER (this address) or SERVER (a refusal any member would get)


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


def _encoded(address: str) -> str:
    """An envelope address with its domain in A-labels, as the headers have it (IDNA 2008), which
    every server takes without SMTPUTF8."""
    return ascii_address(address) if "@" in address else address


def fault_of(code: int, reply: str) -> str:
    """Whose fault a 5xx about a recipient is: the address's (unknown user, mailbox full or the
    message too large for it: RFC 3463 classes 5.1 and 5.2, or 552) or the server's (relaying
    denied, policy, a login required: class 5.7, 530, 554 …), which any other member would get too."""
    enhanced = re.match(r"\d{3} ([245])\.(\d{1,3})\.\d{1,3}\b", reply)
    if enhanced:
        return MEMBER if enhanced.group(2) in ("1", "2") or code == 552 else SERVER
    if code == 552:
        return MEMBER
    if code in (550, 551, 553) and not re.search(r"relay|auth|policy|denied|block|spam", reply, re.I):
        return MEMBER
    return SERVER


def describe(error: BaseException, timeout: float) -> str:
    """What went wrong on the connection, in words (never a class name)."""
    text = str(error)
    if isinstance(error, (TimeoutError, socket.timeout)) or "timed out" in text:
        return f"no answer within {timeout:g} s"
    if isinstance(error, ConnectionRefusedError):
        return "nothing is listening there"
    if isinstance(error, ConnectionResetError):
        return "the connection was reset"
    if isinstance(error, (smtplib.SMTPServerDisconnected, ConnectionError, EOFError)):
        return "the server closed the connection"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return text or "the connection failed"


class Postman:
    """Delivers messages over one SMTP session, opened when first needed and reopened after a drop.

    `sleep` and `clock` are parameters so that tests (and the benchmark) run the rate limit without
    waiting for it."""

    def __init__(self, settings: MailSettings, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._sleep, self._clock = sleep, clock
        self._smtp: smtplib.SMTP | None = None
        self._last_start: float | None = None
        self.connections = 0  # how many sessions were opened (a test and the summary read it)
        self.where = f"{settings.host}:{settings.port}"

    # ---- the session ---------------------------------------------------------------------------
    def _context(self) -> ssl.SSLContext:
        # Certificates are always verified: a private server names its CA file in mail.yaml.
        return ssl.create_default_context(cafile=str(self.settings.ca_file) if self.settings.ca_file else None)

    def _fault(self, line: str, transient: bool = False) -> ConfigFault:
        if self.settings.password and len(self.settings.password) >= 4:
            line = line.replace(self.settings.password, "***")
        return ConfigFault(line, transient)

    def _untrusted(self, e: ssl.SSLError) -> ConfigFault:
        if isinstance(e, ssl.SSLCertVerificationError):
            why = (e.verify_message or "it does not verify").rstrip(".")
            return self._fault(f"the certificate of {self.where} is not trusted ({why}); set smtp.ca_file in "
                               "mail.yaml to the CA file (PEM) that signed it")
        return self._fault(f"TLS with {self.where} failed ({(e.reason or str(e)).lower().replace('_', ' ')}); "
                           "expected smtp.security: tls for a port that speaks TLS from the start (465), "
                           "starttls for 587")

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        local = socket.gethostname() or "localhost"
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(local_hostname=local, timeout=s.timeout, context=self._context())
        else:
            smtp = smtplib.SMTP(local_hostname=local, timeout=s.timeout)
        # Connected in two steps, to tell a refused connection from a missing greeting; TLS checks
        # the certificate against the name smtplib keeps from its constructor.
        smtp._host = s.host
        try:
            code, message = smtp.connect(s.host, s.port)
        except ssl.SSLError as e:
            raise self._untrusted(e) from None
        except socket.gaierror:
            raise self._fault(f"cannot connect to {self.where}: no such host; check smtp.host in mail.yaml "
                              "(or BULLETIN_PRESS_SMTP_HOST)") from None
        except (OSError, smtplib.SMTPException) as e:
            smtp.close()
            # smtplib says "disconnected" only once the connection stood: no greeting came (a TLS
            # port spoken to in plain, a server stuck), or the server hung up at once.
            if isinstance(e, smtplib.SMTPServerDisconnected):
                raise self._fault(f"cannot connect to {self.where}: no greeting ({describe(e, s.timeout)}); check "
                                  "smtp.port and smtp.security (465 expects tls, 587 starttls)", True) from None
            raise self._fault(f"cannot connect to {self.where}: {describe(e, s.timeout)}; check smtp.host and "
                              "smtp.port in mail.yaml", True) from None
        if code != 220:
            smtp.close()
            raise self._fault(f"{self.where} refuses the connection ({_reply(code, message)})", 400 <= code < 500)
        return smtp

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = self._open()
        try:
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise self._fault(f"{self.where} offers no STARTTLS; expected smtp.security: tls if it speaks TLS "
                                      "from the start (port 465), or none for a local relay")
                try:
                    smtp.starttls(context=self._context())
                except ssl.SSLError as e:
                    raise self._untrusted(e) from None
                smtp.ehlo()
            if s.user:
                if s.security == "none" and not _loopback(s.host):
                    raise self._fault(f"not logging in to {s.host} without TLS: the password would cross the network "
                                      "in clear; expected smtp.security: starttls or tls")
                if not smtp.has_extn("auth"):
                    raise self._fault(f"{self.where} offers no login (AUTH); expected smtp.security: starttls or tls "
                                      "if it offers one after TLS, or no BULLETIN_PRESS_SMTP_USER if it needs none")
                try:
                    smtp.login(s.user, s.password or "")
                except smtplib.SMTPResponseException as e:
                    raise self._fault(f"{self.where} refused the login of {s.user} "
                                      f"({_reply(e.smtp_code, e.smtp_error)}); check {LOGIN_VARIABLES}") from None
                except smtplib.SMTPException:
                    raise self._fault(f"{self.where} offers no login method this program speaks (PLAIN, LOGIN, "
                                      "CRAM-MD5)") from None
        except ConfigFault:
            smtp.close()
            raise
        except (OSError, smtplib.SMTPException) as e:
            smtp.close()
            raise self._fault(f"cannot open a session with {self.where}: {describe(e, s.timeout)}", True) from None
        except BaseException:  # anything else starttls or login raises (a password smtplib cannot encode): no socket left open
            smtp.close()
            raise
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
                before_dot: Callable[[], None] | None = None) -> Outcome:
        """Send one message to one recipient, once. Raises ConfigFault when the server cannot be used
        as configured. `before_dot` is called just before the final dot: from then on the server may
        have the message, whatever happens to this process."""
        self._pace()
        try:
            if self._smtp is None:
                self._smtp = self._connect()
        except ConfigFault as e:
            if e.transient and self.connections:  # it worked before: a restart, a network blip
                return Outcome(TEMPORARY, e.line)
            raise
        try:
            return self._transaction(data, sender, recipient, before_dot)
        except ConfigFault as e:  # our sender refused, or reopening a dropped session failed
            self._drop()
            if e.transient:
                return Outcome(TEMPORARY, e.line)
            raise
        except (smtplib.SMTPException, OSError) as e:
            # Before the final dot: the server discards a message it did not see end.
            self._drop()
            return Outcome(TEMPORARY, f"connection lost before the message was complete ({describe(e, self.settings.timeout)})")

    def _pace(self) -> None:
        """The rate limit: message starts at least 60/per_minute seconds apart."""
        if self.settings.per_minute:
            interval = 60.0 / self.settings.per_minute
            if self._last_start is not None:
                wait = self._last_start + interval - self._clock()
                if wait > 0:
                    self._sleep(wait)
        self._last_start = self._clock()

    def _transaction(self, data: bytes, sender: str, recipient: str, before_dot: Callable[[], None] | None) -> Outcome:
        smtp = self._smtp
        assert smtp is not None
        try:
            code, message = smtp.mail(_encoded(sender))
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            # The server closed the idle session (a drop after N messages, an idle timeout):
            # nothing of this message was sent, so open a new one at once.
            self._drop()
            self._smtp = smtp = self._connect()
            code, message = smtp.mail(_encoded(sender))
        if code != 250:
            reply = _reply(code, message)
            if 500 <= code < 600:
                raise self._fault(_sender_remedy(code, reply, sender))
            return self._refused(code, reply)
        code, message = smtp.rcpt(_encoded(recipient))
        if code not in (250, 251):
            return self._refused(code, _reply(code, message))
        smtp.putcmd("data")
        code, message = smtp.getreply()
        if code != 354:
            return self._refused(code, _reply(code, message))
        body = re.sub(rb"(?m)^\.", b"..", data)  # RFC 5321 4.5.2: a line's leading dot doubled
        smtp.send(body if body.endswith(b"\r\n") else body + b"\r\n")
        if before_dot:
            before_dot()
        smtp.send(b".\r\n")
        # RFC 5321 4.5.3.2.6: the reply to the final dot may take 10 minutes; giving up sooner
        # and sending again is how a member gets two copies.
        smtp.sock.settimeout(self.settings.data_timeout)
        try:
            code, message = smtp.getreply()
        except (smtplib.SMTPException, OSError) as e:
            self._drop()
            return Outcome(UNKNOWN, f"no reply after the final dot ({describe(e, self.settings.data_timeout)})")
        smtp.sock.settimeout(self.settings.timeout)
        if code != 250:
            return self._refused(code, _reply(code, message))
        return Outcome(SENT, _reply(code, message))

    def _refused(self, code: int, reply: str) -> Outcome:
        """A refusal mid-transaction: reset it so the session serves the next message (421 closes it)."""
        if code == 421 or code < 0:
            self._drop()
        else:
            try:
                self._smtp.rset()  # type: ignore[union-attr]
            except (smtplib.SMTPException, OSError):
                self._drop()
        if 500 <= code < 600:
            return Outcome(PERMANENT, reply, fault_of(code, reply))
        return Outcome(TEMPORARY, reply)


def _sender_remedy(code: int, reply: str, sender: str) -> str:
    if code == 530 or re.search(r"\b5\.7\.0\b|authenticat", reply, re.I):
        return f"the server requires a login ({reply}); set {LOGIN_VARIABLES}"
    return (f"the server refuses our sender {sender} ({reply}); check sender.address in mail.yaml — the server "
            "may take mail only from its own domain, or only after a login")


def remedy(reply: str, sender: str) -> str:
    """One line for the editor when every member is refused alike: what to fix, not who."""
    code = int(reply[:3]) if reply[:3].isdigit() else 0
    if re.search(r"relay", reply, re.I):
        return (f"the server does not relay our mail ({reply}); set {LOGIN_VARIABLES} if it relays after a "
                f"login, or ask its administrator to relay for {sender}")
    if code == 530 or re.search(r"authenticat|\b5\.7\.0\b", reply, re.I):
        return f"the server requires a login ({reply}); set {LOGIN_VARIABLES}"
    return (f"the server refuses every member alike ({reply}); the members' addresses are not at fault — "
            "ask the server's administrator")


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")
