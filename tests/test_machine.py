"""usable_cpus: a container's CPU quota (cgroup v2 cpu.max) and the affinity mask bound the pools."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bulletin_press import machine


@pytest.fixture
def cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine of 8 cores, whatever this one has; the process in the root group."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    monkeypatch.setattr(machine, "_own_group", lambda: "")


@pytest.mark.parametrize("cpu_max, expected", [
    ("max 100000\n", 8),  # no quota: the affinity mask
    ("200000 100000\n", 2),  # docker --cpus 2
    ("150000 100000\n", 2),  # 1.5 cores: two threads still get work done
    ("50000 100000\n", 1),
    ("1600000 100000\n", 8),  # a quota above the cores the process may run on
])
def test_the_quota_bounds_the_cores(tmp_path: Path, cores: None, cpu_max: str, expected: int) -> None:
    (tmp_path / "cpu.max").write_text(cpu_max)
    assert machine.usable_cpus(tmp_path) == expected


def test_no_cgroup_file_leaves_the_affinity(tmp_path: Path, cores: None) -> None:
    assert machine.usable_cpus(tmp_path) == 8


def test_a_garbled_file_is_ignored(tmp_path: Path, cores: None) -> None:
    (tmp_path / "cpu.max").write_text("lots\n")
    assert machine.usable_cpus(tmp_path) == 8


def test_the_process_own_group_is_read(tmp_path: Path, cores: None, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cpu.max").write_text("max 100000\n")
    (tmp_path / "ci" / "job").mkdir(parents=True)
    (tmp_path / "ci" / "job" / "cpu.max").write_text("300000 100000\n")
    monkeypatch.setattr(machine, "_own_group", lambda: "ci/job")
    assert machine.usable_cpus(tmp_path) == 3


def test_without_affinity_the_cpu_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    (tmp_path / "cpu.max").write_text("400000 100000\n")
    assert machine.usable_cpus(tmp_path) == 4


def test_this_machine() -> None:
    assert 1 <= machine.usable_cpus() <= (os.cpu_count() or 1)
