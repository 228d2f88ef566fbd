"""``licsim import`` through the command line: a hand-written site, malformed files, the example."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "tests" / "fixtures" / "site"
EXAMPLE = ROOT / "examples" / "site"


def licsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)], capture_output=True, text=True, timeout=300
    )


def test_hand_written_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    done = licsim(
        "import",
        SITE / "good" / "logs",
        SITE / "good" / "qrs",
        "--out",
        out,
        "--timezone",
        "Europe/Berlin",
    )
    assert done.returncode == 0, done.stderr
    trace = pd.read_parquet(out / "trace.parquet")
    # alice twice (QS1, and QS2's archived log), bob, ext01; the INTERNAL row is left out
    assert len(trace) == 4
    assert sorted(zip(trace["directory"], trace["user"], strict=True)) == [
        ("CORP", "alice"),
        ("CORP", "alice"),
        ("CORP", "bob"),
        ("PARTNER", "ext01"),
    ]
    # 25 min 12 s + 60 min + 45 min + 30 min = 160.2 min
    assert trace["duration_s"].sum() == pytest.approx(160.2 * 60)
    assert str(trace["start"].dt.tz) == "Europe/Berlin"
    assert trace["start"].iloc[0] == pd.Timestamp("2026-01-04 11:30", tz="Europe/Berlin")
    # ext01's proxy session p3 ran through the virtual proxy "ext"
    assert trace.set_index("user").loc["ext01", "virtual_proxy"] == "ext"
    den = pd.read_parquet(out / "denials.parquet")
    assert den["reason"].tolist() == ["parallel_limit", "no_seat"]
    state = json.loads((out / "license_state.json").read_text())
    assert state["overview"]["analyzer"]["total"] == 5
    scen = yaml.safe_load((out / "scenario.yaml").read_text())
    assert scen["licenses"][0]["professional"] == 2 and scen["licenses"][0]["analyzer"] == 5
    assert [s["id"] for s in scen["servers"]] == ["QS1", "QS2"]
    # groups: alice Professional; bob and ext01 Analyzer (carol is quarantined, not counted)
    assert [(g["group"], g["access"]) for g in scen["users"]] == [
        ("professional", "professional"),
        ("analyzer", "analyzer"),
    ]
    groups = load_scenario(out / "scenario.yaml").users
    assert [g.user_names() for g in groups] == [["CORP\\alice"], ["CORP\\bob", "PARTNER\\ext01"]]
    assert "sessions: 4 used, 1 rejected" in done.stdout
    assert "users: 3 (CORP 2, PARTNER 1)" in done.stdout
    val = licsim("validate", out / "scenario.yaml")
    assert val.returncode == 0, val.stderr


@pytest.mark.parametrize(
    ("folder", "args", "place"),
    [
        ("missing_column", (), "QS1_Session_Engine.txt:1: column 'Session Start': missing column"),
        (
            "bad_timestamp",
            ("--strict",),
            "QS1_Session_Engine.txt:3 column 'Session Start' value '2026-13-45T25:61'",
        ),
        ("bad_timestamp", (), "1 of 2 rows rejected (50.0%"),
        ("truncated", (), "QS1_Session_Engine.txt:4"),
        (
            "mixed_encoding",
            (),
            "QS1_Session_Engine.txt:3: column 'ActiveUserId': bytes that are not UTF-8",
        ),
        ("bad_json", (), "accesstypeoverview.json:3: not valid JSON"),
    ],
)
def test_malformed_files_exit_2_naming_the_place(
    tmp_path: Path, folder: str, args: tuple[str, ...], place: str
) -> None:
    done = licsim("import", SITE / "bad" / folder, "--out", tmp_path / "o", *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert place in done.stderr, done.stderr
    assert not (tmp_path / "o" / "trace.parquet").exists()


def test_unknown_timezone_exits_2(tmp_path: Path) -> None:
    done = licsim("import", SITE / "csv", "--out", tmp_path / "o", "--timezone", "Mars/Olympus")
    assert done.returncode == 2 and "unknown time zone 'Mars/Olympus'" in done.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--timezone", "localtime"), "'localtime' depends on the machine"),
        (("--name", "bad\x07name"), "--name: 'bad\\x07name': expected a scenario name without"),
        (("--name", "x" * 300), "expected a scenario name of at most 100 characters"),
    ],
)
def test_a_failed_import_keeps_the_import_already_in_the_folder(
    tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    out = tmp_path / "o"
    assert licsim("import", SITE / "csv", "--out", out).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    done = licsim("import", SITE / "csv", "--out", out, *args)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_timezone_applies_to_local_times_only(tmp_path: Path) -> None:
    # the CSV's 09:00 is wall-clock time: 07:00 UTC in Berlin summer, 09:00 UTC with UTC;
    # the engine log's 09:10+01:00 is the same instant under both
    for tz, csv_utc in (("Europe/Berlin", "2026-07-01 07:00"), ("UTC", "2026-07-01 09:00")):
        out = tmp_path / tz.replace("/", "_")
        done = licsim(
            "import",
            SITE / "csv",
            SITE / "good" / "logs" / "QS1" / "QS1_Session_Engine.txt",
            "--out",
            out,
            "--timezone",
            tz,
        )
        assert done.returncode == 0, done.stderr
        t = pd.read_parquet(out / "trace.parquet").set_index("user")
        assert t.loc["dana", "start"].tz_convert("UTC") == pd.Timestamp(csv_utc, tz="UTC")
        assert t.loc["alice", "start"].tz_convert("UTC") == pd.Timestamp(
            "2026-01-05 08:10", tz="UTC"
        )
        assert str(t["start"].dt.tz) == tz


def test_example_site_reproduces_the_generators_totals(tmp_path: Path) -> None:
    expected = json.loads((EXAMPLE / "expected.json").read_text())
    out = tmp_path / "site"
    done = licsim(
        "import", EXAMPLE / "logs", EXAMPLE / "qrs", "--out", out, "--timezone", "Europe/Berlin"
    )
    assert done.returncode == 0, done.stderr
    trace = pd.read_parquet(out / "trace.parquet")
    assert len(trace) == expected["sessions"]
    assert trace[["directory", "user"]].drop_duplicates().shape[0] == expected["users"]
    assert trace["server"].value_counts().sort_index().to_dict() == expected["sessions_by_server"]
    # the logs keep milliseconds, the generator's totals microseconds
    assert trace["duration_s"].sum() / 3600 == pytest.approx(expected["session_hours"], abs=0.01)
    report = json.loads((out / "import.json").read_text())
    assert report["rows_rejected"] == expected["rejected"]
    den = pd.read_parquet(out / "denials.parquet")
    assert den["reason"].value_counts().to_dict() == expected["denials"]
    scen = load_scenario(out / "scenario.yaml")
    assert {g.group: g.count for g in scen.users} == expected["seats"]
    assert scen.licenses[0].professional == expected["seat_totals"]["professional"]
    assert licsim("validate", out / "scenario.yaml").returncode == 0


def test_the_example_site_replays_its_history_and_fewer_seats_deny_more(tmp_path: Path) -> None:
    # The generator's own totals (expected.json) are the reference, not the trace.
    expected = json.loads((EXAMPLE / "expected.json").read_text())
    site = tmp_path / "site"
    done = licsim("import", EXAMPLE / "logs", EXAMPLE / "qrs", "--out", site, "--timezone",
                  "Europe/Berlin")  # fmt: skip
    assert done.returncode == 0, done.stderr
    runs = {}
    for name, sets in (("own", []), ("fewer", ["--set", "licenses.site.analyzer=120"])):
        out = tmp_path / name
        done = licsim("run", site / "scenario.yaml", "--out", out, "--no-charts", "--no-report",
                      *sets)  # fmt: skip
        assert done.returncode == 0, done.stderr
        summary = pd.read_csv(out / "summary.csv").set_index("metric")["value"]
        runs[name] = (summary, pd.read_parquet(out / "sessions.parquet"))
    own, s_own = runs["own"]
    assert own["sessions_attempted"] == own["sessions_granted"] == expected["sessions"]
    assert own["users"] == expected["users"]
    assert own["session_hours"] == pytest.approx(expected["session_hours"], abs=0.01)
    fewer, s_fewer = runs["fewer"]
    assert fewer["denied_no_seat"] > 0
    # The same sessions in the same order (common random numbers): every session refused
    # under the site's own 147 Analyzer seats is refused under 120 too.
    assert (s_own["start"].to_numpy() == s_fewer["start"].to_numpy()).all()
    refused_own = set(s_own.index[s_own["denied_reason"].notna()])
    refused_fewer = set(s_fewer.index[s_fewer["denied_reason"] == "no_seat"])
    assert refused_own <= refused_fewer and len(refused_fewer) == fewer["denied_no_seat"]


def test_anonymise_replaces_every_user_consistently_across_sources(tmp_path: Path) -> None:
    plain, hidden, again = tmp_path / "plain", tmp_path / "hidden", tmp_path / "again"
    common = [EXAMPLE / "logs", EXAMPLE / "qrs", "--timezone", "Europe/Berlin"]
    assert licsim("import", *common, "--out", plain).returncode == 0
    for out in (hidden, again):
        done = licsim("import", *common, "--out", out, "--anonymise", "--salt", "s3cret")
        assert done.returncode == 0, done.stderr
    real = set(pd.read_parquet(plain / "trace.parquet")["user"])
    assert "u0001" in real  # the generator's CORP\u0001
    tables = {
        name: pd.read_parquet(hidden / f"{name}.parquet")
        for name in ("trace", "denials", "proxy_sessions")
    }
    state = json.loads((hidden / "license_state.json").read_text())
    seat_users = {s["user"] for seats in state["seats"].values() for s in seats}
    everything = (
        "".join(t.astype(str).to_csv() for t in tables.values())
        + json.dumps(state)
        + (hidden / "scenario.yaml").read_text()
    )
    assert not [u for u in real if u in everything]
    trace_users = set(tables["trace"]["user"])
    assert all(u.startswith("u-") and len(u) == 18 for u in trace_users)
    # one person, one pseudonym: the denied users and the seat holders are trace users
    assert set(tables["denials"]["user"]) <= trace_users | seat_users
    assert len(seat_users & trace_users) == 150
    # the same salt gives the same pseudonyms; the replay still gives back the history
    assert set(pd.read_parquet(again / "trace.parquet")["user"]) == trace_users
    assert json.loads((hidden / "import.json").read_text())["anonymised"] is True
    done = licsim("run", hidden / "scenario.yaml", "--out", tmp_path / "run", "--no-charts",
                  "--no-report")  # fmt: skip
    summary = pd.read_csv(tmp_path / "run" / "summary.csv").set_index("metric")["value"]
    assert summary["sessions_granted"] == 6920 and summary["users"] == 150


@pytest.mark.parametrize(
    ("args", "words"),
    [(("--salt", "x"), "--salt: only used with --anonymise"),
     (("--anonymise", "--salt", ""), "expected some text")],
)  # fmt: skip
def test_salt_without_anonymise_or_empty_is_refused(
    tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    done = licsim("import", SITE / "csv", "--out", tmp_path / "o", *args)
    assert done.returncode == 2 and words in done.stderr
    assert not (tmp_path / "o").exists()


def test_holidays_of_the_sites_calendar_reach_calibrated_yaml(tmp_path: Path) -> None:
    """``--holiday``: the hand-written site (Sun 2026-01-04 to Tue 2026-01-06) with Tue 6
    given as a holiday of its calendar: every fitted group gets it (the trace alone, with
    sessions that day, does not make it one); a date that does not exist is exit 2."""
    args = (SITE / "good" / "logs", SITE / "good" / "qrs", "--timezone", "Europe/Berlin")
    done = licsim("import", *args, "--out", tmp_path / "o", "--holiday", "2026-01-06")
    assert done.returncode == 0, done.stderr
    groups = load_scenario(tmp_path / "o" / "calibrated.yaml").users
    assert groups and [list(g.behaviour.holidays) for g in groups] == [[date(2026, 1, 6)]] * len(
        groups
    )
    plain = licsim("import", *args, "--out", tmp_path / "p")
    assert plain.returncode == 0, plain.stderr
    assert not any(
        g.behaviour.holidays for g in load_scenario(tmp_path / "p" / "calibrated.yaml").users
    )
    bad = licsim("import", *args, "--out", tmp_path / "b", "--holiday", "2026-02-30")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "--holiday" in bad.stderr and "2026-02-30" in bad.stderr
