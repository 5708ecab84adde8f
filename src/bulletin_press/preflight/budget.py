"""E-mail size budget: a PDF over it is a warning naming what takes the room."""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import Finding, Pos
from ..engine.pdf_objects import stored_size


def check_budget(pdf: Path, budget_bytes: int, where: Pos) -> list[Finding]:
    size = pdf.stat().st_size
    if size <= budget_bytes:
        return []
    parts = contributors(pdf)
    images = [(name, length) for name, length in parts if name.startswith("image")]
    fonts = [f"{name} ({length / 1024:.0f} KB)" for name, length in parts if name.startswith("font")][:3]
    summary = [f"{len(images)} images ({sum(n for _, n in images) / 1024 / 1024:.1f} MB together, the largest "
               f"{images[0][0][6:]} at {images[0][1] / 1024:.0f} KB)"] if images else []
    largest = ", ".join(summary + fonts)
    return [Finding(where, f"the PDF is {size / 1024 / 1024:.1f} MB, over the e-mail budget of "
                           f"{budget_bytes / 1024 / 1024:.1f} MB; largest: {largest} — use smaller photos or raise "
                           f"email_budget_mb in layout.yaml", "warning")]


def contributors(pdf: Path) -> list[tuple[str, int]]:
    """Embedded images and fonts by stored size, largest first."""
    import pypdf  # only when a PDF is over budget: keeps it off every render's start-up

    reader = pypdf.PdfReader(pdf)
    seen: dict[int, tuple[str, int]] = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for ref in (resources.get("/XObject") or {}).values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image" and ref.idnum not in seen:
                seen[ref.idnum] = (f"image {obj['/Width']}×{obj['/Height']}", stored_size(obj))
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                desc = descendant.get_object().get("/FontDescriptor")
                if not desc:
                    continue
                desc = desc.get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in desc and desc.raw_get(key).idnum not in seen:
                        stream = desc[key].get_object()
                        seen[desc.raw_get(key).idnum] = (f"font {str(font['/BaseFont']).split('+')[-1]}", stored_size(stream))
    return sorted(seen.values(), key=lambda item: -item[1])
