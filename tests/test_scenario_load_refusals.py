"""Scenario files that would make the same text give other tables, or never end reading.

A ``!!set`` has no order (server order and the tables would follow Python's string hash),
``timezone: localtime`` is the host's setting, two ``<<`` merge keys silently drop one,
and a FIFO or a device given as the file would block ``licsim validate`` forever.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario

BASE = """name: x
start: 2026-01-05T00:00
duration: 2d
timezone: {zone}
licenses:
  - {{id: corp, capacity_minutes: 600}}
servers:
  - {{id: prod, license: corp}}
  - {{id: test, license: corp}}
users:
  - group: a
    count: 1
    access: capacity
    servers: {servers}
"""


def write(tmp_path: Path, zone: str = "UTC", servers: str = "[prod, test]") -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(BASE.format(zone=zone, servers=servers))
    return path


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip


def test_the_plain_file_is_valid(tmp_path: Path) -> None:
    assert load_scenario(write(tmp_path)).users[0].servers == ["prod", "test"]


@pytest.mark.parametrize("tag", ["!!set {prod: null, test: null}", "!!omap [{prod: 1}]",
                                 "!!pairs [{prod: 1}]", "!!binary aGVsbG8="])  # fmt: skip
def test_tags_of_unordered_or_foreign_types_are_refused(tmp_path: Path, tag: str) -> None:
    done = validate(write(tmp_path, servers=tag))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    name = tag.split()[0]
    assert "line 14" in done.stderr and f"the tag {name} is not accepted" in done.stderr


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory"])
def test_a_host_dependent_timezone_is_refused(tmp_path: Path, zone: str) -> None:
    with pytest.raises(ScenarioError, match="depends on the machine"):
        load_scenario(write(tmp_path, zone=zone))


def test_two_merge_keys_in_one_mapping_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "x: &a {count: 1}\ny: &b {count: 2}\nusers:\n  - group: g\n    <<: *a\n    <<: *b\n"
    )
    done = validate(path)
    assert done.returncode == 2 and "line 6" in done.stderr and "two merge keys" in done.stderr


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    done = validate(fifo)  # the timeout of 30 s would fire if it were opened
    assert done.returncode == 2 and "named pipe (FIFO), not a regular file" in done.stderr


def test_a_device_is_refused() -> None:
    done = validate(Path("/dev/zero"))
    assert done.returncode == 2 and "is a device, not a regular file" in done.stderr
