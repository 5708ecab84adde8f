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
