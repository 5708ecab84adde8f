"""One run of `send`: members in order, deferred ones set aside and retried, refusals judged, Ctrl-C honoured."""

from __future__ import annotations

import heapq
import itertools
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from . import journal as jr
from .deliver import MEMBER, PERMANENT, SENT, UNKNOWN, ConfigFault, Outcome, Postman, remedy
from .members import Member

if TYPE_CHECKING:
    from .compose import Composer
    from .send import Summary
    from .settings import MailSettings

# The same refusal, one any member would get (relaying denied, a login required), for this many
# members in a row is the server's or the configuration's: the run stops, they stay queued.
HELD_IN_A_ROW = 3
RETRY_CAP = 300.0  # seconds: the longest wait between two tries of a deferred member
TICK = 0.25  # seconds: how often a waiting run looks at the clock and at Ctrl-C


class Stop:
    """Ctrl-C or SIGTERM during a run: the message in flight is finished, then the run stops; a
    second signal stops at once (KeyboardInterrupt)."""

    def __init__(self, note: Callable[[str], None]) -> None:
        self.requested, self._note, self._saved = False, note, {}

    def __enter__(self) -> "Stop":
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self._note("stopping after the message in flight (Ctrl-C again to stop at once)")


@dataclass(order=True)
class _Aside:
    """A deferred member waiting for its next try."""

    due: float
    order: int
    member: Member = field(compare=False)
    first: float = field(compare=False)  # when its first 4xx came
    tries: int = field(compare=False)


def _shape(reply: str) -> str:
    """A refusal without its addresses: the same for every member it is about."""
    return re.sub(r"<[^>]*>|\S+@\S+", "<>", reply)


def deliver_all(summary: Summary, todo: list[Member], composer: Composer, settings: MailSettings, carrier: Postman,
                journal: jr.Journal | None, progress: TextIO, doubts: dict[str, str] | None = None, *,
                clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
    """Send to each member of `todo` once; fill `summary`. A deferred (4xx) member is tried again
    after retry.first seconds, twice as long each time, until retry.wait after its first 4xx."""
    doubts = doubts or {}
    bar = Progress(len(todo), progress, clock)
    queue, aside, held = deque(todo), [], []  # held: (member, outcome) refused as anyone may be
    order = itertools.count()
    issue = summary.issue

    def settle_held() -> None:  # the next member got through: those refusals were the members' own
        for member, outcome in held:
            summary.failed.append((member.email, outcome.reply))
            if journal:
                journal.failed(issue, member.key, outcome.reply)
        held.clear()

    with Stop(bar.note) as stop:
        try:
            while True:
                if stop.requested:
                    summary.interrupted = True
                    break
                item: _Aside | None = None
                if aside and (aside[0].due <= clock() or not queue):
                    if aside[0].due > clock():  # only deferred members left: wait for the first
                        bar.waiting = len(aside)
                        sleep(min(TICK, aside[0].due - clock()))
                        bar.redraw()
                        continue
                    item = heapq.heappop(aside)
                    member = item.member
                elif queue:
                    member = queue.popleft()
                else:
                    break
                bar.waiting = len(aside)
                data = composer.message_bytes(member)
                if journal:
                    journal.sending(issue, member.key, composer.message_id(member), composer.pdf_sha256)
                dot = (lambda key=member.key: journal.final_dot(issue, key)) if journal else None
                try:
                    outcome = carrier.deliver(data, settings.sender_address, member.email, before_dot=dot)
                except ConfigFault as e:
                    if journal:  # not this member's fault: queued again, as it was
                        journal.held(issue, member.key, e.line)
                    summary.stopped, summary.fault = e.line, True
                    break
                if outcome.status == SENT:
                    settle_held()
                    summary.sent += 1
                    if journal:
                        journal.sent(issue, member.key, outcome.reply)
                    if member.key in doubts:
                        summary.twice.append((member.email, doubts[member.key]))
                    bar.step()
                elif outcome.status == UNKNOWN:  # not sent again now: the next run does, and says so
                    summary.unknown.append((member.email, outcome.reply))
                    if journal:
                        journal.unknown(issue, member.key, outcome.reply)
                    bar.step()
                elif outcome.status == PERMANENT and outcome.fault == MEMBER:
                    settle_held()
                    summary.failed.append((member.email, outcome.reply))
                    if journal:
                        journal.failed(issue, member.key, outcome.reply)
                    bar.step()
                elif outcome.status == PERMANENT:
                    if held and _shape(held[-1][1].reply) != _shape(outcome.reply):
                        settle_held()
                    held.append((member, outcome))
                    if journal:
                        journal.held(issue, member.key, outcome.reply)
                    bar.step()
                    if len(held) >= min(HELD_IN_A_ROW, len(todo)):
                        summary.stopped, summary.fault = remedy(outcome.reply, settings.sender_address), True
                        held.clear()  # they stay queued for the run after the fix
                        break
                else:
                    _set_aside(summary, member, outcome, item, settings, journal, bar, aside, next(order), clock())
            settle_held()
        finally:
            carrier.close()
            bar.done()


def _set_aside(summary: Summary, member: Member, outcome: Outcome, item: _Aside | None, settings: MailSettings,
               journal: jr.Journal | None, bar: Progress, aside: list[_Aside], order: int, now: float) -> None:
    """A 4xx (greylisting, a full queue) or a drop before the message was complete: tried again
    later in this run while the others go on, or left deferred for the next run."""
    first, tries = (item.first, item.tries + 1) if item else (now, 1)
    delay = min(settings.retry_first * 2 ** (tries - 1), max(RETRY_CAP, settings.retry_first))
    if journal:
        journal.deferred(summary.issue, member.key, outcome.reply)
    if now + delay - first <= settings.retry_wait:
        heapq.heappush(aside, _Aside(now + delay, order, member, first, tries))
        bar.note(f"{member.email}: {outcome.reply}; tried again in {_duration(delay)}")
    else:
        summary.deferred.append((member.email, outcome.reply))
        bar.step()


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """A progress bar on a terminal (one line, redrawn); a line per tenth elsewhere (logs, CI). It
    shows the time taken and, once a member is done, the time still needed at the pace so far."""

    def __init__(self, total: int, out: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.out, self.done_count, self.waiting = total, out, 0, 0
        self.tty = hasattr(out, "isatty") and out.isatty()
        self.clock = clock
        self.started = clock()
        self.redraw()

    def line(self) -> str:
        filled = 24 * self.done_count // max(self.total, 1)
        elapsed = self.clock() - self.started
        text = f"[{'#' * filled:<24}] {self.done_count}/{self.total}, {_duration(elapsed)} elapsed"
        if 0 < self.done_count < self.total:
            text += f", about {_duration(elapsed / self.done_count * (self.total - self.done_count))} to go"
        if self.waiting:
            text += f" ({self.waiting} deferred, waiting to try again)"
        return text

    def redraw(self) -> None:
        if self.tty:
            print("\r\x1b[K" + self.line(), end="", file=self.out, flush=True)

    def step(self) -> None:
        self.done_count += 1
        if self.tty:
            self.redraw()
        elif self.total and self.done_count * 10 // self.total != (self.done_count - 1) * 10 // self.total:
            print(self.line(), file=self.out, flush=True)

    def note(self, text: str) -> None:
        print(("\r\x1b[K" if self.tty else "") + text, file=self.out, flush=True)
        self.redraw()

    def done(self) -> None:
        if self.tty:
            print(file=self.out, flush=True)
