"""Page signatures: a digest of what each page draws, equal across renders exactly when the page looks the same."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from ..engine.pdf_objects import pdf_bytes, stream_bytes

NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
SUBSET_TAG = re.compile(r"^/?[A-Z]{6}\+")


def collector(into: list[str]) -> Callable[[Any, Any], None]:
    """A WeasyPrint finisher that appends each page's signature to `into`, before the PDF is written.

    A page looks the same when its content stream draws the same things with the same resources.
    The stream names its resources (fonts, images, forms, patterns, graphics states) by names a
    render makes up, so each name is replaced by a digest of what it stands for: an image or form by
    its data, a font by its face (the subset tag dropped: WeasyPrint keeps the face's glyph ids, so
    the same ids draw the same glyphs whatever else the subset holds), anything else by its
    serialisation. The page's boxes (MediaBox, TrimBox …) count too."""

    def finish(_: Any, pdf: Any) -> None:
        import pydyf

        def resolve(ref: Any) -> Any:
            return pdf.objects[int(ref.split()[0])] if isinstance(ref, bytes) and ref.endswith(b" R") else ref

        digests: dict[int, bytes] = {}

        def digest(obj: Any) -> bytes:
            obj = resolve(obj)
            key = id(obj)
            if key not in digests:
                h = hashlib.sha256()
                if isinstance(obj, pydyf.Stream):
                    h.update(stream_bytes(obj))
                    h.update(_serialised({k: v for k, v in obj.extra.items() if k != "Resources"}, resolve))
                    if "Resources" in obj.extra:  # a form's own fonts and images: by what they are, as a page's
                        h.update(resource_digest(obj.extra["Resources"]))
                # A Type 3 font (glyphs drawn one by one, as bitmap emoji are) has codes of the
                # render's own making: it falls to the serialisation below, which differs each time.
                elif isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Font" and obj.get("Subtype") != "/Type3":
                    h.update(SUBSET_TAG.sub("", str(obj.get("BaseFont", ""))).encode())
                    descendants = obj.get("DescendantFonts")
                    for d in resolve(descendants) if descendants else []:
                        h.update(SUBSET_TAG.sub("", str(resolve(d).get("BaseFont", ""))).encode())
                else:
                    h.update(_serialised(obj, resolve))
                digests[key] = h.digest()
            return digests[key]

        def resource_digest(ref: Any) -> bytes:
            h = hashlib.sha256()
            for kind, entries in sorted((resolve(ref) or {}).items(), key=lambda kv: str(kv[0])):
                entries = resolve(entries)
                h.update(str(kind).encode())
                if isinstance(entries, dict):
                    for name, value in sorted(entries.items(), key=lambda kv: str(kv[0])):
                        h.update(str(name).encode() + digest(value))
                else:
                    h.update(_serialised(entries, resolve))
            return h.digest()

        kids = pdf.pages["Kids"]  # pydyf keeps them as number, 0, "R" triples
        for page in (pdf.objects[kids[i]] for i in range(0, len(kids), 3)):
            names: dict[bytes, bytes] = {}
            resources = resolve(page.get("Resources")) or {}
            for kind in resources.values():
                kind = resolve(kind)
                if isinstance(kind, pydyf.Dictionary):
                    for name, value in kind.items():
                        names[str(name).lstrip("/").encode()] = value
            h = hashlib.sha256()
            for box in ("MediaBox", "CropBox", "BleedBox", "TrimBox"):
                h.update(repr(page.get(box)).encode())
            contents = page.get("Contents")
            for stream in (resolve(c) for c in (contents if isinstance(contents, list) else [contents])):
                data = stream_bytes(stream)
                h.update(NAME.sub(lambda m: b"/" + digest(names[m.group(1)]).hex().encode()  # noqa: B023 (called at once)
                                  if m.group(1) in names else m.group(0), data))  # noqa: B023
            into.append(h.hexdigest()[:24])

    return finish


def _serialised(obj: Any, resolve: Callable[[Any], Any]) -> bytes:
    """An object's bytes with its references followed one level (a reference number means nothing
    from one render to the next)."""
    import pydyf

    if isinstance(obj, dict):
        return b"<<" + b" ".join(str(k).encode() + b" " + _serialised(resolve(v), lambda r: r) if isinstance(v, bytes)
                                 and v.endswith(b" R") else str(k).encode() + b" " + pdf_bytes(v)
                                 for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))) + b">>"
    if isinstance(obj, pydyf.Stream):
        return stream_bytes(obj)
    return pdf_bytes(obj)


# What a box's drawing shows beyond its place and text: the properties a stylesheet edit most often changes.
DRAWN = ("color", "background_color", "border_top_color", "border_right_color", "border_bottom_color",
         "border_left_color", "opacity", "visibility", "text_decoration_line", "text_decoration_color")


def fingerprint(page_box: Any) -> str:
    """A digest of a laid-out page's boxes (not its margin boxes): their kinds, places, sizes, texts,
    colours and photo files. Known before any PDF is written, so the preview can tell which page an
    edit changed first; a hint only — the signature of the written page is what decides."""
    from weasyprint.formatting_structure import boxes

    h = hashlib.blake2b(digest_size=12)
    h.update(f"{page_box.width} {page_box.height}".encode())
    root = page_box.children[0] if page_box.children else None
    if not isinstance(root, boxes.ParentBox):
        return h.hexdigest()
    for box in root.descendants(placeholders=True):
        style = box.style
        parts = [type(box).__name__, box.element_tag, box.position_x, box.position_y, box.width, box.height,
                 *(style[name] for name in DRAWN)]
        if isinstance(box, boxes.TextBox):
            parts.append(box.text)
        elif isinstance(box, boxes.ReplacedBox) and box.element is not None:
            parts.append(_file_version(box.style.base_url, box.element.get("src") or ""))
        h.update(repr(parts).encode())
    return h.hexdigest()


def _file_version(base: str | None, src: str) -> tuple[str, int, int]:
    """A local file's URL with its size and modification time: a photo saved over keeps its name."""
    url = urljoin(base or "", src)
    parts = urlsplit(url)
    try:
        stat = os.stat(unquote(parts.path)) if parts.scheme in ("", "file") else None
    except OSError:
        stat = None
    return url, stat.st_size if stat else 0, stat.st_mtime_ns if stat else 0
