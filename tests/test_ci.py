"""CI runs exactly the README's test command."""

from __future__ import annotations

import re

from .conftest import ROOT


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.+?)\n```", readme)
    setup_and_render, setup_and_test = commands[:2]
    assert "render 2023-11" in setup_and_render
    assert setup_and_test in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
