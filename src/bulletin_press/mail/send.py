"""`bulletin-press send`: render if stale, then one message per member not yet sent, journalled."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TextIO

from ..content.model import Issue
from ..diagnostics import BuildError, Finding, Pos, relpath
from ..project import Project
from . import journal as jr
from .compose import Composer
from .deliver import PERMANENT, SENT, Postman, SessionError
from .members import Member, address_problem, read_members
from .settings import MailSettings, load_settings

# A server that defers this many members in a row (after each one's retries) is not taking mail
# now: the run stops rather than spend the backoff on every remaining member.
DEFERRED_IN_A_ROW = 3


@dataclass(frozen=True)
class SendOptions:
    members: Path | None = None  # default: <project>/members.csv
    dry_run: bool = False
    test_to: str | None = None
    progress: TextIO | None = None  # default: stderr


@dataclass
class Summary:
    """What a run did, for the editor: counts and each failure with the server's reply."""

    issue: str
    pdf: Path
    members: int = 0
    sent: int = 0
    already: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)    # (address, reply): 5xx, never retried
    deferred: list[tuple[str, str]] = field(default_factory=list)  # (address, reply): try again later
    stopped: str | None = None  # why the run stopped early (the server could not be used)
    outbox: Path | None = None  # --dry-run: where the .eml files are
    warnings: list[Finding] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        return 0 if not (self.failed or self.deferred or self.stopped) else 1


def journal_path(project: Project) -> Path:
    return project.build / "mail.sqlite3"


def screen_pdf(project: Project, issue_id: str, progress: TextIO) -> tuple[Path, list[Finding], Issue]:
    """The screen PDF, rendered first when missing or older than its inputs (render --all's
    fingerprint). A render with errors raises BuildError: such an issue is never sent."""
    from ..batch import inputs_changed, write_stamp
    from ..build import Options, build, pdf_path
    from ..content.load import load_issue

    folder = project.issue_folder(issue_id)
    issue = load_issue(folder)
    pdf = pdf_path(project, issue, "screen")
    # The id as given (an id under issues/ or a path): the fingerprint reads that folder.
    if pdf.is_file() and not inputs_changed(project, issue_id, "screen"):
        return pdf, [], issue
    print(f"{issue.id}: rendering the screen PDF first (missing or out of date)", file=progress)
    result = build(project, issue_id, Options(profile="screen"))
    write_stamp(project, issue_id, result)
    print(result.summary(), file=progress)
    return result.pdf, list(result.report.warnings), issue


def send_issue(project: Project, issue_id: str, options: SendOptions = SendOptions(), *,
               postman: Callable[[MailSettings], Postman] = Postman) -> Summary:
    """Send an issue to every member not yet sent; see the README's guarantee. Raises BuildError
    (nothing sent) for bad settings, a bad members file or an issue that does not render."""
    progress = options.progress or sys.stderr
    findings: list[Finding] = []
    settings = _collect(findings, lambda: load_settings(project.root))
    members: tuple[Member, ...] = ()
    warnings: list[Finding] = []
    if options.test_to:
        if problem := address_problem(options.test_to):
            findings.append(Finding(Pos("--test-to"), f"'{options.test_to}' is not an e-mail address: {problem}"))
    else:
        got = _collect(findings, lambda: read_members(options.members or project.root / "members.csv"))
        if got:
            members, warnings = got
    if findings or settings is None:
        raise BuildError(findings)
    pdf, render_warnings, issue = screen_pdf(project, issue_id, progress)
    composer = Composer(project, issue, pdf, settings)
    summary = Summary(issue.id, pdf, warnings=warnings + render_warnings)

    if options.test_to:  # one copy, as a member without a name would get it; the journal is not touched
        member = Member(options.test_to, "", "", MappingProxyType({"email": options.test_to}), 0)
        summary.members = 1
        _deliver_all(summary, [member], composer, settings, postman(settings), None, progress)
        return summary
    summary.members = len(members)
    if options.dry_run:
        summary.outbox = _write_outbox(project, issue.id, members, composer)
        return summary

    path = journal_path(project)
    with jr.exclusive(path):
        journal = jr.Journal(path)
        try:
            journal.queue(issue.id, [(m.key, m.email) for m in members])
            states = {r.member: r for r in journal.rows(issue.id)}
            todo = [m for m in members if states[m.key].state in jr.PENDING]
            summary.already = sum(states[m.key].state == jr.SENT for m in members)
            summary.failed = [(m.email, states[m.key].reply or "") for m in members if states[m.key].state == jr.FAILED]
            _deliver_all(summary, todo, composer, settings, postman(settings), journal, progress)
        finally:
            journal.close()
    return summary


def _collect(findings: list[Finding], load: Callable[[], object]) -> object:
    try:
        return load()
    except BuildError as e:
        findings.extend(e.findings)
        return None


