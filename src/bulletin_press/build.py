"""The pipeline, stage by stage: load → gather → template → layout → verify → write."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import re
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from . import __version__, preflight
from .images import assets
from .layout import no_holes as holes, passes as relayout
from .engine import pages as pagemaker, render, font_subsets as subsets
from .engine.boxes import page_box
from .pdf import page_signatures as pagesig, reading_order, verify
from .images import resample as photos
from .cjk import numerals
from .cjk.filters import Typography
from .content.load import load_issue
from .content.model import Issue
from .layout.page_fill import PageFill, page_fill
from .diagnostics import BuildError, Pos, Report, StrictError, relpath
from .fonts import resolve_fonts
from .pdf.profiles import Profile, make_profile
from .project import Project, inputs_digest
from .templates import Layout, environment, find_layout

if TYPE_CHECKING:  # WeasyPrint is imported by render.py, lazily for --help
    import jinja2
    import weasyprint


@dataclass(frozen=True)
class Options:
    strict: bool = False  # warnings stop the build
    html: bool = False  # also write the intermediate HTML for designers
    profile: str | None = None  # screen, print, archive …; None: the layout's default_profile
    jpeg_quality: int | None = None  # overrides the profile's (command line)
    typography: Typography | None = None  # overrides the layout's `typography:` (measurements)
    min_dpi: int | None = None  # overrides the profile's: fewer dots per inch where placed is a warning
    dry_run: bool = False  # `check`: every finding, the size budget measured, no PDF kept
    preview: bool = False  # `preview`: a PDF of its own (build/<id>/.preview.pdf), no size budget
    layout: str | None = None  # `--layout NAME`: another layout than the issue's, its PDF named after it


@dataclass
class Result:
    profile: str
    pdf: Path
    html: Path | None
    pages: int
    size: int
    seconds: float
    report: Report
    _: KW_ONLY  # the rest by name: most callers read the seven above, the preview a few more
    timings: dict[str, float] = field(default_factory=dict)
    passes: int = 1  # layouts the relayout passes took (relayout.py)
    fill: tuple[PageFill, ...] = ()  # how full each page ends (fill.py)
    hints: relayout.Hints = field(default_factory=dict)  # what the passes asked of blocks (a deferred photo …)
    pages_made: int = 0  # pages laid out in all, a page made again after a photo moved included (holes.py)
    inputs: str = ""  # project.inputs_digest when the build read its files (batch.write_stamp)
    trial: str | None = None  # the layout tried on the issue (`--layout`), when not its own
    # The preview's memory for its next first look (preview/first_look.py); empty unless Options.preview.
    signatures: tuple[str, ...] = ()  # what each page draws (pagesig.py), to know which pages changed
    fingerprints: tuple[str, ...] = ()  # each page's boxes (pagesig.fingerprint)
    layout_hints: relayout.Hints = field(default_factory=dict)  # the hints of the relayout passes alone
    moves: dict = field(default_factory=dict)  # what the no-holes pass did to photos (block id → settings)
    moved_keys: dict = field(default_factory=dict)  # block id → holes.anchor_key of each photo in `moves`
    subsets: subsets.Kept = field(default_factory=dict)  # the font subsets written

    def summary(self) -> str:
        warnings = len(self.report.warnings)
        return (f"{relpath(self.pdf)}: {self.profile}, {self.pages} pages, {self.size / 1024:.0f} KB, "
                f"{self.seconds:.1f} s, {warnings} warning{'s' if warnings != 1 else ''}")


def safe_filename(name: str) -> str:
    """A file name that stays in its folder whatever the publication is called."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).lstrip(".")
    return cleaned[:200] or "issue.pdf"


def pdf_path(project: Project, issue: Issue, profile: str, trial: str | None = None) -> Path:
    """Where a profile's PDF of an issue is written: build/<id>/<publication>-<edition>-<profile>.pdf;
    `trial`: a layout tried on the issue (`--layout`), whose PDF never replaces the issue's own."""
    edition = numerals.edition(issue.year, issue.number, issue.date)
    suffix = f"-{trial}" if trial else ""
    return project.build / issue.id / safe_filename(f"{issue.publication.name}-{edition}-{profile}{suffix}.pdf")


