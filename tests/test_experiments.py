"""Sweeps: the same tables on every executor, resumable storage, failures kept, the CLI."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim.experiments.worker as worker
from sim.charts import sweep_chart
from sim.experiments import build_variants, mean_ci, parse_assignment, safe_name, sweep
from sim.scenario import ScenarioError, parse_scenario

TINY = """\
name: tiny
seed: 5
start: 2026-03-02T00:00
duration: 10d
licenses:
  - {id: corp, professional: 2, analyzer: 8, capacity_minutes: 3000,
     allocation: {analyzer: dynamic}}
servers:
  - id: prod
    license: corp
    link_outages: [{start: 2026-03-04T06:00, duration: 24h}]
users:
  - {group: readers, count: 10, access: analyzer, servers: [prod]}
  - {group: casual, count: 10, access: capacity, servers: [prod]}
experiment:
  replications: 2
  sweep:
    servers.prod.link_outages.0.duration: [1h, 96h]
"""
PATH = "servers.prod.link_outages.0.duration"
GRID = {PATH: ["1h", "96h"], "licenses.corp.analyzer": [4, 8]}


@pytest.fixture(scope="module")
def tiny() -> Any:
    return parse_scenario(TINY, "tiny.yaml")


def canonical(table: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("variant", "replication", "metric") if c in table]
    return table.sort_values(keys, kind="stable").reset_index(drop=True)


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(canonical(a[name]), canonical(b[name]), obj=name)


@pytest.fixture(scope="module")
def serial(tiny: Any) -> Any:
    import sim

    return sim.sweep(tiny, variants=GRID, replications=2, executor="serial")


def test_variants_are_a_named_full_factorial_with_the_first_as_baseline() -> None:
    variants = build_variants(GRID)
    assert [v.name for v in variants] == [
        f"{PATH}=1h; licenses.corp.analyzer=4",
        f"{PATH}=1h; licenses.corp.analyzer=8",
        f"{PATH}=96h; licenses.corp.analyzer=4",
        f"{PATH}=96h; licenses.corp.analyzer=8",
    ]
    assert variants[1].overrides == {PATH: "1h", "licenses.corp.analyzer": 8}
    assert [v.name for v in build_variants(None)] == ["base"]
    assert safe_name(f"{PATH}=24h") == f"{PATH}=24h"
    assert "/" not in safe_name("a=x/y") and safe_name("a=x/y") != safe_name("a=x_y")


def test_serial_sweep_stacks_every_piece_with_common_random_numbers(serial: Any) -> None:
    sessions = serial.sessions
    assert sessions.groupby(["variant", "replication"]).ngroups == 8
    # Every variant's replication k plans the same sessions; replications differ.
    planned = sessions.groupby(["variant", "replication"])["start"].apply(tuple)
    for k in (0, 1):
        assert planned.xs(k, level="replication").nunique() == 1
    assert planned.xs(0, level="replication").iloc[0] != planned.xs(1, level="replication").iloc[0]
    summary = serial.summary
    assert list(summary.columns[:7]) == [
        "variant",
        "metric",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "n",
    ]
    assert set(GRID) <= set(summary.columns)
    assert (summary["n"] == 2).all()
    diff = serial.differences
    assert set(diff["variant"]) == {v.name for v in build_variants(GRID)[1:]}
    users = diff[diff["metric"] == "users"]
    assert (users["mean"] == 0).all()


def test_the_executor_and_worker_count_do_not_change_the_tables(tiny: Any, serial: Any) -> None:
    processes = sweep(tiny, GRID, 2, executor="processes", workers=2)
    assert_same(serial.tables, processes.tables)
    dask = sweep(tiny, GRID, 2, executor="dask-local", workers=2)
    assert_same(serial.tables, dask.tables)
    pd.testing.assert_frame_equal(serial.summary, dask.summary)


def test_stored_pieces_are_the_same_whoever_writes_them(
    tiny: Any, serial: Any, tmp_path: Path
) -> None:
    from dask.distributed import Client, LocalCluster

    # Local processes write their own pieces; a Client's workers send their tables back.
    local = sweep(tiny, GRID, 2, executor="processes", workers=2, out=tmp_path / "local")
    assert_same(serial.tables, dict(local.tables))
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        remote = sweep(tiny, GRID, 2, executor=client, out=tmp_path / "remote")
    assert_same(serial.tables, dict(remote.tables))
    assert len(list((tmp_path / "remote" / "runs").rglob("piece.json"))) == 8


def test_an_interrupted_sweep_resumes_with_only_the_missing_pieces(
    tiny: Any, tmp_path: Path
) -> None:
    whole = sweep(tiny, GRID, 2, out=tmp_path / "whole")
    assert whole.computed == 8 and not list((tmp_path / "whole").rglob(".*tmp-*"))

    class Interrupt(Exception):
        pass

    def stop_after_three(done: int, total: int, outcome: dict[str, Any]) -> None:
        if done == 3:
            raise Interrupt

    out = tmp_path / "resumed"
    with pytest.raises(Interrupt):
        sweep(tiny, GRID, 2, out=out, progress=stop_after_three)
    assert len(list((out / "runs").glob("variant=*/replication=*/piece.json"))) == 3
    # A half-written piece is never taken as finished.
    half = out / "runs" / "variant=x" / ".replication=0.tmp-dead"
    half.mkdir(parents=True)
    seen: list[tuple[str, int]] = []
    resumed = sweep(
        tiny,
        GRID,
        2,
        out=out,
        progress=lambda d, t, o: seen.append((o["variant"], o["replication"])),
    )
    assert resumed.computed == 5 and resumed.skipped == 3 and len(seen) == 5
    assert not half.exists()
    assert_same(whole.tables, resumed.tables)
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "whole" / "summary.csv"), pd.read_csv(out / "summary.csv")
    )
    again = sweep(tiny, GRID, 2, out=out)
    assert again.computed == 0 and again.skipped == 8
    # A different seed does not reuse the stored pieces.
    assert sweep(tiny, GRID, 2, out=out, seed=99).computed == 8


def test_raising_variants_are_failures_and_the_others_complete(
    tiny: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = worker.simulate

    def flaky(scenario: Any, **kwargs: Any) -> Any:
        if scenario.licenses[0].analyzer == 7:
            raise RuntimeError("engine exploded")
        return real(scenario, **kwargs)

    monkeypatch.setattr(worker, "simulate", flaky)
    grid = {"users.0.count": [10, 12], "licenses.corp.analyzer": [8, 7]}
    result = sweep(tiny, grid, 2, out=tmp_path)
    failures = pd.read_csv(tmp_path / "failures.csv")
    assert list(failures.columns) == ["variant", "replication", "error_type", "message"]
    assert len(failures) == 4  # analyzer=7 (both counts) × 2 reps
    assert set(failures["error_type"]) == {"RuntimeError"}
    assert set(failures["message"]) == {"engine exploded"}
    assert set(result.sessions["variant"]) == {
        "users.0.count=10; licenses.corp.analyzer=8",
        "users.0.count=12; licenses.corp.analyzer=8",
    }
    assert len(pd.read_csv(tmp_path / "summary.csv")) > 0


def test_an_invalid_value_stops_the_sweep_before_any_run(
    tiny: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every variant is validated up front: a bad value is said once (it is in two
    variants), with its path and value, and nothing runs or is written."""
    ran: list[object] = []
    monkeypatch.setattr(worker, "simulate", lambda *a, **k: ran.append(a))
    grid = {"users.0.count": [10, -3], "licenses.corp.analyzer": [8, 7]}
    with pytest.raises(ScenarioError) as caught:
        sweep(tiny, grid, 2, out=tmp_path / "out")
    assert [str(p) for p in caught.value.problems] == ["users[0].count: -3 — expected at least 1"]
    assert not ran and not (tmp_path / "out").exists()


