"""`send` to many members on a loopback SMTP server: messages per second and memory against the count.

Usage: .venv/bin/python benchmarks/send.py [ISSUE] [--members 1000]

The server (aiosmtpd, counting and discarding) runs in a process of its own, so only the sender's
memory is measured. The issue's screen PDF is rendered first into a temporary build folder. Side by
side, in the same run: bulletin-press's `send` (compose, journal, deliver; the rate limit off) and a
bare smtplib loop sending one prepared message of the same size N times on one connection — the
floor for this machine. Resident memory of this process is read after every tenth of the members:
flat means it does not grow with the count.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import io
import os
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def serve() -> None:
    """--serve: a loopback server that counts messages and keeps nothing; prints its port."""
    from aiosmtpd.controller import Controller

    class Count:
        n = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
            Count.n += 1
            return f"250 2.0.0 Ok: queued as B{Count.n}"

    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Count(), hostname="127.0.0.1", port=port, data_size_limit=0)
    controller.start()
    print(port, flush=True)
    try:
        asyncio.run(asyncio.sleep(10**6))
    finally:
        controller.stop()


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("issue", nargs="?", default="2023-11")
    p.add_argument("--members", type=int, default=1000)
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve()
        return 0

    from bulletin_press.mail import send as sending
    from bulletin_press.mail.deliver import Postman
    from bulletin_press.mail.send import SendOptions, send_issue
    from bulletin_press.project import Project

    server = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)
    port = server.stdout.readline().strip()  # type: ignore[union-attr]
    os.environ.update(BULLETIN_PRESS_SMTP_HOST="127.0.0.1", BULLETIN_PRESS_SMTP_PORT=port,
                      BULLETIN_PRESS_SMTP_SECURITY="none")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            project = Project(ROOT, build_dir=Path(tmp))
            members = Path(tmp) / "members.csv"
            with members.open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["email", "name", "organisation"])
                w.writerows([f"member{i:05d}@example.org", f"会员{i}", "某基金会"] for i in range(args.members))
            # Rendered in a child process, so that this one's memory is the sender's alone.
            subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                            "from bulletin_press.mail.send import screen_pdf; from bulletin_press.project import Project; "
                            f"screen_pdf(Project(Path({str(ROOT)!r}), build_dir=Path({tmp!r})), {args.issue!r}, sys.stderr)"],
                           check=True, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
            pdf, _, issue = sending.screen_pdf(project, args.issue, sys.stderr)
            print(f"{args.issue}: PDF {pdf.stat().st_size / 1024:.0f} KB, {args.members} members, loopback server")

            memory: list[tuple[int, float]] = []
            tenth = max(args.members // 10, 1)

            class Watched(Postman):
                def deliver(self, *a, **k):  # type: ignore[no-untyped-def]
                    outcome = super().deliver(*a, **k)
                    self.count = getattr(self, "count", 0) + 1
                    if self.count % tenth == 0:
                        memory.append((self.count, rss_mib()))
                    return outcome

            before = rss_mib()
            t0 = time.perf_counter()
            summary = send_issue(project, args.issue, SendOptions(members=members, progress=io.StringIO()),
                                 postman=lambda s: Watched(dataclasses.replace(s, per_minute=None)))
            seconds = time.perf_counter() - t0
            assert summary.sent == args.members, summary

            # The floor: one prepared message of the same size, sent N times over one connection.
            from bulletin_press.mail.compose import Composer
            from bulletin_press.mail.members import read_members
            from bulletin_press.mail.settings import load_settings
            settings = load_settings(ROOT)
            first = read_members(members)[0][0]
            data = Composer(project, issue, pdf, settings).message(first).as_bytes()
            t1 = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", int(port)) as smtp:
                for i in range(args.members):
                    smtp.sendmail(settings.sender_address, [f"member{i:05d}@example.org"], data)
            bare = time.perf_counter() - t1
    finally:
        server.terminate()
        server.wait()

    print(f"{'':28}{'seconds':>9}{'msg/s':>9}")
    print(f"{'bulletin-press send':28}{seconds:9.1f}{args.members / seconds:9.1f}")
    print(f"{'bare smtplib loop':28}{bare:9.1f}{args.members / bare:9.1f}")
    print(f"send / bare: {seconds / bare:.2f}; message {len(data) / 1024:.0f} KB")
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the sending process: {peak:.0f} MiB")
    print(f"resident memory: {before:.0f} MiB before sending; after " +
          ", ".join(f"{n}: {m:.0f}" for n, m in memory) + " messages (MiB)")
    if len(memory) >= 2:
        print(f"growth from the first tenth to the last: {memory[-1][1] - memory[0][1]:+.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
