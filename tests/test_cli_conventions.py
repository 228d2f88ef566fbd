"""The command line's conventions, one test each (issue 16, "a command line that behaves").

Exit status 0 for success, 1 for a result that fails (a failed sweep piece, a broken
invariant), 2 for bad input, 130 for Ctrl-C with one line on standard error; ``-V``;
``--quiet`` prints one line; ``--json`` prints what the tables hold; "did you mean" for a
near miss; sweep values validated before the first run; ``licsim check`` on a sweep piece;
``--dask`` without Dask. Ctrl-C is a real SIGINT sent to the command's process group (as a
terminal does) once a marker of progress is on disk, never after a bare sleep.
"""

from __future__ import annotations

import fcntl
import importlib.metadata
import json
import math
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
ENTERPRISE = ROOT / "scenarios" / "enterprise.yaml"
FIREWALL = ROOT / "scenarios" / "firewall-outage.yaml"

TINY = """\
name: tiny
seed: 5
start: 2026-03-02T00:00
duration: 5d
licenses:
  - {id: corp, professional: 2, analyzer: 8, capacity_minutes: 3000,
     allocation: {analyzer: dynamic}}
servers:
  - {id: prod, license: corp}
users:
  - {group: readers, count: 10, access: analyzer, servers: [prod]}
  - {group: casual, count: 10, access: capacity, servers: [prod]}
"""


