"""The send journal: rows survive a reopen, queueing twice adds nothing, one send at a time."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bulletin_press.diagnostics import BuildError
from bulletin_press.mail import journal as jr


def test_states_are_on_disk_when_each_call_returns(tmp_path: Path) -> None:
    path = tmp_path / "mail.sqlite3"
    j = jr.Journal(path)
    j.queue("2023-11", [("a@example.org", "A@example.org"), ("b@example.org", "b@example.org")])
    j.sending("2023-11", "a@example.org", "<id-a@cega>", "sha")
    j.sent("2023-11", "a@example.org", "250 2.0.0 Ok: queued as Q1")
    j.sending("2023-11", "b@example.org", "<id-b@cega>", "sha")  # and then the process dies
    # Another connection (another process would see the same) reads what was committed.
    rows = {r[0]: r[1:] for r in sqlite3.connect(path).execute(
        "SELECT member, state, attempts, message_id, reply FROM deliveries WHERE issue = '2023-11'")}
    assert rows == {"a@example.org": ("sent", 1, "<id-a@cega>", "250 2.0.0 Ok: queued as Q1"),
                    "b@example.org": ("sending", 1, "<id-b@cega>", None)}
    j.close()


def test_queueing_again_keeps_what_was_journalled(tmp_path: Path) -> None:
    j = jr.Journal(tmp_path / "mail.sqlite3")
    j.queue("2023-11", [("a@example.org", "a@example.org")])
    j.sending("2023-11", "a@example.org", "<x@y>", "sha")
    j.failed("2023-11", "a@example.org", "550 5.1.1 unknown")
    j.queue("2023-11", [("a@example.org", "a@example.org"), ("c@example.org", "c@example.org")])
    j.queue("2023-12", [("a@example.org", "a@example.org")])
    assert [(r.member, r.state, r.attempts) for r in j.rows("2023-11")] == [("a@example.org", "failed", 1),
                                                                            ("c@example.org", "queued", 0)]
    assert [r.state for r in j.rows("2023-12")] == ["queued"]  # an issue of its own
    j.close()
    again = jr.Journal(tmp_path / "mail.sqlite3")
    assert again.row("2023-11", "a@example.org").reply == "550 5.1.1 unknown"  # type: ignore[union-attr]
    again.close()


def test_a_second_send_at_once_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mail.sqlite3"
    with jr.exclusive(path):
        with pytest.raises(BuildError, match=r"another send is running \(process \d+\)"):
            with jr.exclusive(path):
                pass
    with jr.exclusive(path):  # released: the next run goes ahead
        pass


def test_a_kill_after_the_final_dot_is_named_a_kill_before_it_is_not(tmp_path: Path) -> None:
    j = jr.Journal(tmp_path / "mail.sqlite3")
    j.queue("x", [("a@example.org", "a@example.org"), ("b@example.org", "b@example.org")])
    j.sending("x", "a@example.org", "<a@c>", "sha")
    j.final_dot("x", "a@example.org")  # and then the process dies: the server may have it
    j.sending("x", "b@example.org", "<b@c>", "sha")  # killed before the dot: the server discarded it
    j.close()
    again = jr.Journal(tmp_path / "mail.sqlite3")
    [named] = again.recover("x")
    assert named.member == "a@example.org" and named.state == jr.QUEUED and named.dot_at is None
    assert named.doubt.startswith("the run was stopped after the message went, before the server replied, on 20")
    assert again.row("x", "b@example.org").doubt is None  # type: ignore[union-attr]
    again.sent("x", "a@example.org", "250 ok")
    assert again.row("x", "a@example.org").doubt == named.doubt  # type: ignore[union-attr]  # said for good
    again.close()


def test_requeue_failed_or_named_members(tmp_path: Path) -> None:
    j = jr.Journal(tmp_path / "mail.sqlite3")
    j.queue("x", [(m, m) for m in ("a@x.org", "b@x.org", "c@x.org")])
    for m in ("a@x.org", "b@x.org"):
        j.failed("x", m, "550 5.1.1 unknown")
    j.sent("x", "c@x.org", "250 ok")
    assert j.requeue("x", ["a@x.org", "z@x.org"]) == ["z@x.org"]
    assert [r.state for r in j.rows("x")] == ["queued", "failed", "sent"]
    j.requeue("x")
    assert [r.state for r in j.rows("x")] == ["queued", "queued", "sent"]
    j.close()


def test_a_journal_from_before_is_carried_over(tmp_path: Path) -> None:
    """The schema before issue 22 (no 'unknown' state, no doubt, no versions): its rows kept."""
    path = tmp_path / "mail.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(jr.SCHEMA.replace(", 'unknown'", "").replace("    dot_at     TEXT,                       -- the final dot went out then, no reply yet\n", "")
                      .replace("    doubt      TEXT,                       -- why this member may have received the issue twice\n", ""))
    assert "dot_at" not in old.execute("SELECT sql FROM sqlite_master").fetchone()[0]
    old.execute("INSERT INTO deliveries VALUES ('x', 'a@x.org', 'a@x.org', 'sent', 1, '<a@c>', 'sha1', '250 ok', 'then')")
    old.commit()
    old.close()
    j = jr.Journal(path)
    assert [(r.member, r.state, r.pdf_sha256, r.doubt) for r in j.rows("x")] == [("a@x.org", "sent", "sha1", None)]
    assert j.versions("x") == [("sha1", "")]  # the version its rows carry
    j.queue("x", [("b@x.org", "b@x.org")])
    j.unknown("x", "b@x.org", "no reply after the final dot")  # the new state is allowed
    j.add_version("x", "sha2")
    assert j.versions("x") == [("sha1", ""), ("sha2", "")]
    j.close()
