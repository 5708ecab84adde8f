"""The preview under load: 8 browsers' worth of threads fetch pages and /status.json from a real server
on loopback while saves arrive; every page image sent is the page its signature names, pixel for pixel."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pypdfium2
import pytest
from PIL import Image

from bulletin_press.preview import first_look as quicklook, server
from bulletin_press.preview.server import PAGE_DPI, Previewer, make_handler

from ..conftest import HEADER, make_project

SECONDS = float(os.environ.get("BULLETIN_PRESS_STRESS_SECONDS", "25"))
CLIENTS = 8

BODY = """
sections:
  - type: section
    title: 压力测试
    body:
      - type: article
        title: 第一篇
        body:
          - MARK1{para}
          - {para}
      - type: article
        title: 第二篇
        body:
          - {para}
          - MARK2{para}
          - {para}
          - {para}
          - {para}
          - {para}
          - {para}
"""
PARA = "湿地保护工作进入新的阶段，各地的志愿者在冬季开展鸟类调查和栖息地巡护。" * 16
# What a save writes in place of the marks: a few versions that come back (a page flips between the
# same signatures, the race the old reads lost), and a broken year now and then (the error path).
VERSIONS = [("", ""), ("今天", ""), ("", "明天"), ("今天下午", "明天上午"), ("冬", "")]


@dataclass
class Seen:
    """What the clients got, and what the renderer drew (each signature's sources, for the oracle)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: Counter = field(default_factory=Counter)  # kind → count
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    images: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict, repr=False)  # (signature, sha) → (url, png)
    checked: int = 0  # images sent under a signature (ETag, or an immutable address)
    unchecked: int = 0  # images sent with no signature to check against (no-store, no ETag)
    sources: dict[str, set[tuple[bytes, int]]] = field(default_factory=dict, repr=False)  # signature → (pdf, page)
    renders: Counter = field(default_factory=Counter)
    inside: int = 0  # threads with a PDFium document open right now
    most_inside: int = 0

    def source(self, signature: str, pdf: bytes, number: int) -> None:
        with self.lock:
            self.sources.setdefault(signature, set()).add((pdf, number))


