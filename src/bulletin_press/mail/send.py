"""`bulletin-press send`: render if stale, then one message per member not yet sent, journalled."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TextIO

from ..content.model import Issue
from ..diagnostics import BuildError, Finding, Pos, relpath
from ..project import Project
from . import journal as jr
from .compose import Composer
from .deliver import Postman
from .members import Member, address_problem, read_members
from .run import deliver_all
from .settings import MailSettings, load_settings

@dataclass(frozen=True)
class SendOptions:
    members: Path | None = None  # default: <project>/members.csv
    dry_run: bool = False
    test_to: str | None = None
    progress: TextIO | None = None  # default: stderr
    retry_failed: bool = False  # --retry-failed: failed members queued again first
    retry: tuple[str, ...] = ()  # --retry ADDRESS …: these members queued again first
    new_version: bool = False  # --new-version: the PDF changed; the members not yet sent get the new one
    resend_all: bool = False  # --resend-all: the PDF changed; everyone gets it again, the subject marked


CORRECTION = "【更正】"  # the subject's mark on an issue sent again corrected (--resend-all)


@dataclass
class Summary:
    """What a run did, for the editor: counts and each failure with the server's reply."""

    issue: str
    pdf: Path
    members: int = 0
    sent: int = 0
    already: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)    # (address, reply): refused, not retried
    deferred: list[tuple[str, str]] = field(default_factory=list)  # (address, reply): try again later
    unknown: list[tuple[str, str]] = field(default_factory=list)   # (address, what happened): fate unknown
    twice: list[tuple[str, str]] = field(default_factory=list)     # (address, why): sent again after a doubt
    stopped: str | None = None  # why the run stopped early (the server could not be used)
    fault: bool = False  # stopped for the server's or the configuration's fault: exit 2
    interrupted: bool = False  # stopped by Ctrl-C or SIGTERM after the message in flight
    queued: int = 0  # members left queued by a stop
    outbox: Path | None = None  # --dry-run: where the .eml files are
    warnings: list[Finding] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        if self.interrupted:
            return 130
        if self.fault:
            return 2
        return 0 if not (self.failed or self.deferred or self.unknown or self.stopped) else 1


def journal_path(project: Project) -> Path:
    return project.build / "mail.sqlite3"


def screen_pdf(project: Project, issue_id: str, progress: TextIO) -> tuple[Path, list[Finding], Issue]:
    """The screen PDF, rendered first when missing or older than its inputs (render --all's
    fingerprint). A render with errors raises BuildError: such an issue is never sent."""
    from ..stamps import inputs_changed, write_stamp
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
        deliver_all(summary, [member], composer, settings, postman(settings), None, progress)
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
            _requeue(journal, issue.id, members, options)
            mark = _version(journal, issue.id, composer.pdf_sha256, members, options, pdf)
            if mark:  # the layout's subject (or mail.yaml's) behind the mark: no change to compose.py needed
                subject = settings.subject or "{% include 'email/subject.txt' %}"
                composer = Composer(project, issue, pdf, replace(settings, subject=mark + subject))
            journal.recover(issue.id)  # a run killed after a final dot: its member named from now on
            states = {r.member: r for r in journal.rows(issue.id)}
            todo = [m for m in members if states[m.key].state in jr.PENDING]
            doubts = {m.key: states[m.key].doubt or "" for m in todo if states[m.key].doubt}
            summary.already = sum(states[m.key].state == jr.SENT for m in members)
            summary.failed = [(m.email, states[m.key].reply or "") for m in members if states[m.key].state == jr.FAILED]
            deliver_all(summary, todo, composer, settings, postman(settings), journal, progress, doubts)
            if summary.stopped or summary.interrupted:
                keys = {m.key for m in members}
                summary.queued = sum(r.state in jr.PENDING and r.member in keys for r in journal.rows(issue.id))
        finally:
            journal.close()
    return summary


