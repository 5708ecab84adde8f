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
