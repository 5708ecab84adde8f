"""A designer's matrix: every corpus issue in every layout variant of tests/designer/variants, measured.

Usage: .venv/bin/python benchmarks/designer.py [--issues 2023-11,2024-01] [--variants a5,cover] [--runs 1] [-v]

Renders each issue in the house layout (cega-bulletin) and in each variant (screen profile, a temporary
project, `--layout` as a designer would use it), then reads every PDF as a reader would
(tests/designer/measure.py): pages, render seconds (median of --runs, the house render and the
variants alternating in one process), the emptiest column the no-holes rule covers, columns more
than 10 % empty, columns ending with a heading, and lines whose Han characters stand over 0.15 em
apart. -v lists each finding. The last column is the render time as a ratio to the house layout's
on the same issue in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.designer import matrix  # noqa: E402

HOUSE = "cega-bulletin"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--issues", help="comma-separated issue ids (default: every corpus issue)")
    ap.add_argument("--variants", help="comma-separated variants (default: all of tests/designer/variants)")
    ap.add_argument("--runs", type=int, default=1, help="renders per cell; the median time is shown")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every hole, stranded heading and loose line")
    args = ap.parse_args(argv)
    issues = args.issues.split(",") if args.issues else list(matrix.ISSUES)
    variants = [HOUSE, *(args.variants.split(",") if args.variants else matrix.variants())]
    with tempfile.TemporaryDirectory() as tmp:
        project = matrix.project(Path(tmp))
        print("| issue | variant | pages | seconds | worst column | holes | stranded | loose | × house |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for issue in issues:
            seconds: dict[str, list[float]] = {v: [] for v in variants}
            cells: dict[str, matrix.Cell] = {}
            for _ in range(args.runs):
                for variant in variants:  # alternating: the machine's drift falls on every variant alike
                    cells[variant] = cell = matrix.run(project, issue, variant)
                    seconds[variant].append(cell.seconds)
            house = statistics.median(seconds[HOUSE])
            for variant in variants:
                cell = cells[variant]
                cell.seconds = statistics.median(seconds[variant])
                print(f"{cell.row()} {len(cell.findings.loose) if cell.findings else ''} | "
                      f"{cell.seconds / house:.2f} |", flush=True)
                if args.verbose and cell.findings:
                    for item in cell.findings.holes + cell.findings.stranded + cell.findings.loose:
                        print(f"|   | {item} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