def instrument(monkeypatch: pytest.MonkeyPatch, seen: Seen) -> None:
    """Every whole render and every first look the previewer makes, kept with its signatures."""
    build, first_look = server.build, quicklook.first_look

    def recorded_build(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        try:
            result = build(*args, **kwargs)
        except Exception as e:
            seen.renders[type(e).__name__] += 1
            raise
        seen.renders["whole"] += 1
        pdf = result.pdf.read_bytes()
        for number, signature in enumerate(result.signatures, 1):
            seen.source(signature, pdf, number)
        return result

    def recorded_look(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        look = first_look(*args, **kwargs)
        if look is not None:
            seen.renders["first looks"] += 1
            seen.source(look.signature, look.pdf, 1)
        return look

    class Watched(pypdfium2.PdfDocument):
        """PDFium is not thread-safe: how many threads hold a document open at once."""

        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            with seen.lock:
                seen.inside += 1
                seen.most_inside = max(seen.most_inside, seen.inside)
            self.counted = True
            super().__init__(*args, **kwargs)

        def close(self) -> None:
            try:
                super().close()
            finally:
                if self.counted:
                    self.counted = False
                    with seen.lock:
                        seen.inside -= 1

    monkeypatch.setattr(server, "pypdfium2", SimpleNamespace(PdfDocument=Watched))
    monkeypatch.setattr(server, "build", recorded_build)
    monkeypatch.setattr(quicklook, "first_look", recorded_look)


def client(port: int, seen: Seen, stop: threading.Event, rng: random.Random) -> None:
    """A browser tab gone wild: the page, its images (some by a stale address), the status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    stale: list[str] = []

    def get(path: str, kind: str) -> tuple[int, dict[str, str], bytes] | None:
        nonlocal conn
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with seen.lock:
                seen.failures.append(f"{path}: {type(e).__name__}: {e}")
            return None
        with seen.lock:
            seen.requests[kind] += 1
            seen.statuses[response.status] += 1
            if response.status >= 500 or (response.status == 404 and kind != "page"):
                seen.failures.append(f"{path}: {response.status}")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    while not stop.is_set():
        got = get("/", "html")
        if got is None or got[0] != 200:
            continue
        pages = re.findall(r'src="(/page/\d+\.png\?s=[0-9a-f]+)"', got[2].decode())
        status = get("/status.json", "status")
        if status and status[0] == 200:
            json.loads(status[2])
        addresses = pages + rng.sample(stale, min(2, len(stale)))
        rng.shuffle(addresses)
        for address in addresses:
            got = get(address, "page")
            if got is None or got[0] != 200:
                continue
            _, headers, png = got
            immutable = "immutable" in headers.get("cache-control", "")
            named = address.split("?s=")[1]
            signature = headers.get("etag", "").strip('"') or (named if immutable else "")
            with seen.lock:
                if immutable and signature != named:
                    seen.failures.append(f"{address}: immutable, yet drawn from {signature}")
                if signature:
                    seen.checked += 1
                    seen.images.setdefault((signature, hashlib.sha256(png).hexdigest()), (address, png))
                else:
                    seen.unchecked += 1
        stale = (stale + pages)[-20:]
    conn.close()


def saver(path: Path, text: str, seen: Seen, stop: threading.Event, rng: random.Random) -> None:
    """An editor saving the issue every few tenths of a second, a mistake one time in six."""
    while not stop.is_set():
        one, two = rng.choice(VERSIONS)
        if rng.random() < 0.5:  # a new text, lines added: every page after it drawn anew (PDFium busy in the HTTP threads)
            one += f"第{seen.requests['saves']}次。" + "又一句新加的话，把后面的文字推到下一行。" * rng.randrange(4)
        saved = text.replace("MARK1", one).replace("MARK2", two)
        if rng.random() < 1 / 6:
            saved = saved.replace("year: 2024", "year: soon")
        path.write_text(saved, encoding="utf-8")
        with seen.lock:
            seen.requests["saves"] += 1
        stop.wait(rng.uniform(0.15, 1.2))


def pixels(png: bytes) -> bytes:
    return Image.open(io.BytesIO(png)).convert("RGB").tobytes()


def fresh(pdf: bytes, number: int) -> bytes:
    """The page drawn anew, by this thread alone, at the preview's resolution."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return doc[number - 1].render(scale=PAGE_DPI / 72).to_pil().convert("RGB").tobytes()
    finally:
        doc.close()


@pytest.fixture
def quick_switches() -> Iterator[None]:
    """Threads switch every 0.1 ms instead of every 5: a read torn between two writes has a chance to show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(before)


@pytest.mark.slow
def test_pages_fetched_while_saves_arrive_are_the_pages_their_signatures_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick_switches: None) -> None:
    project = make_project(tmp_path, HEADER + BODY.replace("{para}", PARA))
    yaml = project.issues / "x" / "issue.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("MARK1", "").replace("MARK2", ""), encoding="utf-8")
    template = HEADER + BODY.replace("{para}", PARA)
    seen = Seen()
    instrument(monkeypatch, seen)
    previewer = Previewer(project, "x")
    previewer.render()
    assert previewer.state.pdf is not None and previewer.state.pages >= 2, previewer.state.error

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(previewer))
    httpd.daemon_threads = True
    stop, done = threading.Event(), threading.Event()
    threads = [threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}),
               threading.Thread(target=previewer.watch, args=(done,)),
               threading.Thread(target=previewer.keep_rendering, args=(done,))]
    threads += [threading.Thread(target=client, args=(httpd.server_address[1], seen, stop, random.Random(i)))
                for i in range(CLIENTS)]
    threads.append(threading.Thread(target=saver, args=(yaml, template, seen, stop, random.Random(99))))
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads[3:]:
        thread.join(timeout=60)
    done.set()
    httpd.shutdown()
    for thread in threads[:3]:
        thread.join(timeout=60)
    httpd.server_close()

    # The oracle: each image sent against a fresh drawing of a page that signature was written for.
    mismatches = []
    drawn: dict[tuple[bytes, int], bytes] = {}
    for (signature, _), (address, png) in seen.images.items():
        sources = seen.sources.get(signature, set())
        for source in sources - drawn.keys():
            drawn[source] = fresh(*source)
        expected = [drawn[source] for source in sources]
        if pixels(png) not in expected:
            mismatches.append(f"{address} drawn from {signature}: {'no such signature' if not sources else 'other pixels'}")
    print(f"\nstress ({SECONDS:.0f} s, {CLIENTS} clients): requests {dict(seen.requests)}, statuses {dict(seen.statuses)}, "
          f"renders {dict(seen.renders)}, images checked {seen.checked} ({len(seen.images)} distinct), unchecked {seen.unchecked}, "
          f"failures {len(seen.failures)}, mismatches {len(mismatches)}, most threads in PDFium at once {seen.most_inside}")
    assert seen.requests["page"] > 100 and seen.requests["saves"] > 10 and seen.renders["whole"] > 5, "too little load"
    assert not seen.failures, seen.failures[:10]
    assert seen.most_inside == 1, f"{seen.most_inside} threads in PDFium at once"
    assert not mismatches, mismatches[:10]
    assert not any(thread.is_alive() for thread in threads)
