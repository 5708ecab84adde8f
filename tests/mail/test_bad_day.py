"""`send` on a bad day (issue 22), through the command line against a misbehaving loopback server:
copies per member, the exit status and the editor's lines, word for word."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from bulletin_press.mail import journal as jr
from bulletin_press.mail.send import journal_path
from bulletin_press.project import Project

from ..conftest import ROOT
from .smtpd import QUIET, USER, Recorder, Silent, Tls, free_port, start
from .test_send import MEMBERS, project, rendered_project, run_cli, server, write_members, write_settings  # noqa: F401

pytestmark = [pytest.mark.filterwarnings(QUIET), pytest.mark.slow]  # real servers, timeouts, kills: ~35 s
EMAILS = [e for e, _, _ in MEMBERS]
PDF = "build/x/测试简报-2024年第一期-screen.pdf"


def copies(server: Recorder, emails: list[str] = EMAILS) -> dict[str, int]:
    return {e: len(server.to(e)) for e in emails}


def lines(done: subprocess.CompletedProcess) -> list[str]:
    """What the editor reads after the progress (stdout), without the counts line's PDF path."""
    return done.stdout.splitlines()


def states(project: Project) -> dict[str, str]:
    j = jr.Journal(journal_path(project))
    try:
        return {r.member: r.state for r in j.rows("x")}
    finally:
        j.close()


def test_relay_denied_stops_the_run_then_the_fixed_server_gets_everyone_once(project: Project, server: Recorder) -> None:
    server.relay_denied = True
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    done = run_cli(project, "send", "x")
    assert done.returncode == 2, done.stderr
    assert lines(done) == [
        f"x: 0 sent, 0 already sent, 0 failed, 0 deferred — 4 member(s); PDF {PDF}",
        "  stopped: the server does not relay our mail (554 5.7.1 <chen@example.org>: Relay access denied); set "
        "BULLETIN_PRESS_SMTP_USER and BULLETIN_PRESS_SMTP_PASSWORD if it relays after a login, or ask its "
        "administrator to relay for bulletin@cega.example.org; 4 member(s) stay queued for the next `send`"]
    assert set(states(project).values()) == {jr.QUEUED} and server.received == []
    server.relay_denied = False
    again = run_cli(project, "send", "x")
    assert again.returncode == 0, again.stderr
    assert lines(again) == [f"x: 4 sent, 0 already sent, 0 failed, 0 deferred — 4 member(s); PDF {PDF}"]
    assert copies(server) == dict.fromkeys(EMAILS, 1)


def test_a_user_unknown_and_a_full_mailbox_fail_those_members_and_retry_failed_sends_again(
        project: Project, server: Recorder) -> None:
    full = "552 5.2.2 <chen@example.org>: Mailbox full"
    server.reject, server.refuse = {"li@example.org"}, {"chen@example.org": full}
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    done = run_cli(project, "send", "x")
    assert done.returncode == 1, done.stderr
    assert lines(done) == [
        f"x: 2 sent, 0 already sent, 2 failed, 0 deferred — 4 member(s); PDF {PDF}",
        "  failed: li@example.org: 550 5.1.1 <li@example.org>: Recipient address rejected: User unknown",
        f"  failed: chen@example.org: {full}",
        "  (`send x --retry-failed` sends to the failed members again, once their addresses are right)"]
    status = run_cli(project, "send", "x", "--status")
    assert "failed    li@example.org" in status.stdout and full in status.stdout and "x: 2 failed, 2 sent" in status.stdout
    server.reject, server.refuse = set(), {}
    one = run_cli(project, "send", "x", "--retry", "LI@example.org")
    assert one.returncode == 1 and lines(one)[0] == f"x: 1 sent, 2 already sent, 1 failed, 0 deferred — 4 member(s); PDF {PDF}"
    rest = run_cli(project, "send", "x", "--retry-failed")
    assert rest.returncode == 0 and lines(rest) == [f"x: 1 sent, 3 already sent, 0 failed, 0 deferred — 4 member(s); PDF {PDF}"]
    assert copies(server) == dict.fromkeys(EMAILS, 1)
    unknown = run_cli(project, "send", "x", "--retry", "nobody@example.org")
    assert unknown.returncode == 2
    assert ("--retry: nobody@example.org: not in the members file; expected the address of a member to send the issue "
            "to again") in unknown.stderr