def licsim(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The enterprise example with about 70,000 sessions: seconds of simulating and writing."""
    text = ENTERPRISE.read_text()
    text = text.replace("count: 150", "count: 500").replace("analyzer: 160", "analyzer: 600")
    path = tmp_path_factory.mktemp("scenario") / "enterprise-big.yaml"
    path.write_text(text)
    return path


# --- exit status and -V ------------------------------------------------------------------


def test_version_is_the_package_metadata() -> None:
    version = importlib.metadata.version("licsim")
    for flag in ("-V", "--version"):
        done = licsim(flag)
        assert done.returncode == 0 and done.stdout == f"licsim, version {version}\n"


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["validate", ENTERPRISE], 0),
        (["validate", ROOT / "no-such.yaml"], 2),
        (["run", ENTERPRISE, "--no-such-option"], 2),
        (["run", ENTERPRISE, "--set", "rules.grace"], 2),
        (["check", ROOT / "scenarios"], 2),
    ],
)
def test_exit_status(args: list[str | Path], status: int) -> None:
    done = licsim(*args)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr


# --- --quiet -----------------------------------------------------------------------------


def test_quiet_run_and_whatif_print_one_line(tiny: Path, tmp_path: Path) -> None:
    loud = licsim("run", tiny, "--out", tmp_path / "a", "--no-charts", "--no-report")
    quiet = licsim("run", tiny, "--out", tmp_path / "b", "--no-charts", "--no-report", "-q")
    assert loud.stdout.count("\n") > 5 and quiet.stdout.count("\n") == 2  # + the Parquet note
    what = ["whatif", tiny, "--outage", "prod", "--durations", "1h,24h", "--no-charts"]
    what += ["--at", "2026-03-03T08:00"]
    loud = licsim(*what, "--out", tmp_path / "c")
    quiet = licsim(*what, "--out", tmp_path / "d", "--quiet")
    assert "extra denied" in loud.stdout and loud.stdout.count("\n") == 4
    assert quiet.returncode == 0 and quiet.stdout.count("\n") == 1
    assert "extra denied" not in quiet.stdout


def on_a_terminal(*args: str | Path) -> tuple[int, str]:
    """Run licsim with standard output on a pseudo-terminal (so progress is drawn) and
    return its status and standard error, where the progress bar goes."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=ROOT,
        stdout=follower,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(follower)
    try:
        while True:  # drain the terminal so the command never blocks on it
            try:
                if not os.read(leader, 4096):
                    break
            except OSError:  # the terminal closes when the command ends
                break
        _, err = process.communicate(timeout=300)
    finally:
        os.close(leader)
    return process.returncode, err


def test_quiet_sweep_draws_no_progress_bar_on_a_terminal(tiny: Path, tmp_path: Path) -> None:
    sweep = ["sweep", tiny, "--reps", "2", "--set", "licenses.corp.analyzer=6,8"]
    status, err = on_a_terminal(*sweep, "--out", tmp_path / "a")
    assert status == 0 and "4/4" in err  # tqdm's bar: four runs of four
    status, err = on_a_terminal(*sweep, "--out", tmp_path / "b", "--quiet")
    assert status == 0 and "4/4" not in err and err == ""


def test_quiet_import_prints_one_line(tmp_path: Path) -> None:
    logs = ROOT / "examples" / "site" / "logs"
    done = licsim("import", logs, "--out", tmp_path / "i", "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("wrote: ")


# --- --json ------------------------------------------------------------------------------


def test_run_json_is_summary_csv(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = licsim("run", tiny, "--out", out, "--no-charts", "--no-report", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # nothing but the document on standard output
    assert data["scenario"] == "tiny" and data["out"] == str(out)
    csv = pd.read_csv(out / "summary.csv")
    assert list(data["summary"][0]) == list(csv.columns)
    assert [r["metric"] for r in data["summary"]] == list(csv["metric"])
    assert [r["value"] for r in data["summary"]] == pytest.approx(list(csv["value"]))
    assert [r["unit"] for r in data["summary"]] == list(csv["unit"])


def test_whatif_json_is_whatif_csv(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "w"
    done = licsim(
        "whatif", tiny, "--outage", "backend", "--durations", "1h,96h", "--reps", "2",
        "--at", "2026-03-03T08:00", "--out", out, "--no-charts", "--json", "--confidence", "0.9",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["confidence"] == 0.9 and data["replications"] == 2
    csv = pd.read_csv(out / "whatif.csv")
    assert [r["duration"] for r in data["table"]] == list(csv["duration"])
    for row, (_, expected) in zip(data["table"], csv.iterrows(), strict=True):
        for column, value in expected.items():
            if column == "duration":
                continue
            if isinstance(value, float) and math.isnan(value):
                assert row[column] is None, column  # JSON has no NaN: null
            else:
                assert row[column] == pytest.approx(value), column
    assert json.loads((out / "whatif.json").read_text())["confidence"] == 0.9


def test_check_json(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert licsim("run", tiny, "--out", out, "--no-charts", "--no-report").returncode == 0
    done = licsim("check", out, "--json")
    data = json.loads(done.stdout)
    assert done.returncode == 0 and data["ok"] is True and data["violations"] == []
    assert data["piece"] is False and data["rows"] > 0 and data["files"] > 0
    summary = pd.read_parquet(out / "summary.parquet")
    summary.loc[summary["metric"] == "sessions_granted", "value"] += 1
    summary.to_parquet(out / "summary.parquet", index=False)
    done = licsim("check", out, "--json")
    data = json.loads(done.stdout)
    assert done.returncode == 1 and data["ok"] is False
    assert {v["invariant"] for v in data["violations"]} >= {"integrity", "summary_from_tables"}


# --- did you mean ------------------------------------------------------------------------


def test_did_you_mean_an_access_type(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.replace("access: analyzer", "access: analyser"))
    done = licsim("validate", bad)
    assert done.returncode == 2
    assert f"{bad}: users[0].access: 'analyser' — did you mean 'analyzer'? expected one of" in (
        done.stderr
    )


def test_did_you_mean_a_license_id(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.replace("license: corp", "license: crop"))
    done = licsim("validate", bad)
    assert done.returncode == 2
    assert "servers[0].license: 'crop' — did you mean 'corp'? expected one of the license ids" in (
        done.stderr
    )


def test_did_you_mean_an_outage_target(tiny: Path, tmp_path: Path) -> None:
    done = licsim("whatif", tiny, "--outage", "prdo", "--out", tmp_path / "w")
    assert done.returncode == 2 and not (tmp_path / "w").exists()
    assert "--outage: 'prdo' is not an outage target in 'tiny'; did you mean 'prod'?" in (
        done.stderr
    )


@pytest.mark.parametrize(
    ("path", "nearest"),
    [
        ("rules.gracee=1h", "rules.grace"),
        ("licenze.corp.analyzer=3", "licenses.corp.analyzer"),
        ("licenses.crop.analyzer=3", "licenses.corp.analyzer"),
        ("licenses.corp.analyser=3", "licenses.corp.analyzer"),
    ],
)
def test_did_you_mean_a_set_path(tiny: Path, tmp_path: Path, path: str, nearest: str) -> None:
    done = licsim("run", tiny, "--out", tmp_path / "r", "--set", path)
    assert done.returncode == 2 and not (tmp_path / "r").exists()
    assert f"did you mean {nearest!r}?" in done.stderr


# --- sweep values validated up front ------------------------------------------------------


def test_a_bad_sweep_value_stops_the_command_before_anything_runs(
    tiny: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sweep"
    done = licsim(
        "sweep", tiny, "--out", out, "--set", "users.readers.count=10,-3",
        "--set", "licenses.corp.analyzer=6,8",
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    # Said once, though two variants hold it; with the path and the value.
    assert done.stderr == "--set: users[0].count: -3 — expected at least 1\n"
    assert not out.exists()


# --- licsim check on a sweep piece --------------------------------------------------------


def test_check_accepts_a_sweep_piece(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    done = licsim("sweep", tiny, "--out", out, "--set", "licenses.corp.analyzer=6,8")
    assert done.returncode == 0, done.stderr
    piece = out / "runs" / "variant=licenses.corp.analyzer=8" / "replication=0"
    done = licsim("check", piece)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok: ") and "sweep piece" in done.stdout
    summary = pd.read_parquet(piece / "summary.parquet")
    summary.loc[summary["metric"] == "sessions_granted", "value"] += 1
    summary.to_parquet(piece / "summary.parquet", index=False)
    done = licsim("check", piece)
    assert done.returncode == 1 and done.stdout.startswith("summary_from_tables: ")
    (piece / "piece.json").unlink()  # not a piece any more, nor a run
    done = licsim("check", piece)
    assert done.returncode == 1 and "metadata.json missing" in done.stdout


# --- Dask is an extra ---------------------------------------------------------------------


def test_dask_without_dask_installed_says_how_to_install_it(tiny: Path, tmp_path: Path) -> None:
    # Packages named dask and distributed that fail to import shadow the real ones.
    shadow = tmp_path / "shadow"
    for name in ("dask", "distributed"):
        (shadow / name).mkdir(parents=True)
        (shadow / name / "__init__.py").write_text(f"raise ImportError('No module named {name}')")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shadow), str(ROOT)])}
    out = tmp_path / "sweep"
    done = licsim("sweep", tiny, "--out", out, "--dask", "local", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("--dask: Dask is not installed")
    assert "pip install 'licsim[dask]'" in done.stderr and not out.exists()
    # Everything else works without it.
    assert licsim("sweep", tiny, "--out", out, env=env).returncode == 0


# --- Ctrl-C -------------------------------------------------------------------------------


def interrupt_when(process: subprocess.Popen[str], ready: Callable[[], bool]) -> str:
    """Send SIGINT to ``process``'s group, as a terminal's Ctrl-C does, as soon as
    ``ready()`` holds; return its standard error."""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline and not ready():
        time.sleep(0.002)
    assert process.poll() is None, "the command ended before the marker was seen"
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    return err


def start(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a job in a terminal
        # A suite started in the background inherits SIGINT ignored, as a shell does for
        # asynchronous commands; the command must see Ctrl-C as it would in a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def no_partial(out: Path) -> bool:
    return not [p for p in out.rglob("*") if ".partial" in p.name or ".tmp-" in p.name]


def test_ctrl_c_during_a_run(big: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = start("run", big, "--out", out)
    err = interrupt_when(
        process, lambda: out.is_dir() and any(".partial" in p.name for p in out.iterdir())
    )
    assert process.returncode == 130 and err == "licsim run: interrupted\n"
    assert not (out / "metadata.json").exists() and no_partial(out)
    assert licsim("check", out).returncode != 0  # an unfinished folder, said so


def test_ctrl_c_during_a_whatif(big: Path, tmp_path: Path) -> None:
    out = tmp_path / "whatif"
    process = start("whatif", big, "--outage", "prod", "--durations", "1h,2h,3h", "--out", out)
    err = interrupt_when(process, lambda: (out / ".licsim").exists())
    assert process.returncode == 130 and err == "licsim whatif: interrupted\n", err
    assert not (out / "whatif.json").exists() and no_partial(out)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_during_a_sweep(tiny: Path, tmp_path: Path, workers: str) -> None:
    out = tmp_path / "sweep"
    grid = ["--set", "licenses.corp.analyzer=4,6,8", "--reps", "3", "--workers", workers]
    process = start("sweep", tiny, "--out", out, *grid)
    err = interrupt_when(process, lambda: any(out.glob("runs/*/replication=*/piece.json")))
    assert process.returncode == 130 and err == "licsim sweep: interrupted\n"
    assert not (out / "summary.csv").exists() and no_partial(out)
    # The pieces stored before the interruption are whole: the next sweep reuses them.
    done = licsim("sweep", tiny, "--out", out, *grid)
    assert done.returncode == 0 and "0 failed" in done.stdout
    assert ", 0 already done" not in done.stdout


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["check", "FOLDER"], "sim.check.check_run"),
        (["import", "FOLDER", "--out", "OUT"], "sim.importers.site_import.import_site"),
        (["validate", ENTERPRISE], "sim.cli.validate.load_scenario"),
    ],
)
def test_ctrl_c_in_any_command_is_one_line_and_130(
    args: list[str | Path], where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(where, interrupted)
    args = [str(tmp_path / "o") if a == "OUT" else str(tmp_path) if a == "FOLDER" else a
            for a in args]  # fmt: skip
    done = CliRunner().invoke(main, [str(a) for a in args])
    assert done.exit_code == 130
    assert done.stderr == f"licsim {args[0]}: interrupted\n"
    assert not (tmp_path / "o").exists()


def test_run_and_whatif_show_progress_on_a_terminal_and_the_command_time(
    tiny: Path, tmp_path: Path
) -> None:
    # On a terminal the phases are announced, with a bar of the days simulated (of the
    # runs for a what-if); the last line gives the engine's time beside the command's.
    def stderr_on_terminal(*args: str | Path) -> tuple[int, str]:
        leader, follower = pty.openpty()
        # A new pseudo-terminal is 0 columns wide; a bar needs a width to draw in.
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        process = subprocess.Popen(
            [sys.executable, "-m", "sim", *map(str, args)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
        )
        os.close(follower)
        seen = b""
        try:
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            out, _ = process.communicate(timeout=300)
        finally:
            os.close(leader)
        return process.returncode, seen.decode(errors="replace") + "\n" + out

    status, shown = stderr_on_terminal("run", tiny, "--out", tmp_path / "a", "--no-report")
    assert status == 0
    assert "simulate …" in shown and "charts …" in shown and "day/s" in shown
    assert "engine " in shown and " s, command " in shown
    status, quiet = stderr_on_terminal("run", tiny, "--out", tmp_path / "b", "-q")
    assert status == 0 and "simulate …" not in quiet and "day/s" not in quiet
    status, shown = stderr_on_terminal(
        "whatif",
        tiny,
        "--outage",
        "prod",
        "--durations",
        "1h",
        "--at",
        "2026-03-03T09:00",
        "--out",
        tmp_path / "w",
    )
    assert status == 0 and "simulate …" in shown and "run/s" in shown
    assert "engine " in shown and " s, command " in shown


def test_a_ctrl_c_inside_pydantics_serializer_is_still_a_ctrl_c() -> None:
    # pydantic wraps a KeyboardInterrupt raised while it dumps a model in a ValueError;
    # reported as such, a Ctrl-C during a what-if exited 2 ("whatif: Error calling …").
    from typing import Annotated

    from pydantic import BaseModel, PlainSerializer

    from sim.cli.conventions import interrupt_behind

    def stop(value: int) -> int:
        raise KeyboardInterrupt

    class Model(BaseModel):
        x: Annotated[int, PlainSerializer(stop)]

    with pytest.raises(ValueError) as caught:
        Model(x=1).model_dump()
    with pytest.raises(KeyboardInterrupt):
        interrupt_behind(caught.value)
    interrupt_behind(ValueError("a bad value"))  # anything else is left to its handler