def _deliver_all(summary: Summary, todo: list[Member], composer: Composer, settings: MailSettings,
                 carrier: Postman, journal: jr.Journal | None, progress: TextIO) -> None:
    bar = Progress(len(todo), progress)
    in_a_row = 0
    try:
        for member in todo:
            data = composer.message_bytes(member)
            if journal:
                journal.sending(summary.issue, member.key, composer.message_id(member), composer.pdf_sha256)
            try:
                outcome = carrier.deliver(data, settings.sender_address, member.email,
                                          on_retry=lambda reply: bar.note(f"{member.email}: {reply}; retrying"))
            except SessionError as e:
                if journal:  # not this member's fault: queued again, as it was
                    journal.deferred(summary.issue, member.key, e.reply)
                summary.stopped = e.reply
                break
            if outcome.status == SENT:
                summary.sent += 1
                in_a_row = 0
                if journal:
                    journal.sent(summary.issue, member.key, outcome.reply, outcome.attempts)
            elif outcome.status == PERMANENT:
                summary.failed.append((member.email, outcome.reply))
                if journal:
                    journal.failed(summary.issue, member.key, outcome.reply, outcome.attempts)
            else:
                summary.deferred.append((member.email, outcome.reply))
                in_a_row += 1
                if journal:
                    journal.deferred(summary.issue, member.key, outcome.reply, outcome.attempts)
                if in_a_row >= DEFERRED_IN_A_ROW:
                    summary.stopped = f"{in_a_row} members in a row deferred ({outcome.reply}); the server is not taking mail now"
                    break
            bar.step()
    finally:
        carrier.close()
        bar.done()


def _write_outbox(project: Project, issue_id: str, members: tuple[Member, ...], composer: Composer) -> Path:
    """--dry-run: every member's message as an .eml file (openable in any mail client), nothing sent."""
    outbox = project.build / issue_id / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    for old in outbox.glob("*.eml"):
        old.unlink()
    for n, member in enumerate(members, 1):
        safe = "".join(c if c.isalnum() or c in "@._-" else "_" for c in member.email)
        (outbox / f"{n:04d}-{safe}.eml").write_bytes(composer.message_bytes(member))
    return outbox


class Progress:
    """A progress bar on a terminal (one line, redrawn); a line per tenth elsewhere (logs, CI)."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out, self.done_count = total, out, 0
        self.tty = hasattr(out, "isatty") and out.isatty()
        self.started = time.monotonic()
        self._draw()

    def _line(self) -> str:
        filled = 24 * self.done_count // max(self.total, 1)
        rate = self.done_count / max(time.monotonic() - self.started, 1e-6)
        return f"[{'#' * filled:<24}] {self.done_count}/{self.total} ({rate:.1f}/s)"

    def _draw(self) -> None:
        if self.tty:
            print("\r" + self._line(), end="", file=self.out, flush=True)

    def step(self) -> None:
        self.done_count += 1
        if self.tty:
            self._draw()
        elif self.total and self.done_count * 10 // self.total != (self.done_count - 1) * 10 // self.total:
            print(self._line(), file=self.out, flush=True)

    def note(self, text: str) -> None:
        print(("\r\x1b[K" if self.tty else "") + text, file=self.out, flush=True)
        self._draw()

    def done(self) -> None:
        if self.tty:
            print(file=self.out, flush=True)


def report(summary: Summary, out: TextIO) -> None:
    """The summary the editor reads after the bar."""
    for finding in summary.warnings:
        print(finding, file=out)
    if summary.outbox:
        print(f"{summary.issue}: dry run — {summary.members} message(s) written to {relpath(summary.outbox)}/, "
              "nothing sent", file=out)
        return
    print(f"{summary.issue}: {summary.sent} sent, {summary.already} already sent, {len(summary.failed)} failed, "
          f"{len(summary.deferred)} deferred — {summary.members} member(s); PDF {relpath(summary.pdf)}", file=out)
    for address, reply in summary.failed:
        print(f"  failed (not retried): {address}: {reply}", file=out)
    for address, reply in summary.deferred:
        print(f"  deferred (sent by the next `send`): {address}: {reply}", file=out)
    if summary.stopped:
        print(f"  stopped: {summary.stopped}; the members not reached stay queued for the next `send`", file=out)


def status(project: Project, issue_id: str, out: TextIO) -> int:
    """--status: the journal's rows for an issue, and the count per state."""
    from ..content.load import load_issue

    issue_key = load_issue(project.issue_folder(issue_id)).id
    path = journal_path(project)
    if not path.is_file():
        print(f"{issue_key}: nothing sent yet (no journal at {relpath(path)})", file=out)
        return 0
    journal = jr.Journal(path)
    try:
        rows = journal.rows(issue_key)
    finally:
        journal.close()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
        print(f"{row.state:<9} {_padded(row.address, 40)} {row.attempts} attempt(s)  {row.updated}  {row.reply or ''}",
              file=out)
    print(f"{issue_key}: " + (", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing journalled"),
          file=out)
    return 0


def _padded(text: str, width: int) -> str:
    """Padded to `width` terminal columns: a Han character (例子.中国) takes two."""
    from unicodedata import east_asian_width
    used = sum(2 if east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 0)
