"""`bulletin-press preview`: a local page of the rendered pages that re-renders and refreshes on every save."""

from __future__ import annotations

import functools
import gc
import html
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pypdfium2
import watchfiles

from . import first_look as quicklook
from ..build import Options, build
from ..diagnostics import BuildError
from ..engine.pages import Abandoned
from ..project import Project

PAGE_DPI = 110  # page images: sharp enough to read body text on a laptop screen


# PDFium is not thread-safe: every call into it, from any thread, holds this lock (rasterise).
PDFIUM = threading.RLock()


@dataclass(frozen=True)
class State:
    """What the page shows: the newest PDF, or why there is none; bumped on every render. Never
    changed once made: a render makes a new one and swaps it in whole (`Previewer.state`), so a
    reader that takes `state` once sees one generation, its pages and their signatures together."""

    generation: int = 0
    pdf: bytes | None = field(default=None, repr=False)
    pages: int = 0
    seconds: float = 0.0
    error: str = ""
    warnings: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()  # what each page draws (pagesig.py)
    changed_pages: tuple[int, ...] = ()  # pages whose image differs from the last generation's
    final: bool = True  # False: a first look (quicklook.py) — the changed page is new, the whole render still to come
    look: quicklook.Look | None = None  # the first look's page, drawn from its own one-page PDF

    def source(self, number: int) -> tuple[bytes, int] | None:
        """The PDF and page number that page `number` is drawn from."""
        if self.look is not None and number == self.look.number:
            return self.look.pdf, 1
        return (self.pdf, number) if self.pdf is not None and 1 <= number <= self.pages else None


