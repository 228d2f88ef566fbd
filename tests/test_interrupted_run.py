"""A killed ``licsim run`` never leaves a folder that looks finished.

The rule (sim/result.py): a run folder is complete if and only if it holds
``metadata.json``, and a file with a final name is never truncated. Each test starts the
command line in a subprocess, waits for a moment in the writing (a ``.partial`` file, a
table with its final name, the charts, the report) and kills it with SIGKILL. The kill may land
anywhere, even after the run finished, so the assertion is the rule itself: either the
folder is complete and consistent, or it has no ``metadata.json``; in both cases every
file with a final name reads back whole.
"""

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sim.result import TABLES

ROOT = Path(__file__).resolve().parent.parent

Trigger = Callable[[Path], bool]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The enterprise example with about 70,000 sessions: a few seconds of writing."""
    text = (ROOT / "scenarios" / "enterprise.yaml").read_text()
    text = text.replace("count: 150", "count: 500").replace("analyzer: 160", "analyzer: 600")
    path = tmp_path_factory.mktemp("scenario") / "enterprise-big.yaml"
    path.write_text(text)
    return path


def start(scenario: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(scenario), "--out", str(out), *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_when(process: subprocess.Popen[bytes], out: Path, ready: Trigger) -> None:
    """SIGKILL ``process`` as soon as ``ready(out)`` holds (or let it end first)."""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if ready(out):
            break
        time.sleep(0.002)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def partial_exists(out: Path) -> bool:
    return out.is_dir() and any(".partial" in p.name for p in out.iterdir())


def final(name: str) -> Trigger:
    return lambda out: (out / name).exists()


def charts_begun(out: Path) -> bool:
    return (out / "charts").is_dir() and any((out / "charts").iterdir())


def read_back(path: Path) -> int | None:
    """Read a file with a final name in full; its row count for tables."""
    if path.suffix == ".csv":
        return len(pd.read_csv(path))
    if path.suffix == ".parquet":
        return len(pd.read_parquet(path))
    if path.suffix == ".json":
        json.loads(path.read_text())
    elif path.suffix == ".png":
        assert path.read_bytes().endswith(b"IEND\xaeB`\x82")
    elif path.suffix == ".html":
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    elif path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            assert book.testzip() is None
    return None


def assert_honest(out: Path) -> bool:
    """The folder is complete and consistent, or visibly unfinished. Returns which."""
    rows: dict[str, int | None] = {}
    for path in sorted(out.rglob("*")):
        if path.is_dir() or path.name == ".licsim":
            continue
        if ".partial" in path.name:
            assert path.name.startswith("."), path
            continue
        rows[str(path.relative_to(out))] = read_back(path)
    if "metadata.json" not in rows:
        return False
    for table in TABLES:
        if f"{table}.csv" in rows:
            assert rows[f"{table}.csv"] == rows[f"{table}.parquet"], table
    summary = pd.read_parquet(out / "summary.parquet").set_index("metric")
    assert summary.loc["sessions_attempted", "value"] == rows["sessions.parquet"]
    return True


@pytest.mark.parametrize(
    "ready",
    [partial_exists, final("sessions.parquet"), final("capacity.parquet"), final("scenario.json"),
     charts_begun, final("report.html")],
    ids=["first-partial", "first-table", "middle-table", "last-table", "charts", "report"],
)  # fmt: skip
def test_a_killed_run_leaves_no_complete_looking_folder(
    scenario: Path, tmp_path: Path, ready: Trigger
) -> None:
    out = tmp_path / "out"
    process = start(scenario, out)
    kill_when(process, out, ready)
    # A run that ended by itself must be complete; a killed one may be either.
    assert assert_honest(out) or process.returncode != 0


def test_a_rerun_after_a_kill_completes_the_folder(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = start(scenario, out, "--no-charts", "--no-report", "--seed", "1")
    assert first.wait(timeout=300) == 0
    assert assert_honest(out)
    old = (out / "sessions.parquet").stat().st_mtime_ns

    # A second run into the folder, killed once it has replaced its first table. Whenever
    # a new table is seen, a metadata.json seen just before must be the new run's own.
    stale: list[int] = []

    def replaced(o: Path) -> bool:
        try:
            seed = json.loads((o / "metadata.json").read_text())["seed"]
        except FileNotFoundError:
            seed = None
        try:
            if (o / "sessions.parquet").stat().st_mtime_ns == old:
                return False
        except FileNotFoundError:  # removed with the rest of the old run: not yet replaced
            return False
        if seed == 1:
            stale.append(seed)
        return True

    second = start(scenario, out, "--no-charts", "--no-report", "--seed", "2")
    kill_when(second, out, replaced)
    assert not stale, "the old metadata.json survived a new run's writes"
    assert assert_honest(out) or second.returncode != 0

    third = start(scenario, out, "--no-charts", "--no-report", "--seed", "2")
    assert third.wait(timeout=300) == 0
    assert assert_honest(out)
    assert json.loads((out / "metadata.json").read_text())["seed"] == 2
    assert not [p for p in out.rglob("*") if "partial" in p.name]


def test_a_killed_whatif_study_is_never_complete_looking(scenario: Path, tmp_path: Path) -> None:
    """``whatif.json`` is removed when a study starts and written last: a study killed after
    its tables has none, even in a folder that held a complete earlier study."""
    out = tmp_path / "whatif"
    args = [sys.executable, "-m", "sim", "whatif", str(scenario), "--outage", "prod",
            "--durations", "1h,2h", "--out", str(out)]  # fmt: skip
    assert subprocess.run(args, cwd=ROOT, capture_output=True, timeout=300).returncode == 0
    first = json.loads((out / "whatif.json").read_text())
    assert set(first["files"]) == {"whatif.csv", "whatif_runs.csv", "whatif_lost.csv", "whatif.png"}
    process = subprocess.Popen(
        [*args, "--seed", "5"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # The old study's files go first; kill once the new study's first table is in place.
    kill_when(process, out, lambda o: not (o / "whatif.json").exists() and final("whatif.csv")(o))
    if process.returncode != 0:
        assert not (out / "whatif.json").exists()
        assert not (out / "whatif.png").exists()  # the old chart did not survive
