"""layouts/README.md documents every CSS custom property and every block template there is."""

from __future__ import annotations

import re

from bulletin_press.commands.catalog import css_properties, css_properties_used
from bulletin_press.content.blocks import REGISTRY
from bulletin_press.fonts import resolve_fonts

from .conftest import ROOT

DOC = (ROOT / "layouts" / "README.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"`(--[a-z0-9-]+)`", DOC))
FOLDERS = [p.parent for p in (ROOT / "layouts").glob("*/layout.yaml")]


def test_every_custom_property_is_documented() -> None:
    declared = set().union(*(css_properties(f) for f in FOLDERS))
    used = set().union(*(css_properties_used(f) for f in FOLDERS))
    assert declared | used <= DOCUMENTED, sorted((declared | used) - DOCUMENTED)


def test_every_documented_property_exists() -> None:
    declared = set().union(*(css_properties(f) for f in FOLDERS)) | {f"--font-{role}" for role in resolve_fonts(ROOT / "fonts" / "fonts.yaml").roles}
    assert DOCUMENTED <= declared, sorted(DOCUMENTED - declared)


def test_every_block_template_is_documented_and_exists() -> None:
    for name, cls in REGISTRY.items():
        assert (ROOT / "layouts" / "base" / cls.template).is_file(), cls.template
        assert f"`blocks/{name}.html`" in DOC, name