class Previewer:
    """Keeps WeasyPrint, the fonts and the photo cache warm in one process; renders on change."""

    def __init__(self, project: Project, issue_id: str, layout: str | None = None):
        self.project = project
        self.issue_id = issue_id
        self.layout = layout  # `--layout`: a layout tried on the issue
        self.folder = project.issue_folder(issue_id)
        self.state = State()  # replaced whole, never written field by field (State)
        self.changed = threading.Condition()  # notified with each new state
        self.images: dict[str, bytes] = {}  # page images by the signature they were drawn from (under PDFIUM)
        self.memory: quicklook.Memory | None = None  # what the last whole render leaves for a first look
        self.dirty = threading.Event()  # a save not yet rendered: set by the watcher, cleared by the renderer

    def render(self) -> None:
        """Show the first page the save changed as soon as it is drawn (a first look), then every page
        once the whole issue is rendered; a newer save abandons the rendering (`dirty`)."""
        start = time.perf_counter()
        last_good = self.state  # what an error shows again, a first look undone
        if self.memory is not None and not self.state.error:
            gc.disable()  # no collection pause while the save waits to be seen: give_back_memory collects after
            try:
                look = quicklook.first_look(self.project, self.issue_id, self.memory, abandon=self.dirty.is_set,
                                            layout=self.layout)
            except Abandoned:
                return
            except Exception:  # noqa: BLE001 - only a guess: the whole render reports any error
                look = None
            finally:
                gc.enable()
            if look is not None:
                self._show_look(look, start)
            give_back_memory()  # the look's layout, before the whole one
        pdf = error = None
        warnings: list[str] = []
        pages = 0
        signatures: tuple[str, ...] = ()
        try:
            result = build(self.project, self.issue_id, Options(profile="screen", preview=True, layout=self.layout),
                           abandon=self.dirty.is_set)
            pdf, pages, signatures = result.pdf.read_bytes(), result.pages, result.signatures
            warnings = [str(f) for f in result.report.warnings]
            self.memory = quicklook.Memory.of(result)
        except Abandoned:
            give_back_memory()
            return
        except BuildError as e:
            error = "\n".join(map(str, e.findings))
        except Exception as e:  # noqa: BLE001 - a template or CSS mistake must not stop the server
            error = f"{type(e).__name__}: {e}"
        s = self.state
        if pdf is not None:
            # A page that draws what it drew keeps its image: only the changed pages are drawn again.
            changed = tuple(n for n, sig in enumerate(signatures, 1) if n > len(s.signatures) or s.signatures[n - 1] != sig)
            new = State(generation=s.generation + 1, pdf=pdf, pages=pages, seconds=time.perf_counter() - start,
                        warnings=tuple(warnings), signatures=signatures, changed_pages=changed)
        else:  # the last good pages stay as they were, the page a first look showed too
            changed = tuple(n for n in range(1, s.pages + 1) if s.signatures[n - 1:n] != last_good.signatures[n - 1:n])
            new = replace(last_good, generation=s.generation + 1, seconds=time.perf_counter() - start, error=error or "",
                          warnings=tuple(warnings), changed_pages=changed, final=True)
        self._publish(new)
        if pdf is not None:
            with PDFIUM:  # the images of pages no longer shown go (a reader of an older state may add one back)
                shown = set(signatures)
                self.images = {sig: png for sig, png in self.images.items() if sig in shown}
        give_back_memory()

    def _show_look(self, look: quicklook.Look, start: float) -> None:
        """A generation that changes only the first look's page (its image drawn before it is shown)."""
        self._store(look.signature, (look.pdf, 1))
        s = self.state
        self._publish(replace(s, generation=s.generation + 1, seconds=time.perf_counter() - start, final=False,
                              signatures=s.signatures[:look.number - 1] + (look.signature,) + s.signatures[look.number:],
                              pages=max(s.pages, look.number), changed_pages=(look.number,), look=look))

    def _publish(self, state: State) -> None:
        """The one place the state changes (the renderer's thread alone writes it): swapped in whole."""
        with self.changed:
            self.state = state
            self.changed.notify_all()

    def _store(self, signature: str, source: tuple[bytes, int]) -> bytes:
        """The image of the page drawn from `source`, kept under the signature it draws."""
        with PDFIUM:
            png = self.images.get(signature)
            if png is None:
                png = self.images[signature] = rasterise(*source)
            return png

    def watched(self) -> list[Path]:
        return [self.folder, self.project.layouts, self.project.fonts]

    def watch(self, stop: threading.Event) -> None:
        """Mark each burst of saves (YAML, photos, any layout or font file) for the renderer."""
        for _ in watchfiles.watch(*self.watched(), stop_event=stop, debounce=50, step=20):
            self.dirty.set()

    def keep_rendering(self, stop: threading.Event) -> None:
        """Render whenever a save is waiting; a save made while rendering abandons that rendering."""
        while not stop.is_set():
            if self.dirty.wait(timeout=0.2):
                self.dirty.clear()
                try:
                    self.render()
                except Exception as e:  # noqa: BLE001 - the next save must still be rendered
                    print(f"preview: {type(e).__name__}: {e}", file=sys.stderr, flush=True)

    def page(self, number: int) -> tuple[str, bytes] | None:
        """Page `number`'s signature and its image, both of one state (read once)."""
        s = self.state
        source = s.source(number)
        if source is None or s.pdf is None:
            return None
        signature = s.signatures[number - 1]
        return signature, self._store(signature, source)

    def page_png(self, number: int) -> bytes | None:
        page = self.page(number)
        return page[1] if page else None


def rasterise(pdf: bytes, number: int) -> bytes:
    """Page `number` of a PDF as the PNG the browser is sent; PDFium called under its lock."""
    from io import BytesIO

    with PDFIUM:
        doc = pypdfium2.PdfDocument(pdf)
        try:
            page = doc[number - 1]
            bitmap = page.render(scale=PAGE_DPI / 72)
            image = bitmap.to_pil().copy()  # PIL's own pixels: the bitmap is freed here, under the lock
            bitmap.close()
            page.close()
        finally:
            doc.close()
    buf = BytesIO()
    image.save(buf, "PNG", optimize=False, compress_level=1)
    return buf.getvalue()


def give_back_memory() -> None:
    """After a render: free its layout (cycles between boxes need the collector), then hand the freed
    heap back to the system. glibc keeps freed small blocks in its arenas, so without malloc_trim a
    preview's resident size stays at the high-water mark of its largest render and creeps with
    fragmentation (2023-11: 570 MB, +6 MB over 25 renders; with it 388 MB, +2 MB)."""
    gc.collect()
    if trim := _malloc_trim():
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, looked up once (find_library runs ldconfig); None elsewhere."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return getattr(libc, "malloc_trim", None)


