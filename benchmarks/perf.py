"""Speed and memory of bulletin-press against plain WeasyPrint and Chromium, in one run.

Usage: .venv/bin/python benchmarks/perf.py [ISSUE] [--runs N] [--scale 1,2,4,8]

For the issue (default 2023-11), alternating whole processes, N runs each, medians:
  - `bulletin-press render ISSUE` (screen profile; photos already in the cache: a warm-up run first)
  - plain `weasyprint` on the exact HTML bulletin-press wrote (`--html`)
  - a warm re-render inside one process, as `preview` does it: the median of N renders after one
  - Chromium headless print-to-PDF of the same HTML, where Chromium is installed
with peak memory (max RSS) and PDF size for each, the ratios the targets are stated in, and the
engine's own per-stage times (`--verbose`). Then the scaling figure: the issue's sections repeated
2×, 4×, 8× in a temporary copy, rendered cold, time and memory per page.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Runs a command and reports its wall time and the peak RSS of its process tree's largest member.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
print(json.dumps({"seconds": elapsed, "peak_kib": peak, "code": done.returncode, "out": done.stdout, "err": done.stderr[-2000:]}))
"""

WARM = """
import json, sys, time, resource
sys.path.insert(0, sys.argv[1] + "/src")
from pathlib import Path
from bulletin_press.build import Options, build
from bulletin_press.project import Project
project, issue, runs = Project(Path(sys.argv[1]), Path(sys.argv[2])), sys.argv[3], int(sys.argv[4])
build(project, issue, Options(preview=True))
times = []
for _ in range(runs):  # exactly what `preview` does on each save
    start = time.perf_counter(); build(project, issue, Options(preview=True)); times.append(time.perf_counter() - start)
print(json.dumps({"times": times, "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(cmd: list[str], cwd: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    if result["code"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result['err']}")
    return result


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("issue", nargs="?", default="2023-11")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--scale", default="1,2,4,8")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        build_dir = tmp_path / "build"
        render = [str(BIN / "bulletin-press"), "render", args.issue]
        # Warm-up (photo cache, page cache of the OS) and the HTML for the others.
        first = measure([*render, "--html", "-v"], ROOT)
        pdf = ROOT / first["out"].split(":", 1)[0]
        html = pdf.with_suffix(".html")
        stages = [line.strip() for line in first["err"].splitlines() if line.startswith("  ") and " ms" in line]
        plain_pdf, chrome_pdf = tmp_path / "plain.pdf", tmp_path / "chromium.pdf"
        plain = [str(BIN / "weasyprint"), "--base-url", str(ROOT / "issues" / args.issue) + "/", str(html), str(plain_pdf)]
        chrome = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--no-pdf-header-footer",
                  f"--user-data-dir={tmp_path / 'chrome-profile'}", f"--print-to-pdf={chrome_pdf}", html.as_uri()] if CHROMIUM else None
        runs: dict[str, list[dict]] = {"bulletin-press render (CLI)": [], "plain weasyprint, same HTML": []}
        if chrome:
            runs["chromium print-to-pdf, same HTML"] = []
        for _ in range(args.runs):
            runs["bulletin-press render (CLI)"].append(measure(render, ROOT))
            runs["plain weasyprint, same HTML"].append(measure(plain, ROOT))
            if chrome:
                runs["chromium print-to-pdf, same HTML"].append(measure(chrome, ROOT))
        warm = json.loads(subprocess.run([sys.executable, "-c", WARM, str(ROOT), str(build_dir), args.issue, str(args.runs)],
                                         capture_output=True, text=True, check=True).stdout)
        sizes = {"bulletin-press render (CLI)": pdf.stat().st_size, "plain weasyprint, same HTML": plain_pdf.stat().st_size}
        if chrome:
            sizes["chromium print-to-pdf, same HTML"] = chrome_pdf.stat().st_size

        print(f"issue {args.issue}: {args.runs} runs each, alternating, medians")
        print(f"{'':<36}{'seconds':>9}{'peak MiB':>10}{'PDF KB':>9}")
        for name, rs in runs.items():
            print(f"{name:<36}{median_of(rs, 'seconds'):>9.2f}{median_of(rs, 'peak_kib') / 1024:>10.0f}{sizes[name] / 1024:>9.0f}")
        warm_s = statistics.median(warm["times"])
        print(f"{'warm re-render in one process':<36}{warm_s:>9.2f}{warm['peak_kib'] / 1024:>10.0f}")
        cli, wp = median_of(runs["bulletin-press render (CLI)"], "seconds"), median_of(runs["plain weasyprint, same HTML"], "seconds")
        mem_cli, mem_wp = (median_of(runs[k], "peak_kib") for k in ("bulletin-press render (CLI)", "plain weasyprint, same HTML"))
        paired = statistics.median(a["seconds"] / b["seconds"] for a, b in
                                   zip(runs["bulletin-press render (CLI)"], runs["plain weasyprint, same HTML"]))
        print(f"cold CLI / plain WeasyPrint: {cli / wp:.2f} (target ≤ 1.15, issue 14); "
              f"median of the {args.runs} side-by-side pairs' ratios {paired:.2f}")
        if chrome:
            print(f"cold CLI / Chromium: {cli / median_of(runs['chromium print-to-pdf, same HTML'], 'seconds'):.2f} (target < 1)")
        print(f"warm / cold CLI: {warm_s / cli:.2f} (target ≤ 0.6)")
        print(f"peak memory / plain WeasyPrint: {mem_cli / mem_wp:.2f} (target ≤ 1.3)")
        print("stages of the first (cache-filling) render: " + ", ".join(stages))

        print("\nscaling: the sections repeated, cold CLI render each")
        per_page = {}
        for factor in (int(f) for f in args.scale.split(",")):
            root = tmp_path / f"x{factor}"
            for name in ("layouts", "fonts"):
                shutil.copytree(ROOT / name, root / name, dirs_exist_ok=True)
            shutil.copytree(ROOT / "issues" / args.issue, root / "issues" / args.issue, dirs_exist_ok=True)
            source = root / "issues" / args.issue / "issue.yaml"
            data = yaml.safe_load((ROOT / "issues" / args.issue / "issue.yaml").read_text(encoding="utf-8"))
            body = [s for s in data["sections"] if s.get("type") != "about"]
            about = [s for s in data["sections"] if s.get("type") == "about"]
            data["sections"] = [copy.deepcopy(s) for _ in range(factor) for s in body] + about  # no YAML aliases
            source.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
            shutil.copytree(ROOT / "build" / "cache", root / "build" / "cache", dirs_exist_ok=True)  # photos cached
            subprocess.run([str(BIN / "bulletin-press"), "render", args.issue], cwd=root, capture_output=True, check=True)  # warm-up
            result = measure([str(BIN / "bulletin-press"), "render", args.issue], root)
            pages = int(result["out"].split(", ")[1].split()[0])
            per_page[factor] = result["seconds"] / pages
            print(f"  {factor}×: {pages:4d} pages {result['seconds']:7.2f} s {result['peak_kib'] / 1024:7.0f} MiB "
                  f"{1000 * per_page[factor]:6.0f} ms/page")
        biggest = max(per_page)
        print(f"time per page at {biggest}× / at 1×: {per_page[biggest] / per_page[1]:.2f} (target ≤ 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
