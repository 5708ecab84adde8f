"""SMTP delivery against a real server on loopback: TLS, AUTH, drops, 4xx and 5xx classed, lost replies,
configuration faults said in one line, the rate limit."""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

import time

from bulletin_press.mail import deliver
from bulletin_press.mail.deliver import MEMBER, PERMANENT, SENT, SERVER, TEMPORARY, UNKNOWN, ConfigFault, Postman

from .smtpd import PASSWORD, QUIET, USER, Recorder, Silent, Tls, free_port, start

pytestmark = pytest.mark.filterwarnings(QUIET)


@dataclass(frozen=True)
class Settings:  # the fields of MailSettings the postman reads
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    ca_file: Path | None = None
    timeout: float = 10.0
    data_timeout: float = 600.0
    per_minute: float | None = None
    user: str | None = None
    password: str | None = None


class Clock:
    """Sleeps that only move a clock: backoff and pacing are checked without waiting."""

    def __init__(self) -> None:
        self.now, self.sleeps = 0.0, []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def message(to: str) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "sender@cega.example.org", to, "环境资助者网络简报"
    m.set_content("一封信。")
    return m.as_bytes()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return Tls.make(tmp_path_factory.mktemp("tls"))


def serve(request: pytest.FixtureRequest, handler: Recorder, security: str = "none", tls: Tls | None = None) -> int:
    controller = start(handler, security, tls)
    request.addfinalizer(controller.stop)
    return controller.port


def postman(port: int, clock: Clock | None = None, **settings: object) -> Postman:
    clock = clock or Clock()
    return Postman(Settings(port=port, **settings), sleep=clock.sleep, clock=clock)  # type: ignore[arg-type]


def test_one_session_carries_many_messages_each_to_its_member(request: pytest.FixtureRequest) -> None:
    server = Recorder()
    carrier = postman(serve(request, server))
    outcomes = [carrier.deliver(message(f"m{i}@example.org"), "sender@cega.example.org", f"m{i}@example.org")
                for i in range(5)]
    carrier.close()
    assert [o.status for o in outcomes] == [SENT] * 5
    assert outcomes[0].reply.startswith("250 2.0.0 Ok: queued as Q")
    assert [r.rcpt_tos for r in server.received] == [[f"m{i}@example.org"] for i in range(5)]
    assert carrier.connections == 1


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_with_auth_and_a_private_ca(request: pytest.FixtureRequest, tls: Tls, security: str) -> None:
    """STARTTLS on a plain port, or TLS from the first byte: the certificate checked against the CA
    file, then AUTH (the server requires it)."""
    server = Recorder()
    port = serve(request, server, security, tls)
    carrier = postman(port, security=security, ca_file=tls.ca_file, user=USER, password=PASSWORD)
    assert carrier.deliver(message("a@example.org"), "sender@cega.example.org", "a@example.org").status == SENT
    carrier.close()
    assert len(server.received) == 1


def fault(carrier: Postman) -> str:
    """The one line a configuration fault gives, checked to come within seconds."""
    started = time.monotonic()
    with pytest.raises(ConfigFault) as caught:
        carrier.deliver(message("a@example.org"), "sender@cega.example.org", "a@example.org")
    assert time.monotonic() - started < 5
    assert "Error" not in caught.value.line and "\n" not in caught.value.line  # no exception class names
    return caught.value.line


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_that_does_not_verify_points_at_ca_file(request: pytest.FixtureRequest, tls: Tls,
                                                              security: str) -> None:
    port = serve(request, Recorder(), security, tls)
    carrier = postman(port, security=security, user=USER, password=PASSWORD)  # the system's CAs: not ours
    assert fault(carrier) == (f"the certificate of 127.0.0.1:{port} is not trusted (unable to get local issuer "
                              "certificate); set smtp.ca_file in mail.yaml to the CA file (PEM) that signed it")


