"""Outage what-if studies: matched comparisons against a baseline with the same random numbers."""

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim import load_scenario, parse_scenario, simulate
from sim.cli import main
from sim.intervals import mean_ci
from sim.rules.reasons import DENIAL_REASONS
from sim.scenario import parse_duration
from sim.whatif import (
    METRICS,
    WhatIf,
    default_outage_start,
    outage_whatif,
    t_quantile,
)

ROOT = Path(__file__).resolve().parent.parent
FIREWALL = ROOT / "scenarios" / "firewall-outage.yaml"
DURATIONS = ["1h", "24h", "48h", "72h", "96h", "7d"]

# Two weeks of weekday users, nobody on weekends.
SMALL = """\
name: small-office
seed: 5
start: 2026-01-05T00:00
duration: 14d
timezone: Europe/Stockholm
licenses:
  - id: corp
    professional: 2
    analyzer: 20
    capacity_minutes: 20000
    allocation: {professional: manual, analyzer: dynamic}
servers:
  - {id: prod, license: corp}
  - {id: test, role: test, license: corp}
users:
  - {group: builders, count: 2, access: professional, servers: [prod, test]}
  - {group: readers, count: 15, access: analyzer, servers: [prod]}
  - group: casual
    count: 20
    access: capacity
    servers: [prod]
    behaviour: {sessions_per_day: 1, clicks_per_session: 20}
"""


def licsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def firewall() -> WhatIf:
    # replace=True: vary the file's own 4-day firewall outage on prod instead of stacking a
    # second outage inside it. The outage starts at the default, Monday 2026-03-09 08:00.
    sc = load_scenario(FIREWALL)
    return outage_whatif(
        sc, "prod", [parse_duration(d) for d in DURATIONS], labels=DURATIONS, replace=True
    )


@pytest.fixture(scope="module")
def small_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "small.yaml"
    path.write_text(SMALL)
    return path


def by_duration(study: WhatIf) -> pd.DataFrame:
    return study.table.set_index("duration")


def test_default_start_is_a_warm_monday_morning() -> None:
    at = default_outage_start(load_scenario(FIREWALL))
    assert at == datetime.fromisoformat("2026-03-09T08:00-04:00")  # EDT since 8 March
    at = default_outage_start(parse_scenario(SMALL))
    assert (at.isoformat(), at.weekday()) == ("2026-01-12T08:00:00+01:00", 0)


def test_allocated_users_keep_access_through_outages_shorter_than_grace(
    firewall: WhatIf,
) -> None:
    sc = firewall.scenario.with_overrides({"servers.prod.link_outages": []})
    baseline = simulate(sc).sessions
    before = baseline[
        (baseline["start"] < pd.Timestamp(firewall.at))
        & baseline["access"].isin(["professional", "analyzer"])
    ]
    allocated = set(before["user"].astype(str))
    assert len(allocated) > 100  # every builder and nearly every reader
    lost = firewall.lost[firewall.lost["user"].isin(allocated)]
    table = by_duration(firewall)
    for d in ("1h", "24h", "48h"):
        assert lost[lost["duration"] == d].empty, d
        assert table.loc[d, "extra_denied_grace_expired"] == 0
    # Past the grace period the server is unlicensed and allocated users lose sessions too.
    for d in ("96h", "7d"):
        assert not lost[lost["duration"] == d].empty, d
        assert table.loc[d, "extra_denied_grace_expired"] > 0


def test_capacity_users_are_denied_during_any_outage(firewall: WhatIf) -> None:
    table = by_duration(firewall)
    assert (table["extra_denied_backend_unreachable"] > 0).all()
    lost = firewall.lost
    assert set(lost.loc[lost["duration"] == "1h", "group"]) == {"casual"}
    first = table["first_denial_after"]
    assert ((first >= 0) & (first < 1)).all()