def page_html(previewer: Previewer) -> str:
    s = previewer.state  # one read: one generation
    # Each image's address names what the page draws: the browser keeps the pages that did not change.
    pages = "".join(f'<img id="page-{n}" src="/page/{n}.png?s={s.signatures[n - 1]}" alt="page {n}">'
                    for n in range(1, s.pages + 1))
    error = f'<pre class="error">{html.escape(s.error)}</pre>' if s.error else ""
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in s.warnings)
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{html.escape(previewer.issue_id)} · bulletin-press preview</title>
<style>
body {{ margin: 0; background: #4a4f55; font: 13px sans-serif; color: #eee; }}
header {{ padding: 8px 14px; background: #2b2f33; position: sticky; top: 0; }}
main {{ display: flex; flex-wrap: wrap; gap: 16px; padding: 16px; align-items: flex-start; }}
main img {{ width: 420px; background: white; box-shadow: 0 2px 8px #0008; }}
.error {{ background: #fee; color: #900; padding: 12px; margin: 16px; white-space: pre-wrap; font-size: 14px; }}
ul {{ margin: 4px 0; color: #fc6; }}
</style></head><body>
<header id="status" data-generation="{s.generation}" data-final="{str(s.final).lower()}">{html.escape(previewer.issue_id)} —
{s.pages} pages, {'rendered' if s.final else f'page {s.changed_pages[0]} drawn first'} in {s.seconds:.2f} s (generation {s.generation}){'' if s.final else '; the other pages follow'}{'; the last edit has an error' if s.error else ''}
<ul>{warnings}</ul></header>
{error}<main>{pages}</main>
<script>
const events = new EventSource("/events?since={s.generation}");
events.onmessage = () => location.reload();
</script></body></html>"""


def make_handler(previewer: Previewer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep the terminal for our own lines
            pass

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            path = urlsplit(self.path).path
            if path == "/":
                self._send(200, "text/html; charset=utf-8", page_html(previewer).encode())
            elif path == "/status.json":
                s = previewer.state  # one read: one generation
                body = {"generation": s.generation, "pages": s.pages, "seconds": s.seconds, "error": s.error,
                        "changed": s.changed_pages, "final": s.final}
                self._send(200, "application/json", json.dumps(body, ensure_ascii=False).encode())
            elif path.startswith("/page/") and path.endswith(".png"):
                page = previewer.page(int(path[6:-4])) if path[6:-4].isdigit() else None
                if page:
                    # An address naming the signature the image was drawn from always shows that image: cache it.
                    signature, png = page
                    immutable = urlsplit(self.path).query == f"s={signature}"
                    self._send(200, "image/png", png, "max-age=31536000, immutable" if immutable else "no-store",
                               etag=signature)
                else:
                    self._send(404, "text/plain", b"no such page")
            elif path == "/events":
                self._events()
            else:
                self._send(404, "text/plain", b"not found")

        def _events(self) -> None:
            """Server-sent events: one message when a newer generation than the page's exists."""
            query = urlsplit(self.path).query
            since = int(query.split("since=")[-1]) if "since=" in query and query.split("since=")[-1].isdigit() else 0
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            cond = previewer.changed
            try:
                while True:
                    with cond:
                        cond.wait_for(lambda: previewer.state.generation > since, timeout=15)
                        generation = previewer.state.generation
                    if generation > since:
                        self.wfile.write(f"data: {generation}\n\n".encode())
                        self.wfile.flush()
                        return
                    self.wfile.write(b": keep-alive\n\n")  # notices a closed browser tab
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

        def _send(self, status: int, kind: str, body: bytes, cache: str = "no-store", etag: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", cache)
            if etag:  # the signature the image was drawn from
                self.send_header("ETag", f'"{etag}"')
            self.end_headers()
            self.wfile.write(body)

    return Handler


def serve(project: Project, issue_id: str, port: int = 8765, layout: str | None = None) -> int:
    """Serve until Ctrl-C; the first line printed is the address (tests read it)."""
    previewer = Previewer(project, issue_id, layout)
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(previewer))
    server.daemon_threads = True
    stop = threading.Event()
    # Watch before the first render, so that no save made while it runs is missed.
    watcher = threading.Thread(target=previewer.watch, args=(stop,), daemon=True)
    watcher.start()
    previewer.render()
    threading.Thread(target=previewer.keep_rendering, args=(stop,), daemon=True).start()
    print(f"preview: http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    print("preview stopped", file=sys.stderr)
    return 0
