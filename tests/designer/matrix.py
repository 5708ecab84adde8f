"""A designer's matrix: every corpus issue set in layout variants a designer would write, then measured."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from bulletin_press.build import Options, Result, build
from bulletin_press.content.blocks import Article, FeaturedNgo, Section, Table
from bulletin_press.content.load import load_issue
from bulletin_press.diagnostics import BuildError
from bulletin_press.project import Project
from bulletin_press.typeset import plain_text

from . import measure

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = Path(__file__).resolve().parent / "variants"
ISSUES = {"2023-11": ROOT / "issues" / "2023-11", "2020-09": ROOT / "issues" / "2020-09",
          **{p.name: p for p in sorted((ROOT / "tests" / "corpus").iterdir()) if (p / "issue.yaml").is_file()}}
COLUMNS = {"two-column-section": 2, "two-column-article": 2}  # the most columns a variant sets
MARGINS = {"a5": (15, 14)}  # top and bottom page margins (mm) where a variant changes the house's 22/20
REFUSED = {"drop-cap": "drop-cap.css:2:1"}  # variants WeasyPrint 70 cannot set: refused at this place


def variants(refused: bool = True) -> list[str]:
    """The variants' names; `refused`: those the engine refuses up front (REFUSED) too."""
    return sorted(p.name for p in VARIANTS.iterdir() if (p / "layout.yaml").is_file() and (refused or p.name not in REFUSED))


def project(tmp: Path) -> Project:
    """The real layouts and fonts with the variants beside them (copied: the renderer loads no file
    from outside its layouts/), the corpus issues linked in under issues/."""
    shutil.copytree(ROOT / "layouts", tmp / "layouts")
    shutil.copytree(ROOT / "fonts", tmp / "fonts")
    for variant in variants():
        shutil.copytree(VARIANTS / variant, tmp / "layouts" / variant)
    _camera_photo(tmp / "layouts" / "cover" / "cover.jpg")
    (tmp / "issues").mkdir()
    for name, folder in ISSUES.items():
        (tmp / "issues" / name).symlink_to(folder)
    return Project(tmp, build_dir=tmp / "build")


def _camera_photo(path: Path) -> None:
    """A 4000 × 3000 photo as a phone takes it (seeded noise over a gradient: JPEG cannot shrink it away)."""
    import random

    from PIL import Image

    size = (4000, 3000)
    noise = Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3))
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    Image.blend(gradient, noise, 0.25).save(path, quality=92)


def headings(issue_folder: Path) -> tuple[list[str], list[str]]:
    """The texts a column must not end with (banners, titles, captions), and the date and source
    lines that stand under a title."""
    issue = load_issue(issue_folder)
    titles: list[str] = []
    metas: list[str] = []
    for value, owner in issue.walk():
        if value is None:
            continue
        if isinstance(owner, (Section, FeaturedNgo, Article)) and value is owner.title:
            titles.append(plain_text(value))
        elif isinstance(owner, Table) and value is owner.caption:
            titles.append(plain_text(value))
        elif isinstance(owner, Article) and (value is owner.meta or value is owner.source):
            metas.append(plain_text(value))
        elif isinstance(owner, Article) and value is owner.published:
            metas.append(owner.published.strftime("%Y-%m-%d %H:%M"))
    return titles, metas


@dataclass
class Cell:
    """One issue in one variant: what the render said and what a reader finds on its pages."""

    issue: str
    variant: str
    result: Result | None
    error: str | None  # the build's findings, or an internal error (exit 70 on the command line)
    seconds: float
    findings: measure.Findings | None

    def row(self) -> str:
        if self.error:
            return f"| {self.issue} | {self.variant} | refused: {self.error.splitlines()[0][:90]} | | | | |"
        f, r = self.findings, self.result
        assert f is not None and r is not None
        return (f"| {self.issue} | {self.variant} | {r.pages} | {self.seconds:.1f} | {f.worst:.0%} | "
                f"{len(f.holes)} | {len(f.stranded)} |")  # the benchmark adds loose lines and the ratio


def run(project_: Project, issue: str, variant: str, profile: str = "screen") -> Cell:
    t0 = time.perf_counter()
    try:
        result = build(project_, issue, Options(profile=profile, layout=variant))
    except BuildError as e:
        return Cell(issue, variant, None, "\n".join(map(str, e.findings)), time.perf_counter() - t0, None)
    except Exception as e:  # noqa: BLE001 — the matrix reports an engine failure as a finding of its cell
        return Cell(issue, variant, None, f"internal error: {type(e).__name__}: {e}", time.perf_counter() - t0, None)
    seconds = time.perf_counter() - t0
    exempt = [f.number for f in result.fill if f.exempt]
    titles, metas = headings(project_.issue_folder(issue))
    findings = measure.measure(result.pdf, COLUMNS.get(variant, 1), MARGINS.get(variant, (22, 20)),
                               titles, metas, exempt)
    return Cell(issue, variant, result, None, seconds, findings)
