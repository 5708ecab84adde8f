"""How many cores this process may really use: its CPU affinity and its container's CPU quota."""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def usable_cpus(cgroup: Path = CGROUP) -> int:
    """The cores a pool should be sized by: os.cpu_count() counts the host's, while a container
    (docker --cpus, a CI runner) may be pinned to fewer (sched_getaffinity) or given a share of them
    (cgroup v2 cpu.max "quota period"; "max" when unlimited). At least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows: no affinity to read
        cores = os.cpu_count() or 1
    quota = _cpu_max(cgroup)
    return max(1, min(cores, quota) if quota else cores)


def _cpu_max(cgroup: Path) -> int | None:
    """The cgroup v2 quota in whole cores, rounded up (1.5 cores lets two threads run); None when unset."""
    try:
        quota, period = (cgroup / _own_group() / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        try:  # inside a container the group is mounted as the root
            quota, period = (cgroup / "cpu.max").read_text().split()[:2]
        except (OSError, ValueError):
            return None
    if quota == "max" or not quota.isdigit() or not period.isdigit() or int(period) == 0:
        return None
    return max(1, math.ceil(int(quota) / int(period)))


def _own_group() -> str:
    """This process's cgroup v2 path ("0::/user.slice/…" in /proc/self/cgroup), relative."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return line[3:].lstrip("/")
    except OSError:
        pass
    return ""