def test_longer_outages_never_deny_fewer_sessions(firewall: WhatIf) -> None:
    table = by_duration(firewall).loc[DURATIONS]
    for metric in ("extra_denied_sessions", "users_affected", "unserved_session_hours"):
        values = table[metric].to_numpy()
        assert (values[1:] >= values[:-1]).all(), (metric, values)
    assert table["extra_denied_sessions"].iloc[-1] > table["extra_denied_sessions"].iloc[0]


def test_metrics_add_up(firewall: WhatIf) -> None:
    runs = firewall.runs
    assert list(runs["duration"]) == DURATIONS
    assert (
        runs["extra_denied_sessions"] == runs["denied_sessions"] - runs["denied_sessions_baseline"]
    ).all()
    newly = runs[[f"extra_denied_{r}" for r in DENIAL_REASONS]].sum(axis=1)
    assert (newly >= runs["extra_denied_sessions"]).all()
    lost = firewall.lost.groupby("duration")
    assert (lost["user"].nunique().reindex(DURATIONS).to_numpy() == runs["users_affected"]).all()
    denied = firewall.lost[firewall.lost["outcome"] == "denied"].groupby("duration").size()
    assert (denied.reindex(DURATIONS).to_numpy() == newly.to_numpy()).all()
    assert (firewall.table["outage_hours"] == firewall.table["duration_hours"]).all()


def test_an_outage_past_the_end_of_the_run_is_clipped() -> None:
    sc = parse_scenario(SMALL)  # ends 2026-01-19 00:00
    at = datetime.fromisoformat("2026-01-16T08:00")
    study = outage_whatif(sc, "prod", [3 * 86400.0, 7 * 86400.0], at=at)
    assert list(study.table["outage_hours"]) == [64.0, 64.0]
    assert list(study.table["duration_hours"]) == [72.0, 168.0]
    assert study.runs["extra_denied_sessions"].iloc[0] > 0
    assert (study.runs.iloc[0][list(METRICS)] == study.runs.iloc[1][list(METRICS)]).all()


def test_an_outage_while_nobody_works_changes_nothing() -> None:
    sc = parse_scenario(SMALL)
    sunday = datetime.fromisoformat("2026-01-11T02:00")
    for target in ("backend", "prod"):
        study = outage_whatif(sc, target, [3600.0], at=sunday, reps=2)
        assert study.lost.empty
        for metric in METRICS:
            if metric.startswith("extra_") or metric in {
                "users_affected",
                "unserved_session_hours",
            }:
                assert (study.runs[metric] == 0).all(), metric
                assert study.table[f"{metric}_ci_low"].iloc[0] == 0
        assert study.table["first_denial_after"].isna().all()
        assert study.table["reps"].iloc[0] == 2


def test_replications_give_intervals_around_the_mean() -> None:
    sc = parse_scenario(SMALL)
    study = outage_whatif(sc, "backend", [4 * 3600.0, 96 * 3600.0], reps=3)
    assert len(study.runs) == 6 and set(study.runs["replication"]) == {0, 1, 2}
    row = study.table.iloc[1]
    low, mean, high = (
        row["extra_denied_sessions_ci_low"],
        row["extra_denied_sessions"],
        row["extra_denied_sessions_ci_high"],
    )
    assert low <= mean <= high and mean > 0
    values = study.runs.loc[study.runs["duration"] == "4d", "extra_denied_sessions"]
    assert mean == pytest.approx(values.mean())
    assert high - mean == pytest.approx(t_quantile(2) * values.std(ddof=1) / 3**0.5)


def test_t_quantiles() -> None:
    # Hand values from a printed t table: t(0.975, 4) = 2.776, t(0.95, 4) = 2.132,
    # t(0.995, 4) = 4.604; with df → ∞ the 95 % factor tends to z(0.975) = 1.960.
    assert t_quantile(4) == pytest.approx(2.776, abs=5e-4)
    assert t_quantile(4, 0.90) == pytest.approx(2.132, abs=5e-4)
    assert t_quantile(4, 0.99) == pytest.approx(4.604, abs=5e-4)
    assert t_quantile(10**6) == pytest.approx(1.960, abs=5e-4)
    assert t_quantile(31) < t_quantile(30)
    for bad in (0, 1, 1.5, -0.1, True):
        with pytest.raises(ValueError, match="between 0 and 1"):
            t_quantile(4, bad)  # type: ignore[arg-type]


