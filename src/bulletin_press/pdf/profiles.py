"""Output profiles — screen, print, archive — as a layout declares them: CSS for the page, PDF options, output intent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path

import pydyf
import weasyprint

from ..diagnostics import BuildError, Finding, Pos

# An ICC profile's colour space (header bytes 16–20) → the components of a colour in it.
ICC_COMPONENTS = {b"CMYK": 4, b"RGB ": 3, b"GRAY": 1}
OUTPUT_INTENT_KEYS = {"icc", "condition", "registry", "info"}


@dataclass(frozen=True)
class OutputIntent:
    """The printing condition the PDF is made for: an ICC output profile, embedded, and its registered name."""

    icc: Path
    condition: str  # OutputConditionIdentifier: the condition's name in the registry, e.g. FOGRA39
    registry: str = "http://www.color.org"  # where `condition` is registered (the ICC's characterization data); "": nowhere
    info: str = ""  # a human-readable description; the profile's own by default
    data: bytes = field(default=b"", repr=False, compare=False)

    @property
    def components(self) -> int:
        return ICC_COMPONENTS[self.data[16:20]]

    def finisher(self, subtype: str) -> Callable[[weasyprint.Document, pydyf.PDF], None]:
        """Adds the output intent to WeasyPrint's PDF before it is written (its `finisher` hook).

        WeasyPrint's own output intent comes from a CSS @color-profile, named after the profile's
        description, without a registry name, and re-serialised by LittleCMS: this one embeds the
        file as it is and names the condition as a print shop's preflight looks it up.
        """
        def finish(document: weasyprint.Document, pdf: pydyf.PDF) -> None:
            profile = pydyf.Stream([self.data], pydyf.Dictionary({"N": self.components}), compress=True)
            pdf.add_object(profile)
            intent = pydyf.Dictionary({
                "Type": "/OutputIntent", "S": subtype, "OutputConditionIdentifier": pydyf.String(self.condition),
                "OutputCondition": pydyf.String(self.info), "Info": pydyf.String(self.info),
                "DestOutputProfile": profile.reference})
            if self.registry:
                intent["RegistryName"] = pydyf.String(self.registry)
            pdf.catalog["OutputIntents"] = pydyf.Array([intent])
            if self.components != 3:
                _tag_rgb_as_srgb(pdf)
        return finish


def _tag_rgb_as_srgb(pdf: pydyf.PDF) -> None:
    """DeviceRGB (WeasyPrint's text, rules and photos) means sRGB: say so with DefaultRGB in every colour space
    resource, so that a CMYK output intent's RIP converts it from a known space (PDF/X-4 forbids bare DeviceRGB)."""
    srgb = pydyf.Stream([(resources.files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()],
                        pydyf.Dictionary({"N": 3}), compress=True)
    pdf.add_object(srgb)
    default_rgb = pydyf.Array(("/ICCBased", srgb.reference))

    def resolve(value: object) -> object:
        if isinstance(value, bytes) and value.endswith(b" R"):  # pydyf's indirect reference
            return pdf.objects[int(value.split()[0])]
        return value

    for obj in list(pdf.objects):
        owner = obj.extra if isinstance(obj, pydyf.Stream) else obj
        if not isinstance(owner, dict) or "Resources" not in owner:
            continue
        res = resolve(owner["Resources"])
        if not isinstance(res, dict):
            continue
        spaces = resolve(res.get("ColorSpace"))
        if spaces is None:
            spaces = res["ColorSpace"] = pydyf.Dictionary()
        if isinstance(spaces, dict):
            spaces["DefaultRGB"] = default_rgb


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
    output_intent: OutputIntent | None = None  # print: the printing condition (ICC profile) the PDF declares
    links: bool = True  # print: false leaves link annotations out (PDF/X keeps annotations off the printed area)

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

    def finisher(self) -> Callable[[weasyprint.Document, pydyf.PDF], None] | None:
        """What to change in WeasyPrint's PDF before it is written (None: nothing)."""
        steps: list[Callable[[weasyprint.Document, pydyf.PDF], None]] = []
        if self.output_intent:
            pdfa = (self.pdf_variant or "").startswith("pdf/a")
            steps.append(self.output_intent.finisher("/GTS_PDFA1" if pdfa else "/GTS_PDFX"))
        if not self.links:
            steps.append(_drop_links)
        if not steps:
            return None

        def finish(document: weasyprint.Document, pdf: pydyf.PDF) -> None:
            for step in steps:
                step(document, pdf)
        return finish


def _drop_links(document: weasyprint.Document, pdf: pydyf.PDF) -> None:
    """Link annotations off every page: they lie on the printed area, where PDF/X wants none, and a print shop has no use for them."""
    for page in pdf.objects:
        if not isinstance(page, dict) or page.get("Type") != "/Page" or "Annots" not in page:
            continue
        kept = [a for a in page["Annots"] if pdf.objects[int(a.split()[0])].get("Subtype") != "/Link"]
        if kept:
            page["Annots"] = pydyf.Array(kept)
        else:
            del page["Annots"]


FIELDS = {f.name for f in fields(Profile)} - {"name"}


def make_profile(name: str, declared: dict[str, dict], pos: Pos) -> Profile:
    """The profile `name` as the layout chain declares it (layout.yaml `profiles:`)."""
    if name not in declared:
        raise BuildError([Finding(pos, f"unknown profile '{name}'; expected one of: {', '.join(sorted(declared))}")])
    settings = declared[name] or {}
    unknown = set(settings) - FIELDS
    if unknown:
        raise BuildError([Finding(pos, f"profile '{name}': unknown setting {', '.join(sorted(unknown))}; expected: {', '.join(sorted(FIELDS))}")])
    if settings.get("output_intent") is not None:
        settings = {**settings, "output_intent": _output_intent(name, settings["output_intent"], pos)}
    return Profile(name=name, **settings)


def _output_intent(profile: str, spec: object, pos: Pos) -> OutputIntent:
    """layout.yaml's `output_intent: {icc: /usr/share/…/x.icc, condition: FOGRA39, registry: …, info: …}`, its ICC read."""
    def fail(message: str) -> BuildError:
        return BuildError([Finding(pos, f"profile '{profile}': output_intent {message}")])

    if not isinstance(spec, dict):
        raise fail(f"is {spec!r}; expected a mapping with keys {', '.join(sorted(OUTPUT_INTENT_KEYS))}")
    if unknown := set(spec) - OUTPUT_INTENT_KEYS:
        raise fail(f"has unknown setting {', '.join(sorted(map(str, unknown)))}; expected: {', '.join(sorted(OUTPUT_INTENT_KEYS))}")
    if missing := [k for k in ("icc", "condition") if not spec.get(k)]:
        raise fail(f"lacks {' and '.join(missing)}; expected the ICC profile's absolute path and the registered "
                   "condition it characterises (e.g. icc: /usr/share/scribus/profiles/ISOcoated_v2_300_bas.icc, condition: FOGRA39)")
    icc = Path(str(spec["icc"])).expanduser()
    if not icc.is_absolute():
        raise fail(f"icc '{icc}' is relative; expected an absolute path (ICC profiles are installed, not committed)")
    try:
        data = icc.read_bytes()
    except OSError as e:
        hint = " — scripts/setup.sh installs it (Debian package scribus-data)" if "scribus" in str(icc) else ""
        raise fail(f"icc {icc} cannot be read ({e.strerror or e}){hint}; expected an ICC output profile") from None
    if len(data) < 128 or data[36:40] != b"acsp" or data[16:20] not in ICC_COMPONENTS:
        raise fail(f"icc {icc} is not an ICC profile of a CMYK, RGB or grey space")
    info = str(spec.get("info") or _description(data) or spec["condition"])
    registry = spec.get("registry", OutputIntent.registry)  # empty: a condition of the shop's own, in no registry
    return OutputIntent(icc, str(spec["condition"]), str(registry or ""), info, data)


def _description(data: bytes) -> str:
    """The profile's own description (its 'desc' tag), or '' when it has none readable."""
    from io import BytesIO

    from PIL import ImageCms

    try:
        return ImageCms.ImageCmsProfile(BytesIO(data)).profile.profile_description or ""
    except (OSError, ImageCms.PyCMSError):
        return ""