def test_a_wrong_password_is_said_and_never_printed(request: pytest.FixtureRequest, tls: Tls) -> None:
    port = serve(request, Recorder(), "starttls", tls)
    carrier = postman(port, security="starttls", ca_file=tls.ca_file, user=USER, password="wrong-Pa55word")
    assert fault(carrier) == (f"127.0.0.1:{port} refused the login of {USER} (535 5.7.8 Authentication credentials "
                              "invalid); check BULLETIN_PRESS_SMTP_USER and BULLETIN_PRESS_SMTP_PASSWORD")


def test_nothing_listening_is_said_at_once() -> None:
    port = free_port()
    assert fault(postman(port)) == (f"cannot connect to 127.0.0.1:{port}: nothing is listening there; check "
                                    "smtp.host and smtp.port in mail.yaml")


def test_a_server_that_never_greets_is_said_after_the_timeout() -> None:
    silent = Silent()
    try:
        line = fault(postman(silent.port, timeout=1.0))
    finally:
        silent.stop()
    assert line == (f"cannot connect to 127.0.0.1:{silent.port}: no greeting (no answer within 1 s); check smtp.port "
                    "and smtp.security (465 expects tls, 587 starttls)")


def test_no_starttls_offered(request: pytest.FixtureRequest) -> None:
    port = serve(request, Recorder())
    assert fault(postman(port, security="starttls")) == (
        f"127.0.0.1:{port} offers no STARTTLS; expected smtp.security: tls if it speaks TLS from the start "
        "(port 465), or none for a local relay")


def test_no_auth_offered(request: pytest.FixtureRequest) -> None:
    port = serve(request, Recorder())
    assert fault(postman(port, user=USER, password=PASSWORD)) == (
        f"127.0.0.1:{port} offers no login (AUTH); expected smtp.security: starttls or tls if it offers one after "
        "TLS, or no BULLETIN_PRESS_SMTP_USER if it needs none")


def test_a_login_required_points_at_the_variables(request: pytest.FixtureRequest) -> None:
    port = serve(request, Recorder(), "auth")
    assert fault(postman(port)) == ("the server requires a login (530 5.7.0 Authentication required); set "
                                    "BULLETIN_PRESS_SMTP_USER and BULLETIN_PRESS_SMTP_PASSWORD")


def test_a_dropped_session_is_reopened_without_losing_or_doubling(request: pytest.FixtureRequest) -> None:
    server = Recorder(drop_after=2)
    clock = Clock()
    carrier = postman(serve(request, server), clock)
    outcomes = [carrier.deliver(message(f"m{i}@example.org"), "s@cega.example.org", f"m{i}@example.org") for i in range(5)]
    carrier.close()
    assert [o.status for o in outcomes] == [SENT] * 5
    assert sorted(r.rcpt_tos[0] for r in server.received) == [f"m{i}@example.org" for i in range(5)]
    assert carrier.connections == 3 and clock.sleeps == []  # reopened at once: nothing of those messages had gone


def test_451_is_temporary_and_tried_once(request: pytest.FixtureRequest) -> None:
    """Retrying is the run's business (the member is set aside while the others go on)."""
    server = Recorder(defer_first=1)
    clock = Clock()
    carrier = postman(serve(request, server), clock)
    first = carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org")
    second = carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org")
    carrier.close()
    assert (first.status, first.reply) == (TEMPORARY, "451 4.7.1 Greylisted, try again later")
    assert second.status == SENT and clock.sleeps == [] and len(server.received) == 1


def test_550_and_552_are_the_members_and_the_session_serves_the_next(request: pytest.FixtureRequest) -> None:
    full = "552 5.2.2 <full@example.org>: Mailbox full"
    server = Recorder(reject={"gone@example.org"}, refuse={"full@example.org": full})
    clock = Clock()
    carrier = postman(serve(request, server), clock)
    bad = carrier.deliver(message("gone@example.org"), "s@cega.example.org", "gone@example.org")
    fullbox = carrier.deliver(message("full@example.org"), "s@cega.example.org", "full@example.org")
    good = carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org")
    carrier.close()
    assert (bad.status, bad.fault) == (PERMANENT, MEMBER) and bad.reply.startswith("550 5.1.1")
    assert (fullbox.status, fullbox.fault, fullbox.reply) == (PERMANENT, MEMBER, full)
    assert good.status == SENT and carrier.connections == 1 and clock.sleeps == []
    assert [r.rcpt_tos for r in server.received] == [["a@example.org"]]


