"""Hostile values and flags give one clear line and exit status 2, with nothing written.

Each case was a traceback, a hang or a misleading message before (Reliability 2, items 12
and 14): it must now name the file or option, the value and what was expected.
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "tests" / "scenarios" / "capacity-reset.yaml"


def licsim(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )  # fmt: skip


def one_line(done: subprocess.CompletedProcess[str], *words: str, status: int = 2) -> None:
    assert done.returncode == status, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def changed(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(GOOD.read_text())
    change(data)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def _docs(d: dict) -> None:  # type: ignore[type-arg]
    d["users"][0]["behaviour"] = {"documents": {"a": float("inf")}}
    del d["users"][0]["sessions"]


CASES = {
    "documents-inf": (_docs, ["users[0].behaviour.documents.a", "finite"]),
    "minutes-2^64": (lambda d: d["licenses"][0].update(capacity_minutes=2**64),
                     ["licenses[0].capacity_minutes", "less than 2^53"]),
    "control-character-id": (lambda d: d["users"][0].update(group="fi\x07eld"),
                             ["users[0].group", "control characters"]),
    "nul-in-name": (lambda d: d.update(name="a\x00b"), ["name", "control characters"]),
    "300-character-name": (lambda d: d.update(name="n" * 300), ["name", "at most 100"]),
    "server-called-backend": (lambda d: (d["servers"][0].update(id="backend"),
                                         d["users"][0].update(servers=["backend"])),
                              ["servers[0].id", "names the license backend"]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_values_are_one_line_before_anything_is_written(
    tmp_path: Path, case: str, command: str
) -> None:
    change, words = CASES[case]
    path = changed(tmp_path, change)
    out = tmp_path / "out"
    args = ["--out", out] if command == "run" else []
    one_line(licsim(command, path, *args), str(path), *words)
    assert not out.exists()


def test_a_timestamp_tag_as_a_time_of_day_says_what_to_write(tmp_path: Path) -> None:
    text = GOOD.read_text().replace(
        "    sessions:\n", "    behaviour: {day_start: {mean: !!timestamp 09:00}}\n    sessions:\n"
    )
    path = tmp_path / "t.yaml"
    path.write_text(text)
    done = licsim("validate", path)
    assert done.returncode == 2 and "expected an ISO 8601 date" in done.stderr
    assert "groupdict" not in done.stderr


def test_two_unicode_spellings_of_one_id_are_one_id(tmp_path: Path) -> None:
    composed, decomposed = "café", unicodedata.normalize("NFD", "café")
    assert composed != decomposed

    def spell(d: dict) -> None:  # type: ignore[type-arg]
        d["servers"][0]["id"] = composed
        d["users"][0]["servers"] = [decomposed]

    scenario = load_scenario(changed(tmp_path, spell))
    assert scenario.users[0].servers == [scenario.servers[0].id] == [composed]


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", GOOD, "--seed", "-1"], ["--seed", "-1"]),
        (["run", GOOD, "--out", "/tmp/" + "x" * 300], ["--out", "File name too long"]),
        (["whatif", GOOD, "--outage", "prod", "--at", "0001-01-01T00:00"],
         ["--at", "outside the simulated period"]),
        (["whatif", GOOD, "--outage", "prod", "--at", "9999-12-31T00:00"],
         ["--at", "outside the simulated period"]),
    ],
)  # fmt: skip
def test_bad_flags_are_one_line(tmp_path: Path, args: list[object], words: list[str]) -> None:
    done = licsim(*args, cwd=tmp_path)  # type: ignore[arg-type]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


def test_out_under_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    one_line(licsim("run", GOOD, "--out", tmp_path / "file" / "out"), "which is a file")


@pytest.mark.parametrize("damage", ["drop-column", "text-times"])
def test_check_of_tables_with_wrong_columns_or_types_is_one_line(
    tmp_path: Path, damage: str
) -> None:
    out = tmp_path / "run"
    assert licsim("run", GOOD, "--out", out, "--no-charts", "--no-report").returncode == 0
    sessions = pd.read_parquet(out / "sessions.parquet")
    if damage == "drop-column":
        sessions = sessions.drop(columns=["start"])
    else:
        sessions["start"] = sessions["start"].astype(str)
    sessions.to_parquet(out / "sessions.parquet", index=False)
    one_line(licsim("check", out), "do not have the columns and types of a licsim run")


def test_a_thirty_digit_set_value_stops_the_sweep_with_one_line(tmp_path: Path) -> None:
    setting = "licenses.0.capacity_minutes=" + "1" * 30
    done = licsim("sweep", GOOD, "--out", tmp_path / "s", "--set", setting)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "less than 2^53" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s").exists()  # validated before anything runs or is written
