"""Renders an issue in every profile, and the screen profile twice (cold, then warm photo cache), in one run.

Usage: .venv/bin/python benchmarks/profiles.py [ISSUE]

Prints seconds and PDF size per render, and the warm/cold ratio the photo cache gives.
Runs in-process on a temporary build folder, so build/ is left as it was.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bulletin_press.build import Options, build  # noqa: E402
from bulletin_press.project import Project  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    issue = (argv or sys.argv[1:] or ["2023-11"])[0]
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(ROOT, build_dir=Path(tmp))
        build(Project(ROOT, build_dir=Path(tmp) / "warm-up"), issue, Options(profile="archive"))  # imports, fonts
        rows = []
        for label, profile in (("screen, cold photo cache", "screen"), ("screen, warm photo cache", "screen"),
                               ("print", "print"), ("archive", "archive")):
            start = time.perf_counter()
            result = build(project, issue, Options(profile=profile))
            rows.append((label, time.perf_counter() - start, result.size))
    print(f"issue {issue}")
    for label, seconds, size in rows:
        print(f"  {label:<26}{seconds:6.2f} s {size / 1024:9.0f} KB ({size:,} bytes)")
    print(f"  warm / cold screen render: {rows[1][1] / rows[0][1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