def test_greylisting_sets_members_aside_and_the_run_waits_for_them(project: Project, server: Recorder) -> None:
    server.greylist = 1.0  # postgrey's 300 s, shortened
    write_settings(project.root, server.port, retry="retry:\n  first: 0.4\n  wait: 20\n")  # type: ignore[attr-defined]
    started = time.monotonic()
    done = run_cli(project, "send", "x")
    assert done.returncode == 0, done.stderr
    assert lines(done) == [f"x: 4 sent, 0 already sent, 0 failed, 0 deferred — 4 member(s); PDF {PDF}"]
    assert copies(server) == dict.fromkeys(EMAILS, 1)
    assert ("wang@example.org: 450 4.2.0 <wang@example.org>: Recipient address rejected: Greylisted, see "
            "http://postgrey.schweikert.ch/; tried again in 0.4 s") in done.stderr
    assert time.monotonic() - started < 15


def test_greylisting_longer_than_retry_wait_leaves_them_deferred(project: Project, server: Recorder) -> None:
    server.greylist = 60
    write_settings(project.root, server.port, retry="retry:\n  first: 0.2\n  wait: 0.5\n")  # type: ignore[attr-defined]
    done = run_cli(project, "send", "x")
    assert done.returncode == 1, done.stderr
    assert lines(done)[0] == f"x: 0 sent, 0 already sent, 0 failed, 4 deferred — 4 member(s); PDF {PDF}"
    assert lines(done)[1] == ("  deferred (sent by the next `send`): wang@example.org: 450 4.2.0 <wang@example.org>: "
                              "Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/")
    assert set(states(project).values()) == {jr.DEFERRED} and server.received == []


def test_a_lost_reply_is_not_sent_again_at_once_and_the_member_is_named(project: Project, server: Recorder) -> None:
    server.lose_reply = {"chen@example.org"}
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    done = run_cli(project, "send", "x")
    assert done.returncode == 1, done.stderr
    assert lines(done) == [
        f"x: 3 sent, 0 already sent, 0 failed, 0 deferred — 4 member(s); PDF {PDF}",
        "  fate unknown: chen@example.org: no reply after the final dot (the server closed the connection) — the "
        "server may have it; not sent again now: the next `send` sends it again, so it may arrive twice"]
    assert copies(server) == dict.fromkeys(EMAILS, 1) and states(project)["chen@example.org"] == jr.UNKNOWN
    again = run_cli(project, "send", "x")
    assert again.returncode == 0, again.stderr
    head, named = lines(again)
    assert head == f"x: 1 sent, 3 already sent, 0 failed, 0 deferred — 4 member(s); PDF {PDF}"
    assert named.startswith("  may have received it twice: chen@example.org (sent again: no reply after the final "
                            "dot (the server closed the connection) on 20")
    assert copies(server) == {**dict.fromkeys(EMAILS, 1), "chen@example.org": 2}
    status = run_cli(project, "send", "x", "--status").stdout
    assert "          may have received it twice: no reply after the final dot" in status


