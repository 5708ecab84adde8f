"""`bulletin-press import FILE --into ISSUE`: what the importer did, said in lines an editor reads."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..diagnostics import relpath

KINDS = ("paragraphs", "photos", "photo rows", "captions", "tables", "lists", "footnotes", "credit lines")


def _count(n: int, kind: str) -> str:
    return f"{n} {kind if n != 1 else kind[:-1]}"


def add_parser(sub: argparse._SubParsersAction) -> None:
    i = sub.add_parser("import", help="a member's Word file (.docx) or saved WeChat article (.html, .mhtml) as an article of an issue")
    i.add_argument("file", help="the .docx, or the WeChat article saved from the browser (\"Web page, complete\" .html, or .mhtml)")
    i.add_argument("--into", required=True, metavar="ISSUE", help="the issue id under issues/ (or a path to an issue folder)")
    i.add_argument("--section", metavar="TITLE", help="the section it joins, made after the last one when missing "
                                                       "(default: the issue's last section)")
    i.add_argument("--after", metavar="TITLE", help="the article it follows in that section (default: at the section's end)")
    i.add_argument("--dry-run", action="store_true", help="print the article's YAML; write nothing")


def run(args: argparse.Namespace) -> int:
    from ..importing import import_file
    from ..project import find_project

    done = import_file(find_project(), Path(args.file), args.into, args.section, args.after, args.dry_run)
    if args.dry_run:
        print(done.yaml, end="")
    for finding in done.warnings:
        print(finding, file=sys.stderr)
    held = ", ".join(_count(done.counts[k], k) for k in KINDS if done.counts.get(k))
    where = f"a new section '{done.section}'" if done.new_section else f"section '{done.section}'"
    verb = "would go" if args.dry_run else "went"
    print(f"{args.file}: {done.source} → {relpath(done.issue_file)}:{done.line}, {where}: {held or 'no text'}", file=sys.stderr)
    if done.photos and not args.dry_run:
        print(f"  photos saved: {', '.join(relpath(p) for p in done.photos)}", file=sys.stderr)
    for line in done.changed:
        print(f"  changed: {line}", file=sys.stderr)
    for line in done.dropped:
        print(f"  left out: {line}", file=sys.stderr)
    print(f"  the article {verb} in; render the issue to see it" if args.dry_run else
          f"  `bulletin-press render {args.into}` to see it", file=sys.stderr)
    return 0
