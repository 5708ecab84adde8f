"""The command line: a thin layer over build(); findings to stderr, one summary line to stdout."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading

from .. import __version__
from ..engine import startup
from ..diagnostics import BuildError, Finding, StrictError, relpath
from ..project import find_project
from . import import_article

EXIT_OK, EXIT_WARNINGS, EXIT_ERRORS, EXIT_INTERNAL = 0, 1, 2, 70
_OWN_PROCESS = False  # run() set it: the process is this command's alone (not a test calling main())


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bulletin-press", description="Bulletins from YAML to house-style PDF.")
    p.add_argument("--version", action="version", version=f"bulletin-press {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render an issue to build/<issue>/<name>.pdf")
    r.add_argument("issue", nargs="?", help="issue id under issues/ (e.g. 2023-11) or a path to an issue folder")
    r.add_argument("--all", action="store_true", help="every issue, in parallel, skipping those whose inputs did not change")
    r.add_argument("--force", action="store_true", help="with --all: render even unchanged issues")
    r.add_argument("--strict", action="store_true", help="treat warnings as errors (exit status 1)")
    r.add_argument("--html", action="store_true", help="also write the intermediate HTML next to the PDF")
    r.add_argument("-v", "--verbose", action="store_true", help="print the time each stage took")
    r.add_argument("--profile", help="screen (default), print or archive — as the layout declares them")
    r.add_argument("--jpeg-quality", type=int, metavar="Q", help="JPEG quality of resampled photos (1-95)")
    _layout_option(r)
    n = sub.add_parser("new", help="start the next issue from the previous one")
    n.add_argument("issue", help="the new issue's id, e.g. 2023-12")
    n.add_argument("--from", dest="previous", help="the issue to start from (default: the latest before it)")
    import_article.add_parser(sub)
    sub.add_parser("list", help="issues with their numbers, dates, last render and state")
    sub.add_parser("layouts", help="layouts, what each extends, its templates and CSS custom properties")
    sub.add_parser("schema", help="the JSON Schema of issue.yaml (for editors' YAML tooling)")
    pv = sub.add_parser("preview", help="a local page that shows the rendered pages and follows every edit")
    pv.add_argument("issue")
    pv.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free one)")
    _layout_option(pv)
    c = sub.add_parser("check", help="preflight an issue: every finding at once, no PDF kept")
    c.add_argument("issue", help="issue id under issues/ or a path to an issue folder")
    c.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    c.add_argument("--format", choices=("text", "json"), default="text", help="findings as lines or as JSON")
    _layout_option(c)
    m = sub.add_parser("send", help="e-mail the issue's screen PDF to every member not yet sent, one message each")
    m.add_argument("issue", help="issue id under issues/ or a path to an issue folder")
    m.add_argument("--members", metavar="FILE", help="the members' CSV (default: members.csv at the project root)")
    m.add_argument("--dry-run", action="store_true", help="write each message as an .eml under build/<issue>/outbox/; send nothing")
    m.add_argument("--test-to", metavar="ADDRESS", help="send one copy to ADDRESS only; the journal is not touched")
    m.add_argument("--status", action="store_true", help="print what the journal holds for the issue; send nothing")
    m.add_argument("--retry-failed", action="store_true", help="send to the members that failed again (their addresses fixed)")
    m.add_argument("--retry", nargs="+", metavar="ADDRESS", default=[], help="send to these members again")
    m.add_argument("--new-version", action="store_true", help="the PDF changed since some were sent: the rest get the new one")
    m.add_argument("--resend-all", action="store_true", help="the PDF changed since some were sent: everyone gets it again, "
                   "the subject marked 【更正】")
    return p


def _layout_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--layout", metavar="NAME", help="set the issue in another layout under layouts/ "
                         "(issue.yaml untouched; the PDF's name ends in -NAME)")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so that a half-written PDF is removed, never left behind.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    # Warnings are printed from the report below; keep library loggers quiet on the console.
    logging.getLogger("bulletin_press").addHandler(logging.NullHandler())
    logging.getLogger("bulletin_press").propagate = False
    commands = {"check": check, "new": new, "list": list_issues, "layouts": list_layouts, "schema": schema,
                "preview": preview, "send": send, "import": import_article.run}
    if args.command in commands:
        try:
            return commands[args.command](args)
        except BuildError as e:
            _print_findings(e)
            return EXIT_ERRORS
    if args.all:
        return render_all_command(args)
    if not args.issue:
        print("bulletin-press render: name an issue, or --all", file=sys.stderr)
        return EXIT_ERRORS
    _load_engine()
    from ..build import Options, build  # after parsing: --help and --version stay instant

    try:
        project = find_project()
        result = build(project, args.issue, Options(strict=args.strict, html=args.html, profile=args.profile,
                                                    jpeg_quality=args.jpeg_quality, layout=args.layout))
    except StrictError as e:
        _print_findings(e)
        print(f"bulletin-press: {len(e.findings)} warning(s) under --strict; no PDF written", file=sys.stderr)
        return EXIT_WARNINGS
    except BuildError as e:
        return _failed(e, "bulletin-press", "no PDF written")
    except KeyboardInterrupt:
        print("bulletin-press: interrupted; no PDF written, the previous one is as it was", file=sys.stderr)
        return 130
    except Exception as e:  # a bug of ours: say so plainly; BULLETIN_PRESS_DEBUG=1 shows the traceback
        if os.environ.get("BULLETIN_PRESS_DEBUG"):
            raise
        print(f"bulletin-press: internal error ({type(e).__name__}: {e}); no PDF written — "
              "please report it, with BULLETIN_PRESS_DEBUG=1 for the details", file=sys.stderr)
        for note in getattr(e, "__notes__", ()):  # e.g. where --html left the HTML being laid out
            print(f"bulletin-press: {note}", file=sys.stderr)
        return EXIT_INTERNAL
    for finding in result.report.findings:
        print(finding, file=sys.stderr)
    if args.verbose:
        for stage, seconds in result.timings.items():
            print(f"  {stage:<9} {seconds * 1000:7.0f} ms", file=sys.stderr)
    if result.html:
        print(f"HTML: {result.html}", file=sys.stderr)
    from ..stamps import write_stamp
    if not result.trial:  # a layout tried on the issue leaves its own PDF's state as it was
        write_stamp(project, args.issue, result)  # `send` and `render --all` then know it is current
    print(result.summary())
    return EXIT_OK


def run() -> None:
    """The console script: main() in a process of its own, which it ends at once when done."""
    global _OWN_PROCESS
    _OWN_PROCESS = True
    startup.leave(main())


def _load_engine(once: bool = True) -> None:
    """WeasyPrint and the engine's modules, loaded for a command that lays out pages; `once`: it
    builds once and ends (the preview collects after each render itself, and stays lean so)."""
    startup.import_weasyprint()
    if _OWN_PROCESS and once:
        import bulletin_press.build  # noqa: F401  (imported before the collector is set for them)

        startup.one_build_collector()


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _failed(error: BuildError, command: str, outcome: str) -> int:
    """Every finding, then one line: how many errors, and what was not done."""
    _print_findings(error)
    errors = sum(f.severity == "error" for f in error.findings)
    print(f"{command}: {errors} error(s); {outcome}", file=sys.stderr)
    return EXIT_ERRORS


def _print_findings(error: BuildError) -> None:
    for finding in error.findings:
        print(finding, file=sys.stderr)


def check(args: argparse.Namespace) -> int:
    """Everything render checks, reported and not written; exit 2 on errors, 1 on warnings if strict."""
    _load_engine()
    from ..build import Options, build

    findings: list[Finding]
    pages = size = 0
    try:
        result = build(find_project(), args.issue, Options(dry_run=True, layout=args.layout))
        findings, pages, size = result.report.findings, result.pages, result.size
    except BuildError as e:
        findings = e.findings
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    if args.format == "json":
        print(json.dumps({
            "issue": args.issue, "pages": pages, "bytes": size, "errors": len(errors), "warnings": len(warnings),
            "findings": [{"file": f.pos.path, "line": f.pos.line, "column": f.pos.col, "severity": f.severity,
                          "message": f.message} for f in findings],
        }, ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            print(finding)
        print(f"{args.issue}: {len(errors)} error(s), {len(warnings)} warning(s)"
              + (f"; {pages} pages, {size / 1024:.0f} KB" if pages else ""))
    if errors:
        return EXIT_ERRORS
    return EXIT_WARNINGS if args.strict and warnings else EXIT_OK


def new(args: argparse.Namespace) -> int:
    from .new_issue import new_issue
    path = new_issue(find_project(), args.issue, args.previous)
    print(f"{relpath(path)}: new issue; fill in its sections, then `bulletin-press render {args.issue}`")
    return EXIT_OK


def list_issues(args: argparse.Namespace) -> int:
    from .catalog import issues
    rows = [(e.id, e.edition, e.date, e.layout, e.last_render, e.state) for e in issues(find_project())]
    _table(("issue", "edition", "date", "layout", "last render", "state"), rows)
    return EXIT_OK


def list_layouts(args: argparse.Namespace) -> int:
    from .catalog import layouts
    for entry in layouts(find_project()):
        print(f"{entry.name}" + (f" (extends {entry.extends})" if entry.extends else ""))
        print(f"  templates: {', '.join(entry.templates) or '(none of its own)'}")
        print(f"  CSS custom properties: {', '.join(entry.properties) or '(none)'}")
    return EXIT_OK


def schema(args: argparse.Namespace) -> int:
    from ..content.schema import schema_json
    sys.stdout.write(schema_json())
    return EXIT_OK


def preview(args: argparse.Namespace) -> int:
    _load_engine(once=False)
    from ..preview.server import serve
    return serve(find_project(), args.issue, args.port, args.layout)


def send(args: argparse.Namespace) -> int:
    """Exit 0 when every member has the issue, 1 when some failed or wait, 2 when the server or the
    configuration is at fault (nothing more could be sent), 130 when stopped by Ctrl-C or SIGTERM."""
    from pathlib import Path

    from ..mail.send import SendOptions, report, send_issue, status
    project = find_project()
    if args.status:
        return status(project, args.issue, sys.stdout)
    options = SendOptions(members=Path(args.members) if args.members else None, dry_run=args.dry_run, test_to=args.test_to,
                          retry_failed=args.retry_failed, retry=tuple(args.retry), new_version=args.new_version,
                          resend_all=args.resend_all)
    try:
        summary = send_issue(project, args.issue, options)
    except BuildError as e:
        return _failed(e, "bulletin-press send", "nothing sent")
    except KeyboardInterrupt:
        print("bulletin-press send: interrupted; what was sent is journalled — run send again to go on",
              file=sys.stderr)
        return 130
    report(summary, sys.stdout)
    return summary.exit_status


def render_all_command(args: argparse.Namespace) -> int:
    _load_engine()
    from .render_all import render_all
    rendered, skipped, failed = render_all(find_project(), args.profile or "screen", force=args.force)
    print(f"{len(rendered)} rendered, {len(skipped)} unchanged, {len(failed)} failed")
    return EXIT_ERRORS if failed else EXIT_OK


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    from unicodedata import east_asian_width
    width = lambda s: sum(2 if east_asian_width(c) in "WF" else 1 for c in s)  # noqa: E731
    cols = [max(width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(v) + " " * (cols[i] - width(str(v))) for i, v in enumerate(row)).rstrip())
