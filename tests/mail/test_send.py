"""`send` end to end: a small issue rendered, members from CSV, a real SMTP server on loopback, the journal."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bulletin_press.mail import journal as jr
from bulletin_press.mail.deliver import Postman
from bulletin_press.mail.send import SendOptions, journal_path, send_issue
from bulletin_press.project import Project

from ..conftest import ARTICLE, HEADER, ROOT, make_project
from .smtpd import PASSWORD, QUIET, USER, Recorder, Tls, start

pytestmark = pytest.mark.filterwarnings(QUIET)

ISSUE = HEADER + """\
sections:
  - type: editors_note
    title: 编者按
    body:
      - 本期简报介绍网络成员的最新动态。冬季来临，各地的湿地保护工作进入新的阶段。
""" + ARTICLE.replace("sections:\n", "")

MEMBERS = [("wang@example.org", "王芳", "绿色基金会"), ("li@example.org", "李明", "蓝天协会"),
           ("chen@example.org", "陈静", ""), ("zhao@example.org", "", "某机构")]


def fast(settings: object) -> Postman:
    """The real postman (the waits between retries come from mail.yaml's retry: in these tests)."""
    return Postman(settings)  # type: ignore[arg-type]


def write_members(root: Path, rows: list[tuple[str, str, str]], encoding: str = "utf-8") -> Path:
    path = root / "members.csv"
    path.write_text("email,name,organisation\n" + "".join(f"{e},{n},{o}\n" for e, n, o in rows), encoding=encoding)
    return path


def write_settings(root: Path, port: int, security: str = "none", ca_file: Path | None = None, *,
                   smtp: str = "", retry: str = "retry:\n  first: 0.05\n  wait: 5\n") -> None:
    """mail.yaml for the loopback server; deferred members retried after 0.05 s (not 60 s)."""
    (root / "mail.yaml").write_text(
        "sender:\n  name: 环境资助者网络\n  address: bulletin@cega.example.org\n"
        "reply_to: office@cega.example.org\n"
        f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: {security}\n"
        + (f"  ca_file: {ca_file}\n" if ca_file else "") + smtp + retry, encoding="utf-8")


@pytest.fixture(scope="module")
def rendered_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose screen PDF is rendered once; each test copies it (journal and all fresh)."""
    root = tmp_path_factory.mktemp("send")
    project = make_project(root, ISSUE)
    from bulletin_press.mail.send import screen_pdf
    screen_pdf(project, "x", io.StringIO())
    return root


@pytest.fixture
def project(rendered_project: Path, tmp_path: Path) -> Project:
    root = tmp_path / "p"
    shutil.copytree(rendered_project, root)
    write_members(root, MEMBERS)
    return Project(root)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Recorder:
    handler = Recorder()
    controller = start(handler)
    request.addfinalizer(controller.stop)
    handler.port = controller.port  # type: ignore[attr-defined]
    return handler


def pdf_of(project: Project) -> Path:
    return next((project.build / "x").glob("*-screen.pdf"))


def test_each_member_gets_one_message_with_the_pdf_and_a_second_run_sends_nothing(project: Project, server: Recorder) -> None:
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    summary = send_issue(project, "x", SendOptions(progress=io.StringIO()), postman=fast)
    assert (summary.sent, summary.already, summary.failed, summary.exit_status) == (4, 0, [], 0)
    pdf = pdf_of(project)
    assert len(server.received) == 4
    for email, name, _ in MEMBERS:
        [got] = server.to(email)
        assert got.rcpt_tos == [email] and got.mail_from == "bulletin@cega.example.org"  # never a Bcc list
        message = got.message
        assert message["To"].addresses[0].addr_spec == email and "Bcc" not in message
        assert str(message["Subject"]) == "测试简报 2024年第一期"
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename() == pdf.name.replace("-screen", "") and attachment.get_content() == pdf.read_bytes()
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        greeting = f"尊敬的{name}：" if name else "尊敬的会员："
        assert greeting in text and greeting in html
        assert "标题" in text and "栏目" in html  # the contents: article and section titles
    ids = {r.message["Message-ID"] for r in server.received}
    assert len(ids) == 4

    again = send_issue(project, "x", SendOptions(progress=io.StringIO()), postman=fast)
    assert (again.sent, again.already, again.exit_status) == (0, 4, 0)
    assert len(server.received) == 4


def test_starttls_and_auth_from_the_environment(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                request: pytest.FixtureRequest) -> None:
    tls = Tls.make(tmp_path)
    handler = Recorder()
    controller = start(handler, "starttls", tls)
    request.addfinalizer(controller.stop)
    write_settings(project.root, controller.port, "starttls", tls.ca_file)
    monkeypatch.setenv("BULLETIN_PRESS_SMTP_USER", USER)
    monkeypatch.setenv("BULLETIN_PRESS_SMTP_PASSWORD", PASSWORD)
    out = io.StringIO()
    summary = send_issue(project, "x", SendOptions(progress=out), postman=fast)
    assert summary.sent == 4 and len(handler.received) == 4
    assert PASSWORD not in out.getvalue()
    assert PASSWORD.encode() not in journal_path(project).read_bytes()


def test_drops_greylisting_and_a_refused_address(project: Project, server: Recorder) -> None:
    """The server closes the session after every 2 messages, answers 451 to the first 2 DATA, and
    refuses li@ with 550: everyone else gets exactly one copy (wang@ and chen@, deferred, are tried
    again after the others), li@ is failed with the reply, and a second run sends nothing and
    retries nobody."""
    server.drop_after, server.defer_first, server.reject = 2, 2, {"li@example.org"}
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    summary = send_issue(project, "x", SendOptions(progress=io.StringIO()), postman=fast)
    assert summary.sent == 3 and summary.exit_status == 1
    assert summary.failed == [("li@example.org", "550 5.1.1 <li@example.org>: Recipient address rejected: User unknown")]
    assert sorted(r.rcpt_tos[0] for r in server.received) == ["chen@example.org", "wang@example.org", "zhao@example.org"]
    j = jr.Journal(journal_path(project))
    rows = {r.member: r for r in j.rows("x")}
    j.close()
    assert rows["wang@example.org"].attempts == 2 and rows["chen@example.org"].attempts == 2  # a 451, then accepted
    assert rows["li@example.org"].state == jr.FAILED and rows["li@example.org"].attempts == 1

    again = send_issue(project, "x", SendOptions(progress=io.StringIO()), postman=fast)
    assert (again.sent, again.already, len(again.failed), again.exit_status) == (0, 3, 1, 1)
    assert len(server.received) == 3


def test_dry_run_writes_each_message_and_sends_nothing(project: Project, server: Recorder) -> None:
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    summary = send_issue(project, "x", SendOptions(dry_run=True, progress=io.StringIO()), postman=fast)
    files = sorted(summary.outbox.glob("*.eml"))  # type: ignore[union-attr]
    assert summary.outbox == project.build / "x" / "outbox" and len(files) == 4
    assert "wang@example.org" in files[0].name and b"Content-Disposition: attachment" in files[0].read_bytes()
    assert server.received == [] and not journal_path(project).exists()


def test_test_to_sends_one_copy_and_journals_nothing(project: Project, server: Recorder) -> None:
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    summary = send_issue(project, "x", SendOptions(test_to="editor@cega.example.org", progress=io.StringIO()),
                         postman=fast)
    assert summary.sent == 1 and [r.rcpt_tos for r in server.received] == [["editor@cega.example.org"]]
    assert not journal_path(project).exists()
    after = send_issue(project, "x", SendOptions(progress=io.StringIO()), postman=fast)
    assert after.sent == 4  # the members still get theirs


def run_cli(project: Project, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bulletin_press", *args], cwd=project.root, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})})


@pytest.mark.slow
def test_a_gb18030_members_file_with_a_duplicate_and_a_bad_address_sends_nothing(project: Project,
                                                                                  server: Recorder) -> None:
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    write_members(project.root, [*MEMBERS, ("WANG@example.org", "王芳", "重复"), ("zhou@", "周", "")], encoding="gb18030")
    done = run_cli(project, "send", "x")
    assert done.returncode == 2, done.stderr
    assert "members.csv:7" in done.stderr and "'zhou@' is not an e-mail address" in done.stderr
    assert "nothing sent" in done.stderr and "Traceback" not in done.stderr
    assert server.received == []
    write_members(project.root, [*MEMBERS, ("WANG@example.org", "王芳", "重复")], encoding="gb18030")
    done = run_cli(project, "send", "x")
    assert done.returncode == 0, done.stderr
    assert "members.csv:6" in done.stdout + done.stderr and "duplicate" in done.stdout + done.stderr
    assert len(server.received) == 4 and [r.rcpt_tos for r in server.to("wang@example.org")] == [["wang@example.org"]]
    status = run_cli(project, "send", "x", "--status")
    assert status.returncode == 0 and "x: 4 sent" in status.stdout


@pytest.mark.slow
def test_sigkill_mid_run_then_again_sends_everyone_exactly_once_but_one_at_most(project: Project,
                                                                                server: Recorder) -> None:
    """The guarantee in the README: a run killed with SIGKILL and run again gives every member one
    copy, except at most one (the message in flight when it died) two."""
    members = [(f"m{i:02d}@example.org", f"成员{i}", "") for i in range(30)]
    write_members(project.root, members)
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    server.delay = 0.05
    proc = subprocess.Popen([sys.executable, "-m", "bulletin_press", "send", "x"], cwd=project.root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    deadline = time.monotonic() + 60
    while len(server.received) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = len(server.received)
    assert 10 <= killed_at < 30
    done = run_cli(project, "send", "x")
    assert done.returncode == 0, done.stderr
    counts = [len(server.to(e)) for e, _, _ in members]
    assert all(c >= 1 for c in counts) and sum(c == 2 for c in counts) <= 1 and max(counts) <= 2


def test_an_issue_that_does_not_render_is_not_sent(project: Project, server: Recorder) -> None:
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    yaml = project.root / "issues" / "x" / "issue.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("year: 2024", "year: twenty"), encoding="utf-8")
    done = run_cli(project, "send", "x")
    assert done.returncode == 2 and "issue.yaml" in done.stderr and "nothing sent" in done.stderr
    assert server.received == [] and not journal_path(project).exists()


def test_an_out_of_date_pdf_is_rendered_again_before_sending(project: Project, server: Recorder) -> None:
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    yaml = project.root / "issues" / "x" / "issue.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("一段文字。", "一段改过的文字。"), encoding="utf-8")
    progress = io.StringIO()
    send_issue(project, "x", SendOptions(progress=progress), postman=fast)
    assert "rendering the screen PDF first" in progress.getvalue()
    [attachment] = list(server.received[0].message.iter_attachments())
    assert attachment.get_content() == pdf_of(project).read_bytes()


def test_status_lines_up_chinese_domains(project: Project, server: Recorder) -> None:
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    write_members(project.root, [("wang@example.org", "王芳", ""), ("zhang@例子.中国", "张三", "")])
    send_issue(project, "x", SendOptions(progress=io.StringIO()), postman=fast)
    out = io.StringIO()
    from bulletin_press.mail.send import status
    assert status(project, "x", out) == 0
    from unicodedata import east_asian_width
    columns = [sum(2 if east_asian_width(c) in "WF" else 1 for c in line.split(" attempt")[0])
               for line in out.getvalue().splitlines()[:2]]
    assert len(set(columns)) == 1 and "x: 2 sent" in out.getvalue()


def test_an_issue_named_by_its_path_is_rendered_again_after_an_edit(project: Project, server: Recorder) -> None:
    """An issue outside issues/ (`send path/to/issue`): its own folder decides whether the PDF is current."""
    write_settings(project.root, server.port)  # type: ignore[attr-defined]
    folder = project.root / "elsewhere" / "y"
    shutil.copytree(project.root / "issues" / "x", folder)
    first = io.StringIO()
    send_issue(project, str(folder), SendOptions(dry_run=True, progress=first), postman=fast)
    again = io.StringIO()
    send_issue(project, str(folder), SendOptions(dry_run=True, progress=again), postman=fast)
    assert "rendering the screen PDF first" in first.getvalue() and "rendering" not in again.getvalue()
    yaml = folder / "issue.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("一段文字。", "另一段文字。"), encoding="utf-8")
    edited = io.StringIO()
    send_issue(project, str(folder), SendOptions(dry_run=True, progress=edited), postman=fast)
    assert "rendering the screen PDF first" in edited.getvalue()
