"""Findings with a place (file:line:col), the build's warning log, and the error that stops it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

# Logging policy: the engine never prints. Findings go to a Report; the CLI prints them.
# WeasyPrint's own log is captured the same way (see render.py).
LOG = logging.getLogger("bulletin_press")


@dataclass(frozen=True)
class Pos:
    """A place in a source file; line and column are 1-based as editors show them."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}" if self.line else self.path


NOWHERE = Pos("")


@dataclass(frozen=True)
class Finding:
    pos: Pos
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos.path else ""
        kind = "" if self.severity == "error" else f"{self.severity}: "
        return f"{where}{kind}{self.message}"


class BuildError(Exception):
    """Stops a build; carries every finding gathered so far."""

    def __init__(self, findings: list[Finding]):
        self.findings = sorted(findings, key=lambda f: (f.pos.path, f.pos.line, f.pos.col))
        super().__init__("\n".join(map(str, self.findings)))


class StrictError(BuildError):
    """Warnings that --strict turned into a failure (exit status 1, not 2)."""


@dataclass
class Report:
    """Mutable build state: the warnings a build met on its way."""

    findings: list[Finding] = field(default_factory=list)

    def warn(self, pos: Pos, message: str) -> None:
        self.findings.append(Finding(pos, message, "warning"))
        LOG.warning("%s", self.findings[-1])

    def extend(self, findings: list[Finding]) -> None:
        for finding in findings:
            self.findings.append(finding)
            if finding.severity == "warning":
                LOG.warning("%s", finding)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def relpath(path: Path) -> str:
    """A path as the user typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
