"""WeasyPrint: a sandboxed URL fetcher, layout of the HTML, and an atomic PDF write."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import secrets
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import pydyf
import weasyprint
from weasyprint.text.fonts import FontConfiguration

from . import colour_glyphs, line_memo as linememo, pages as pagemaker, font_subsets as subsets
from . import han_justify as cjk_justify
from ..diagnostics import Pos, Report, relpath
from ..machine import usable_cpus
from .hooks import Hook
from .pdf_objects import stream_bytes

_FONT_CONFIG: FontConfiguration | None = None
# No callable replaced: deflate_in_parallel is a finisher, and asks this hook whether it may run.
DEFLATE = Hook("bulletin_press.engine.render (parallel deflate)",
               {"weasyprint": ("70.",), "pydyf": ("0.11.", "0.12.", "0.13.")},
               "pydyf's Stream (compress, stream, extra) and _to_bytes", saves_time=True)


class SandboxFetcher(weasyprint.URLFetcher):
    """Loads only local files under the allowed folders: no network, nothing else on disk."""

    def __init__(self, roots: tuple[Path, ...]):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.roots = tuple(r.resolve() for r in roots)

    def fetch(self, url: str, headers: dict | None = None):  # type: ignore[override]
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise ValueError(f"{url}: only files of the issue, its layout and fonts/ may be loaded")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ValueError(f"{path}: outside the issue, layout and fonts folders")
        return super().fetch(url, headers)


@contextlib.contextmanager
def weasyprint_log(report: Report, where: Pos) -> Iterator[None]:
    """WeasyPrint's warnings (a stylesheet that fails to parse, an image it cannot load) join the report."""

    class ToReport(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            report.warn(where, "WeasyPrint: " + record.getMessage())

    handler = ToReport(logging.WARNING)
    logger = weasyprint.LOGGER
    old_propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate


def layout(html: str, base: Path, roots: tuple[Path, ...], report: Report, justify: bool = True,
           fixer: pagemaker.Fixer | None = None, **options: object) -> weasyprint.Document:
    """Lay out the HTML into pages (fonts configured once per process, kept warm); `fixer` looks at
    each page as it is made and may change the box tree and have pages made again (pagemaker.py)."""
    global _FONT_CONFIG
    colour_glyphs.install()  # emoji copy out of the PDF as typed
    if justify:
        cjk_justify.install()
    else:
        cjk_justify.uninstall()
    if _FONT_CONFIG is None:
        _FONT_CONFIG = FontConfiguration()
    with weasyprint_log(report, Pos(relpath(base))):
        doc = weasyprint.HTML(string=html, base_url=base.as_uri() + "/", url_fetcher=SandboxFetcher(roots))
        if fixer is None:
            return doc.render(font_config=_FONT_CONFIG, **options)
        pagemaker.install()
        with pagemaker.fixing(fixer), linememo.remembering():  # pages made again break no line twice
            return doc.render(font_config=_FONT_CONFIG, **options)


def deflate_in_parallel(document: weasyprint.Document, pdf: Any) -> None:
    """A finisher: the PDF's streams deflated on every core, at zlib's default level, before pydyf
    writes them. pydyf deflates them one after another at level 9: on 2023-11 (three CJK font
    subsets of ~1 MB, 30 page streams) 97 ms, where level 6 takes 45 ms for 0.4 % more bytes, and
    zlib lets go of the interpreter while it works. Last in a chain: finishers before it may add streams.

    Takes over pydyf's `Stream` compression (`Stream.compress`, `.stream`, `.extra["Filter"]`, read
    through `pydyf._to_bytes`). If pydyf serialises or compresses streams otherwise, deflating them
    here could write other bytes; it only saves time, so on a WeasyPrint or pydyf it does not know
    it is off (one warning) and pydyf deflates as usual."""
    if not DEFLATE.usable():
        return
    streams = [o for o in pdf.objects if isinstance(o, pydyf.Stream) and o.compress]
    raw = [stream_bytes(s) for s in streams]  # what pydyf would deflate
    with ThreadPoolExecutor(usable_cpus()) as pool:
        deflated = list(pool.map(zlib.compress, raw))
    for stream, data in zip(streams, deflated):
        stream.stream, stream.compress = [data], False
        stream.extra["Filter"] = "/FlateDecode"


def write_pdf(document: weasyprint.Document, target: Path, check: Callable[[Path], None] | None = None,
              finisher: Callable[[weasyprint.Document, object], None] | None = None, **options: object) -> int:
    """Write the PDF next to its target, `check` it while the disk syncs it, then rename: a reader
    never sees half a file.

    `finisher` adds to WeasyPrint's PDF objects before they are written (the print profile's output intent)."""
    subsets.install()  # the faces subset side by side
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(target)
    fd, tmp = _create_part(target)
    try:
        with os.fdopen(fd, "wb") as out:
            document.write_pdf(out, finisher=finisher, **options)
            out.flush()
            disk = _Fsync(out.fileno())
            waiting = _unsynced.set(disk)  # the check reads the written bytes while the disk syncs them (start_sync)
            try:
                if check:
                    check(tmp)  # raises to refuse the file; the previous PDF stays
            finally:
                _unsynced.reset(waiting)
                if disk.ident is not None:
                    disk.join()
            disk.finish()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target.stat().st_size


class _Fsync(threading.Thread):
    """os.fsync in a thread of its own, started once (`begin`); `finish` waits for it and raises its error."""

    def __init__(self, fd: int) -> None:
        super().__init__(name="fsync", daemon=True)
        self.fd = fd
        self.error: OSError | None = None

    def run(self) -> None:
        try:
            os.fsync(self.fd)
        except OSError as e:
            self.error = e

    def begin(self) -> None:
        if self.ident is None:
            self.start()

    def finish(self) -> None:
        self.begin()
        self.join()
        if self.error is not None:
            raise self.error


_unsynced: contextvars.ContextVar[_Fsync | None] = contextvars.ContextVar("unsynced", default=None)


def start_sync() -> None:
    """Within write_pdf's check: start syncing the written file to disk, to run while the check reads it.
    The check calls it once it has forked, if it forks (pdf/verify.py): a process forked while another
    thread runs keeps whatever lock that thread held, held for ever in the child."""
    disk = _unsynced.get()
    if disk is not None:
        disk.begin()


def _create_part(target: Path) -> tuple[int, Path]:
    """A new temporary file beside `target`, created 0666 less the umask as any file the user makes
    (tempfile.mkstemp's 0600 would survive the rename and lock others out of the PDF)."""
    while True:
        tmp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.part")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


def _remove_stale_parts(target: Path, older_than: float = 600) -> None:
    """A render killed outright (SIGKILL, power loss) leaves its temporary file: clear old ones."""
    now = time.time()
    for part in target.parent.glob(f".{target.stem}.*.part"):
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > older_than:
                part.unlink()


def write_text(text: str, target: Path) -> None:
    """The same atomic write for the designers' HTML."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    tmp.unlink(missing_ok=True)  # created anew, so with the user's umask, whatever a killed render left
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
