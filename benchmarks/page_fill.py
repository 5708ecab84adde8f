"""Page fill before and after the no-holes pass (holes.py), on the seeds and the corpus, in one run.

Usage: .venv/bin/python benchmarks/page_fill.py [ISSUE ...] [--layout NAME] [--markdown]

For each issue (default: issues/2023-11, issues/2020-09 and every tests/corpus/<id>), rendered twice
in one process (screen profile, a temporary build folder): once with the no-holes pass switched
off (the engine as it was: photos stay where the YAML puts them), once with it. Per page: the share
of the page's body left empty at its bottom (fill.py), `*` where the rule exempts the page (the
next page starts on a page of its own, or it is the last), `!` where it breaks the rule (more than
10 % empty). Then the summary line's seconds, the layouts (passes) each render took, and the pages
made in all (a page made again after a photo moved counts twice). Per render, the columns too
(fill.column_fill: a page in one column is one column): the emptiest column the rule covers, how
many break it (holes) and how many end with a heading. `--layout NAME` tries a layout on each issue.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bulletin_press import build as build_module  # noqa: E402
from bulletin_press.layout import no_holes as holes  # noqa: E402
from bulletin_press.build import Options, Result, build  # noqa: E402
from bulletin_press.layout.page_fill import MAX_EMPTY, ColumnFill, PageFill, column_fill, page_fill  # noqa: E402

COLUMNS: dict[int, list[ColumnFill]] = {}  # id(Result.fill) → the columns of the same document


def _measured(document: object) -> list[PageFill]:
    """build's page_fill, the document's columns kept aside (build returns no document)."""
    fills = page_fill(document)  # type: ignore[arg-type]
    _measured.last = column_fill(document)  # type: ignore[attr-defined, arg-type]
    return fills


build_module.page_fill = _measured  # type: ignore[assignment]
from bulletin_press.project import Project  # noqa: E402

DEFAULT = ["2023-11", "2020-09", *sorted(str(p.parent.relative_to(ROOT)) for p in (ROOT / "tests" / "corpus").glob("*/issue.yaml"))]


def render(project: Project, issue: str, anchored: bool, layout: str | None = None) -> Result:
    """One render, with or without the no-holes pass."""
    holes.ACTIVE = anchored
    try:
        result = build(project, issue, Options(layout=layout))
    finally:
        holes.ACTIVE = True
    COLUMNS[id(result.fill)] = _measured.last  # type: ignore[attr-defined]
    return result


def columns_line(result: Result) -> str:
    columns = COLUMNS.get(id(result.fill), [])
    covered = [c for c in columns if not c.exempt]
    worst = max(covered, key=lambda c: c.empty, default=None)
    where = f" (page {worst.page} column {worst.index + 1})" if worst else ""
    return (f"worst column {worst.empty * 100 if worst else 0:.0f} %{where}, {sum(c.hole for c in columns)} over "
            f"{MAX_EMPTY:.0%}, {sum(bool(c.stranded) for c in columns)} ending with a heading")


def cell(fill: PageFill | None) -> str:
    if fill is None:
        return "–"
    mark = "*" if fill.exempt else "!" if fill.breaks_rule else ""
    return f"{fill.empty * 100:.0f} %{mark}"


def table(issue: str, before: Result, after: Result, markdown: bool) -> list[str]:
    rows = max(len(before.fill), len(after.fill))
    pick = lambda fills, i: fills[i] if i < len(fills) else None  # noqa: E731
    lines = [f"{issue}: {before.pages} → {after.pages} pages, {before.seconds:.1f} s → {after.seconds:.1f} s, "
             f"{before.passes} → {after.passes} layouts, {before.pages_made} → {after.pages_made} pages made; pages over {MAX_EMPTY:.0%} (not exempt): "
             f"{sum(f.breaks_rule for f in before.fill)} → {sum(f.breaks_rule for f in after.fill)}",
             f"  columns before: {columns_line(before)}", f"  columns after:  {columns_line(after)}"]
    if markdown:
        lines += ["", "| page | before | after |", "|---:|---:|---:|"]
        lines += [f"| {i + 1} | {cell(pick(before.fill, i))} | {cell(pick(after.fill, i))} |" for i in range(rows)]
    else:
        lines += [f"  page {i + 1:>2}  {cell(pick(before.fill, i)):>8}  {cell(pick(after.fill, i)):>8}" for i in range(rows)]
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("issues", nargs="*", default=DEFAULT)
    p.add_argument("--markdown", action="store_true", help="tables in Markdown")
    p.add_argument("--layout", help="a layout tried on each issue (as render --layout)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(ROOT, build_dir=Path(tmp))
        render(project, args.issues[0], True)  # fonts, photos and templates warm for both
        print("empty share of each page's body at its bottom; * exempt (next page on its own, last page), "
              f"! over {MAX_EMPTY:.0%}\n")
        for issue in args.issues:
            before, after = render(project, issue, False, args.layout), render(project, issue, True, args.layout)
            print("\n".join(table(issue, before, after, args.markdown)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
