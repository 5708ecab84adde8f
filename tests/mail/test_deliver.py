"""SMTP delivery against a real server on loopback: TLS, AUTH, drops, 4xx retried, 5xx final, the rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from bulletin_press.mail import deliver
from bulletin_press.mail.deliver import PERMANENT, SENT, TEMPORARY, Postman, SessionError

from .smtpd import PASSWORD, QUIET, USER, Recorder, Tls, start

pytestmark = pytest.mark.filterwarnings(QUIET)


@dataclass(frozen=True)
class Settings:  # the fields of MailSettings the postman reads
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    ca_file: Path | None = None
    timeout: float = 10.0
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


def test_a_certificate_that_does_not_verify_stops_the_run(request: pytest.FixtureRequest, tls: Tls) -> None:
    port = serve(request, Recorder(), "starttls", tls)
    carrier = postman(port, security="starttls", user=USER, password=PASSWORD)  # the system's CAs: not ours
    with pytest.raises(SessionError, match="TLS.*CERTIFICATE_VERIFY_FAILED"):
        carrier.deliver(message("a@example.org"), "sender@cega.example.org", "a@example.org")


def test_a_wrong_password_stops_the_run_and_is_never_printed(request: pytest.FixtureRequest, tls: Tls) -> None:
    port = serve(request, Recorder(), "starttls", tls)
    carrier = postman(port, security="starttls", ca_file=tls.ca_file, user=USER, password="wrong-Pa55word")
    with pytest.raises(SessionError) as caught:
        carrier.deliver(message("a@example.org"), "sender@cega.example.org", "a@example.org")
    assert caught.value.reply.startswith("535") and "wrong-Pa55word" not in caught.value.reply


def test_a_dropped_session_is_reopened_without_losing_or_doubling(request: pytest.FixtureRequest) -> None:
    server = Recorder(drop_after=2)
    clock = Clock()
    carrier = postman(serve(request, server), clock)
    outcomes = [carrier.deliver(message(f"m{i}@example.org"), "s@cega.example.org", f"m{i}@example.org") for i in range(5)]
    carrier.close()
    assert [o.status for o in outcomes] == [SENT] * 5 and all(o.attempts == 1 for o in outcomes)
    assert sorted(r.rcpt_tos[0] for r in server.received) == [f"m{i}@example.org" for i in range(5)]
    assert carrier.connections == 3 and clock.sleeps == []  # reopened at once: nothing of those messages had gone


def test_451_is_retried_with_backoff_until_it_passes(request: pytest.FixtureRequest) -> None:
    server = Recorder(defer_first=3)
    clock = Clock()
    carrier = postman(serve(request, server), clock)
    notes: list[str] = []
    outcome = carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org", on_retry=notes.append)
    carrier.close()
    assert outcome.status == SENT and outcome.attempts == 4
    assert clock.sleeps == list(deliver.BACKOFF[:3])
    assert notes == ["451 4.7.1 Greylisted, try again later"] * 3
    assert len(server.received) == 1


def test_451_past_the_backoff_is_temporary(request: pytest.FixtureRequest) -> None:
    server = Recorder(defer_first=100)
    carrier = postman(serve(request, server))
    outcome = carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org")
    carrier.close()
    assert outcome.status == TEMPORARY and outcome.attempts == len(deliver.BACKOFF) + 1 and outcome.reply.startswith("451")


def test_550_is_final_and_the_session_serves_the_next(request: pytest.FixtureRequest) -> None:
    server = Recorder(reject={"gone@example.org"})
    clock = Clock()
    carrier = postman(serve(request, server), clock)
    bad = carrier.deliver(message("gone@example.org"), "s@cega.example.org", "gone@example.org")
    good = carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org")
    carrier.close()
    assert (bad.status, bad.attempts) == (PERMANENT, 1) and bad.reply.startswith("550 5.1.1")
    assert good.status == SENT and carrier.connections == 1 and clock.sleeps == []
    assert [r.rcpt_tos for r in server.received] == [["a@example.org"]]


def test_an_unreachable_server_stops_the_run_after_the_backoff() -> None:
    from .smtpd import free_port
    clock = Clock()
    carrier = postman(free_port(), clock)
    with pytest.raises(SessionError, match="ConnectionRefusedError"):
        carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org")
    assert clock.sleeps == list(deliver.BACKOFF)


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
    carrier.close()
    assert server.received[0].rcpt_tos == ["wang@xn--fsqu00a.xn--fiqs8s"]


def test_a_login_without_tls_to_a_remote_host_is_refused(request: pytest.FixtureRequest,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The server is on loopback, but the postman is told it is elsewhere: it never sends AUTH."""
    server = Recorder()
    port = serve(request, server)
    monkeypatch.setattr(deliver, "_loopback", lambda host: False)
    carrier = postman(port, user=USER, password=PASSWORD)
    with pytest.raises(SessionError, match="530 not logging in to 127.0.0.1 without TLS"):
        carrier.deliver(message("a@example.org"), "s@cega.example.org", "a@example.org")
    assert server.received == []
