"""mail.yaml and the environment: every problem at once with its place; the password never shown."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bulletin_press.diagnostics import BuildError
from bulletin_press.mail.settings import MailSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-Pa55word"
GOOD = textwrap.dedent("""\
    sender:
      name: 环境资助者网络（CEGA）
      address: bulletin@example.org
    smtp:
      host: smtp.example.org
    """)


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # findings name mail.yaml as the editor sees it


def write(text: str) -> Path:
    Path("mail.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return Path(".")


def errors(root: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(BuildError) as e:
        load_settings(root, environ or {})
    return [str(f) for f in e.value.findings]


def test_the_shipped_mail_yaml_loads() -> None:
    settings = load_settings(ROOT, {})
    assert settings == MailSettings(
        sender_name="环境资助者网络（CEGA）", sender_address="bulletin@example.org", reply_to="office@example.org",
        host="smtp.example.org", port=587, security="starttls", per_minute=60.0, ca_file=None, subject=None,
        unsubscribe="mailto:office@example.org?subject=退订", timeout=30.0)


def test_defaults_for_what_is_left_out() -> None:
    settings = load_settings(write(GOOD), {})
    assert (settings.port, settings.security, settings.per_minute, settings.timeout) == (587, "starttls", None, 30.0)
    assert (settings.reply_to, settings.subject, settings.unsubscribe, settings.ca_file) == (None, None, None, None)
    assert (settings.user, settings.password) == (None, None)
    tls = load_settings(write(GOOD + "  security: tls\nper_minute: 0\n"), {})
    assert (tls.port, tls.security, tls.per_minute) == (465, "tls", None)  # 0 = no limit


def test_environment_overrides_and_secrets() -> None:
    env = {"BULLETIN_PRESS_SMTP_HOST": "127.0.0.1", "BULLETIN_PRESS_SMTP_PORT": "8025", "BULLETIN_PRESS_SMTP_SECURITY": "none",
           "BULLETIN_PRESS_SMTP_USER": "cega", "BULLETIN_PRESS_SMTP_PASSWORD": SECRET}
    settings = load_settings(write(GOOD), env)
    assert (settings.host, settings.port, settings.security) == ("127.0.0.1", 8025, "none")
    assert (settings.user, settings.password) == ("cega", SECRET)
    assert SECRET not in repr(settings) and SECRET not in str(settings) and "cega" not in repr(settings)


def test_host_may_come_from_the_environment_alone() -> None:
    root = write("sender:\n  address: bulletin@example.org\n")
    assert load_settings(root, {"BULLETIN_PRESS_SMTP_HOST": "relay.example.org"}).host == "relay.example.org"
    assert errors(root) == ["mail.yaml:1:1: missing 'smtp.host'; expected the mail server's name (smtp: host: smtp.example.org) or BULLETIN_PRESS_SMTP_HOST"]


def test_every_problem_at_once_with_its_place() -> None:
    root = write("""\
        sender:
          name: "CEGA\\nBcc: all@example.org"
          address: bulletin@
        reply_to: [office@example.org]
        smtp:
          hots: smtp.example.org
          port: 70000
          security: ssl
          ca_file: certs/ca.pem
          timeout: soon
        per_minute: -5
        subject: "{{ issue.year"
        unsubscribe: ftp://example.org/leave
        colour: green
        """)
    assert errors(root) == [
        "mail.yaml:2:9: sender.name: a line break; expected one line — it goes into a mail header",
        "mail.yaml:3:12: sender.address: 'bulletin@' is not an e-mail address: nothing after the @; expected an address like bulletin@example.org",
        "mail.yaml:4:11: reply_to: expected text, not a list",
        "mail.yaml:6:3: smtp: unknown key 'hots'; expected one of: host, port, security, ca_file, timeout, data_timeout",
        "mail.yaml:6:3: missing 'smtp.host'; expected the mail server's name (smtp: host: smtp.example.org) or BULLETIN_PRESS_SMTP_HOST",
        "mail.yaml:7:9: smtp.port: 70000 is out of range; expected a port from 1 to 65535 (usually 587 for starttls, 465 for tls)",
        "mail.yaml:8:13: smtp.security: unknown security 'ssl'; expected one of: starttls, tls, none — SSL/SMTPS on port 465 is tls",
        f"mail.yaml:9:12: smtp.ca_file: no file {Path('certs/ca.pem')}; expected a CA bundle in PEM (a path relative to the project root)",
        "mail.yaml:10:12: smtp.timeout: 'soon' is not a number; expected a number (digits only, e.g. 27103400.95)",
        "mail.yaml:11:13: per_minute: -5; expected messages per minute, 0 or more (0: no limit)",
        "mail.yaml:12:10: subject: unexpected end of template, expected 'end of print statement'; expected a Jinja template, e.g. '{{ publication.name }} {{ year }}年第{{ number }}期'",
        "mail.yaml:13:14: unsubscribe: 'ftp://example.org/leave' is neither a mailto: nor an https: link; expected mailto:office@example.org?subject=退订 or an https:// link",
        "mail.yaml:14:1: unknown key 'colour'; expected one of: sender, reply_to, smtp, retry, per_minute, subject, unsubscribe",
    ]


def test_a_ca_file_is_found_relative_to_the_project() -> None:
    Path("certs").mkdir()
    Path("certs/ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    settings = load_settings(write(GOOD + "  ca_file: certs/ca.pem\n"), {})
    assert settings.ca_file == Path("certs/ca.pem") and settings.ca_file.is_file()


def test_a_password_in_mail_yaml_is_an_error_that_does_not_repeat_it() -> None:
    root = write(GOOD + f"  user: cega\n  password: {SECRET}\npassword: {SECRET}\n")
    found = errors(root, {"BULLETIN_PRESS_SMTP_PASSWORD": SECRET})
    assert [f.split(" — ")[0] for f in found] == [
        "mail.yaml:6:3: smtp: user: secrets come from the environment: BULLETIN_PRESS_SMTP_USER; expected no user in mail.yaml",
        "mail.yaml:7:3: smtp: password: secrets come from the environment: BULLETIN_PRESS_SMTP_PASSWORD; expected no password in mail.yaml",
        "mail.yaml:8:1: password: secrets come from the environment: BULLETIN_PRESS_SMTP_PASSWORD; expected no password in mail.yaml",
    ]
    assert not any(SECRET in f for f in found)


def test_the_password_never_appears_in_any_message() -> None:
    # The password pasted where a value is echoed back (a host, an address, an environment override).
    root = write(f"sender:\n  address: {SECRET}\nsmtp:\n  host: {SECRET}!\n")
    found = errors(root, {"BULLETIN_PRESS_SMTP_PASSWORD": SECRET, "BULLETIN_PRESS_SMTP_PORT": SECRET})
    assert len(found) == 3 and all("***" in f for f in found)
    assert not any(SECRET in f for f in found)


def test_bad_environment_values_name_the_variable() -> None:
    env = {"BULLETIN_PRESS_SMTP_HOST": "smtp example org", "BULLETIN_PRESS_SMTP_PORT": "0", "BULLETIN_PRESS_SMTP_SECURITY": "ssl"}
    assert errors(write(GOOD), env) == [
        "BULLETIN_PRESS_SMTP_HOST: 'smtp example org' is not a host name: a character a host name cannot have; expected a name like smtp.example.org",
        "BULLETIN_PRESS_SMTP_PORT: '0' is not a port; expected a whole number from 1 to 65535",
        "BULLETIN_PRESS_SMTP_SECURITY: unknown security 'ssl'; expected one of: starttls, tls, none — SSL/SMTPS on port 465 is tls",
    ]


def test_missing_empty_and_malformed_files() -> None:
    assert errors(Path(".")) == [
        "mail.yaml: no mail.yaml here; expected the mail settings at the project root — sender (name, address) and smtp (host, port, security); see docs/mail.md"]
    assert errors(write("# nothing yet\n")) == [
        "mail.yaml:1:1: the file holds no settings; expected sender (name, address) and smtp (host, port, security)"]
    assert errors(write("- sender\n")) == ["mail.yaml:1:1: expected a mapping with keys: sender, reply_to, smtp, retry, per_minute, subject, unsubscribe"]
    assert errors(write("sender:\n  address: bulletin@example.org\nsmtp:\n  host: [a\n"))[0].startswith("mail.yaml:5:1: ")
