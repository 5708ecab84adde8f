"""What the project holds: issues with their numbers, dates and render state; layouts with their parts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..cjk import numerals
from ..content.load import load_issue
from ..diagnostics import BuildError
from ..project import Project

CSS_PROPERTY = re.compile(r"(--[a-z0-9-]+)\s*:")


@dataclass(frozen=True)
class IssueEntry:
    id: str
    edition: str  # 2023年第十一期（总第二十八期）, or the date
    date: str
    layout: str
    last_render: str  # newest PDF's time, or "never"
    state: str  # ok · N error(s) · rendered, inputs changed since


def issues(project: Project) -> list[IssueEntry]:
    from ..stamps import inputs_changed  # a cycle otherwise: stamps read the layouts through templates

    entries = []
    for folder in sorted(p.parent for p in project.issues.glob("*/issue.yaml")):
        pdfs = sorted((project.build / folder.name).glob("*.pdf"), key=lambda p: p.stat().st_mtime)
        last = _when(pdfs[-1]) if pdfs else "never"
        try:
            issue = load_issue(folder)
        except BuildError as e:
            entries.append(IssueEntry(folder.name, "—", "—", "—", last, f"{len(e.findings)} error(s)"))
            continue
        edition = numerals.edition(issue.year, issue.number, issue.date)
        if issue.cumulative:
            edition += f"（{numerals.cumulative_line(issue.cumulative)}）"
        if not pdfs:
            state = "not rendered"
        elif inputs_changed(project, folder.name):
            state = "changed since last render"
        else:
            state = "up to date"
        entries.append(IssueEntry(folder.name, edition, issue.date.isoformat(), issue.layout, last, state))
    return entries


def _when(path: Path) -> str:
    import datetime as dt
    return dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class LayoutEntry:
    name: str
    extends: str | None
    templates: tuple[str, ...]  # files this layout itself provides
    properties: tuple[str, ...]  # CSS custom properties its stylesheets set


def layouts(project: Project) -> list[LayoutEntry]:
    entries = []
    for spec_file in sorted(project.layouts.glob("*/layout.yaml")):
        folder = spec_file.parent
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
        templates = tuple(sorted(str(p.relative_to(folder)) for p in folder.rglob("*.html")))
        entries.append(LayoutEntry(folder.name, spec.get("extends"), templates, css_properties(folder)))
    return entries


def css_properties(folder: Path) -> tuple[str, ...]:
    """Custom properties a layout folder's stylesheets declare."""
    found: set[str] = set()
    for css in folder.glob("*.css"):
        found |= set(CSS_PROPERTY.findall(_no_comments(css.read_text(encoding="utf-8"))))
    return tuple(sorted(found))


def css_properties_used(folder: Path) -> set[str]:
    found: set[str] = set()
    for css in folder.glob("*.css"):
        found |= set(re.findall(r"var\((--[a-z0-9-]+)", _no_comments(css.read_text(encoding="utf-8"))))
    return found


def _no_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)

