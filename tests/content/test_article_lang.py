"""`lang:` on an article: Traditional Chinese and Hong Kong forms, English hyphenated and flush, bad tags refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_press.build import Options, build
from bulletin_press.diagnostics import BuildError

from ..conftest import HEADER, make_project, read_pdf

ENGLISH = ("Environmental organisations increasingly collaborate internationally, strengthening understanding, "
           "communication, representation and accountability throughout philanthropic communities worldwide.")


def issue(*articles: tuple[str, str, str]) -> str:
    """A section of articles given as (lang, title, paragraph)."""
    body = "".join(f"      - type: article\n        title: {title}\n        lang: {lang}\n        body:\n          - {text}\n"
                   for lang, title, text in articles)
    return HEADER + "\nsections:\n  - type: section\n    title: 栏目\n    body:\n" + body


def fonts_of(pdf: Path, text: str) -> set[str]:
    """The fonts that draw the characters of `text` (subset prefix dropped)."""
    return {c["fontname"].split("+", 1)[1] for p in read_pdf(pdf) for c in p.chars if c["text"] in text and c["text"].strip()}


def test_traditional_and_hong_kong_articles_draw_their_own_forms(tmp_path: Path) -> None:
    # No character shared between the articles: each one's fonts are read from its own characters.
    project = make_project(tmp_path, issue(("zh-Hant", "臺灣來稿", "骨與直。"),
                                           ("zh-HK", "九龍投書", "們說話。"),
                                           ("zh-CN", "大陆消息", "这里说的话。")))
    result = build(project, "x")
    assert fonts_of(result.pdf, "骨與直") == {"Noto-Serif-CJK-TC"}
    assert fonts_of(result.pdf, "臺灣來稿") == {"Noto-Sans-CJK-TC-Bold"}
    assert fonts_of(result.pdf, "們說話") == {"Noto-Serif-CJK-HK"}
    assert fonts_of(result.pdf, "九龍投書") == {"Noto-Sans-CJK-HK-Bold"}
    assert fonts_of(result.pdf, "这里说的话") == {"Noto-Serif-CJK-SC"}
    html = build(project, "x", Options(html=True, dry_run=True)).html.read_text(encoding="utf-8")
    assert '<article class="article" lang="zh-Hant">' in html and '<article class="article" lang="zh-HK">' in html


def test_english_article_is_hyphenated_and_flush(tmp_path: Path) -> None:
    project = make_project(tmp_path, issue(("en", "English", ENGLISH)), layouts={"narrow": {
        "layout.yaml": "extends: cega-bulletin\nstylesheets: [narrow.css]\n",
        "narrow.css": "article { width: 60mm; }\n"}})
    yaml = project.issues / "x" / "issue.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("layout: cega-bulletin", "layout: narrow"), encoding="utf-8")
    result = build(project, "x")
    [page] = read_pdf(result.pdf)
    first = next(c for c in page.chars if c["text"] == "E" and c["fontname"].endswith("Noto-Serif-CJK-SC"))
    lines: dict[int, list[dict]] = {}
    for c in page.chars:
        if c["top"] >= first["top"] - 1 and c["text"].strip():
            lines.setdefault(round(c["top"]), []).append(c)
    rows = [sorted(cs, key=lambda c: c["x0"]) for _, cs in sorted(lines.items())]
    assert len(rows) >= 5, ["".join(c["text"] for c in r) for r in rows]
    ends = [r[-1] for r in rows[:-1]]
    assert any(c["text"] in "-\u2010" for c in ends), ["".join(c["text"] for c in r) for r in rows]
    assert max(c["x1"] for c in ends) - min(c["x1"] for c in ends) < 0.5  # flush right, every line but the last
    assert all(abs(r[0]["x0"] - first["x0"]) < 0.5 for r in rows)  # no first-line indent


def test_unknown_language_lists_the_accepted_ones(tmp_path: Path) -> None:
    project = make_project(tmp_path, issue(("fr", "Français", "Un texte.")))
    with pytest.raises(BuildError) as e:
        build(project, "x")
    [finding] = e.value.findings
    assert "unknown language 'fr'; expected one of: zh-Hans, zh-CN" in str(finding) and "zh-HK" in str(finding)
    assert finding.pos.line == 17  # the article


def test_language_tags_match_without_regard_to_case() -> None:
    from bulletin_press.content.blocks import language_group

    assert language_group("ZH-hant") == "zh-Hant" and language_group("en-gb") == "en"
    assert language_group("zh-Hant-XX") == "" and language_group(None) == ""
