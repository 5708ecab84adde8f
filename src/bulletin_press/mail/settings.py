"""Mail settings: mail.yaml at the project root, overrides and secrets from the environment."""

# placeholder until i13-members lands: the lead keeps the other branch's file

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class MailSettings:
    sender_name: str
    sender_address: str
    reply_to: str | None
    host: str
    port: int
    security: str               # "starttls" | "tls" | "none"
    per_minute: float | None    # messages per minute; None = no limit
    ca_file: Path | None        # a CA bundle for a private server (else the system's)
    subject: str | None         # a subject template (Jinja), None = the layout's default
    unsubscribe: str | None     # mailto: or https: for List-Unsubscribe (None: mailto the sender with subject 退订)
    timeout: float              # seconds per SMTP operation (default 30)
    user: str | None = field(default=None, repr=False)      # from the environment only
    password: str | None = field(default=None, repr=False)  # from the environment only; never printed