def _version(journal: jr.Journal, issue_id: str, digest: str, members: tuple[Member, ...], options: SendOptions,
             pdf: Path) -> str:
    """One version per mailing: the PDF sent first, unless the editor says what to do with a changed
    one. Returns the subject's mark for this version ('' or 【更正】)."""
    versions = dict(journal.versions(issue_id))
    if digest in versions:
        if options.resend_all:
            raise BuildError([Finding(Pos("--resend-all"), f"the PDF is the one already sent ({relpath(pdf)}); "
                                      "expected a corrected issue — edit issue.yaml, then send --resend-all")])
        return versions[digest]
    if not versions:
        journal.add_version(issue_id, digest)  # the first message's PDF
        return ""
    keys = {m.key for m in members}
    rows = [r for r in journal.rows(issue_id) if r.member in keys]
    earlier = sum(r.state == jr.SENT and r.pdf_sha256 != digest for r in rows)
    if options.resend_all:
        journal.add_version(issue_id, digest, CORRECTION)
        journal.resend_all(issue_id)
        return CORRECTION
    if options.new_version:
        journal.add_version(issue_id, digest)
        return ""
    rest = sum(r.state in jr.PENDING for r in rows)
    raise BuildError([Finding(Pos(relpath(pdf)), f"the PDF has changed since {earlier} member(s) were sent the earlier "
                              f"version; expected --new-version ({rest} member(s) not yet sent get the new PDF) or "
                              f"--resend-all (everyone gets it again, the subject marked {CORRECTION})")])


def _requeue(journal: jr.Journal, issue_id: str, members: tuple[Member, ...], options: SendOptions) -> None:
    """--retry-failed and --retry ADDRESS …: those members queued again before the run."""
    if options.retry_failed:
        journal.requeue(issue_id)
    if options.retry:
        known = {m.key for m in members}
        unknown = [a for a in options.retry if a.strip().casefold() not in known]
        if unknown:
            raise BuildError([Finding(Pos("--retry"), f"{a}: not in the members file; expected the address of a member "
                                      "to send the issue to again") for a in unknown])
        journal.requeue(issue_id, [a.strip().casefold() for a in options.retry])


def _collect(findings: list[Finding], load: Callable[[], object]) -> object:
    try:
        return load()
    except BuildError as e:
        findings.extend(e.findings)
        return None


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
        print(f"  failed: {address}: {reply}", file=out)
    if summary.failed:
        print(f"  (`send {summary.issue} --retry-failed` sends to the failed members again, once their addresses "
              "are right)", file=out)
    for address, reply in summary.deferred:
        print(f"  deferred (sent by the next `send`): {address}: {reply}", file=out)
    for address, what in summary.unknown:
        print(f"  fate unknown: {address}: {what} — the server may have it; not sent again now: the next `send` "
              "sends it again, so it may arrive twice", file=out)
    for address, why in summary.twice:
        print(f"  may have received it twice: {address} (sent again: {why})", file=out)
    if summary.stopped:
        print(f"  stopped: {summary.stopped}; {summary.queued} member(s) stay queued for the next `send`", file=out)
    elif summary.interrupted:
        print(f"  interrupted: the message in flight was finished; {summary.queued} member(s) stay queued for the "
              "next `send`", file=out)


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
        versions = [sha for sha, _ in journal.versions(issue_key)]
    finally:
        journal.close()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
        # Which PDF the member was sent, when the issue went out in more than one.
        version = f"v{versions.index(row.pdf_sha256) + 1}  " if len(versions) > 1 and row.pdf_sha256 in versions else ""
        print(f"{row.state:<9} {_padded(row.address, 40)} {version}{row.attempts} attempt(s)  {row.updated}  "
              f"{row.reply or ''}", file=out)
        if row.doubt:
            print(f"          may have received it twice: {row.doubt}", file=out)
    print(f"{issue_key}: " + (", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing journalled"),
          file=out)
    if len(versions) > 1:
        held = [sum(r.state == jr.SENT and r.pdf_sha256 == sha for r in rows) for sha in versions]
        print(f"{issue_key}: sent in {len(versions)} versions of the PDF: "
              + ", ".join(f"v{n} to {k} member(s)" for n, k in enumerate(held, 1)), file=out)
    return 0


def _padded(text: str, width: int) -> str:
    """Padded to `width` terminal columns: a Han character (例子.中国) takes two."""
    from unicodedata import east_asian_width
    used = sum(2 if east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 0)