def test_relaying_denied_is_the_servers(request: pytest.FixtureRequest) -> None:
    carrier = postman(serve(request, Recorder(relay_denied=True)))
    outcome = carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org")
    carrier.close()
    assert (outcome.status, outcome.fault) == (PERMANENT, SERVER)
    assert outcome.reply == "554 5.7.1 <a@example.org>: Relay access denied"


@pytest.mark.parametrize(("reply", "whose"), [
    ("550 5.1.1 <a@x.org>: User unknown", MEMBER), ("552 5.3.4 Message size exceeds fixed limit", MEMBER),
    ("550 No such user here", MEMBER), ("550 5.7.1 Relaying denied", SERVER), ("550 Relaying denied", SERVER),
    ("554 5.7.1 Rejected by policy", SERVER), ("530 5.7.0 Authentication required", SERVER),
    ("554 Transaction failed", SERVER)])
def test_whose_fault(reply: str, whose: str) -> None:
    assert deliver.fault_of(int(reply[:3]), reply) == whose


def test_a_reply_lost_after_the_final_dot_is_unknown_not_retried(request: pytest.FixtureRequest) -> None:
    server = Recorder(lose_reply={"a@example.org"})
    carrier = postman(serve(request, server))
    dots: list[str] = []
    lost = carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org",
                           before_dot=lambda: dots.append("a"))
    after = carrier.deliver(message("b@example.org"), "s@cega.example.org", "b@example.org",
                            before_dot=lambda: dots.append("b"))
    carrier.close()
    assert (lost.status, lost.reply) == (UNKNOWN, "no reply after the final dot (the server closed the connection)")
    assert after.status == SENT and dots == ["a", "b"] and carrier.connections == 2
    assert [r.rcpt_tos for r in server.received] == [["a@example.org"], ["b@example.org"]]


@pytest.mark.slow
def test_a_slow_final_reply_is_waited_for(request: pytest.FixtureRequest) -> None:
    """Slower than the per-command timeout, well within the RFC's ten minutes: one copy, sent."""
    server = Recorder(delay=1.5)
    carrier = postman(serve(request, server), timeout=0.5)
    outcome = carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org")
    carrier.close()
    assert outcome.status == SENT and len(server.received) == 1


def test_no_final_reply_within_data_timeout_is_unknown(request: pytest.FixtureRequest) -> None:
    server = Recorder(delay=3)
    carrier = postman(serve(request, server), data_timeout=0.5)
    outcome = carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org")
    carrier._drop()
    assert (outcome.status, outcome.reply) == (UNKNOWN, "no reply after the final dot (no answer within 0.5 s)")


def test_the_rate_limit_spaces_message_starts(request: pytest.FixtureRequest) -> None:
    server = Recorder()
    clock = Clock()
    carrier = postman(serve(request, server), clock, per_minute=30)
    for i in range(3):
        carrier.deliver(message(f"m{i}@example.org"), "s@cega.example.org", f"m{i}@example.org")
    carrier.close()
    assert clock.sleeps == [2.0, 2.0] and len(server.received) == 3


def test_an_idn_domain_goes_on_the_envelope_in_ascii(request: pytest.FixtureRequest) -> None:
    server = Recorder()
    carrier = postman(serve(request, server))
    assert carrier.deliver(message("a@example.org"), "s@cega.example.org", "wang@例子.中国").status == SENT
    # IDNA 2008, as the headers have it: IDNA 2003 (Python's codec) would send to fass.de, another domain.
    assert carrier.deliver(message("a@example.org"), "s@faß.de", "hans@faß.de").status == SENT
    carrier.close()
    assert server.received[0].rcpt_tos == ["wang@xn--fsqu00a.xn--fiqs8s"]
    assert (server.received[1].mail_from, server.received[1].rcpt_tos) == ("s@xn--fa-hia.de", ["hans@xn--fa-hia.de"])