def test_a_path_that_leads_nowhere_fails_the_whole_sweep(tiny: Any) -> None:
    with pytest.raises(ScenarioError, match="link_outage"):
        sweep(tiny, {"servers.prod.link_outage.0.duration": ["1h"]}, 1)


def test_mean_ci_is_a_student_t_interval() -> None:
    mean, sd, low, high, n = mean_ci(np.array([1.0, 2.0, 3.0, np.nan]))
    assert (mean, sd, n) == (2.0, 1.0, 3)
    assert high - mean == mean - low == pytest.approx(4.3027 / np.sqrt(3), abs=1e-4)
    assert np.isnan(mean_ci(np.array([5.0]))[2])


def test_sweep_confidence_sets_the_intervals_of_both_tables(tiny: Any, tmp_path: Path) -> None:
    wide = sweep(tiny, GRID, 2, out=tmp_path, confidence=0.99)
    assert json.loads((tmp_path / "sweep.json").read_text())["confidence"] == 0.99
    for table in (wide.summary, wide.differences):
        spread = table[table["sd"] > 0].iloc[0]
        # two replications: half-width = t(0.995, 1) · sd / √2 = 63.657 · sd / √2
        assert spread["ci_high"] - spread["mean"] == pytest.approx(
            63.657 * spread["sd"] / np.sqrt(2), rel=1e-4
        )


def test_sweep_chart_draws_a_band_per_other_parameter(serial: Any) -> None:
    fig = sweep_chart(serial.summary, "sessions_denied", PATH)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2 and len(ax.collections) == 2
    with pytest.raises(KeyError):
        sweep_chart(serial.summary, "no_such_metric", PATH)


def test_set_values_are_yaml_scalars() -> None:
    assert parse_assignment("a.b=1h, 24h,3,true") == ("a.b", ["1h", "24h", 3, True])
    for bad in ("a.b", "a.b=", "=1", "a=[1,"):
        with pytest.raises(ValueError):
            parse_assignment(bad)


def licsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)], capture_output=True, text=True, timeout=300
    )


def test_cli_sweep_writes_the_summary_and_rejects_a_bad_set(tmp_path: Path) -> None:
    file = tmp_path / "tiny.yaml"
    file.write_text(TINY)
    out = tmp_path / "out"
    done = licsim("sweep", file, "--out", out, "--reps", "2", "--set", f"{PATH}=1h,96h")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and "4 run" in done.stdout  # no progress bar off a TTY
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["variant"]) == {f"{PATH}=1h", f"{PATH}=96h"} and (summary["n"] == 2).all()
    assert (out / "differences.csv").is_file()
    report = (out / "report.html").read_text()
    assert "data:image/png;base64," in report and f"{PATH}=96h" in report
    assert (out / "runs" / f"variant={PATH}=96h" / "replication=1" / "sessions.parquet").is_file()
    bad = licsim("sweep", file, "--out", out, "--set", "servers.prod.link_outage.0.duration=1h")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "has no key 'link_outage'" in bad.stderr
    bad = licsim("sweep", file, "--out", out, "--set", "rules.grace")
    assert bad.returncode == 2 and "expected PATH=V1,V2" in bad.stderr