@dataclass
class Setup:
    """An issue ready to lay out: its content, fonts, layout and profile, its photos checked."""

    project: Project
    issue: Issue
    layout: Layout
    profile: Profile
    report: Report
    assets: dict
    fonts_css: str
    title: str
    out_path: Path
    pdf_options: dict
    inputs: str  # project.inputs_digest of the files as this build read them
    trial: str | None = None  # `--layout`: the layout tried, when not the issue's own

    @property
    def folder(self) -> Path:
        return Path(self.issue.folder)

    @property
    def roots(self) -> tuple[Path, ...]:
        """The folders the layout may load files from (render.SandboxFetcher); received/: copies of photos
        WeasyPrint would draw wrongly as sent (assets.gather)."""
        return (self.folder, self.project.layouts, self.project.fonts, self.cache / assets.RECEIVED)

    @property
    def cache(self) -> Path:
        return self.project.build / "cache"

    @functools.cached_property
    def template(self) -> jinja2.Template:
        """The layout's issue.html, loaded once however many layouts the relayout passes take."""
        return environment(self.layout, self.cache).get_template("issue.html")

    def html(self, hints: relayout.Hints) -> str:
        """The issue's HTML through the layout's templates, with what earlier layouts asked of blocks."""
        return self.template.render(
            issue=self.issue, title=self.title, assets=self.assets, fonts_css=Markup(self.fonts_css),
            generator=f"bulletin-press {__version__}", stylesheets=[s.resolve().as_uri() for s in self.layout.stylesheets],
            profile_css=Markup(self.profile.css()), hints=hints,
        )

    def lay_out(self, html: str, fixer: pagemaker.Fixer | None) -> weasyprint.Document:
        return render.layout(html, self.folder, self.roots, self.report, justify=self.layout.typography.justify,
                             fixer=fixer, **self.pdf_options)


def prepare(project: Project, issue_id: str, options: Options = Options(), checks: bool = True) -> Setup:
    """Load the issue and everything it is set with; `checks`: the preflight of its text too."""
    report = Report()
    folder = project.issue_folder(issue_id)
    issue = load_issue(folder, report)  # its warnings: a file read as UTF-16 or GBK
    # A layout tried on the issue: set as if its YAML named it, the file untouched.
    trial = options.layout if options.layout and options.layout != issue.layout else None
    if trial:
        issue = dataclasses.replace(issue, layout=trial)
    cache = project.build / "cache"
    fonts = resolve_fonts(project.fonts / "fonts.yaml", cache)
    layout = find_layout(project.layouts, issue.layout, Pos("--layout") if trial else issue.pos)
    if options.typography:
        layout = dataclasses.replace(layout, typography=options.typography)
    profile = make_profile(options.profile or layout.default_profile, layout.profiles, issue.pos)
    # Before the layout and photos are read; the first look (no checks) writes no stamp.
    inputs = inputs_digest(project, folder, layout.chain, profile.name) if checks else ""
    if options.jpeg_quality:
        profile = dataclasses.replace(profile, jpeg_quality=options.jpeg_quality)
    # CMYK prints as it is only where the PDF declares a CMYK printing condition (PDF/A has none: sRGB).
    keep_cmyk = bool(profile.output_intent and profile.output_intent.components == 4)
    found = assets.gather(issue, report, cache, keep_cmyk)
    if refused := preflight.check_stylesheets(layout):  # before layout: WeasyPrint would stop on them
        raise BuildError(refused + report.findings)
    if checks:
        report.extend(preflight.check_structure(issue) + preflight.check_glyphs(issue, fonts, layout.typography, cache, layout))
    edition = numerals.edition(issue.year, issue.number, issue.date)
    cumulative = f"（{numerals.cumulative_line(issue.cumulative)}）" if issue.cumulative else ""
    return Setup(project, issue, layout, profile, report, found, fonts.css(),
                 f"{issue.publication.name} {edition}{cumulative}", pdf_path(project, issue, profile.name, trial),
                 profile.pdf_options(folder / "issue.yaml"), inputs, trial)  # the variant's defaults apply from layout on


