"""The command line: a thin layer over build(); findings to stderr, one summary line to stdout."""

from __future__ import annotations

import argparse
import logging
import sys

from . import __version__
from .build import Options, build
from .diagnostics import BuildError, StrictError
from .project import find_project

EXIT_OK, EXIT_WARNINGS, EXIT_ERRORS = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bulletin-press", description="Bulletins from YAML to house-style PDF.")
    p.add_argument("--version", action="version", version=f"bulletin-press {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render an issue to build/<issue>/<name>.pdf")
    r.add_argument("issue", help="issue id under issues/ (e.g. 2023-11) or a path to an issue folder")
    r.add_argument("--strict", action="store_true", help="treat warnings as errors (exit status 1)")
    r.add_argument("--html", action="store_true", help="also write the intermediate HTML next to the PDF")
    r.add_argument("-v", "--verbose", action="store_true", help="print the time each stage took")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # Warnings are printed from the report below; keep library loggers quiet on the console.
    logging.getLogger("bulletin_press").addHandler(logging.NullHandler())
    logging.getLogger("bulletin_press").propagate = False
    try:
        project = find_project()
        result = build(project, args.issue, Options(strict=args.strict, html=args.html))
    except StrictError as e:
        _print_findings(e)
        print(f"bulletin-press: {len(e.findings)} warning(s) under --strict; no PDF written", file=sys.stderr)
        return EXIT_WARNINGS
    except BuildError as e:
        _print_findings(e)
        errors = sum(f.severity == "error" for f in e.findings)
        print(f"bulletin-press: {errors} error(s); no PDF written", file=sys.stderr)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        print("bulletin-press: interrupted; no PDF written", file=sys.stderr)
        return 130
    for finding in result.report.findings:
        print(finding, file=sys.stderr)
    if args.verbose:
        for stage, seconds in result.timings.items():
            print(f"  {stage:<9} {seconds * 1000:7.0f} ms", file=sys.stderr)
    if result.html:
        print(f"HTML: {result.html}", file=sys.stderr)
    print(result.summary())
    return EXIT_OK


def _print_findings(error: BuildError) -> None:
    for finding in error.findings:
        print(finding, file=sys.stderr)
