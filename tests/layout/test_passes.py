"""Layout passes: hints from one layout reach the templates of the next, and the passes end."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_press.layout import passes as relayout
from bulletin_press.build import Options, build

from ..conftest import HEADER, ARTICLE, make_project, read_pdf


def test_settle_lays_out_again_until_no_adjuster_adds_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict] = []

    def wants_two(document: object, hints: relayout.Hints) -> dict:
        n = hints.get("b1-1", {}).get("n", 0)
        return {"b1-1": {"n": n + 1}} if n < 2 else {}

    monkeypatch.setattr(relayout, "ADJUSTERS", [wants_two])
    document, hints, passes = relayout.settle(lambda h: seen.append(dict(h)) or object())
    assert passes == 3 and hints["b1-1"]["n"] == 2 and [s.get("b1-1", {}).get("n") for s in seen] == [None, 1, 2]


def test_settle_stops_after_max_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relayout, "ADJUSTERS", [lambda d, h: {"b1-1": {"n": len(h.get("b1-1", {})) + id(h)}}])
    _, _, passes = relayout.settle(lambda h: object())
    assert passes == relayout.MAX_PASSES


def test_a_hint_reaches_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A layout's partial reads hint(block, …): here a test partial prints it, on the second pass."""
    project = make_project(tmp_path, HEADER + ARTICLE, layouts={"hinted": {
        "layout.yaml": "extends: cega-bulletin\n",
        "blocks/paragraph.html": '<p class="paragraph">{{ block.text|paragraph }}{{ hint(block, "mark", "") }}</p>\n'}})
    yaml = project.issues / "x" / "issue.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("layout: cega-bulletin", "layout: hinted"), encoding="utf-8")
    monkeypatch.setattr(relayout, "ADJUSTERS", [lambda d, h: {} if h else {"b19-13": {"mark": "（二）"}}])
    result = build(project, "x", Options())
    assert result.passes == 2 and "一段文字。（二）" in "".join(p.body() for p in read_pdf(result.pdf))