# The hand-written table sim/whatif.py had before scipy.stats: t(0.975, df), df = 1..30,
# to four decimals. At 95 % scipy gives the same factors to that precision.
OLD_T975 = (
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
)  # fmt: skip


def test_scipy_quantiles_match_the_old_table_at_95_percent() -> None:
    for df, old in enumerate(OLD_T975, start=1):
        assert t_quantile(df) == pytest.approx(old, abs=5e-5), df


def test_interval_with_a_hand_worked_value() -> None:
    # values 1..5: mean 3, s = √2.5 = 1.5811, s/√5 = 0.7071; × t(0.975, 4) 2.7764 = 1.9632.
    mean, sd, low, high, n = mean_ci(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert (mean, n) == (3.0, 5) and sd == pytest.approx(1.5811, abs=1e-4)
    assert (low, high) == (pytest.approx(3 - 1.9632, abs=1e-4), pytest.approx(3 + 1.9632, abs=1e-4))
    # At 90 %: 0.7071 × t(0.95, 4) 2.1318 = 1.5074.
    _, _, low, high, _ = mean_ci(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 0.90)
    assert high - 3 == pytest.approx(1.5074, abs=1e-4) and 3 - low == pytest.approx(
        1.5074, abs=1e-4
    )
    assert mean_ci(np.array([2.0, 2.0, 2.0]))[2:4] == (2.0, 2.0)  # no spread: the point


def test_whatif_table_at_95_percent_is_the_old_table_and_confidence_widens_it() -> None:
    sc = parse_scenario(SMALL)
    at = datetime.fromisoformat("2026-01-13T09:00")
    study = outage_whatif(sc, "backend", [48 * 3600.0], at=at, reps=3)
    values = study.runs["extra_denied_sessions"]
    old_half = OLD_T975[1] * values.std(ddof=1) / 3**0.5  # the old table's factor for df = 2
    assert study.table["extra_denied_sessions_ci_high"].iloc[0] == pytest.approx(
        values.mean() + old_half, rel=1e-5
    )
    wide = outage_whatif(sc, "backend", [48 * 3600.0], at=at, reps=3, confidence=0.99)
    assert wide.confidence == 0.99
    half = wide.table["extra_denied_sessions_ci_high"] - wide.table["extra_denied_sessions"]
    assert half.iloc[0] == pytest.approx(9.9248 * values.std(ddof=1) / 3**0.5, rel=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"target": "prdo"}, "backend, prod, test"),
        ({"durations": [0.0]}, "above zero"),
        ({"at": datetime(2026, 2, 1, 8)}, "outside the simulated period"),
        ({"reps": 0}, "replication"),
    ],
)
def test_bad_arguments_are_value_errors(kwargs: dict[str, object], needle: str) -> None:
    args: dict[str, object] = {"target": "prod", "durations": [3600.0], **kwargs}
    with pytest.raises(ValueError, match=needle):
        outage_whatif(parse_scenario(SMALL), **args)  # type: ignore[arg-type]


def test_cli_writes_tables_and_chart_and_is_deterministic(small_file: Path, tmp_path: Path) -> None:
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        done = licsim(
            "whatif", small_file, "--outage", "prod", "--durations", "1h,72h,5d", "--out", out
        )
        assert done.returncode == 0, done.stderr
    assert "extra denied" in done.stdout and "72h" in done.stdout
    table = pd.read_csv(outs[0] / "whatif.csv")
    assert list(table["duration"]) == ["1h", "72h", "5d"]
    assert list(table["duration_hours"]) == [1.0, 72.0, 120.0]
    assert {"reps", "users_affected", "extra_denied_backend_unreachable"} <= set(table.columns)
    assert len(pd.read_csv(outs[0] / "whatif_runs.csv")) == 3
    assert (outs[0] / "whatif.png").stat().st_size > 1000
    assert (outs[0] / "whatif.csv").read_bytes() == (outs[1] / "whatif.csv").read_bytes()
    assert not list(tmp_path.rglob("*.partial*"))


