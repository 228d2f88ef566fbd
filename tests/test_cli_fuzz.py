"""Random hostile combinations of scenario text and flags, for every command.

Whatever the scenario's name, the flags and what was planted in the sandbox beforehand
(links to a folder outside, a foreign folder, a dangling link), a command must end within
its bounds of time and memory with exit status 0, 1 or 2 and no traceback, and must
create or change nothing outside the output folder it was told to use (or
``out/<safe name>`` when it was told none). The sandbox and a "victim" folder beside it
are snapshotted before and after.

The default example count keeps this file at well under a minute;
``LICSIM_FUZZ_EXAMPLES=N`` (the long fuzz mode of tests/test_scenario_fuzz.py) runs N.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import time
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.outfolder import safe_name

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "tests" / "scenarios" / "capacity-reset.yaml").read_text()
LONG = int(os.environ.get("LICSIM_FUZZ_EXAMPLES", "0"))
SECONDS = 60
"""The longest any one command may take here (every case is a 10-day, one-user run)."""
PEAK_BYTES = 1536 * 2**20
"""The most memory a command may take this test's process (or a worker it waited for) up
to: the interpreter with pandas, matplotlib and Dask loaded holds about 400 MB, so a
command that ran away would cross it."""

NAMES = ["capacity-reset", "../../escaped", "/tmp/absolute", "..", ".hidden", "a\\b", "Ünï",
         "=HYPERLINK(1)", "x" * 120, "con", "a/b/c"]  # fmt: skip
GROUPS = ["field", "=cmd|' /C calc'!A0", "+1", "@SUM(1)", "-2", "field two"]
OUTS = [None, "o1", "o1/sub", "../o2", "planted", "dangling", "a-file/below", "victim-link/x"]
SEEDS = st.one_of(st.integers(-5, 5), st.sampled_from([2**63 - 1, 2**63, 2**64, -(2**63)]))
SETS = [
    "licenses.0.capacity_minutes=6,12",
    "licenses.corp.capacity_minutes=6",
    "rules.grace=1h,1h",
    "seed=1,2",
    "name=A,a",
    "nosuch=1",
    "licenses.0=1",
    "rules.grace=",
    "=1",
    "licenses.0.capacity_minutes=" + "9" * 30,
    "users.0.count=1,2",
]
DURATIONS = ["1h", "1h,2h", "0s", "-1h", "1h,1h", "", "7d", "abc", "1e308s"]
ATS = [None, "2026-01-27T08:00", "0001-01-01T00:00", "9999-12-31T00:00", "not a time"]
TARGETS = ["prod", "backend", "nosuch", ""]
FIXTURES = ROOT / "tests" / "fixtures" / "site"
SOURCES = ["sessions.csv", "good-logs", "bad", "planted", "victim-link", "nowhere.csv", ""]
ZONES = ["UTC", "Europe/Berlin", "localtime", "Mars/Olympus", "", "+01:00"]
CSV_USERS = ["CORP\\dana", "=cmd|' /C calc'!A0", "@SUM(1)", "", "x" * 300, "a\tb"]


def scenario_text(name: str, group: str) -> str:
    return GOOD.replace("name: capacity-reset", f"name: {name!r}").replace(
        "group: field", f"group: {group!r}"
    )


@st.composite
def invocations(draw: st.DrawFn) -> tuple[str, str, list[str], str | None]:
    command = draw(st.sampled_from(["validate", "run", "whatif", "sweep", "check", "import"]))
    text = scenario_text(draw(st.sampled_from(NAMES)), draw(st.sampled_from(GROUPS)))
    out = draw(st.sampled_from(OUTS))
    args: list[str] = []
    if command in ("run", "whatif", "sweep") and draw(st.booleans()):
        args += ["--seed", str(draw(SEEDS))]
    if command in ("run", "whatif", "sweep") and draw(st.booleans()):
        args.append("--force")
    if command == "run":
        args += ["--no-charts"] if draw(st.booleans()) else []
        args += ["--no-report"] if draw(st.integers(0, 3)) else []
        if draw(st.booleans()):
            args += ["--xlsx-rows", str(draw(st.integers(-1, 5)))]
        for _ in range(draw(st.integers(0, 2))):
            args += ["--set", draw(st.sampled_from(SETS))]
    elif command == "whatif":
        args += ["--outage", draw(st.sampled_from(TARGETS)), "--no-charts"]
        args += ["--durations", draw(st.sampled_from(DURATIONS))]
        at = draw(st.sampled_from(ATS))
        args += ["--at", at] if at is not None else []
        args += ["--reps", str(draw(st.integers(0, 2)))]
    elif command == "sweep":
        for _ in range(draw(st.integers(0, 2))):
            args += ["--set", draw(st.sampled_from(SETS))]
        args += ["--reps", str(draw(st.integers(0, 2)))]
        workers = draw(st.sampled_from([None, "0", "1", "1024", "-3"]))
        args += ["--workers", workers] if workers is not None else []
        dask = draw(st.sampled_from([None, "foo://x", "tcp://", "nowhere"]))
        args += ["--dask", dask] if dask is not None else []
        out = out or "o1"  # a sweep needs --out
    elif command == "import":
        args += draw(st.lists(st.sampled_from(SOURCES), min_size=1, max_size=3))
        args += ["--timezone", draw(st.sampled_from(ZONES))]
        args += ["--name", draw(st.sampled_from(NAMES))] if draw(st.booleans()) else []
        if draw(st.booleans()):
            args += ["--max-rejected", draw(st.sampled_from(["0", "0.5", "1", "2", "-1", "nan"]))]
        args += ["--strict"] if draw(st.booleans()) else []
        args += ["--force"] if draw(st.booleans()) else []
        text = "user,start,end\n" + "".join(
            f"{user},2026-07-01T09:00,2026-07-01T09:{minute:02d}\n"
            for minute, user in enumerate(draw(st.lists(st.sampled_from(CSV_USERS), max_size=4)))
        )
        out = out or "o1"  # an import needs --out
    return command, text, args, out


WHO = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)


def _peak(who: int) -> int:
    return resource.getrusage(who).ru_maxrss * 1024  # kilobytes on Linux


def snapshot(top: Path, skip: set[Path]) -> dict[str, str]:
    seen: dict[str, str] = {}
    for here, dirs, files in os.walk(top):
        base = Path(here)
        dirs[:] = [d for d in dirs if (base / d) not in skip]
        for name in dirs + files:
            path = base / name
            if path in skip:
                continue
            if path.is_symlink():
                seen[str(path)] = "link:" + os.readlink(path)
            elif path.is_file():
                seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                seen[str(path)] = "dir"
    return seen


def plant(sandbox: Path) -> Path:
    """The sandbox: a working folder with hostile things in it, and a victim beside it."""
    victim = sandbox / "victim"
    (victim / "folder").mkdir(parents=True)
    (victim / "secret.txt").write_text("do not touch")
    work = sandbox / "work"
    planted = work / "planted"
    planted.mkdir(parents=True)
    (planted / ".licsim").symlink_to(victim / "secret.txt")
    (planted / "sessions.csv").symlink_to(victim / "secret.txt")
    (planted / "charts").symlink_to(victim / "folder")
    (planted / "mine.txt").write_text("the user's own")
    (work / "dangling").symlink_to(sandbox / "nowhere")
    (work / "a-file").write_text("a file")
    (work / "victim-link").symlink_to(victim)
    return work


@settings(
    max_examples=LONG or 15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(invocations())
def test_no_command_writes_outside_its_output_folder(
    tmp_path_factory, case: tuple[str, str, list[str], str | None]
) -> None:  # type: ignore[no-untyped-def]
    command, text, args, out = case
    sandbox = tmp_path_factory.mktemp("sandbox")
    work = plant(sandbox)
    if command == "import":
        # The "scenario" text is a session CSV; the sources are among the planted things.
        scenario = work / "sessions.csv"
        scenario.write_text(text)
        shutil.copytree(FIXTURES / "good" / "logs", work / "good-logs")
        shutil.copytree(FIXTURES / "bad", work / "bad")
        argv = [command, *args]
    else:
        scenario = work / "s.yaml"
        scenario.write_text(text)
        argv = [command, str(scenario if command != "check" else (out or "o1")), *args]
    if out is not None and command in ("run", "whatif", "sweep", "import"):
        argv += ["--out", out]
    allowed: set[Path] = {scenario}
    if out is not None:
        target = Path(os.path.normpath(work / out))
        allowed.add(target)
        # Folders on the way to the --out the user named may be created for it.
        allowed.update(p for p in target.parents if sandbox in p.parents and not p.exists())
    else:
        allowed.add(work / "out")  # out/<safe name>: checked to be the safe name below
    if out == "victim-link/x":  # a link the user names on the command line is their choice
        allowed.add(sandbox / "victim" / "x")
    before = snapshot(sandbox, allowed)
    peaks = [_peak(who) for who in WHO]
    cwd = Path.cwd()
    began = time.monotonic()
    try:
        os.chdir(work)
        result = CliRunner().invoke(main, argv, catch_exceptions=True)
    finally:
        os.chdir(cwd)
    elapsed = time.monotonic() - began
    assert result.exit_code in (0, 1, 2), (argv, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        argv,
        repr(result.exception),
    )
    assert "Traceback" not in result.output
    assert elapsed < SECONDS, (argv, elapsed)
    for who, earlier in zip(WHO, peaks, strict=True):
        # The peak of a process only grows: one this command did not raise is not its own.
        peak = _peak(who)
        assert peak == earlier or peak < PEAK_BYTES, (argv, f"peak RSS {peak / 2**20:.0f} MiB")
    assert snapshot(sandbox, allowed) == before, argv
    if out is None and (work / "out").exists():
        # out/<safe name>: one folder, directly under out/, named as safe_name makes names.
        made = [p for p in (work / "out").iterdir()]
        assert all(p.name == safe_name(p.name) or "~" in p.name for p in made), made
    shutil.rmtree(sandbox, ignore_errors=True)
