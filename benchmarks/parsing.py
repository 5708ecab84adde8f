"""Times the parsers on hostile input: lone stars in inline markup, a tab-indented issue, many slips.

Usage: .venv/bin/python benchmarks/parsing.py

Prints the best of five runs for each case. These were timing asserts in tests/content (`< 1 s`,
`< 5 s`); the tests keep what the parsers answer, this script keeps how long it takes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bulletin_press.content.inline import parse  # noqa: E402
from bulletin_press.content.load import LOADER  # noqa: E402
from bulletin_press.content.slips import compose  # noqa: E402
from tests.conftest import ARTICLE, HEADER  # noqa: E402


def best(work: Callable[[], object], runs: int = 5) -> float:
    """The fastest of `runs` runs, in seconds (the others are the machine's noise)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def lone_stars() -> None:
    parse.cache_clear()  # parse() remembers its answers: time the parse, not the lookup
    for text in ["*a " * 16000, "** *" * 12000, "**a *" * 10000, "*a***" * 10000]:
        parse(text[:50000])


def tab_indented() -> None:
    compose((HEADER + ARTICLE).replace("  ", "\t"), LOADER)  # every line a slip, the file parsed on


def many_slips() -> None:
    text = HEADER + ARTICLE + "".join(f'          - "他说"你好{i}"\n          － type：note\n            text：第{i}条\n'
                                      for i in range(300))
    compose(text, LOADER)


def main() -> int:
    cases = [("inline: 4 × 50,000 characters of lone stars", lone_stars),
             ("slips: an issue indented with tabs throughout", tab_indented),
             ("slips: 900 slips in one file", many_slips)]
    for label, work in cases:
        print(f"{label:48} {best(work) * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
