"""Edit-to-pixels time and memory of `bulletin-press preview`, measured on the real server (issue 14).

Usage: .venv/bin/python benchmarks/preview_edit.py [ISSUE] [--edits 10] [--renders 200] [--kinds yaml,css,photo]

Copies layouts/, fonts/ and the issue folder (its photos as they are) to a temporary project and
starts `python -m bulletin_press preview ISSUE --port 0` on it as a subprocess, with this
checkout's src/ first on PYTHONPATH, so the code measured is the code beside this file.

Edits, each saved as editors do (written beside, then renamed over the file), --edits times per kind:
- yaml: a two-character word of the first article's first paragraph, toggled between two variants
  (2023-11: 愉快 ↔ 欢乐, on page 1);
- css: the layout's `--accent` colour, toggled between its value and one a few units lighter;
- photo: the issue's first photo file replaced by the bytes of another photo of the same size, and back.

Timed: from the write until the server's generation has moved on (its /events stream, as the
browser waits; /status.json when there is none) and the first changed page's image has been read
completely from /page/N.png. That generation may be a first look (`final` false in /status.json:
the changed page drawn before the others); the benchmark then waits for the whole rendering and
checks that the page it timed shows what the whole rendering shows there. The changed page is `changed[0]` of /status.json when the server gives
that list; otherwise it is found once per kind, before the timed edits, by an untimed edit of that
kind: the first page whose image bytes differ from the previous generation's. After each edit every
other page image is fetched too (untimed), as the browser does, then 0.3 s pass so saves stay apart.
Whenever every page is fetched, the pages whose image changed are compared with `changed`.

Memory: VmRSS of the server process after each whole rendering with all its page images fetched,
reported after its 10th and its --renders-th (a first look is part of its save's rendering) (the first render and the timed edits count; the renders
beyond them are untimed yaml edits), and the peak (VmHWM). --renders 0 skips it.

Prints a table, then one line of JSON (for the note and the README).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("yaml", "css", "photo")
PAUSE = 0.3  # between saves: each its own burst for the watcher
WORD_SWAPS = (("愉快", "欢乐"), ("活动", "行动"), ("开展", "举办"), ("项目", "计划"))


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


@dataclass
class Edit:
    """One kind of edit: a file toggled between two contents, each save written beside and renamed over it."""

    kind: str
    path: Path
    variants: tuple[bytes, bytes]
    what: str
    staging: Path
    page: int | None = None  # the page it changes, when the server gives no `changed` list
    count: int = 0

    def save(self) -> None:
        self.count += 1
        temp = self.staging / self.path.name
        temp.write_bytes(self.variants[self.count % 2])
        os.replace(temp, self.path)


@dataclass
class Server:
    """The preview subprocess and the few HTTP requests a browser makes to it."""

    proc: subprocess.Popen
    port: int
    stderr: Path
    images: dict[int, bytes] = field(default_factory=dict)  # the newest page images read
    rss: dict[int, tuple[float, float]] = field(default_factory=dict)  # whole render → (VmRSS, VmHWM) MB
    renders: int = 0  # whole renderings seen (a first look is not one)

    def get(self, path: str, timeout: float = 60) -> bytes:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=timeout) as r:
                return r.read()
        except (urllib.error.URLError, OSError) as e:
            raise BenchError(f"GET {path}: {e}") from e

    def status(self) -> dict:
        return json.loads(self.get("/status.json"))

    def open_events(self, since: int) -> socket.socket | None:
        """Ask /events for the next generation before the save, as the open browser page has; None without it."""
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(f"GET /events?since={since} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
            status_line = sock.makefile("rb").readline()
        except OSError as e:
            raise BenchError(f"GET /events: {e}") from e
        if b" 200 " not in status_line:
            sock.close()
            return None
        return sock

    def wait_generation(self, since: int, events: socket.socket | None, deadline: float, what: str = "the save") -> dict:
        """The status once the generation is past `since` (told by /events, else polled); BenchError after the deadline."""
        if events is not None:
            try:
                stream = events.makefile("rb")
                while time.perf_counter() < deadline:
                    events.settimeout(max(0.1, deadline - time.perf_counter()))
                    line = stream.readline()
                    if not line or line.startswith(b"data:"):  # told, or closed: the status says which
                        break
            except (socket.timeout, TimeoutError):
                pass
            finally:
                events.close()
        while True:
            self.check_alive()
            s = self.status()
            if s["generation"] > since:
                return s
            if time.perf_counter() >= deadline:
                raise BenchError(f"no new rendering after {what} (generation still {s['generation']})")
            time.sleep(0.02)

    def fetch_pages(self, pages: int, skip: int | None = None) -> list[int]:
        """Every page image but `skip` (already read), as the browser reloads; the pages whose bytes changed."""
        changed = []
        for n in range(1, pages + 1):
            png = self.images[n] if n == skip else self.get(f"/page/{n}.png")
            if self.images.get(n) != png or n == skip:
                changed.append(n)
            self.images[n] = png
        for n in [n for n in self.images if n > pages]:
            del self.images[n]
        return changed

    def sample_memory(self) -> None:
        """After each whole rendering, its pages fetched: the server's memory."""
        self.renders += 1
        fields = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
        self.rss[self.renders] = (fields["VmRSS"], fields["VmHWM"])

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise BenchError(f"the preview server ended (exit {self.proc.returncode})")


