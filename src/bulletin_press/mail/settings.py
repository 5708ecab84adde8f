"""mail.yaml and the environment: sender, SMTP server, rate; secrets only from the environment."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from ..content.load import BAD, NULL, _compose, _Converter, _decode
from ..diagnostics import NOWHERE, BuildError, Finding, Pos, relpath
from .members import LABEL, address_problem

ENV = "BULLETIN_PRESS_SMTP_"
HOST, PORT, SECURITY = ENV + "HOST", ENV + "PORT", ENV + "SECURITY"
USER, PASSWORD = ENV + "USER", ENV + "PASSWORD"
SECURITIES = {"starttls": 587, "tls": 465, "none": 25}  # each with its usual port
DEFAULT_TIMEOUT = 30.0
DATA_TIMEOUT = 600.0  # RFC 5321 4.5.3.2.6: the reply to the message's final dot may take 10 minutes
RETRY_WAIT, RETRY_FIRST = 900.0, 60.0  # a deferred member is retried within 15 minutes of its first 4xx
# Keys and their types; a nested dict is a mapping of its own. Every key is optional in YAML;
# what must be there is checked after the environment has had its say (smtp.host may come from it).
SCHEMA: dict[str, Any] = {
    "sender": {"name": str, "address": str},
    "reply_to": str,
    "smtp": {"host": str, "port": int, "security": str, "ca_file": str, "timeout": float, "data_timeout": float},
    "retry": {"wait": float, "first": float},
    "per_minute": float,
    "subject": str,
    "unsubscribe": str,
}
# Keys someone will try to write a secret under, at any level.
SECRETS = {"user": USER, "username": USER, "login": USER, "password": PASSWORD, "passwd": PASSWORD, "pass": PASSWORD}
MIN_SCRUBBED = 4  # a shorter "password" would blank out ordinary letters of every message


@dataclass(frozen=True)
class MailSettings:
    sender_name: str
    sender_address: str
    reply_to: str | None
    host: str
    port: int
    security: str  # "starttls" | "tls" | "none"
    per_minute: float | None  # messages per minute; None = no limit
    ca_file: Path | None  # a CA bundle for a private server (else the system's)
    subject: str | None  # a subject template (Jinja), None = the layout's default
    unsubscribe: str | None  # mailto: or https: for List-Unsubscribe (None: mailto the sender with subject 退订)
    timeout: float  # seconds per SMTP operation (default 30)
    data_timeout: float = DATA_TIMEOUT  # seconds to wait for the reply to the final dot
    retry_wait: float = RETRY_WAIT  # seconds a run keeps retrying a deferred member after its first 4xx
    retry_first: float = RETRY_FIRST  # seconds before its first retry; each next one waits twice as long
    user: str | None = field(default=None, repr=False)  # from the environment only
    password: str | None = field(default=None, repr=False)  # from the environment only; never printed


def load_settings(root: Path, environ: Mapping[str, str] = os.environ) -> MailSettings:
    """<root>/mail.yaml, then BULLETIN_PRESS_SMTP_HOST/PORT/SECURITY overrides, secrets
    BULLETIN_PRESS_SMTP_USER/PASSWORD; BuildError with every problem, file:line:col."""
    password = environ.get(PASSWORD) or None
    try:
        return _Settings(root, environ).load(password)
    except BuildError as e:
        if password is None or len(password) < MIN_SCRUBBED:
            raise
        # Belt and braces: no message quotes a secret, but a password pasted into mail.yaml as some
        # other value (a host, a name) would otherwise be echoed back.
        raise BuildError([Finding(f.pos, f.message.replace(password, "***"), f.severity) for f in e.findings]) from None


def host_problem(host: str) -> str | None:
    """Why `host` is no server name or IP address (a phrase), or None."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    try:
        labels = host.encode("idna").decode("ascii").split(".")
    except UnicodeError:
        return "an empty or too long part"
    if not all(LABEL.fullmatch(label) for label in labels):
        return "a character a host name cannot have"
    return None


def _unsubscribe_problem(value: str) -> str | None:
    if value.startswith("mailto:"):
        address = value.removeprefix("mailto:").split("?", 1)[0]
        problem = address_problem(address)
        return None if problem is None else f"'{address}' is not an e-mail address: {problem}"
    if re.fullmatch(r"https://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?", value):
        return None
    return f"'{value}' is neither a mailto: nor an https: link"


