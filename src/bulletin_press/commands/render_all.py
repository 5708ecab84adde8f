"""`render --all`: every issue in parallel, skipping those whose inputs have not changed."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TextIO

from ..build import Options, build
from ..diagnostics import BuildError
from ..machine import usable_cpus
from ..project import Project
from ..stamps import inputs_changed, write_stamp


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
