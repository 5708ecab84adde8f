"""Structure: empty sections and articles, and the same article title twice."""

from __future__ import annotations

from ..content import inline
from ..content.blocks import Article, EditorsNote, Section
from ..content.model import Issue
from ..diagnostics import Finding


def check_structure(issue: Issue) -> list[Finding]:
    findings = []
    titles: dict[str, Article] = {}
    for value, _ in issue.walk():
        if isinstance(value, (Section, Article, EditorsNote)) and not value.body:
            findings.append(Finding(value.pos, f"{value.type_name} '{inline.plain(value.title)}' is empty; expected content in its body — or remove it", "warning"))
        if isinstance(value, Article):
            title = inline.plain(value.title)
            if title in titles:
                first = titles[title].pos.line
                findings.append(Finding(value.pos, f"article title '{title}' already stands at line {first}; expected each article once", "warning"))
            titles.setdefault(title, value)
    return findings
