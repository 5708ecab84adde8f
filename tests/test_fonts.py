"""House fonts: resolved through fontconfig, and a clear stop naming the package when missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_press.diagnostics import BuildError
from bulletin_press.fonts import resolve_fonts

from .conftest import ROOT


def test_house_fonts_resolve_to_real_faces() -> None:
    fonts = resolve_fonts(ROOT / "fonts" / "fonts.yaml")
    assert [f.family for f in fonts.roles["body"]] == ["Noto Serif CJK SC"] * 2
    assert all(Path(f.file).is_file() for faces in fonts.roles.values() for f in faces)
    assert '--font-heading: "Noto Sans CJK SC";' in fonts.css()


def test_missing_font_names_family_and_package(tmp_path: Path) -> None:
    spec = tmp_path / "fonts.yaml"
    spec.write_text("roles:\n  body:\n    family: Noto Serif CJK XX\n    package: fonts-noto-cjk-extra\n", encoding="utf-8")
    with pytest.raises(BuildError) as e:
        resolve_fonts(spec)
    [finding] = e.value.findings
    assert "font 'Noto Serif CJK XX' weight 400 (role body) is not installed" in str(finding)
    assert "apt-get install fonts-noto-cjk-extra" in str(finding)


def test_roles_by_language_and_the_fallbacks() -> None:
    fonts = resolve_fonts(ROOT / "fonts" / "fonts.yaml")
    css = fonts.css()
    for prop in ('--font-body-tc: "Noto Serif CJK TC";', '--font-heading-hk: "Noto Sans CJK HK";',
                 '--font-symbols: "DejaVu Sans";', '--font-emoji: "Noto Color Emoji";'):
        assert prop in css, css
    assert fonts.house() == ["body", "heading"] == fonts.house("en")
    assert fonts.house("zh-Hant") == ["body-tc", "heading-tc"] and fonts.house("zh-HK") == ["body-hk", "heading-hk"]
    assert fonts.fallbacks == ("symbols", "emoji")
    # a roman face, never an oblique or condensed one of the same family
    assert [Path(f.file).name for f in fonts.roles["symbols"]] == ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]


def test_the_role_cache_keeps_languages_and_fallbacks(tmp_path: Path) -> None:
    first = resolve_fonts(ROOT / "fonts" / "fonts.yaml", tmp_path)
    again = resolve_fonts(ROOT / "fonts" / "fonts.yaml", tmp_path)  # read back from tmp_path/fonts.json
    assert again == first and again.langs["body-tc"] == "zh-Hant" and again.fallbacks == ("symbols", "emoji")