def _security_problem(value: str) -> str:
    hint = " — SSL/SMTPS on port 465 is tls" if value.lower() in ("ssl", "smtps", "ssl/tls") else ""
    return f"unknown security '{value}'; expected one of: {', '.join(SECURITIES)}{hint}"


class _Settings:
    def __init__(self, root: Path, environ: Mapping[str, str]):
        self.root = root
        self.path = root / "mail.yaml"
        self.shown = relpath(self.path)
        self.environ = environ
        self.findings: list[Finding] = []
        self.values: dict[str, Any] = {}  # "smtp.port" → converted value
        self.nodes: dict[str, yaml.Node] = {}  # "smtp.port" → its node, for positions

    def load(self, password: str | None) -> MailSettings:
        conv = self.parse()
        self.walk(conv, conv.composed.root, SCHEMA, "")
        if not isinstance(conv.composed.root, yaml.MappingNode):
            raise BuildError(conv.findings)  # nothing is missing from what is no mapping at all
        self.check(conv)
        self.findings.extend(conv.findings)
        host, port, security = self.overrides()
        sender = self.values.get("sender.address")
        if "sender" not in self.nodes:
            self.findings.append(Finding(Pos(self.shown, 1, 1), "missing 'sender'; expected sender: with name: and address: (the publication's From)"))
        elif "sender.address" not in self.nodes:
            self.findings.append(Finding(conv.pos(self.nodes["sender"]), "sender: missing 'address'; expected the address members see in From"))
        if host is None and "smtp.host" not in self.nodes:
            where = conv.pos(self.nodes["smtp"]) if "smtp" in self.nodes else Pos(self.shown, 1, 1)
            self.findings.append(Finding(where, f"missing 'smtp.host'; expected the mail server's name (smtp: host: smtp.example.org) or {HOST}"))
        if self.findings:
            raise BuildError(self.findings)
        per_minute = self.values.get("per_minute")
        ca_file = self.values.get("smtp.ca_file")
        return MailSettings(
            sender_name=self.values.get("sender.name") or "",
            sender_address=sender,
            reply_to=self.values.get("reply_to"),
            host=host,
            port=port or SECURITIES[security],
            security=security,
            per_minute=per_minute or None,  # 0 = no limit
            ca_file=self.ca_path(ca_file) if ca_file else None,
            subject=self.values.get("subject"),
            unsubscribe=self.values.get("unsubscribe"),
            timeout=self.values.get("smtp.timeout") or DEFAULT_TIMEOUT,
            data_timeout=self.values.get("smtp.data_timeout") or DATA_TIMEOUT,
            retry_wait=self.values.get("retry.wait", RETRY_WAIT),
            retry_first=self.values.get("retry.first") or RETRY_FIRST,
            user=self.environ.get(USER) or None,
            password=password,
        )

    def parse(self) -> _Converter:
        if not self.path.is_file():
            raise BuildError([Finding(Pos(self.shown), "no mail.yaml here; expected the mail settings at the project root — sender (name, address) and smtp (host, port, security); see docs/mail.md")])
        data = self.path.read_bytes()
        if all(not line.strip() or line.lstrip().startswith(b"#") for line in data.splitlines()):
            raise BuildError([Finding(Pos(self.shown, 1, 1), "the file holds no settings; expected sender (name, address) and smtp (host, port, security)")])
        text = _decode(data, self.shown)
        composed, findings = _compose(text, self.shown)
        conv = _Converter(self.shown, composed)
        conv.findings.extend(findings)
        return conv

    def walk(self, conv: _Converter, node: yaml.Node, schema: dict[str, Any], prefix: str) -> None:
        where = prefix.rstrip(".")

        def error(node: yaml.Node, message: str) -> None:
            conv.findings.append(Finding(conv.pos(node), f"{where}: {message}" if where else message))

        if not isinstance(node, yaml.MappingNode):
            error(node, f"expected a mapping with keys: {', '.join(schema)}")
            return
        seen: dict[str, int] = {}
        for key_node, val_node in node.value:
            key = str(key_node.value)
            name = prefix + key
            if key in seen:
                error(key_node, f"'{key}' twice (first at line {seen[key]}); expected each key once")
                continue
            seen[key] = key_node.start_mark.line + 1
            if key.casefold() in SECRETS:
                error(key_node, f"{key}: secrets come from the environment: {SECRETS[key.casefold()]}; expected no {key} in mail.yaml — remove it (and change the password if the file was shared)")
                continue
            if key not in schema:
                error(key_node, f"unknown key '{key}'; expected one of: {', '.join(schema)}")
                continue
            self.nodes[name] = val_node
            if isinstance(schema[key], dict):
                if val_node.tag != NULL:
                    self.values[name] = True
                    self.walk(conv, val_node, schema[key], name + ".")
                continue
            value = conv.value(val_node, schema[key] | None, name)
            if value is not None and value is not BAD:
                self.values[name] = value

    def check(self, conv: _Converter) -> None:
        """What each value must be beyond its type."""
        def bad(name: str, message: str) -> None:
            conv.findings.append(Finding(conv.pos(self.nodes[name]), f"{name}: {message}"))

        for name in ("sender.address", "reply_to"):
            if (value := self.values.get(name)) is not None and (problem := address_problem(value.strip())):
                expected = "" if "expected" in problem else "; expected an address like bulletin@example.org"
                bad(name, f"'{value}' is not an e-mail address: {problem}{expected}")
            elif value is not None:
                self.values[name] = value.strip()
        for name in ("sender.name", "subject"):
            if "\n" in self.values.get(name, "") or "\r" in self.values.get(name, ""):
                bad(name, "a line break; expected one line — it goes into a mail header")
        if (security := self.values.get("smtp.security")) is not None and security not in SECURITIES:
            bad("smtp.security", _security_problem(security))
        if (port := self.values.get("smtp.port")) is not None and not 1 <= port <= 65535:
            bad("smtp.port", f"{port} is out of range; expected a port from 1 to 65535 (usually 587 for starttls, 465 for tls)")
        if (host := self.values.get("smtp.host")) is not None and (problem := host_problem(host)):
            bad("smtp.host", f"'{host}' is not a host name: {problem}; expected a name like smtp.example.org")
        if (timeout := self.values.get("smtp.timeout")) is not None and timeout <= 0:
            bad("smtp.timeout", f"{timeout:g} seconds; expected a number of seconds above 0")
        for name in ("smtp.data_timeout", "retry.first"):
            if (value := self.values.get(name)) is not None and value <= 0:
                bad(name, f"{value:g} seconds; expected a number of seconds above 0")
        if (wait := self.values.get("retry.wait")) is not None and wait < 0:
            bad("retry.wait", f"{wait:g} seconds; expected a number of seconds, 0 or more (0: leave deferred members for the next send)")
        if (rate := self.values.get("per_minute")) is not None and rate < 0:
            bad("per_minute", f"{rate:g}; expected messages per minute, 0 or more (0: no limit)")
        if (ca_file := self.values.get("smtp.ca_file")) is not None and not self.ca_path(ca_file).is_file():
            bad("smtp.ca_file", f"no file {self.ca_path(ca_file)}; expected a CA bundle in PEM (a path relative to the project root)")
        if (subject := self.values.get("subject")) is not None:
            try:
                jinja2.Environment().parse(subject)
            except jinja2.TemplateSyntaxError as e:
                bad("subject", f"{(e.message or 'a syntax error').rstrip('.')}; expected a Jinja template, e.g. '{{{{ publication.name }}}} {{{{ year }}}}年第{{{{ number }}}}期'")
        if (link := self.values.get("unsubscribe")) is not None and (problem := _unsubscribe_problem(link.strip())):
            bad("unsubscribe", f"{problem}; expected mailto:office@example.org?subject=退订 or an https:// link")

    def overrides(self) -> tuple[str | None, int | None, str]:
        """Host, port, security after the environment's overrides (for a test server or a one-off relay)."""
        host = self.values.get("smtp.host")
        port = self.values.get("smtp.port")
        security = self.values.get("smtp.security", "starttls")
        if value := self.environ.get(HOST, "").strip():
            if problem := host_problem(value):
                self.findings.append(Finding(NOWHERE, f"{HOST}: '{value}' is not a host name: {problem}; expected a name like smtp.example.org"))
            host = value
        if value := self.environ.get(PORT, "").strip():
            if not value.isdigit() or not 1 <= int(value) <= 65535:
                self.findings.append(Finding(NOWHERE, f"{PORT}: '{value}' is not a port; expected a whole number from 1 to 65535"))
            else:
                port = int(value)
        if value := self.environ.get(SECURITY, "").strip():
            if value.lower() not in SECURITIES:
                self.findings.append(Finding(NOWHERE, f"{SECURITY}: {_security_problem(value)}"))
            else:
                security = value.lower()
        return host, port, security if security in SECURITIES else "starttls"

    def ca_path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.root / path

