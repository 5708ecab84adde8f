"""Render stamps: what a render's inputs were, so that `render --all` and `send` know an out-of-date PDF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from .content.load import load_issue
from .diagnostics import BuildError, Pos
from .project import Project, inputs_digest
from .templates import find_layout

if TYPE_CHECKING:
    from .build import Result


def fingerprint(project: Project, issue_id: str, profile: str = "screen") -> str:
    """A hash of everything a render of the issue reads, as the files are now (project.inputs_digest)."""
    try:
        folder = project.issue_folder(issue_id)
    except BuildError:
        folder = project.issues / issue_id
    try:
        chain: tuple[Path, ...] = find_layout(project.layouts, load_issue(folder).layout, Pos(str(folder))).chain
    except BuildError:
        chain = ()  # a broken issue renders (and fails) every time
    return inputs_digest(project, folder, chain, profile)


def _stamp(project: Project, issue_id: str, profile: str) -> Path:
    return project.build / Path(issue_id).name / f".inputs-{profile}.json"


def write_stamp(project: Project, issue_id: str, result: Result) -> None:
    """After a render: what its inputs were when it read them (a file saved while it ran is news
    to the next one), so that --all and send know when it is out of date."""
    _stamp(project, issue_id, result.profile).write_text(json.dumps({"inputs": result.inputs}))


def inputs_changed(project: Project, issue_id: str, profile: str = "screen") -> bool:
    stamp = _stamp(project, issue_id, profile)
    try:
        return json.loads(stamp.read_text())["inputs"] != fingerprint(project, issue_id, profile)
    except (OSError, ValueError, KeyError):
        return True
