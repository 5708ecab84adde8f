"""Output profiles — screen, print, archive — as a layout declares them: CSS for the page, PDF options."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import weasyprint

from .diagnostics import BuildError, Finding, Pos


@dataclass(frozen=True)
class Profile:
    name: str
    photos_dpi: int | None = 150  # resample photos to this at their placed size; None keeps originals
    jpeg_quality: int = 70
    min_dpi: int = 150  # a source photo with fewer pixels per inch where it is placed is a warning
    bleed_mm: float = 0  # print: page content extends this far past the trim
    marks: bool = False  # print: crop marks outside the trim
    pdf_variant: str | None = None  # WeasyPrint's variant: pdf/ua-1, pdf/x-4, pdf/a-3b …
    tagged: bool = False  # a tagged (structured) PDF for screen readers
    attach_source: bool = False  # archive: issue.yaml embedded so that the copy can be rebuilt
    email_budget: bool = False  # warn when the PDF exceeds the layout's e-mail size budget

    def css(self) -> str:
        """Page rules the profile adds after the layout's own stylesheets."""
        rules = []
        if self.bleed_mm:
            rules.append(f"bleed: {self.bleed_mm}mm;")
        if self.marks:
            rules.append("marks: crop;")
        return f"@page {{ {' '.join(rules)} }}" if rules else ""

    def pdf_options(self, source: Path) -> dict[str, object]:
        options: dict[str, object] = {"pdf_tags": self.tagged}
        if self.pdf_variant:
            options["pdf_variant"] = self.pdf_variant
        if self.attach_source:
            options["attachments"] = [weasyprint.Attachment(
                filename=str(source), name=source.name, description="The issue's source (bulletin-press YAML)",
                relationship="Source")]
        return options


FIELDS = {f.name for f in fields(Profile)} - {"name"}


def make_profile(name: str, declared: dict[str, dict], pos: Pos) -> Profile:
    """The profile `name` as the layout chain declares it (layout.yaml `profiles:`)."""
    if name not in declared:
        raise BuildError([Finding(pos, f"unknown profile '{name}'; expected one of: {', '.join(sorted(declared))}")])
    settings = declared[name] or {}
    unknown = set(settings) - FIELDS
    if unknown:
        raise BuildError([Finding(pos, f"profile '{name}': unknown setting {', '.join(sorted(unknown))}; expected: {', '.join(sorted(FIELDS))}")])
    return Profile(name=name, **settings)
