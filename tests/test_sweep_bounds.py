"""A sweep refuses what it cannot do before it starts, and its workers never outlive it.

Through the command line, as a user would type it: grids counted before they are built,
two paths to one field, values that repeat once read, worker counts beyond the machine,
Dask addresses that lead nowhere, and a parent killed or interrupted mid-sweep.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.experiments.executors import dask_address_problem, worker_limit
from sim.experiments.grid import MAX_VARIANTS, count_variants
from sim.outfolder import safe_name

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "tests" / "scenarios" / "capacity-reset.yaml"
ENTERPRISE = ROOT / "scenarios" / "enterprise.yaml"


def licsim(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in done.stderr, done.stderr


def test_a_huge_grid_is_counted_and_refused_before_it_is_built(tmp_path: Path) -> None:
    # Ten paths of ten values would be 10**10 variants; two real paths of 101 values each
    # are already over the limit, and are refused as fast as they are counted.
    many = ",".join(str(v) for v in range(6, 6 * 102, 6))
    began = time.monotonic()
    hours = ",".join(f"{h}h" for h in range(1, 102))
    sets = ["--set", f"licenses.0.capacity_minutes={many}", "--set", f"rules.grace={hours}"]
    done = licsim("sweep", GOOD, "--out", tmp_path / "s", *sets)
    refused(done, "101 × 101 = 10,201 variants", f"at most {MAX_VARIANTS:,}")
    assert time.monotonic() - began < 30
    assert not (tmp_path / "s").exists()  # refused before the folder was made
    assert count_variants({f"p{i}": list(range(10)) for i in range(10)}) == 10**10


@pytest.mark.parametrize(
    "sets, words",
    [
        (["licenses.corp.capacity_minutes=6", "licenses.0.capacity_minutes=12"],
         ["the same field as", "licenses.0.capacity_minutes"]),
        (["licenses.0=6", "licenses.corp.capacity_minutes=12"], ["overlaps"]),
        (["rules.grace=10h,10h"], ["appears twice"]),
        (["seed=true,'true'"], ["appears twice"]),
    ],
)  # fmt: skip
def test_two_ways_to_one_variant_are_refused_before_the_folder(
    tmp_path: Path, sets: list[str], words: list[str]
) -> None:
    args = [x for s in sets for x in ("--set", s)]
    refused(licsim("sweep", GOOD, "--out", tmp_path / "s", *args), *words)
    assert not (tmp_path / "s").exists()


def test_variant_folders_differ_on_a_file_system_that_ignores_case(tmp_path: Path) -> None:
    """macOS and Windows ignore case: emulate that name space by case-folding every folder
    name a sweep made, and require as many distinct names as variants."""
    done = licsim("sweep", GOOD, "--out", tmp_path / "s", "--set", "name=Alpha,alpha,ALPHA")
    assert done.returncode == 0, done.stderr
    folders = [p.name for p in (tmp_path / "s" / "runs").iterdir()]
    assert len(folders) == 3 and len({f.casefold() for f in folders}) == 3
    names = ["name=Alpha", "name=alpha", "name=ALPHA", "a~b", "A~b"]
    assert len({safe_name(n).casefold() for n in names}) == len(names)


def test_workers_beyond_the_machine_are_refused(tmp_path: Path) -> None:
    limit, _ = worker_limit()
    refused(licsim("sweep", GOOD, "--out", tmp_path / "s", "--workers", "1024"),
            "--workers: 1024", f"expected at most {limit}", "core")  # fmt: skip
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    "address, words",
    [("foo://x", ["unknown scheme 'foo'"]), ("tcp://", ["expected a host"]),
     ("somewhere", ["expected 'local' or an address"])],
)  # fmt: skip
def test_bad_dask_addresses_are_refused_as_written(
    tmp_path: Path, address: str, words: list[str]
) -> None:
    refused(licsim("sweep", GOOD, "--out", tmp_path / "s", "--dask", address), *words)
    assert dask_address_problem("tcp://127.0.0.1:8786") is None


def test_no_scheduler_is_one_line_within_seconds(tmp_path: Path) -> None:
    began = time.monotonic()
    done = licsim("sweep", GOOD, "--out", tmp_path / "s", "--dask", "tcp://127.0.0.1:1")
    refused(done, "no Dask scheduler at tcp://127.0.0.1:1")
    assert time.monotonic() - began < 30


@pytest.mark.parametrize("command", [["run", GOOD], ["whatif", GOOD, "--outage", "prod"],
                                     ["sweep", GOOD, "--out", "unused"]])  # fmt: skip
def test_a_negative_seed_names_the_option(command: list[str | Path]) -> None:
    done = licsim(*command, "--seed", "-5")
    assert done.returncode == 2 and "--seed" in done.stderr and "Traceback" not in done.stderr


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def _descendants(parent: int) -> list[int]:
    found = _children(parent)
    for child in list(found):
        found += _descendants(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_sweep(out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(ENTERPRISE), "--out", str(out),
         "--reps", "40", "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def _wait_for_workers(process: subprocess.Popen[bytes], count: int) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = [
            pid for pid in _children(process.pid)
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]  # fmt: skip
        if len(workers) >= count:
            return workers
        time.sleep(0.1)
    raise AssertionError("the sweep started no workers")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_end_when_their_sweep_is_killed(tmp_path: Path) -> None:
    process = _start_sweep(tmp_path / "s")
    workers = _wait_for_workers(process, 2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 15
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived their sweep"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_ctrl_c_ends_a_parallel_sweep_with_one_line(tmp_path: Path) -> None:
    process = _start_sweep(tmp_path / "s")
    workers = _wait_for_workers(process, 2)
    deadline = time.monotonic() + 90  # a stored piece: the workers are at work
    while time.monotonic() < deadline and not list((tmp_path / "s").glob("runs/*/*/piece.json")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    _, err = process.communicate(timeout=60)
    text = err.decode()
    assert process.returncode == 130  # Ctrl-C's status
    assert "Traceback" not in text and len(text.strip().splitlines()) <= 1, text
    deadline = time.monotonic() + 15
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_scheduler_dying_mid_sweep_is_one_line_and_keeps_the_pieces(tmp_path: Path) -> None:
    """A real Dask scheduler and worker on loopback; the scheduler is killed once the sweep
    has stored a piece. The sweep ends with one line, and a re-run reuses what it stored."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    host, port = address.removeprefix("tcp://").split(":")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", host, "--port", port,
         "--no-dashboard"], **quiet,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
         "--nthreads", "1", "--no-dashboard"], **quiet,
    )  # fmt: skip
    out = tmp_path / "s"
    try:
        sweep = subprocess.Popen(
            [sys.executable, "-m", "sim", "sweep", str(ENTERPRISE), "--out", str(out),
             "--reps", "40", "--dask", address],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and sweep.poll() is None:
            if list(out.glob("runs/*/replication=*/piece.json")):
                break
            time.sleep(0.1)
        scheduler.kill()
        _, err = sweep.communicate(timeout=90)
    finally:
        scheduler.kill()
        worker.kill()
        scheduler.wait(timeout=30)
        worker.wait(timeout=30)
    text = err.decode()
    assert sweep.returncode == 2, text
    assert "Traceback" not in text and len(text.strip().splitlines()) == 1, text
    assert "lost the Dask scheduler" in text
    stored = len(list(out.glob("runs/*/replication=*/piece.json")))
    assert 1 <= stored < 40
    done = licsim("sweep", ENTERPRISE, "--out", out, "--reps", "40", timeout=600)
    assert done.returncode == 0 and f"{stored} already done" in done.stdout, done.stdout


def _local_dask_sweep_at_work(out: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    """A sweep on a local Dask cluster, once it has stored a piece, and the processes of
    its cluster (the cluster's own process and its two workers)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(ENTERPRISE), "--out", str(out),
         "--reps", "60", "--dask", "local", "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if list(out.glob("runs/*/replication=*/piece.json")):
            break
        time.sleep(0.1)
    cluster = _descendants(process.pid)
    assert len(cluster) >= 3, "expected the cluster and its two workers"
    return process, cluster


def _all_gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 20
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not [pid for pid in pids if _alive(pid)]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_ctrl_c_ends_a_sweep_on_a_local_dask_cluster_with_one_line(tmp_path: Path) -> None:
    process, cluster = _local_dask_sweep_at_work(tmp_path / "s")
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    _, err = process.communicate(timeout=90)
    text = err.decode()
    assert process.returncode == 130  # Ctrl-C's status
    assert "Traceback" not in text and len(text.strip().splitlines()) <= 1, text
    assert _all_gone(cluster), "the cluster outlived its sweep"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_local_dask_cluster_ends_when_its_sweep_is_killed(tmp_path: Path) -> None:
    process, cluster = _local_dask_sweep_at_work(tmp_path / "s")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert _all_gone(cluster), "the cluster outlived its sweep"
