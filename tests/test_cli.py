"""The command line: runs write every table and chart; bad input exits 2 without a traceback."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

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


def test_run_writes_tables_charts_and_prints_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = licsim("run", GOOD, "--out", out)
    assert done.returncode == 0, done.stderr
    # Every table in Parquet; the small ones people read in CSV too, the large ones only
    # with --csv.
    for table in ("capacity", "server_states", "summary"):
        assert len(pd.read_parquet(out / f"{table}.parquet")) == len(
            pd.read_csv(out / f"{table}.csv")
        )
    for table in ("sessions", "events", "allocations", "capacity_use", "launches"):
        assert (out / f"{table}.parquet").is_file() and not (out / f"{table}.csv").exists()
    assert "in Parquet only" in done.stdout
    for chart in ("capacity", "capacity_burn_down", "denials", "duration_curve"):
        assert (out / "charts" / f"{chart}.png").stat().st_size > 1000
    # Capacity only, never an outage: no seat chart and no timeline, and the report says so.
    assert not (out / "charts" / "allocations.png").exists()
    assert not (out / "charts" / "server_timeline.png").exists()
    assert "sessions_attempted" in done.stdout
    # Zero breakdowns (no QlikView, no desktops here) stay in summary.csv only.
    summary = pd.read_csv(out / "summary.csv").set_index("metric")["value"]
    assert summary["sessions_session_cal"] == 0 and "sessions_session_cal" not in done.stdout
    assert "breakdowns that are zero: see summary.csv" in done.stdout
    assert not list(out.rglob("*.partial*"))
    html = (out / "report.html").read_text()
    assert "allocated seats per pool (no seats in this scenario)" in html
    assert "server license states (every server licensed throughout, no outage)" in html
    pngs = sorted((out / "charts").glob("*.png"))
    assert html.count("data:image/png;base64,") == len(pngs)
    # The report embeds the very images of charts/ (drawn once for both).
    import base64

    assert all(base64.b64encode(p.read_bytes()).decode() in html for p in pngs)
    book = pd.read_excel(out / "report.xlsx", sheet_name=None)
    assert len(book["sessions"]) == len(pd.read_parquet(out / "sessions.parquet"))


def test_run_csv_writes_every_table_as_csv_equal_to_parquet_to_the_second(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    done = licsim("run", ENTERPRISE, "--out", out, "--csv", "--no-charts", "--no-report")
    assert done.returncode == 0, done.stderr
    for table in ("sessions", "events", "allocations", "capacity_use", "summary"):
        parquet = pd.read_parquet(out / f"{table}.parquet")
        csv = pd.read_csv(out / f"{table}.csv")
        assert list(csv.columns) == list(parquet.columns) and len(csv) == len(parquet)
        for name, column in parquet.items():
            if isinstance(column.dtype, pd.DatetimeTZDtype):
                # ISO 8601 in the scenario's zone with its offset, to the second
                assert (
                    csv[name]
                    .dropna()
                    .str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
                    .all()
                )
                read = pd.to_datetime(csv[name], utc=True)
                pd.testing.assert_series_equal(
                    read.astype("datetime64[ns, UTC]"),
                    column.dt.floor("s").dt.tz_convert("UTC").astype("datetime64[ns, UTC]"),
                    check_names=False,
                )
            elif pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
                assert (csv[name].fillna(-1) == column.astype(float).fillna(-1)).all(), name
            else:

                def text(v: object) -> str | None:
                    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
                        return None
                    return str(v).lower() if isinstance(v, bool) else str(v)

                assert list(map(text, csv[name])) == list(map(text, column)), name


def test_run_cuts_long_sheets_of_the_workbook_and_can_skip_reports(tmp_path: Path) -> None:
    done = licsim("run", GOOD, "--out", tmp_path / "a", "--no-charts", "--xlsx-rows", "3")
    assert done.returncode == 0, done.stderr
    book = pd.read_excel(tmp_path / "a" / "report.xlsx", sheet_name=None)
    assert len(book["sessions"]) == 2 and "sessions" in set(book["notes"]["table"])
    done = licsim("run", GOOD, "--out", tmp_path / "b", "--no-charts", "--no-report")
    assert done.returncode == 0 and not (tmp_path / "b" / "report.html").exists()
    assert (tmp_path / "b" / "metadata.json").is_file()


def test_run_refuses_a_foreign_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    done = licsim("run", GOOD, "--out", tmp_path, "--no-charts")
    assert done.returncode == 2 and "--force" in done.stderr
    assert licsim("run", GOOD, "--out", tmp_path, "--no-charts", "--force").returncode == 0
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_run_refuses_an_out_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("not a folder")
    done = licsim("run", GOOD, "--out", tmp_path / "out", "--no-charts", "--force")
    assert done.returncode == 2 and ("is a file" in done.stderr or "not a folder" in done.stderr)
    assert "Traceback" not in done.stderr


def test_validate_accepts_every_example(scenarios_dir: Path) -> None:
    for f in sorted(scenarios_dir.glob("*.yaml")):
        done = licsim("validate", f)
        assert done.returncode == 0, done.stderr
        assert "valid" in done.stdout


BASE = """\
name: bad
start: 2026-01-05T00:00
duration: 7d
licenses: [{id: corp, professional: 2, analyzer: 5}]
servers: [{id: prod, license: corp}]
users: [{group: g, count: 2, access: analyzer, servers: [prod]}]
"""


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (BASE + "colour: blue\n", ["colour", "unknown key"]),
        (BASE.replace("count: 2", "count: lots"), ["users[0].count", "'lots'"]),
        (BASE.replace("duration: 7d", "duration: 7 fortnights"), ["duration", "7 fortnights"]),
        (BASE.replace("servers: [prod]", "servers: [prdo]"), ["users[0].servers", "prdo"]),
        (BASE.replace("license: corp", "license: corpx"), ["servers[0].license", "corpx"]),
        (BASE.replace("professional: 2", "professional: 0"), ["licenses[0]", "Professional"]),
        (
            BASE.replace("analyzer: 5}", "analyzer: 5, term: perpetual, capacity_minutes: 100}"),
            ["licenses[0]", "subscription"],
        ),
        (
            BASE.replace("analyzer: 5}", "analyzer: 5, tokens: {user_passes: 3}}"),
            ["licenses[0]", "token"],
        ),
        ("name: [unclosed\n", ["line"]),
        ("", ["empty"]),
        ("just a string\n", ["mapping"]),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "bad-duration",
        "dangling-group-server",
        "dangling-license",
        "analyzer-without-professional",
        "capacity-on-perpetual",
        "tokens-with-analyzer",
        "not-yaml",
        "empty",
        "not-a-mapping",
    ],
)
def test_malformed_scenarios_exit_2_with_a_clear_message(
    tmp_path: Path, text: str, needles: list[str]
) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    for command in ("validate", "run"):
        done = (
            licsim(command, f, "--out", tmp_path / "o") if command == "run" else licsim(command, f)
        )
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        assert "bad.yaml" in done.stderr
        for needle in needles:
            assert needle in done.stderr, done.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    done = licsim("validate", tmp_path / "nope.yaml")
    assert done.returncode == 2 and "Traceback" not in done.stderr


ENTERPRISE = ROOT / "scenarios" / "enterprise.yaml"


def test_run_set_gives_the_tables_of_the_edited_file(tmp_path: Path) -> None:
    # The same change made by hand in a copy of the file is the independent reference.
    edited = tmp_path / "edited.yaml"
    text = ENTERPRISE.read_text()
    assert text.count("analyzer: 160") == 1
    edited.write_text(text.replace("analyzer: 160", "analyzer: 120"))
    by_hand = licsim("run", edited, "--out", tmp_path / "hand", "--no-charts", "--no-report")
    by_set = licsim(
        "run", ENTERPRISE, "--out", tmp_path / "set", "--no-charts", "--no-report",
        "--set", "licenses.corp.analyzer=120",
    )  # fmt: skip
    assert by_hand.returncode == 0 and by_set.returncode == 0, by_set.stderr
    for table in ("sessions", "allocations", "summary"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "hand" / f"{table}.parquet"),
            pd.read_parquet(tmp_path / "set" / f"{table}.parquet"),
        )
    summary = pd.read_csv(tmp_path / "set" / "summary.csv").set_index("metric")["value"]
    assert summary["denied_no_seat"] > 0  # 120 seats are too few for this site
    import json

    meta = json.loads((tmp_path / "set" / "metadata.json").read_text())
    assert meta["overrides"] == {"licenses.corp.analyzer": 120}
    assert licsim("check", tmp_path / "set").returncode == 0


@pytest.mark.parametrize(
    ("sets", "words"),
    [
        (["licenses.corp.analyzer=1,2"], "expected one value"),
        (["licenses.corp.analyzr=1"], "has no key 'analyzr'"),
        (["licenses.corp.analyzer=-4"], "licenses[0].analyzer: -4 — expected at least 0"),
        (["licenses.corp.analyzer=4", "licenses.0.analyzer=5"], "the same field as"),
        (["licenses.corp.analyzer=4", "licenses.corp.analyzer=5"], "is given twice"),
        (["analyzer"], "expected PATH=V1,V2"),
    ],
)
def test_run_set_refuses_bad_overrides_before_writing(
    tmp_path: Path, sets: list[str], words: str
) -> None:
    args = [a for s in sets for a in ("--set", s)]
    done = licsim("run", ENTERPRISE, "--out", tmp_path / "o", *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("--set: ") and words in done.stderr, done.stderr
    assert not (tmp_path / "o").exists()


def test_whatif_set_applies_before_the_study(tmp_path: Path) -> None:
    # A 4-hour backend outage is inside the default 72 h grace, so no session is denied for
    # an expired grace; with --set rules.grace=1h the last 3 hours are past it.
    extra = {}
    for name, sets in (("default", []), ("short", ["--set", "rules.grace=1h"])):
        done = licsim(
            "whatif", ENTERPRISE, "--outage", "backend", "--durations", "4h", "--no-charts",
            "--out", tmp_path / name, *sets,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        extra[name] = pd.read_csv(tmp_path / name / "whatif.csv")["extra_denied_grace_expired"][0]
    assert extra["default"] == 0 and extra["short"] > 0