def build(project: Project, issue_id: str, options: Options = Options(),
          abandon: Callable[[], bool] | None = None) -> Result:
    """Render one issue to build/<id>/<name>.pdf; raise BuildError with every finding on failure.
    `abandon` is asked between pages; when it says so, the layout stops with pagemaker.Abandoned."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(stage: str) -> None:
        timings[stage] = time.perf_counter() - t0 - sum(timings.values())

    setup = prepare(project, issue_id, options)
    issue, layout, profile, report, found = setup.issue, setup.layout, setup.profile, setup.report, setup.assets
    folder, cache, pdf_options, out_path = setup.folder, setup.cache, setup.pdf_options, setup.out_path
    lap("gather")
    html_path = out_path.with_suffix(".html") if options.html else None
    html = ""
    fixer: holes.Fixer | None = None
    pages_made = 0

    def lay_out(hints: relayout.Hints) -> weasyprint.Document:
        nonlocal html, fixer, pages_made
        html = setup.html(hints)
        if html_path:  # before layout: an error inside WeasyPrint leaves the designer the evidence
            render.write_text(html, html_path)
        fixer = holes.Fixer() if holes.ACTIVE else None  # no holes: photos move while the pages are made
        document = setup.lay_out(html, fixer)
        pages_made += fixer.pages_made if fixer else len(document.pages)
        return document

    # A pass may split a table group where the previous layout broke a page inside it.
    try:
        with pagemaker.abandoning(abandon):
            document, hints, passes = relayout.settle(lay_out)
    except Exception as e:  # the CLI names the HTML it was laying out when it reports a failure
        if note := preflight.engine_note(e, layout):  # WeasyPrint's own failure: the layout and its stylesheets
            e.add_note(note)
        if html_path and html_path.exists():
            e.add_note(f"the HTML being laid out: {relpath(html_path)}")
        raise
    layout_hints, moves = hints, dict(fixer.moves) if fixer else {}
    # What the preview's next first look needs to find a moved photo again (quicklook.Replay).
    moved_keys = ({e.get("data-block"): holes.anchor_key(e) for e in fixer.bodies if e.get("data-block") in moves}
                  if fixer and options.preview else {})
    moved = fixer.reading_moves() if fixer else []
    if fixer and fixer.moves:
        hints = {**hints, **{k: {**hints.get(k, {}), **v} for k, v in fixer.moves.items()}}
    lap("layout")
    where = Pos(relpath(folder / "issue.yaml"))
    report.extend(verify.check_completeness(issue, document, layout.typography))
    verify.check_overflow(document, report, where)
    report.extend(preflight.check_resolution(issue, document, found, options.min_dpi or profile.min_dpi))
    report.extend(preflight.check_layout_fonts(document, layout, resolve_fonts(project.fonts / "fonts.yaml", cache), cache))
    if report.errors:
        raise BuildError(report.findings)
    if options.strict and report.warnings:
        raise StrictError(report.warnings)
    lap("verify")

    if profile.photos_dpi:
        photos.fit_to_placement(document, cache, profile.photos_dpi, profile.jpeg_quality)
    photos.fit_css_images(document, cache, profile.photos_dpi, profile.jpeg_quality, bool(profile.bleed_mm))  # backgrounds, covers
    lap("photos")

    if options.preview:
        out_path = out_path.with_name(".preview.pdf")
    target = out_path.with_name(f".check-{os.getpid()}.pdf") if options.dry_run else out_path
    def text_layer(written: Path) -> None:
        if lost := verify.check_pdf_text(written, issue, document, layout.typography):
            raise BuildError(lost + report.findings)

    # The preview's PDF goes to no reader: spare it the text-layer reading (~0.15 s on 2023-11).
    # A photo the no-holes pass moved is read where the YAML has it (tagged profiles only).
    signatures: list[str] = []
    finisher = reading_order.chain(profile.finisher(), reading_order.finisher(document, moved),
                                   pagesig.collector(signatures) if options.preview else None,
                                   None if options.preview else render.deflate_in_parallel)  # the preview stays lean
    kept: subsets.Kept = {}
    with subsets.recording(kept) if options.preview else contextlib.nullcontext():
        size = render.write_pdf(document, target, check=None if options.preview else text_layer, finisher=finisher,
                                **pdf_options)
    if profile.email_budget and not options.preview:
        report.extend(preflight.check_budget(target, int(layout.email_budget_mb * 1024 * 1024), where))
    if options.dry_run:
        target.unlink()
    lap("write")
    fingerprints = tuple(pagesig.fingerprint(page_box(page)) for page in document.pages) if options.preview else ()
    return Result(profile.name, out_path, html_path, len(document.pages), size, time.perf_counter() - t0, report,
                  timings=timings, passes=passes, fill=tuple(page_fill(document)), hints=hints, pages_made=pages_made,
                  inputs=setup.inputs, trial=setup.trial,
                  signatures=tuple(signatures), fingerprints=fingerprints, layout_hints=layout_hints, moves=moves,
                  moved_keys=moved_keys, subsets=kept)
