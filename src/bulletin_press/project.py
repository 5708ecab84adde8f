"""Finds the project's folders (issues/, layouts/, fonts/, build/) and resolves issue ids."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .diagnostics import BuildError, Finding, Pos


@dataclass(frozen=True)
class Project:
    root: Path
    build_dir: Path | None = None  # default: <root>/build

    @property
    def issues(self) -> Path:
        return self.root / "issues"

    @property
    def layouts(self) -> Path:
        return self.root / "layouts"

    @property
    def fonts(self) -> Path:
        return self.root / "fonts"

    @property
    def build(self) -> Path:
        return self.build_dir or self.root / "build"

    def issue_folder(self, issue: str) -> Path:
        """`2023-11` (an id under issues/) or a path to an issue folder."""
        as_path = Path(issue)
        for folder in (self.issues / issue, as_path):
            if (folder / "issue.yaml").is_file():
                return folder.resolve()
        known = sorted(p.parent.name for p in self.issues.glob("*/issue.yaml"))
        raise BuildError([Finding(Pos(str(self.issues / issue)), f"no issue '{issue}'; expected one of: {', '.join(known) or '(none yet)'}")])


def find_project(start: Path | None = None) -> Project:
    """The nearest folder upwards holding issues/ and layouts/ (or $BULLETIN_PRESS_ROOT)."""
    if env := os.environ.get("BULLETIN_PRESS_ROOT"):
        return Project(Path(env).resolve())
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "issues").is_dir() and (folder / "layouts").is_dir():
            return Project(folder)
    raise BuildError([Finding(Pos(str(here)), "not inside a bulletin-press project; expected a folder with issues/ and layouts/ (or set BULLETIN_PRESS_ROOT)")])


def inputs_digest(project: Project, folder: Path, layout_chain: Iterable[Path], profile: str) -> str:
    """A hash of everything a render reads: the issue folder, its layout chain, fonts, the engine
    (names, sizes and modification times: no file is read)."""
    digest = hashlib.sha256(f"{__version__}|{profile}".encode())
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    files += sorted(p for chain in layout_chain for p in chain.rglob("*") if p.is_file())
    files += sorted(project.fonts.glob("*"))
    for path in files:
        stat = path.stat()
        # Relative to the project: a project moved or copied whole (mtimes kept) is still current.
        shown = path.relative_to(project.root) if path.is_relative_to(project.root) else path
        digest.update(f"{shown}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()
