"""The send journal in SQLite: each (issue, member)'s state, committed to disk before and after each message."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import BuildError, Finding, Pos, relpath

# The states a (issue, member) row goes through. "sending" is committed before a message goes out,
# `dot_at` just before its final dot and "sent" once the server has accepted it. A run killed
# before the dot left nothing at the server (it discards a message it did not see end); one killed
# after it, or a reply lost after the dot ("unknown"), may have delivered it: the next run sends it
# again and `doubt` names the member as one who may have received it twice.
QUEUED, SENDING, SENT, DEFERRED, FAILED, UNKNOWN = "queued", "sending", "sent", "deferred", "failed", "unknown"
PENDING = (QUEUED, SENDING, DEFERRED, UNKNOWN)  # what a run sends; FAILED only after --retry-failed

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    issue      TEXT NOT NULL,
    member     TEXT NOT NULL,              -- the address, casefolded: one row per member
    address    TEXT NOT NULL,              -- as the members file writes it
    state      TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed', 'unknown')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    message_id TEXT,
    pdf_sha256 TEXT,
    reply      TEXT,                       -- the server's last answer
    updated    TEXT NOT NULL,
    dot_at     TEXT,                       -- the final dot went out then, no reply yet
    doubt      TEXT,                       -- why this member may have received the issue twice
    PRIMARY KEY (issue, member)
);
"""
VERSIONS = """
CREATE TABLE IF NOT EXISTS versions (      -- each PDF an issue went out as, the first with its first message
    issue      TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    mark       TEXT NOT NULL DEFAULT '',   -- the subject's prefix for this version (【更正】 for --resend-all)
    since      TEXT NOT NULL,
    PRIMARY KEY (issue, pdf_sha256)
);
"""
COLUMNS = "issue, member, address, state, attempts, message_id, pdf_sha256, reply, updated, dot_at, doubt"


@dataclass(frozen=True)
class Row:
    issue: str
    member: str
    address: str
    state: str
    attempts: int
    message_id: str | None
    pdf_sha256: str | None
    reply: str | None
    updated: str
    dot_at: str | None = None
    doubt: str | None = None


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())


