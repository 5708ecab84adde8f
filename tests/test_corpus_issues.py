"""The corpus of realistic issues (tests/corpus/<id>): each renders whole, complete and set right."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from PIL import Image

from bulletin_press.build import Options, Result, build
from bulletin_press.content.load import load_issue
from bulletin_press.content.model import Issue
from bulletin_press.diagnostics import BuildError
from bulletin_press.project import Project

from .conftest import BRIEF_MARGINS, ROOT, PdfPage, missing_and_out_of_order, read_pdf

sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
import cjk_measure  # noqa: E402
import make_standins  # noqa: E402

pytestmark = pytest.mark.slow  # every corpus issue rendered whole

CORPUS = ROOT / "tests" / "corpus"

# What the engine still cannot do on a corpus issue, named so that the test fails (strict) once it can.
KNOWN: dict[tuple[str, str], str] = {}  # (issue, test) → what is still wrong there: a strict xfail
IDS = sorted(p.parent.name for p in CORPUS.glob("*/issue.yaml"))


@dataclass
class CorpusRender:
    issue: Issue | None  # None when the file does not load (a field the loader does not know yet)
    result: Result | None
    pages: list[PdfPage]
    error: BuildError | None

    def need(self) -> Result:
        """The render, or the build's findings as the failure."""
        if self.error is not None:
            pytest.fail("build failed:\n" + "\n".join(str(f) for f in self.error.findings), pytrace=False)
        assert self.result is not None and self.issue is not None
        return self.result


def margins(layout: str) -> tuple[float, float]:
    """Top and bottom page margins in mm: where the running head and the folio stand."""
    return BRIEF_MARGINS if layout == "member-brief" else (22, 20)


@pytest.fixture(scope="module", params=IDS)
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CorpusRender:
    """One corpus issue rendered once per module, its stand-in photos generated first if missing."""
    folder = CORPUS / request.param
    assert make_standins.main([str(folder)]) == 0
    project = Project(ROOT, build_dir=tmp_path_factory.mktemp("corpus-build"))
    try:
        issue = load_issue(folder)
        result = build(project, str(folder), Options())
    except BuildError as exc:
        return CorpusRender(None, None, [], exc)
    return CorpusRender(issue, result, read_pdf(result.pdf, margins(issue.layout)), None)


def test_renders_without_errors(corpus: CorpusRender) -> None:
    result = corpus.need()
    assert corpus.issue and result.report.errors == []
    low, high = (1, 3) if corpus.issue.layout == "member-brief" else (8, 15)
    assert low <= result.pages <= high


def test_every_text_reaches_the_pdf_in_order(corpus: CorpusRender) -> None:
    corpus.need()
    assert corpus.issue
    missing, out_of_order = missing_and_out_of_order(corpus.issue, corpus.pages)
    assert missing == []
    assert out_of_order == []


def test_no_text_runs_past_the_margin(corpus: CorpusRender) -> None:
    overflow = [str(w) for w in corpus.need().report.warnings if "runs past the right margin" in w.message]
    assert overflow == []


def test_lines_flush_and_not_letter_spaced(corpus: CorpusRender, request: pytest.FixtureRequest) -> None:
    if reason := KNOWN.get((request.node.callspec.params["corpus"], request.node.originalname)):
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    result = corpus.need()
    assert corpus.issue
    top, bottom = cjk_measure.MARGINS[corpus.issue.layout]
    figures = cjk_measure.measure(result.pdf, corpus.issue.id, top_margin=top, bottom_margin=bottom)
    assert figures.body_lines > 20
    assert figures.ragged_lines == []
    assert figures.loose == []
    assert figures.forbidden == [] and figures.lone == []


# ---- the corpus itself: what real member news brings, so that nobody tames it by accident ----

# Read as plain YAML: these checks hold whatever the loader of the day accepts.
RAW = {i: (CORPUS / i / "issue.yaml").read_text(encoding="utf-8") for i in IDS}
ALL = "".join(RAW.values())


def strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return [node] if isinstance(node, str) else []


def test_corpus_has_both_layouts_and_the_awkward_material() -> None:
    layouts = {yaml.safe_load(RAW[i])["layout"] for i in IDS}
    assert {"cega-bulletin", "member-brief"} <= layouts and len(IDS) >= 3
    assert re.search(r"lang: zh-Hant", ALL) and re.search(r"lang: en", ALL)
    assert re.search("[\U0001F300-\U0001FAFF]", ALL)  # emoji (in paragraphs, a title, captions)
    assert re.search("[\U00020000-\U0003134F]", ALL) and "䶮" in ALL  # CJK Ext B+ and Ext A in names
    for needle in ("CO₂", "tCO₂e", "m²", "km²", "℃", "‰", "±", "−", "PM2.5", "μg/m³",  # units
                   "“‘", "’”", "《关于〈", "〉", "……", "——", '"', ",", "intergovernmental",
                   "biodiversity-positive", "https://", "@", "*"):
        assert needle in ALL, needle
    assert re.search(r"https://\S{80,}", ALL)  # a long URL in running text or a cell
    assert re.search(r"[\u4e00-\u9fff],[\u4e00-\u9fff]", ALL)  # half-width comma between Han, as typed


def test_corpus_paragraphs_and_titles_are_long_where_real_ones_are() -> None:
    texts = [t for i in IDS for t in strings(yaml.safe_load(RAW[i]))]
    assert max(len(t) for t in texts) >= 1600  # a paragraph of nearly 2,000 characters
    titles = [t for t in texts if 55 <= len(t) <= 70 and "。" not in t]
    assert titles, "an article title of about sixty characters"


def test_standin_shapes_follow_the_file_name() -> None:
    folder = CORPUS / "2023-12"
    assert make_standins.main([str(folder)]) == 0
    with Image.open(folder / "photos" / "03-rooftop-solar-portrait.jpg") as portrait:
        assert portrait.height > portrait.width >= 3000
    with Image.open(folder / "photos" / "04-mai-po-spoonbills-pano.jpg") as pano:
        assert pano.width >= 3 * pano.height - 3
    assert make_standins.shape_size(Path("x/a.jpg"), (4000, 3000)) == (4000, 3000)
