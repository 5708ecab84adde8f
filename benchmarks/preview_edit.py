"""Edit-to-refresh time of `bulletin-press preview`: a one-word edit in a temporary copy of an issue.

Usage: .venv/bin/python benchmarks/preview_edit.py [ISSUE] [--edits N]

Starts the preview server on a copy of the project, waits for its first render, then N times
changes one word of the first body paragraph and times the wait until the server has a new
rendering (its /status.json generation moves on). Prints each time and the median.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status.json", timeout=10) as r:
        return json.load(r)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("issue", nargs="?", default="2023-11")
    p.add_argument("--edits", type=int, default=5)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("layouts", "fonts"):
            shutil.copytree(ROOT / name, root / name)
        shutil.copytree(ROOT / "issues" / args.issue, root / "issues" / args.issue)
        server = subprocess.Popen([str(Path(sys.executable).parent / "bulletin-press"), "preview", args.issue, "--port", "0"],
                                  cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            port = int(server.stdout.readline().split("127.0.0.1:")[1].split("/")[0])
            source = root / "issues" / args.issue / "issue.yaml"
            text = source.read_text(encoding="utf-8")
            times = []
            for n in range(args.edits):
                generation = status(port)["generation"]
                time.sleep(0.5)  # let the watcher settle, as between an editor's saves
                edited = text.replace("环境资助者网络（CEGA）在香港和深圳", f"环境资助者网络（CEGA）在香港和深圳{'又' * (n + 1)}", 1)
                start = time.perf_counter()
                source.write_text(edited, encoding="utf-8")
                while status(port)["generation"] == generation:
                    time.sleep(0.01)
                times.append(time.perf_counter() - start)
                assert not status(port)["error"], status(port)["error"]
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"issue {args.issue}: one-word edit → new rendering, {args.edits} edits: "
          + ", ".join(f"{t:.2f}" for t in times) + f" s; median {statistics.median(times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
