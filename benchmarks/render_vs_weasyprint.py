"""Times `bulletin-press render` against plain WeasyPrint on the very HTML it produced, in one run.

Usage: .venv/bin/python benchmarks/render_vs_weasyprint.py [ISSUE] [--runs N]

Both are whole processes, run alternately so that machine noise falls on both; the figures that
matter are the ratios. Photos are resampled once before timing (the cache of build/cache/), so
both sides read the same resampled files.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("issue", nargs="?", default="2023-11")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)

    render = [str(BIN / "bulletin-press"), "render", args.issue, "--html"]
    first = subprocess.run(render, check=True, cwd=ROOT, capture_output=True, text=True).stdout.strip()
    pdf = ROOT / first.split(":", 1)[0]
    html = pdf.with_suffix(".html")
    with tempfile.TemporaryDirectory() as tmp:
        plain_pdf = Path(tmp) / "plain.pdf"
        plain = [str(BIN / "weasyprint"), "--base-url", str(ROOT / "issues" / args.issue) + "/", str(html), str(plain_pdf)]
        ours, theirs = [], []
        for _ in range(args.runs):
            ours.append(timed(render))
            theirs.append(timed(plain))
        plain_size = plain_pdf.stat().st_size
    ours_m, theirs_m = statistics.median(ours), statistics.median(theirs)
    print(f"issue {args.issue}, {args.runs} runs each, medians (whole processes)")
    print(f"{'':<28}{'seconds':>9}{'PDF KB':>9}")
    print(f"{'bulletin-press render':<28}{ours_m:>9.2f}{pdf.stat().st_size / 1024:>9.0f}")
    print(f"{'plain weasyprint, same HTML':<28}{theirs_m:>9.2f}{plain_size / 1024:>9.0f}")
    print(f"ratio bulletin-press / weasyprint: {ours_m / theirs_m:.2f}")
    print(first)
    return 0


if __name__ == "__main__":
    sys.exit(main())
