"""`bulletin-press preview` in a real browser: a CSS custom property changes, the page image follows."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from ..conftest import HEADER, make_project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency (pip install -e '.[test]')")
pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: scripts/setup.sh installs Debian's chromium"),
              pytest.mark.slow]  # a real server and a browser

BODY = """
sections:
  - type: section
    title: 预览栏目
    body:
      - 一段文字，改动颜色之后页面应当跟着变化。
"""


@pytest.fixture
def server(tmp_path: Path):
    project = make_project(tmp_path, HEADER + BODY)
    env = {**os.environ, "BULLETIN_PRESS_ROOT": str(project.root)}
    proc = subprocess.Popen([sys.executable, "-m", "bulletin_press", "preview", "x", "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert "127.0.0.1:" in line, proc.stderr.read() if proc.poll() is not None else line
    url = line.split(" ")[1]
    yield project, url
    proc.terminate()
    proc.wait(timeout=10)


def banner_colour(png: bytes) -> tuple[int, int, int]:
    """The commonest saturated colour on the page image: the section banner's fill."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(image.width * image.height)
    return max((c for c in colours if max(c[1]) - min(c[1]) > 60), key=lambda c: c[0])[1]


def test_browser_sees_the_page_change_when_the_css_changes(server) -> None:
    project, url = server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#page-1")
        before = page.locator("#page-1").screenshot()
        assert banner_colour(before)[1] > banner_colour(before)[0]  # CEGA green

        css = project.layouts / "cega-bulletin" / "bulletin.css"
        css.write_text(css.read_text(encoding="utf-8").replace("--accent: #1F7A4D;", "--accent: #C0392B;"), encoding="utf-8")
        # The page reloads itself (server-sent event) once the new rendering is there: the changed
        # page first (a first look), then every page (final).
        page.wait_for_function("document.querySelector('#status').dataset.generation !== '1' && "
                               "document.querySelector('#status').dataset.final === 'true'", timeout=30_000)
        page.wait_for_selector("#page-1")
        page.wait_for_function("document.querySelector('#page-1').complete")
        after = page.locator("#page-1").screenshot()
        browser.close()
    red, green, blue = banner_colour(after)
    assert red > 150 and green < 100 and blue < 100, (red, green, blue)
    assert before != after


def test_an_error_shows_on_the_page_and_the_server_lives_on(server) -> None:
    project, url = server
    issue = project.issues / "x" / "issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("year: 2024", "year: soon"), encoding="utf-8")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        if "is not a whole number" in page:
            break
        time.sleep(0.1)
    assert "issues/x/issue.yaml:8:7: issue.year: &#x27;soon&#x27; is not a whole number" in page
    assert 'id="page-1"' in page  # the last good pages stay on show