def test_a_reply_slower_than_the_timeout_is_waited_for(project: Project, server: Recorder) -> None:
    server.delay = 0.8
    write_settings(project.root, server.port, smtp="  timeout: 0.3\n")  # type: ignore[attr-defined]
    done = run_cli(project, "send", "x")
    assert done.returncode == 0, done.stderr
    assert lines(done) == [f"x: 4 sent, 0 already sent, 0 failed, 0 deferred — 4 member(s); PDF {PDF}"]
    assert copies(server) == dict.fromkeys(EMAILS, 1)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_inside_data_finishes_the_message_then_stops(project: Project, server: Recorder, signum: int) -> None:
    server.delay = 1.0  # the server takes a second over each message: the signal comes inside DATA
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    proc = subprocess.Popen([sys.executable, "-m", "bulletin_press", "send", "x"], cwd=project.root, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    deadline = time.monotonic() + 60
    while server.data_started < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopping after the message in flight (Ctrl-C again to stop at once)" in err
    assert out.splitlines() == [f"x: 1 sent, 0 already sent, 0 failed, 0 deferred — 4 member(s); PDF {PDF}",
                                "  interrupted: the message in flight was finished; 3 member(s) stay queued for the next "
                                "`send`"]
    assert copies(server) == {"wang@example.org": 1, "li@example.org": 0, "chen@example.org": 0, "zhao@example.org": 0}
    assert states(project)["wang@example.org"] == jr.SENT
    server.delay = 0
    again = run_cli(project, "send", "x")
    assert again.returncode == 0 and copies(server) == dict.fromkeys(EMAILS, 1)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return Tls.make(tmp_path_factory.mktemp("tls"))


CONFIG_FAULTS = {
    "nothing listening": "cannot connect to 127.0.0.1:{port}: nothing is listening there; check smtp.host and smtp.port "
                         "in mail.yaml",
    "never greets": "cannot connect to 127.0.0.1:{port}: no greeting (no answer within 1 s); check smtp.port and "
                    "smtp.security (465 expects tls, 587 starttls)",
    "no STARTTLS": "127.0.0.1:{port} offers no STARTTLS; expected smtp.security: tls if it speaks TLS from the start "
                   "(port 465), or none for a local relay",
    "no AUTH": "127.0.0.1:{port} offers no login (AUTH); expected smtp.security: starttls or tls if it offers one "
               "after TLS, or no BULLETIN_PRESS_SMTP_USER if it needs none",
    "untrusted certificate": "the certificate of 127.0.0.1:{port} is not trusted (unable to get local issuer "
                             "certificate); set smtp.ca_file in mail.yaml to the CA file (PEM) that signed it",
    "login required": "the server requires a login (530 5.7.0 Authentication required); set BULLETIN_PRESS_SMTP_USER "
                      "and BULLETIN_PRESS_SMTP_PASSWORD",
    "login refused": "127.0.0.1:{port} refused the login of " + USER + " (535 5.7.8 Authentication credentials "
                     "invalid); check BULLETIN_PRESS_SMTP_USER and BULLETIN_PRESS_SMTP_PASSWORD",
}


@pytest.mark.parametrize("case", list(CONFIG_FAULTS))
def test_a_configuration_fault_ends_at_once_with_what_to_fix(project: Project, tls: Tls, case: str,
                                                            request: pytest.FixtureRequest) -> None:
    handler, env, security = Recorder(), {}, "none"
    if case == "nothing listening":
        port = free_port()
    elif case == "never greets":
        silent = Silent()
        request.addfinalizer(silent.stop)
        port = silent.port
    else:
        kind = {"no STARTTLS": "none", "no AUTH": "none", "untrusted certificate": "starttls",
                "login required": "auth", "login refused": "starttls"}[case]
        controller = start(handler, kind, tls)
        request.addfinalizer(controller.stop)
        port = controller.port
        security = "starttls" if case in ("no STARTTLS", "untrusted certificate", "login refused") else "none"
        if case in ("no AUTH", "untrusted certificate", "login refused"):
            env = {"BULLETIN_PRESS_SMTP_USER": USER, "BULLETIN_PRESS_SMTP_PASSWORD": "wrong-Pa55word"}
    write_settings(project.root, port, security, tls.ca_file if case == "login refused" else None,
                   smtp="  timeout: 1\n")
    started = time.monotonic()
    done = run_cli(project, "send", "x", env=env)
    assert time.monotonic() - started < 30
    assert done.returncode == 2, done.stderr
    assert lines(done) == [f"x: 0 sent, 0 already sent, 0 failed, 0 deferred — 4 member(s); PDF {PDF}",
                           "  stopped: " + CONFIG_FAULTS[case].format(port=port)
                           + "; 4 member(s) stay queued for the next `send`"]
    assert "Error" not in done.stdout + done.stderr and "Traceback" not in done.stderr
    assert "wrong-Pa55word" not in done.stdout + done.stderr
    assert set(states(project).values()) == {jr.QUEUED} and handler.received == []


def test_kill_9_at_random_points_never_loses_a_member_and_names_every_second_copy(project: Project,
                                                                                   server: Recorder) -> None:
    """Six runs killed with SIGKILL at seeded random moments (starting up, between messages, inside
    DATA, after the final dot), then one run to the end: every member has the issue, and every
    member with two copies (or more) is named as one who may have received it twice."""
    members = [(f"m{i:02d}@example.org", f"成员{i}", "") for i in range(16)]
    emails = [e for e, _, _ in members]
    write_members(project.root, members)
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    server.delay = 0.08  # most of a message's time is the server's, after the final dot
    rng = random.Random(22)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for _ in range(6):
        before = len(server.received)
        proc = subprocess.Popen([sys.executable, "-m", "bulletin_press", "send", "x"], cwd=project.root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        target = rng.randint(0, 3)  # messages into this run, then a random moment more
        deadline = time.monotonic() + 60
        while len(server.received) < before + target and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.12))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = run_cli(project, "send", "x")
    assert done.returncode == 0, done.stderr
    count = copies(server, emails)
    assert min(count.values()) >= 1
    status = run_cli(project, "send", "x", "--status").stdout.splitlines()
    named = {line.split()[1] for n, line in enumerate(status[:-1]) if "may have received it twice" in status[n + 1]}
    twice = {e for e, c in count.items() if c >= 2}
    assert twice <= named, (count, status)
    assert len(named) <= 6  # at most the one in flight per kill
    assert "x: 16 sent" in status[-1]


