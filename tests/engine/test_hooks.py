"""The hooks' version policy: on a WeasyPrint they do not know, time-saving hooks step aside and output hooks refuse."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import types
import warnings
from pathlib import Path

import pytest
import weasyprint
from weasyprint.layout import inline as wp_inline
from weasyprint.pdf import fonts as wp_fonts

from bulletin_press.commands.cli import main
from bulletin_press.engine import colour_glyphs, columns, font_subsets, han_justify, hooks, line_memo, pages, render
from bulletin_press.engine import split_faces, startup

from ..conftest import ARTICLE, HEADER, make_project, pdf_text

TIME_SAVING = (line_memo.HOOK, font_subsets.HOOK, render.DEFLATE, startup.SEARCH)
OUTPUT = (pages.HOOK, columns.HOOK, han_justify.HOOK, colour_glyphs.HOOK, split_faces.HOOK)


def _install_output_hooks() -> None:
    for module in (pages, columns, han_justify, colour_glyphs, split_faces):
        module.install()


def test_a_hook_is_installed_once_and_put_back() -> None:
    owner = types.SimpleNamespace(f=lambda: "own")
    hook = hooks.Hook("test", {"weasyprint": (weasyprint.__version__,)}, "nothing", saves_time=False)
    hook.replace(owner, "f", lambda: "ours")
    own = owner.f
    assert hook.install() and hook.install()  # the second time changes nothing
    assert owner.f() == "ours" and hook.original["f"] is own
    hook.uninstall()
    hook.uninstall()
    assert owner.f is own and not hook.installed


def test_every_hook_declares_whether_it_only_saves_time() -> None:
    assert all(h.saves_time for h in TIME_SAVING) and not any(h.saves_time for h in OUTPUT)


def test_time_saving_hooks_step_aside_with_one_warning_and_the_render_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint "71.0": the line memo, parallel subsets and parallel deflate are off, one warning
    says so, and the issue renders with its text. (The output hooks were installed under the real
    version first: on a real 71 they would refuse, as the next test shows.)"""
    _install_output_hooks()
    line_memo.uninstall()
    font_subsets.uninstall()
    for hook in TIME_SAVING:
        monkeypatch.setattr(hook, "off", False)  # put back on after the test
    monkeypatch.setattr(hooks, "_warned", False)
    monkeypatch.setattr(hooks, "switched_off", [])
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    monkeypatch.delenv("BULLETIN_PRESS_ROOT", raising=False)
    project = make_project(tmp_path, HEADER + ARTICLE)
    monkeypatch.chdir(project.root)
    with warnings.catch_warnings(record=True) as seen, contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        assert main(["render", "x"]) == 0
    off = [w for w in seen if issubclass(w.category, hooks.HookOff)]
    assert len(off) == 1, [str(w.message) for w in off]
    assert "written for WeasyPrint 70.x, not 71.0" in str(off[0].message)
    assert set(hooks.switched_off) >= {line_memo.HOOK.name, font_subsets.HOOK.name, render.DEFLATE.name}
    assert wp_inline.split_first_line is not line_memo._split_first_line  # Pango breaks every line
    assert wp_fonts.Font.subset is not font_subsets._subset
    assert "一段文字" in pdf_text(next((project.build / "x").glob("*.pdf")))


@pytest.mark.parametrize("hook", OUTPUT, ids=lambda h: h.name.rsplit(".", 1)[-1])
def test_output_hooks_refuse_another_weasyprint_naming_the_versions(hook: hooks.Hook,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _install_output_hooks()
    own = dict(hook.original)
    hook.uninstall()
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    try:
        with pytest.raises(hooks.UnsupportedWeasyPrint, match=r"written for WeasyPrint 70\.x, not 71\.0: check "):
            hook.install()
        assert not hook.installed and not hook.off
    finally:
        monkeypatch.undo()
        _install_output_hooks()
    assert hook.installed and hook.original == own


# The library search at start-up, in a process of its own: WeasyPrint is imported there for the first time.
STARTUP = """
import ctypes.util, logging
searched = []
search = ctypes.util.find_library
ctypes.util.find_library = lambda name: searched.append(name) or search(name)
from bulletin_press.engine import hooks, startup
hooks.version = lambda package="weasyprint": "71.0"
startup.import_weasyprint()
from weasyprint.text import ffi
print(len(searched), ffi.harfbuzz_subset is not None, hooks.switched_off)
"""


def test_the_startup_library_search_steps_aside_on_another_weasyprint() -> None:
    run = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, timeout=120, check=True)
    searched, subset, off = run.stdout.split(" ", 2)
    assert int(searched) > 0 and subset == "True" and "startup" in off  # imported the usual way
    assert run.stderr.count("written for WeasyPrint 70.x, not 71.0") == 1
