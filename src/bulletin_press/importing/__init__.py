"""`bulletin-press import`: a member's Word file or saved WeChat article becomes an article of an issue."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..content.load import load_issue
from ..diagnostics import BuildError, Finding, Pos, Report, relpath
from ..preflight.structure import check_structure
from ..project import Project
from . import article, insert, sources


@dataclass(frozen=True)
class Imported:
    """What an import did (or, dry, would do): the article's YAML, where it went, the photos saved,
    what it holds, and what was left out or changed, each with its place in the source."""

    yaml: str
    issue_file: Path
    section: str
    new_section: bool
    line: int  # 1-based line of issue.yaml where the inserted text starts
    photos: tuple[Path, ...]
    counts: dict[str, int]
    dropped: tuple[str, ...]
    changed: tuple[str, ...]
    warnings: tuple[Finding, ...]
    source: str  # "Word file" or "WeChat article"


def import_file(project: Project, path: Path, issue_id: str, section: str | None = None, after: str | None = None,
                dry_run: bool = False) -> Imported:
    """Read `path`, make it an article, insert it into the issue's section (made when missing) after
    the article titled `after` (else at the section's end), check the result as typed YAML is
    checked, then write the photos and issue.yaml — unless `dry_run`. BuildError: nothing written."""
    folder = project.issue_folder(issue_id)
    issue_file = folder / "issue.yaml"
    shown = relpath(issue_file)
    try:
        text = issue_file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BuildError([Finding(Pos(shown), "is not UTF-8; expected the issue saved as UTF-8 before importing into it "
                                              "(bulletin-press render reads it and says how it was read)")]) from None
    load_issue(folder)  # an issue that does not load says so as a render would, before anything is read into it
    source = sources.read(path)
    names = _photo_names(source, folder / "photos", path)
    draft = article.convert(source, names)
    where = insert.place(text, shown, section, after)
    new_text, yaml_text = insert.insert(text, draft.article, where)
    warnings = _check(new_text, shown, where, yaml_text)
    photos = tuple(folder / "photos" / name for name in draft.photos.values())
    if not dry_run:
        (folder / "photos").mkdir(exist_ok=True)
        for number, name in draft.photos.items():
            target = folder / "photos" / name
            if not target.exists():
                target.write_bytes(source.pictures[number].data)
        _write_atomically(issue_file, new_text)
    return Imported(yaml_text, issue_file, where.section, where.new, where.line + 1, photos, dict(draft.counts),
                    tuple(draft.dropped), tuple(draft.changed + source.messages), tuple(warnings), source.kind)


def _photo_names(source: sources.Source, photos: Path, path: Path) -> dict[int, str]:
    """A file name under photos/ for each printable picture: the source's name and the picture's
    number; a file of that name holding other bytes is never overwritten (a suffix is added)."""
    stem = re.sub(r"[^\w\-]+", "-", path.stem, flags=re.UNICODE).strip("-")[:40] or "import"
    names: dict[int, str] = {}
    for number, picture in source.pictures.items():
        if picture.refused:
            continue
        name = f"{stem}-{number:02d}{picture.ext}"
        digest = hashlib.sha256(picture.data).digest()
        k = 2
        while (photos / name).exists() and hashlib.sha256((photos / name).read_bytes()).digest() != digest:
            name = f"{stem}-{number:02d}-{k}{picture.ext}"
            k += 1
        names[number] = name
    return names


def _check(new_text: str, shown: str, where: insert.Place, yaml_text: str) -> list[Finding]:
    """The issue as it would be, loaded and checked as typed YAML is: an error stops the import (its
    place shown in the file as it would be); the warnings on the imported lines are returned."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "issue"
        folder.mkdir()
        (folder / "issue.yaml").write_text(new_text, encoding="utf-8")
        report = Report()
        try:
            issue = load_issue(folder, report)
        except BuildError as e:
            raise BuildError([_moved(f, shown) for f in e.findings]) from None
        found = report.findings + check_structure(issue)
    first = where.line + 1
    last = first + yaml_text.count("\n")
    return [_moved(f, shown) for f in found if first <= f.pos.line <= last]


def _moved(finding: Finding, shown: str) -> Finding:
    return Finding(Pos(shown, finding.pos.line, finding.pos.col), finding.message, finding.severity)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.importing")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
