"""`render --all`: every issue in parallel, skipping those whose inputs have not changed."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TextIO

from ..build import Options, Result, build
from ..content.load import load_issue
from ..diagnostics import BuildError, Pos
from ..machine import usable_cpus
from ..project import Project, inputs_digest
from ..templates import find_layout


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


def _render_one(root: str, build_dir: str, issue_id: str, profile: str) -> tuple[str, str, bool]:
    project = Project(Path(root), Path(build_dir))
    try:
        result = build(project, issue_id, Options(profile=profile))
    except BuildError as e:
        return issue_id, "\n".join(map(str, e.findings)), False
    write_stamp(project, issue_id, result)
    return issue_id, result.summary(), True


def render_all(project: Project, profile: str = "screen", force: bool = False, jobs: int | None = None,
               progress: TextIO | None = None) -> tuple[list[str], list[str], list[str]]:
    """Render every issue whose inputs changed; return (rendered, skipped, failed) ids."""
    progress = progress or sys.stderr
    ids = sorted(p.parent.name for p in project.issues.glob("*/issue.yaml"))
    todo = [i for i in ids if force or inputs_changed(project, i, profile)]
    skipped = [i for i in ids if i not in todo]
    rendered, failed = [], []
    for i in skipped:
        print(f"  {i}: unchanged, skipped", file=progress)
    if todo:
        workers = min(len(todo), jobs or usable_cpus())
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_render_one, str(project.root), str(project.build), i, profile) for i in todo]
            for n, future in enumerate(as_completed(futures), 1):
                issue_id, message, ok = future.result()
                bar = "#" * (20 * n // len(todo))
                print(f"[{bar:<20}] {n}/{len(todo)} {message if ok else issue_id + ': failed'}", file=progress)
                (rendered if ok else failed).append(issue_id)
                if not ok:
                    print(message, file=progress)
    return rendered, skipped, failed
