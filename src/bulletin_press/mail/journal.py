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

# The states a (issue, member) row goes through. "sending" is committed before a message goes out
# and "sent" once the server has accepted it, so a run killed in between leaves exactly that one
# row "sending": the next run sends it again (the one possible second copy) and nothing else.
QUEUED, SENDING, SENT, DEFERRED, FAILED = "queued", "sending", "sent", "deferred", "failed"
PENDING = (QUEUED, SENDING, DEFERRED)  # what a run sends; FAILED (a 5xx) is never retried

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    issue      TEXT NOT NULL,
    member     TEXT NOT NULL,              -- the address, casefolded: one row per member
    address    TEXT NOT NULL,              -- as the members file writes it
    state      TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    message_id TEXT,
    pdf_sha256 TEXT,
    reply      TEXT,                       -- the server's last answer
    updated    TEXT NOT NULL,
    PRIMARY KEY (issue, member)
);
"""


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
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def queue(self, issue: str, members: Iterable[tuple[str, str]]) -> None:
        """Add (member key, address) rows not yet journalled for the issue; existing rows are kept."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (issue, member, address, state, updated) VALUES (?, ?, ?, ?, ?)",
                [(issue, key, address, QUEUED, _now()) for key, address in members])

    def rows(self, issue: str) -> list[Row]:
        cursor = self._db.execute("SELECT * FROM deliveries WHERE issue = ? ORDER BY rowid", (issue,))
        return [Row(*r) for r in cursor.fetchall()]

    def row(self, issue: str, member: str) -> Row | None:
        found = self._db.execute("SELECT * FROM deliveries WHERE issue = ? AND member = ?", (issue, member)).fetchone()
        return Row(*found) if found else None

    def sending(self, issue: str, member: str, message_id: str, pdf_sha256: str) -> None:
        """Before the message goes out: counted as an attempt, and left behind if the run dies now."""
        self._set(issue, member, SENDING, message_id=message_id, pdf_sha256=pdf_sha256, attempt=1)

    # `tries`: how many times the server was tried for this message in this run (retries of a 4xx
    # included); `sending` counted the first.
    def sent(self, issue: str, member: str, reply: str, tries: int = 1) -> None:
        self._set(issue, member, SENT, reply=reply, attempt=tries - 1)

    def deferred(self, issue: str, member: str, reply: str, tries: int = 1) -> None:
        self._set(issue, member, DEFERRED, reply=reply, attempt=tries - 1)

    def failed(self, issue: str, member: str, reply: str, tries: int = 1) -> None:
        self._set(issue, member, FAILED, reply=reply, attempt=tries - 1)

    def _set(self, issue: str, member: str, state: str, *, reply: str | None = None, message_id: str | None = None,
             pdf_sha256: str | None = None, attempt: int = 0) -> None:
        self._db.execute(
            "UPDATE deliveries SET state = ?, reply = COALESCE(?, reply), message_id = COALESCE(?, message_id),"
            " pdf_sha256 = COALESCE(?, pdf_sha256), attempts = attempts + ?, updated = ?"
            " WHERE issue = ? AND member = ?",
            (state, reply, message_id, pdf_sha256, attempt, _now(), issue, member))

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