def test_a_login_without_tls_to_a_remote_host_is_refused(request: pytest.FixtureRequest,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The server is on loopback, but the postman is told it is elsewhere: it never sends AUTH."""
    server = Recorder()
    port = serve(request, server)
    monkeypatch.setattr(deliver, "_loopback", lambda host: False)
    carrier = postman(port, user=USER, password=PASSWORD)
    assert fault(carrier) == ("not logging in to 127.0.0.1 without TLS: the password would cross the network in "
                              "clear; expected smtp.security: starttls or tls")
    assert server.received == []


def test_a_server_gone_mid_run_defers_the_member(request: pytest.FixtureRequest) -> None:
    """Nothing listening is a configuration fault only before the first session: later it is a
    restart or a network blip, and the member is deferred (tried again later in the run)."""
    server = Recorder(drop_after=1)
    controller = start(server)
    carrier = postman(controller.port)
    assert carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org").status == SENT
    controller.stop()
    outcome = carrier.deliver(message("b@example.org"), "s@cega.example.org", "b@example.org")
    assert (outcome.status, outcome.reply) == (TEMPORARY, f"cannot connect to 127.0.0.1:{controller.port}: nothing is "
                                                          "listening there; check smtp.host and smtp.port in mail.yaml")


def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[smtplib.SMTP, socket.socket]]:
    """Each session the postman opens, with the socket it was connected on."""
    sessions: list[tuple[smtplib.SMTP, socket.socket]] = []
    open_session = Postman._open

    def spy(self: Postman) -> smtplib.SMTP:
        smtp = open_session(self)
        sessions.append((smtp, smtp.sock))
        return smtp

    monkeypatch.setattr(Postman, "_open", spy)
    return sessions


def closed(session: tuple[smtplib.SMTP, socket.socket]) -> bool:
    smtp, plain = session
    return smtp.sock is None and plain.fileno() == -1  # after STARTTLS the plain socket lives on inside the TLS one


def test_a_login_that_raises_closes_the_socket(request: pytest.FixtureRequest, tls: Tls,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """smtplib sends AUTH in ASCII: a password it cannot encode raises inside login, after STARTTLS."""
    sessions = opened(monkeypatch)
    port = serve(request, Recorder(), "starttls", tls)
    carrier = postman(port, security="starttls", ca_file=tls.ca_file, user=USER, password="pässwort-55")
    with pytest.raises(UnicodeEncodeError):
        carrier.deliver(message("a@example.org"), "sender@cega.example.org", "a@example.org")
    assert len(sessions) == 1 and closed(sessions[0])


@pytest.mark.parametrize("failure", ["untrusted", "raises"])
def test_a_starttls_that_fails_closes_the_socket(request: pytest.FixtureRequest, tls: Tls,
                                                 monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    """The certificate refused (a fault said), or STARTTLS raising what smtplib does not expect."""
    sessions = opened(monkeypatch)
    port = serve(request, Recorder(), "starttls", tls)
    if failure == "raises":
        def starttls(self: smtplib.SMTP, **kwargs: object) -> None:
            raise RuntimeError("No SSL support included in this Python")  # smtplib's own, without the ssl module

        monkeypatch.setattr(smtplib.SMTP, "starttls", starttls)
    carrier = postman(port, security="starttls", ca_file=None if failure == "untrusted" else tls.ca_file,
                      user=USER, password=PASSWORD)
    with pytest.raises(ConfigFault if failure == "untrusted" else RuntimeError):
        carrier.deliver(message("a@example.org"), "sender@cega.example.org", "a@example.org")
    assert len(sessions) == 1 and closed(sessions[0])