def copy_project(issue: str, root: Path) -> Path:
    for name in ("layouts", "fonts"):
        shutil.copytree(ROOT / name, root / name)
    source = ROOT / "issues" / issue
    if not (source / "issue.yaml").is_file():
        raise BenchError(f"no issue '{issue}' under {ROOT / 'issues'}")
    shutil.copytree(source, root / "issues" / issue)
    (root / "staging").mkdir()  # outside every watched folder
    return root / "issues" / issue


def walk(node: object):
    """Every mapping of the issue, in reading order."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def yaml_edit(folder: Path, staging: Path) -> Edit:
    path = folder / "issue.yaml"
    raw = path.read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    paragraph = next((b for d in walk(data) if d.get("type") == "article"
                      for b in d.get("body", []) if isinstance(b, str) and b in raw), None)
    if paragraph is None:
        raise BenchError(f"{path}: no article with a text paragraph written verbatim in the file")
    old, new = next(((a, b) for a, b in WORD_SWAPS if a in paragraph),
                    (paragraph[len(paragraph) // 2], "好" if paragraph[len(paragraph) // 2] != "好" else "佳"))
    at = raw.index(paragraph)
    edited = raw[:at] + paragraph.replace(old, new, 1) + raw[at + len(paragraph):]
    return Edit("yaml", path, (raw.encode(), edited.encode()), f"{old} → {new} in “{paragraph[:14]}…”", staging)


def css_edit(folder: Path, root: Path, staging: Path) -> Edit:
    layout_name = yaml.safe_load((folder / "issue.yaml").read_text(encoding="utf-8")).get("layout", "base")
    layout = root / "layouts" / layout_name
    sheets = (yaml.safe_load((layout / "layout.yaml").read_text(encoding="utf-8")) or {}).get("stylesheets") or []
    for sheet in [layout / s for s in sheets] + [root / "layouts" / "base" / "base.css"]:
        css = sheet.read_text(encoding="utf-8")
        m = re.search(r"--accent:\s*#([0-9A-Fa-f]{6})\b", css)
        if m:
            rgb = [int(m[1][i:i + 2], 16) for i in (0, 2, 4)]
            nudged = "".join(f"{c + 8 if c < 248 else c - 8:02X}" for c in rgb)
            edited = css[:m.start(1)] + nudged + css[m.end(1):]
            return Edit("css", sheet, (css.encode(), edited.encode()),
                        f"--accent #{m[1]} → #{nudged} in {sheet.relative_to(root)}", staging)
    raise BenchError(f"layout {layout_name}: no `--accent: #rrggbb` in its stylesheets")


def photo_edit(folder: Path, staging: Path) -> Edit:
    data = yaml.safe_load((folder / "issue.yaml").read_text(encoding="utf-8"))
    photos = [folder / d["src"] for d in walk(data)
              if isinstance(d.get("src"), str) and (folder / d["src"]).suffix.lower() in (".jpg", ".jpeg", ".png")
              and (folder / d["src"]).is_file()]
    if len(photos) < 2:
        raise BenchError(f"{folder}: fewer than two photo files to swap (run scripts/make_standins.py?)")
    first = photos[0]
    size = Image.open(first).size
    other = next((p for p in photos[1:] if p.suffix == first.suffix and Image.open(p).size == size), None)
    if other is None:
        raise BenchError(f"{first}: no other photo of its size {size} to swap in")
    return Edit("photo", first, (first.read_bytes(), other.read_bytes()),
                f"{first.relative_to(folder)} ⇄ bytes of {other.name}", staging)


def start(issue: str, root: Path, stderr: Path, timeout: float) -> Server:
    env = dict(os.environ, BULLETIN_PRESS_ROOT=str(root),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    out = root / "staging" / "server.out"
    with out.open("wb") as o, stderr.open("wb") as e:
        proc = subprocess.Popen([sys.executable, "-m", "bulletin_press", "preview", issue, "--port", "0"],
                                cwd=root, env=env, stdout=o, stderr=e)
    server = Server(proc, 0, stderr)
    deadline = time.perf_counter() + timeout
    while not (m := re.search(r"127\.0\.0\.1:(\d+)", out.read_text(errors="replace"))):
        server.check_alive()
        if time.perf_counter() > deadline:
            raise BenchError(f"the server printed no address within {timeout:.0f} s")
        time.sleep(0.05)
    server.port = int(m[1])
    return server


def save_and_wait(server: Server, edit: Edit, timeout: float) -> tuple[float, dict]:
    """Save the edit and wait for the rendering it causes: when the save was made, the new status."""
    since = server.status()["generation"]
    events = server.open_events(since)
    start = time.perf_counter()
    edit.save()
    s = server.wait_generation(since, events, start + timeout, f"{timeout:.0f} s of the {edit.kind} edit ({edit.what})")
    if s.get("error"):
        raise BenchError(f"the {edit.kind} edit ({edit.what}) made a build error:\n{s['error']}")
    return start, s


def timed_edit(server: Server, edit: Edit, has_changed: bool, timeout: float) -> tuple[float, int, bytes, dict]:
    """Seconds from the save to the changed page's image read; the page; its image; the new status
    (a first look, `final` false, when the server shows the changed page before the others)."""
    start, s = save_and_wait(server, edit, timeout)
    page = s["changed"][0] if has_changed and s.get("changed") else edit.page or 1
    png = server.get(f"/page/{page}.png", timeout=max(1.0, start + timeout - time.perf_counter()))
    seconds = time.perf_counter() - start
    return seconds, page, png, {**s, "_page_changed": server.images.get(page) != png}


def await_final(server: Server, s: dict, timeout: float) -> dict:
    """The status once the whole rendering after a first look is shown (`s` itself when it is)."""
    deadline = time.perf_counter() + timeout
    while not s.get("final", True):
        events = server.open_events(s["generation"])
        s = server.wait_generation(s["generation"], events, deadline, "a first look")
    return s


def settle(server: Server, s: dict, notes: list[str], label: str, first: dict | None = None,
           timed: tuple[int, bytes] | None = None) -> dict:
    """Fetch every page as the browser does, check `changed` (with the first look's, `first`, when the
    save had one), check that the timed page shows what the whole rendering shows there, sample
    memory, pause; the latest status."""
    differ = server.fetch_pages(s["pages"])
    said = set(s.get("changed", []))
    if first is not None and not first.get("final", True):
        said |= set(first.get("changed", []))
    if timed is not None:
        page, png = timed
        if not first or not first["_page_changed"]:
            notes.append(f"{label}: the timed page {page} did not change")
        elif not first.get("final", True) and server.images.get(page) != png:
            notes.append(f"{label}: the first look at page {page} differs from the whole rendering's page")
    if "changed" in s and sorted(said) != differ:
        notes.append(f"{label}: server's changed {sorted(said)} ≠ pages whose image differs {differ}")
    server.sample_memory()
    time.sleep(PAUSE)
    latest = server.status()
    if latest["generation"] != s["generation"]:
        notes.append(f"{label}: {latest['generation'] - s['generation']} more rendering(s) after one save")
    return latest


def locate(server: Server, edit: Edit, timeout: float, notes: list[str]) -> None:
    """The page an edit of this kind changes: one untimed edit, the first page whose image differs."""
    start, s = save_and_wait(server, edit, timeout)
    s = await_final(server, s, timeout)
    differ = server.fetch_pages(s["pages"])
    if not differ:
        raise BenchError(f"the {edit.kind} edit ({edit.what}) changed no page image")
    edit.page = differ[0]
    server.sample_memory()
    time.sleep(PAUSE)


def sample_at(samples: dict[int, tuple[float, float]], generation: int) -> tuple[float, float]:
    """The sample after that render (or the first after it, when a save made two renders)."""
    return samples[min((g for g in samples if g >= generation), default=max(samples))]


def mb(x: float) -> str:
    return f"{x:.0f}"


def run(args: argparse.Namespace, root: Path, stderr: Path) -> dict:
    folder = copy_project(args.issue, root)
    staging = root / "staging"
    makers = {"yaml": lambda: yaml_edit(folder, staging), "css": lambda: css_edit(folder, root, staging),
              "photo": lambda: photo_edit(folder, staging)}
    edits = {k: makers[k]() for k in args.kinds}
    memory_edit = edits.get("yaml") or yaml_edit(folder, staging)
    server = start(args.issue, root, stderr, args.start_timeout)
    print(f"preview_edit {args.issue}: server pid {server.proc.pid} on port {server.port}", flush=True)
    try:
        s = server.wait_generation(0, None, time.perf_counter() + args.start_timeout)
        if s.get("error") or not s["pages"]:
            raise BenchError(f"the first rendering failed:\n{s.get('error')}")
        first_render = s["seconds"]
        notes: list[str] = []
        server.fetch_pages(s["pages"])
        server.sample_memory()
        has_changed = "changed" in s
        print(f"  first render {first_render:.2f} s, {s['pages']} pages; /status.json "
              f"{'gives' if has_changed else 'has no'} `changed`", flush=True)
        results: dict[str, dict] = {}
        for kind, edit in edits.items():
            if not has_changed:
                locate(server, edit, args.timeout, notes)
            times, pages, looks = [], [], 0
            for n in range(args.edits):
                seconds, page, png, first = timed_edit(server, edit, has_changed, args.timeout)
                times.append(round(seconds, 3))
                pages.append(page)
                looks += not first.get("final", True)
                settle(server, await_final(server, first, args.timeout), notes, f"{kind} edit {n + 1}", first, (page, png))
            results[kind] = {"what": edit.what, "pages": pages, "times": times, "first_looks": looks,
                             "median": round(statistics.median(times), 3), "worst": round(max(times), 3)}
            print(f"  {kind}: {edit.what}: " + " ".join(f"{t:.2f}" for t in times), flush=True)
        memory = None
        if args.renders:
            while server.renders < args.renders:
                since = server.status()["generation"]
                events = server.open_events(since)
                memory_edit.save()
                s = server.wait_generation(since, events, time.perf_counter() + args.timeout,
                                           f"{args.timeout:.0f} s of a yaml edit for memory")
                if s.get("error"):
                    raise BenchError(f"a yaml edit made a build error:\n{s['error']}")
                settle(server, await_final(server, s, args.timeout), notes, f"render {server.renders + 1}", s)
                if server.renders % 10 == 0:
                    print(f"  render {server.renders}: VmRSS {mb(server.rss[server.renders][0])} MB", flush=True)
            (rss10, _), (rss_n, _) = sample_at(server.rss, 10), sample_at(server.rss, args.renders)
            memory = {"renders": args.renders, "rss_10": round(rss10), "rss_n": round(rss_n),
                      "growth": round(rss_n - rss10), "peak_hwm": round(max(h for _, h in server.rss.values())),
                      "max_rss": round(max(r for r, _ in server.rss.values()))}
        return {"issue": args.issue, "pages": s["pages"], "first_render_s": round(first_render, 2),
                "changed_list": has_changed, "edits": results, "memory": memory, "notes": notes}
    finally:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


def report(r: dict) -> None:
    print(f"\nissue {r['issue']} ({r['pages']} pages, first render {r['first_render_s']:.2f} s): "
          "save → first changed page image read (s)")
    print(f"  {'kind':<6} {'pages':<8} {'n':>3} {'median':>7} {'worst':>6}  all")
    every = []
    for kind, e in r["edits"].items():
        every += e["times"]
        pages = ",".join(str(p) for p in sorted(set(e["pages"])))
        print(f"  {kind:<6} {pages:<8} {len(e['times']):>3} {e['median']:>7.2f} {e['worst']:>6.2f}  "
              + " ".join(f"{t:.2f}" for t in e["times"]))
    if every:
        print(f"  {'all':<6} {'':<8} {len(every):>3} {statistics.median(every):>7.2f} {max(every):>6.2f}")
    if m := r["memory"]:
        print(f"  memory (VmRSS, MB): after render 10 {m['rss_10']}, after render {m['renders']} {m['rss_n']} "
              f"({m['growth']:+d}); highest sampled {m['max_rss']}, peak VmHWM {m['peak_hwm']}")
    for note in r["notes"]:
        print(f"  note: {note}")
    summary = {"issue": r["issue"], "changed_list": r["changed_list"],
               **{k: {"median": e["median"], "worst": e["worst"], "n": len(e["times"])} for k, e in r["edits"].items()},
               "all_median": round(statistics.median(every), 3) if every else None, "memory_mb": r["memory"]}
    print(json.dumps(summary, ensure_ascii=False, separators=(",", ":")))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("issue", nargs="?", default="2023-11")
    p.add_argument("--edits", type=int, default=10, help="timed edits per kind (default 10)")
    p.add_argument("--renders", type=int, default=200, help="memory after this many renders (0: skip; default 200)")
    p.add_argument("--kinds", default=",".join(KINDS), help="comma-separated, of yaml,css,photo (default all)")
    p.add_argument("--timeout", type=float, default=60, help="seconds allowed per edit (default 60)")
    p.add_argument("--start-timeout", type=float, default=300, help="seconds allowed for the first render")
    args = p.parse_args(argv)
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if bad := [k for k in args.kinds if k not in KINDS]:
        p.error(f"unknown kind(s) {', '.join(bad)}; expected some of {', '.join(KINDS)}")
    if args.renders and args.renders < 10:
        p.error("--renders is 0 (no memory part) or at least 10")
    with tempfile.TemporaryDirectory(prefix="preview-edit-") as tmp:
        stderr = Path(tmp) / "server.stderr"
        root = Path(tmp) / "project"
        root.mkdir()
        try:
            report(run(args, root, stderr))
        except (BenchError, KeyboardInterrupt) as e:
            print(f"preview_edit: {e or 'interrupted'}", file=sys.stderr)
            if stderr.exists() and (tail := stderr.read_text(errors="replace").splitlines()[-40:]):
                print("--- the server's stderr (last 40 lines) ---", *tail, sep="\n", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