def test_cli_with_replications_writes_intervals(small_file: Path, tmp_path: Path) -> None:
    done = licsim(
        "whatif",
        small_file,
        "--outage",
        "backend",
        "--durations",
        "2h",
        "--reps",
        "2",
        "--at",
        "2026-01-13T09:00",
        "--out",
        tmp_path / "o",
        "--no-charts",
    )
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "o" / "whatif.csv")
    assert table["reps"].tolist() == [2]
    assert {"extra_denied_sessions_ci_low", "extra_denied_sessions_ci_high"} <= set(table)
    assert "95 %" in done.stdout


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--outage", "prdo"], ["--outage", "prdo", "backend, prod, test"]),
        (["--outage", "prod", "--durations", "1h,3 fortnights"], ["--durations", "fortnights"]),
        (["--outage", "prod", "--durations", "0h"], ["--durations", "above zero"]),
        (["--outage", "prod", "--durations", "1h,1h"], ["--durations", "once"]),
        (["--outage", "prod", "--at", "2027-01-01T08:00"], ["--at", "outside"]),
        (["--outage", "prod", "--at", "next monday"], ["--at", "ISO 8601"]),
    ],
)
def test_cli_bad_input_exits_2_without_traceback(
    small_file: Path, tmp_path: Path, args: list[str], needles: list[str]
) -> None:
    # In process (fast): an uncaught exception would show up as done.exception.
    done = CliRunner().invoke(
        main, ["whatif", str(small_file), *args, "--out", str(tmp_path / "o")]
    )
    assert done.exit_code == 2, done.output
    assert isinstance(done.exception, SystemExit)
    for needle in needles:
        assert needle in done.stderr
    assert not (tmp_path / "o").exists()


def test_cli_refuses_a_foreign_non_empty_folder(small_file: Path, tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    args = ["whatif", small_file, "--outage", "prod", "--durations", "1h", "--no-charts"]
    done = licsim(*args, "--out", tmp_path)
    assert done.returncode == 2 and "--force" in done.stderr
    assert licsim(*args, "--out", tmp_path, "--force").returncode == 0
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    assert (tmp_path / "whatif.csv").is_file()


def test_an_outage_inside_a_scheduled_one_is_noted_and_changes_nothing() -> None:
    # Without replace, the file's own 4-day outage of prod (from 06:00) covers this hour.
    study = outage_whatif(load_scenario(FIREWALL), "prod", [3600.0])
    assert study.notes and "prod link 2026-03-09T06:00" in study.notes[0]
    assert study.runs["extra_denied_sessions"].iloc[0] == 0
    assert study.lost.empty


ADDRESS_CHANGE_FILE = ROOT / "tests" / "scenarios" / "address-change.yaml"


def test_whatif_sees_the_outage_an_address_change_causes() -> None:
    """A 3-day what-if outage of by-ip's link from 3 March 10:00 joins the address
    change's outage (2 March 10:00 to 4 March 10:00): no successful sync from 2 March
    09:50, so grace ends on 5 March at 09:50 and staff-1's session at 12:00 is lost. With
    a rule by name the what-if alone (last sync 3 March 09:50) keeps grace to 6 March
    09:50 and the session."""
    sc = load_scenario(ADDRESS_CHANGE_FILE)
    at = datetime(2026, 3, 3, 10, 0)
    study = outage_whatif(sc, "by-ip", [3 * 86400.0], at=at)
    assert study.runs["extra_denied_sessions"].iloc[0] == 1
    assert study.lost["user"].tolist() == ["staff-1"]
    assert (
        study.notes
        and "by-ip link (address change) 2026-03-02T10:00+00:00 for 2d" in study.notes[0]
    )
    by_name = sc.with_overrides({"servers.by-ip.firewall.allow_by": "name"})
    assert (
        outage_whatif(by_name, "by-ip", [3 * 86400.0], at=at).runs["extra_denied_sessions"].iloc[0]
        == 0
    )
