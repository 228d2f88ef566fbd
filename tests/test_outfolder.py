"""The output folder: untrusted names and planted links never make licsim write elsewhere.

Every test plants real files, folders and symbolic links, runs the command line as a user
would, and compares a snapshot of everything outside the output folder before and after.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.experiments.store import remove_partial
from sim.outfolder import Kind, UnsafeOutput, claim, remove_tree, safe_name, subfolder

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "tests" / "scenarios" / "capacity-reset.yaml"


def licsim(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def snapshot(top: Path, skip: Path | None = None) -> dict[str, str]:
    """Every entry below ``top`` (not following links) with its kind and content digest."""
    seen: dict[str, str] = {}
    for here, dirs, files in os.walk(top):
        base = Path(here)
        if skip is not None and (base == skip or skip in base.parents):
            dirs[:] = []
            continue
        for name in dirs + files:
            path = base / name
            if skip is not None and path == skip:
                continue
            if path.is_symlink():
                seen[str(path)] = f"link:{os.readlink(path)}"
            elif path.is_file():
                seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                seen[str(path)] = "dir"
    return seen


def scenario_named(tmp_path: Path, name: str) -> Path:
    text = GOOD.read_text().replace("name: capacity-reset", f"name: {name!r}")
    path = tmp_path / "named.yaml"
    path.write_text(text)
    return path


# -- 1. the scenario's name chooses a folder, never a path -----------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("capacity-reset", "capacity-reset"),
        ("../../escaped", "_.._escaped~"),
        ("/tmp/absolute", "_tmp_absolute~"),
        ("..", "~"),
        (".hidden", "hidden~"),
        ("a\\b:c", "a_b_c~"),
        ("x" * 300, "x" * 80 + "~"),
    ],
)
def test_safe_name_keeps_a_name_inside_its_folder(name: str, expected: str) -> None:
    safe = safe_name(name)
    assert safe.startswith(expected)
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".") and len(safe) <= 100
    if safe != name:
        assert len(safe) == len(expected.split("~")[0]) + 11  # prefix, "~", 10 hex digits


def test_safe_name_keeps_names_that_clean_alike_apart() -> None:
    assert safe_name("a/b") != safe_name("a:b")
    assert safe_name("café") == safe_name("cafe\u0301")  # one name, two Unicode spellings


@pytest.mark.parametrize("command", ["run", "whatif"])
@pytest.mark.parametrize("name", ["../../escaped", "/tmp/licsim-absolute-name-test"])
def test_the_default_output_folder_stays_under_out(tmp_path: Path, command: str, name: str) -> None:
    work = tmp_path / "a" / "b" / "work"
    work.mkdir(parents=True)
    scenario = scenario_named(tmp_path / "a", name)
    before = snapshot(tmp_path)
    absolute_before = Path(name).exists() if name.startswith("/") else False
    if command == "run":
        args = ["--no-charts", "--no-report"]
    else:
        args = ["--outage", "prod", "--durations", "1h", "--no-charts"]
    done = licsim(command, scenario, *args, cwd=work)
    assert done.returncode == 0, done.stderr
    after = snapshot(tmp_path, skip=work / "out")
    assert after == before
    if name.startswith("/"):
        assert Path(name).exists() == absolute_before
    made = list((work / "out").iterdir())
    assert len(made) == 1 and made[0].name.startswith(safe_name(name).split("~")[0])


# -- 2. text is text in report.xlsx and in CSV --------------------------------------------------

FORMULAS = ['=HYPERLINK("http://example.invalid","x")', "+1+1", "-2+3", "@SUM(A1)"]


def formula_scenario(tmp_path: Path) -> Path:
    groups = "\n".join(
        f"""  - group: g{i}
    directory: {text!r}
    count: 1
    access: capacity
    servers: [prod]
    sessions:
      - {{at: 2026-01-30T10:00, activity: [0s, 2min]}}"""
        for i, text in enumerate(FORMULAS)
    )
    path = tmp_path / "formulas.yaml"
    path.write_text(
        "name: formulas\nstart: 2026-01-26T00:00\nduration: 10d\n"
        "licenses:\n  - {id: corp, capacity_minutes: 600}\n"
        "servers:\n  - {id: prod, license: corp}\n"
        f"users:\n{groups}\n"
    )
    return path


def test_formula_like_text_is_written_as_text(tmp_path: Path) -> None:
    import csv

    import pandas as pd
    from openpyxl import load_workbook

    out = tmp_path / "out"
    done = licsim("run", formula_scenario(tmp_path), "--out", out, "--no-charts", "--csv")
    assert done.returncode == 0, done.stderr
    book = load_workbook(out / "report.xlsx")
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    assert set(FORMULAS) <= texts  # the directory names, as they are
    with (out / "sessions.csv").open(newline="") as f:
        directories = {row["directory"] for row in csv.DictReader(f)}
    assert directories == {"'" + text for text in FORMULAS}
    # Parquet is data, not a sheet: it keeps the names unchanged.
    assert set(pd.read_parquet(out / "sessions.parquet")["directory"]) == set(FORMULAS)
    # Numbers are not text: a negative number in a numeric column stays a number.
    summary = pd.read_csv(out / "summary.csv")
    assert pd.api.types.is_float_dtype(summary["value"])


def test_neutralise_frame_quotes_text_of_every_kind_and_leaves_numbers() -> None:
    import pandas as pd

    from sim.spreadsheet import neutralise_frame

    df = pd.DataFrame(
        {
            "obj": ["=1", "ok", None],
            "cat": pd.Categorical(["@x", "=1", "y"]),
            "str": pd.array(["\tz", "+", pd.NA], dtype="string"),
            "num": [-1.0, 2.0, 3.0],
        }
    )
    safe = neutralise_frame(df)
    assert list(safe["obj"].fillna("NA")) == ["'=1", "ok", "NA"]
    assert list(safe["cat"]) == ["'@x", "'=1", "y"]
    assert list(safe["str"].fillna("NA")) == ["'\tz", "'+", "NA"]
    assert list(safe["num"]) == [-1.0, 2.0, 3.0]
    assert df["obj"][0] == "=1"  # the table itself is untouched
    plain = pd.DataFrame({"a": ["x"], "b": [1]})
    assert neutralise_frame(plain) is plain


# -- 3. links inside the output folder are never followed ---------------------------------------


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file and a folder outside the output folder that links will point at."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_text("do not touch")
    (outside / "folder" / "keep.txt").write_text("keep")
    return outside


def test_a_planted_marker_link_is_not_ownership_and_is_replaced_not_followed(
    tmp_path: Path, victim: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".licsim").symlink_to(victim / "secret.txt")
    before = snapshot(victim)
    done = licsim("run", GOOD, "--out", out, "--no-charts", "--no-report")
    assert done.returncode == 2 and "--force" in done.stderr and "Traceback" not in done.stderr
    done = licsim("run", GOOD, "--out", out, "--no-charts", "--no-report", "--force")
    assert done.returncode == 0, done.stderr
    assert snapshot(victim) == before
    assert not (out / ".licsim").is_symlink() and (out / ".licsim").is_file()


def test_links_at_table_names_are_replaced_not_written_through(
    tmp_path: Path, victim: Path
) -> None:
    out = tmp_path / "out"
    assert licsim("run", GOOD, "--out", out, "--no-charts").returncode == 0
    (out / "sessions.csv").symlink_to(victim / "secret.txt")  # a table written only with --csv
    for name in ("summary.csv", "summary.parquet", "metadata.json", "report.xlsx"):
        (out / name).unlink()
        (out / name).symlink_to(victim / "secret.txt")
    # A link under the name a temporary file might take: creation is exclusive, and the
    # temporary names are random, so it is never opened.
    (out / ".events.csv.partial-x.csv").symlink_to(victim / "secret.txt")
    before = snapshot(victim)
    done = licsim("run", GOOD, "--out", out, "--no-charts")
    assert done.returncode == 0, done.stderr
    assert snapshot(victim) == before
    for name in ("summary.csv", "summary.parquet", "metadata.json", "report.xlsx"):
        assert (out / name).is_file() and not (out / name).is_symlink()
    assert not (out / "sessions.csv").is_symlink() and not (out / "sessions.csv").exists()


def test_a_linked_charts_folder_is_unlinked_not_written_through(
    tmp_path: Path, victim: Path
) -> None:
    out = tmp_path / "out"
    assert licsim("run", GOOD, "--out", out, "--no-report").returncode == 0
    remove_tree(out / "charts")
    (out / "charts").symlink_to(victim / "folder")
    before = snapshot(victim)
    done = licsim("run", GOOD, "--out", out, "--no-report")
    assert done.returncode == 0, done.stderr
    assert snapshot(victim) == before
    assert not (out / "charts").is_symlink() and list((out / "charts").glob("*.png"))


def test_a_sweep_never_deletes_through_a_linked_variant_folder(
    tmp_path: Path, victim: Path
) -> None:
    out = tmp_path / "sweep"
    done = licsim("sweep", GOOD, "--out", out, "--reps", "2")
    assert done.returncode == 0, done.stderr
    real = out / "runs" / "variant=base"
    remove_tree(real)
    (victim / "folder" / "replication=0").mkdir()
    (victim / "folder" / "replication=0" / "piece.json").write_text("{}")
    (victim / "folder" / ".replication=1.tmp-abc").mkdir()
    real.symlink_to(victim / "folder")
    before = snapshot(victim)
    done = licsim("sweep", GOOD, "--out", out, "--reps", "2", "--seed", "9")
    assert done.returncode == 2
    assert "symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(victim) == before


def test_remove_partial_and_remove_tree_leave_link_targets_alone(
    tmp_path: Path, victim: Path
) -> None:
    out = tmp_path / "sweep"
    (out / "runs").mkdir(parents=True)
    (victim / "folder" / ".replication=0.tmp-1").mkdir()
    (out / "runs" / "variant=x").symlink_to(victim / "folder")
    link = out / "runs" / "variant=y"
    link.mkdir()
    (link / ".replication=0.tmp-2").symlink_to(victim / "folder")
    before = snapshot(victim)
    remove_partial(out)
    assert snapshot(victim) == before
    assert not (link / ".replication=0.tmp-2").exists()
    remove_tree(out / "runs" / "variant=x")
    assert snapshot(victim) == before and not (out / "runs" / "variant=x").exists()


def test_a_dangling_out_link_is_a_message(tmp_path: Path) -> None:
    out = tmp_path / "dangling"
    out.symlink_to(tmp_path / "nowhere")
    for args in (["run", GOOD, "--no-charts"], ["whatif", GOOD, "--outage", "prod"]):
        done = licsim(*args, "--out", out)
        assert done.returncode == 2, done.stderr
        assert "does not exist" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "nowhere").exists()


def test_an_out_link_to_a_folder_is_the_users_choice(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    done = licsim("run", GOOD, "--out", tmp_path / "link", "--no-charts", "--no-report")
    assert done.returncode == 0, done.stderr
    assert (target / "metadata.json").is_file()


def test_subfolder_and_claim_refuse_what_they_cannot_use(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UnsafeOutput, match="not a folder"):
        subfolder(tmp_path, "file")
    with pytest.raises(UnsafeOutput, match="is a file"):
        claim(tmp_path / "file" / "below", force=False, kind=Kind.RUN)
    (tmp_path / "link").symlink_to(tmp_path)
    with pytest.raises(UnsafeOutput, match="symbolic link"):
        subfolder(tmp_path, "link", "charts")
    assert subfolder(tmp_path, "a", "b") == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").is_dir()


# -- 4, 5. a folder knows what wrote it, and holds nothing of an earlier command -------------


def test_a_folder_refuses_another_kind_of_output(tmp_path: Path) -> None:
    run, sweep = tmp_path / "run", tmp_path / "sweep"
    assert licsim("run", GOOD, "--out", run, "--no-charts", "--no-report").returncode == 0
    assert licsim("sweep", GOOD, "--out", sweep).returncode == 0
    before = snapshot(run), snapshot(sweep)
    into_run = licsim("sweep", GOOD, "--out", run)
    into_sweep = licsim("run", GOOD, "--out", sweep)
    whatif = licsim("whatif", GOOD, "--outage", "prod", "--out", sweep)
    for done, kind in ((into_run, "run"), (into_sweep, "sweep"), (whatif, "sweep")):
        assert done.returncode == 2 and f"holds a licsim {kind}" in done.stderr, done.stderr
    assert (snapshot(run), snapshot(sweep)) == before
    assert licsim("check", run).returncode == 0
    # --force replaces the other kind's outputs instead of writing beside them.
    done = licsim("run", GOOD, "--out", sweep, "--force", "--no-charts", "--no-report")
    assert done.returncode == 0, done.stderr
    assert not (sweep / "sweep.json").exists() and not (sweep / "differences.csv").exists()
    assert (sweep / ".licsim").read_text() == "licsim run\n"
    assert licsim("check", sweep).returncode == 0


def test_a_lighter_run_removes_what_the_earlier_run_wrote(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert licsim("run", GOOD, "--out", out).returncode == 0
    assert (out / "report.html").is_file() and (out / "charts").is_dir()
    (out / "mine.txt").write_text("a file of the user's own")
    done = licsim("run", GOOD, "--out", out, "--no-charts", "--no-report")
    assert done.returncode == 0, done.stderr
    assert not (out / "charts").exists()
    assert not (out / "report.html").exists() and not (out / "report.xlsx").exists()
    assert (out / "mine.txt").read_text() == "a file of the user's own"
    assert licsim("check", out).returncode == 0


def test_a_new_sweep_removes_the_old_summary_but_keeps_its_pieces(tmp_path: Path) -> None:
    import signal
    import time

    out = tmp_path / "sweep"
    assert licsim("sweep", GOOD, "--out", out, "--reps", "2").returncode == 0
    assert (out / "summary.csv").is_file() and (out / "report.html").is_file()
    # A sweep with a new seed, killed as soon as it has started: the earlier sweep's
    # summary, sweep.json and report must not be left to describe it.
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(GOOD), "--out", str(out), "--reps", "400",
         "--seed", "9"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while (out / "summary.csv").exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    for name in ("summary.csv", "differences.csv", "sweep.json", "report.html"):
        assert not (out / name).exists(), name
    # The pieces of the first sweep stay: a re-run of it computes nothing again.
    done = licsim("sweep", GOOD, "--out", out, "--reps", "2")
    assert done.returncode == 0 and "0 run, 2 already done" in done.stdout, done.stdout
    assert (out / "sweep.json").is_file() and (out / "report.html").is_file()
