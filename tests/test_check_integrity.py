"""``licsim check`` tells a run's own files from files changed after it finished.

``metadata.json`` records the SHA-256 of every file the run wrote; each test doctors one
file of a finished run the way a careless or dishonest hand would and expects the check to
name that file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import load_scenario, simulate
from sim.check import check_run
from sim.result import write_result

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "tests" / "scenarios" / "capacity-reset.yaml"


@pytest.fixture
def run(tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    write_result(simulate(load_scenario(GOOD)), folder)
    return folder


def problems(folder: Path) -> dict[str, str]:
    found = [v for v in check_run(folder) if v.invariant == "integrity"]
    if not found:
        return {}
    return dict(zip(found[0].rows["file"], found[0].rows["problem"], strict=True))


def test_a_finished_run_matches_its_digests(run: Path) -> None:
    files = json.loads((run / "metadata.json").read_text())["files"]
    assert set(files) == {f"{t}.parquet" for t in (
        "sessions", "events", "allocations", "capacity", "capacity_use", "server_states",
        "launches", "summary"
    )} | {"capacity.csv", "server_states.csv", "summary.csv", "scenario.json"}  # fmt: skip
    assert problems(run) == {}


def test_a_deleted_denied_session_is_found(run: Path) -> None:
    sessions = pd.read_parquet(run / "sessions.parquet")
    denied = sessions["denied_reason"].notna()
    assert denied.any()
    sessions[~denied].to_parquet(run / "sessions.parquet", index=False)
    assert problems(run) == {"sessions.parquet": "changed"}


def test_an_edited_summary_csv_and_a_changed_seat_count_are_found(run: Path) -> None:
    text = (run / "summary.csv").read_text().replace('"sessions_denied",', '"sessions_denied",0', 1)
    (run / "summary.csv").write_text(text)
    scenario = json.loads((run / "scenario.json").read_text())
    scenario["licenses"][0]["capacity_minutes"] = 6000
    (run / "scenario.json").write_text(json.dumps(scenario))
    assert problems(run) == {"summary.csv": "changed", "scenario.json": "changed"}


def test_emptied_and_removed_tables_are_found(run: Path) -> None:
    events = pd.read_parquet(run / "events.parquet")
    events.head(0).to_parquet(run / "events.parquet", index=False)
    (run / "server_states.csv").unlink()
    assert problems(run) == {"events.parquet": "changed", "server_states.csv": "missing"}


def test_the_command_exits_1_and_names_the_file(run: Path) -> None:
    (run / "capacity.csv").write_text("license,month\n")
    done = subprocess.run(
        [sys.executable, "-m", "sim", "check", str(run)], capture_output=True, text=True
    )
    assert done.returncode == 1 and "integrity" in done.stdout and "capacity.csv" in done.stdout
    assert "Traceback" not in done.stderr