def edit_issue(project: Project, old: str, new: str) -> None:
    yaml = project.root / "issues" / "x" / "issue.yaml"
    text = yaml.read_text(encoding="utf-8")
    assert old in text
    yaml.write_text(text.replace(old, new), encoding="utf-8")


def test_an_issue_edited_after_half_were_sent_is_refused_until_the_editor_says(project: Project,
                                                                              server: Recorder) -> None:
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    write_members(project.root, MEMBERS[:2])
    assert run_cli(project, "send", "x").returncode == 0
    first_pdf = (project.root / PDF).read_bytes()
    write_members(project.root, MEMBERS)  # two more members join; then the issue is corrected
    edit_issue(project, "一段文字。", "一段改正过的文字。")
    done = run_cli(project, "send", "x")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-2:] == [
        f"{PDF}: the PDF has changed since 2 member(s) were sent the earlier version; expected --new-version (2 "
        "member(s) not yet sent get the new PDF) or --resend-all (everyone gets it again, the subject marked 【更正】)",
        "bulletin-press send: 1 error(s); nothing sent"]
    assert len(server.received) == 2
    done = run_cli(project, "send", "x", "--new-version")
    assert done.returncode == 0 and copies(server) == dict.fromkeys(EMAILS, 1)
    pdfs = {e: next(server.to(e)[0].message.iter_attachments()).get_content() for e in EMAILS}
    assert pdfs["wang@example.org"] == first_pdf and pdfs["chen@example.org"] == (project.root / PDF).read_bytes() != first_pdf
    status = run_cli(project, "send", "x", "--status").stdout
    assert "x: sent in 2 versions of the PDF: v1 to 2 member(s), v2 to 2 member(s)" in status
    assert [line.split()[2] for line in status.splitlines()[:4]] == ["v1", "v1", "v2", "v2"]
    assert run_cli(project, "send", "x").returncode == 0 and len(server.received) == 4  # the new version is known now

    edit_issue(project, "一段改正过的文字。", "又一次改正的文字。")
    done = run_cli(project, "send", "x", "--resend-all")
    assert done.returncode == 0, done.stderr
    assert copies(server) == dict.fromkeys(EMAILS, 2)
    last = {e: server.to(e)[-1].message for e in EMAILS}
    assert {str(m["Subject"]) for m in last.values()} == {"【更正】测试简报 2024年第一期"}
    assert {next(m.iter_attachments()).get_content() for m in last.values()} == {(project.root / PDF).read_bytes()}
    assert "may have received it twice" not in done.stdout  # a correction is no surprise
    again = run_cli(project, "send", "x", "--resend-all")
    assert again.returncode == 2 and "--resend-all: the PDF is the one already sent" in again.stderr


def test_the_progress_line_shows_elapsed_time_and_what_is_left() -> None:
    import io

    from bulletin_press.mail.run import Progress
    now = [0.0]
    out = io.StringIO()
    bar = Progress(2000, out, clock=lambda: now[0])
    for _ in range(200):  # 200 members in 200 s (per_minute: 60)
        now[0] += 1
        bar.step()
    bar.waiting = 3
    assert bar.line() == ("[##                      ] 200/2000, 3:20 elapsed, about 30:00 to go "
                          "(3 deferred, waiting to try again)")
    assert out.getvalue().splitlines()[0] == "[##                      ] 200/2000, 3:20 elapsed, about 30:00 to go"