class Journal:
    """One open journal. Every change is its own transaction, synced (WAL, synchronous=FULL): what
    a call returned from is on disk, whatever happens to the process or the machine next."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)  # autocommit: one statement, one transaction
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._migrate()
        self._db.executescript(SCHEMA + VERSIONS)

    def _migrate(self) -> None:
        """A journal from before the "unknown" state and the doubt columns: its rows copied into the
        new table (SQLite cannot change a CHECK in place), in one transaction."""
        found = self._db.execute("SELECT sql FROM sqlite_master WHERE name = 'deliveries'").fetchone()
        if not found or "'unknown'" in found[0]:
            return
        old = "issue, member, address, state, attempts, message_id, pdf_sha256, reply, updated"
        with self._transaction():
            self._db.execute("ALTER TABLE deliveries RENAME TO deliveries_old")
            self._db.execute(SCHEMA)
            self._db.execute(f"INSERT INTO deliveries ({old}) SELECT {old} FROM deliveries_old ORDER BY rowid")
            self._db.execute("DROP TABLE deliveries_old")

    def close(self) -> None:
        self._db.close()

    def queue(self, issue: str, members: Iterable[tuple[str, str]]) -> None:
        """Add (member key, address) rows not yet journalled for the issue; existing rows are kept."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (issue, member, address, state, updated) VALUES (?, ?, ?, ?, ?)",
                [(issue, key, address, QUEUED, _now()) for key, address in members])

    def rows(self, issue: str) -> list[Row]:
        cursor = self._db.execute(f"SELECT {COLUMNS} FROM deliveries WHERE issue = ? ORDER BY rowid", (issue,))
        return [Row(*r) for r in cursor.fetchall()]

    def row(self, issue: str, member: str) -> Row | None:
        found = self._db.execute(f"SELECT {COLUMNS} FROM deliveries WHERE issue = ? AND member = ?",
                                 (issue, member)).fetchone()
        return Row(*found) if found else None

    def sending(self, issue: str, member: str, message_id: str, pdf_sha256: str) -> None:
        """Before the message goes out: counted as an attempt, and left behind if the run dies now."""
        self._set(issue, member, SENDING, message_id=message_id, pdf_sha256=pdf_sha256, attempt=1)

    def final_dot(self, issue: str, member: str) -> None:
        """Just before the final dot: from now on the server may have the message."""
        self._db.execute("UPDATE deliveries SET dot_at = ? WHERE issue = ? AND member = ?", (_now(), issue, member))

    def sent(self, issue: str, member: str, reply: str) -> None:
        self._set(issue, member, SENT, reply=reply)

    def deferred(self, issue: str, member: str, reply: str) -> None:
        self._set(issue, member, DEFERRED, reply=reply)

    def failed(self, issue: str, member: str, reply: str) -> None:
        self._set(issue, member, FAILED, reply=reply)

    def held(self, issue: str, member: str, reply: str) -> None:
        """Refused as every member may be (relaying denied …): queued again, the reply kept."""
        self._set(issue, member, QUEUED, reply=reply)

    def unknown(self, issue: str, member: str, reply: str) -> None:
        """The message went, no reply came: the next run sends it again, the member named."""
        self._set(issue, member, UNKNOWN, reply=reply, doubt=f"{reply} on {_now()}")

    def recover(self, issue: str) -> list[Row]:
        """Rows a killed run left after the final dot: queued again with the doubt said."""
        with self._transaction():
            self._db.execute(
                "UPDATE deliveries SET state = ?, doubt = 'the run was stopped after the message went, before the"
                " server replied, on ' || dot_at, dot_at = NULL, updated = ? WHERE issue = ? AND dot_at IS NOT NULL",
                (QUEUED, _now(), issue))
        return [r for r in self.rows(issue) if r.doubt]

    def versions(self, issue: str) -> list[tuple[str, str]]:
        """(digest, subject mark) of each PDF the issue went out as, oldest first; for a journal from
        before versions were kept, the digests its sent rows carry."""
        found = self._db.execute("SELECT pdf_sha256, mark FROM versions WHERE issue = ? ORDER BY rowid", (issue,)).fetchall()
        if found:
            return [tuple(v) for v in found]
        return [(sha, "") for (sha,) in self._db.execute(
            "SELECT pdf_sha256 FROM deliveries WHERE issue = ? AND state = ? AND pdf_sha256 IS NOT NULL"
            " GROUP BY pdf_sha256 ORDER BY MIN(rowid)", (issue, SENT))]

    def add_version(self, issue: str, pdf_sha256: str, mark: str = "") -> None:
        with self._transaction():
            for sha, old in self.versions(issue):  # a journal from before versions: its digests kept first
                self._db.execute("INSERT OR IGNORE INTO versions VALUES (?, ?, ?, ?)", (issue, sha, old, _now()))
            self._db.execute("INSERT OR REPLACE INTO versions VALUES (?, ?, ?, ?)", (issue, pdf_sha256, mark, _now()))

    def resend_all(self, issue: str) -> None:
        """--resend-all: every member not failed queued again; a correction is no surprise second copy."""
        self._db.execute("UPDATE deliveries SET state = ?, doubt = NULL, dot_at = NULL, updated = ?"
                         " WHERE issue = ? AND state != ?", (QUEUED, _now(), issue, FAILED))

    def requeue(self, issue: str, members: Iterable[str] | None = None) -> list[str]:
        """--retry-failed (members None: every failed one) or --retry ADDRESS …: queued again. The
        members asked for that the journal does not hold for the issue are returned."""
        with self._transaction():
            if members is None:
                self._db.execute("UPDATE deliveries SET state = ?, updated = ? WHERE issue = ? AND state = ?",
                                 (QUEUED, _now(), issue, FAILED))
                return []
            missing = []
            for member in members:
                done = self._db.execute("UPDATE deliveries SET state = ?, updated = ? WHERE issue = ? AND member = ?",
                                        (QUEUED, _now(), issue, member))
                if not done.rowcount:
                    missing.append(member)
            return missing

    def _set(self, issue: str, member: str, state: str, *, reply: str | None = None, message_id: str | None = None,
             pdf_sha256: str | None = None, attempt: int = 0, doubt: str | None = None) -> None:
        self._db.execute(
            "UPDATE deliveries SET state = ?, reply = COALESCE(?, reply), message_id = COALESCE(?, message_id),"
            " pdf_sha256 = COALESCE(?, pdf_sha256), attempts = attempts + ?, updated = ?, dot_at = NULL,"
            " doubt = COALESCE(?, doubt) WHERE issue = ? AND member = ?",
            (state, reply, message_id, pdf_sha256, attempt, _now(), doubt, issue, member))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """One `send` at a time per journal: a second run would claim the same members. The lock is the
    kernel's (flock), so a run that is killed releases it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise BuildError([Finding(Pos(relpath(lock)), f"another send is running (process {owner}); "
                                      "expected it to finish first — sending twice at once would send twice")]) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing drops the lock
