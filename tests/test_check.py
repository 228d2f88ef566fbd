"""The invariant checker: every example run passes ``licsim check``, and each invariant can
fail: a written table corrupted in one way is reported under that invariant's name."""

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim import load_scenario, simulate
from sim.check import CHECKS, check_result, check_run
from sim.cli import main
from sim.result import TABLES, write_result

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "scenarios").glob("*.yaml")
)


def written(name: str, folder: Path) -> Path:
    """Run an example (``scenarios/`` first, then ``tests/scenarios/``) into ``folder``."""
    path = next(p for p in EXAMPLES if p.stem == name)
    write_result(simulate(load_scenario(path)), folder)
    return folder


def edit(folder: Path, table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    df = pd.read_parquet(folder / f"{table}.parquet")
    change(df).to_parquet(folder / f"{table}.parquet", index=False)


def names(folder: Path) -> set[str]:
    return {v.invariant for v in check_run(folder)}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_example_passes_licsim_check(example: Path, tmp_path: Path) -> None:
    write_result(simulate(load_scenario(example)), tmp_path)
    done = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"ok: {len(CHECKS)} invariants hold over ")


def test_check_exits_2_for_a_missing_or_foreign_folder(tmp_path: Path) -> None:
    missing = CliRunner().invoke(main, ["check", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such folder" in missing.output
    (tmp_path / "notes.txt").write_text("not a run")
    foreign = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert foreign.exit_code == 2 and "not a licsim run" in foreign.output
    (tmp_path / "scenario.json").write_text("{}")
    for table in TABLES:
        pd.DataFrame().to_parquet(tmp_path / f"{table}.parquet")
    (tmp_path / "metadata.json").write_text("{}")
    unreadable = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert unreadable.exit_code == 2 and "not a readable licsim run" in unreadable.output


def test_a_folder_without_metadata_is_an_incomplete_run(tmp_path: Path) -> None:
    (written("partition", tmp_path) / "metadata.json").unlink()
    done = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert done.exit_code == 1
    assert "complete_run_folder: incomplete run folder: metadata.json missing" in done.output


def _first(df: pd.DataFrame, mask: pd.Series) -> int:
    assert mask.any(), "the example no longer has the row this corruption needs"
    return int(mask.idxmax())


def bump_allocated(a: pd.DataFrame) -> pd.DataFrame:
    i = _first(a, a["type"] == "professional")
    a.loc[i, "allocated"] = a.loc[i, "total"] + 1
    return a


def unexplained_excess(a: pd.DataFrame) -> pd.DataFrame:
    """An over-allocation correctly reported as excess, but with nothing to explain it."""
    i = _first(a, a["type"] == "professional")
    a.loc[i, ["allocated", "quarantined"]] = [a.loc[i, "total"] + 1, 0]
    a.loc[i, ["available", "excess"]] = [0, 1]
    return a


def end_before_start(s: pd.DataFrame) -> pd.DataFrame:
    i = _first(s, s["access"].notna())
    s.loc[i, "end"] = s.loc[i, "start"] - pd.Timedelta(minutes=1)
    return s


def unknown_reason(s: pd.DataFrame) -> pd.DataFrame:
    s["denied_reason"] = s["denied_reason"].astype("object")
    s.loc[_first(s, s["denied_reason"].notna()), "denied_reason"] = "bad_luck"
    return s


def reason_on_granted(s: pd.DataFrame) -> pd.DataFrame:
    s.loc[_first(s, s["access"].notna()), "denied_reason"] = "no_seat"
    return s


def six_parallel(s: pd.DataFrame) -> pd.DataFrame:
    i = _first(s, s["access"].isin(["professional", "analyzer"]) & (s["end"] > s["start"]))
    return pd.concat([s, *[s.loc[[i]]] * 5], ignore_index=True)


def seven_minutes(s: pd.DataFrame) -> pd.DataFrame:
    s.loc[_first(s, s["capacity_minutes"] > 0), "capacity_minutes"] += 1
    return s


def extra_unit(s: pd.DataFrame) -> pd.DataFrame:
    s.loc[_first(s, s["capacity_minutes"] > 0), "capacity_minutes"] += 6
    return s


def over_purchase(c: pd.DataFrame) -> pd.DataFrame:
    i = _first(c, c["consumed"] > 0)
    c.loc[i, "consumed"] = c.loc[i, "purchased"] + 6
    c.loc[i, "overage"] = 6
    return c


def never_exhausted(c: pd.DataFrame) -> pd.DataFrame:
    c["exhausted_at"] = pd.NaT
    return c


def state_gap(st: pd.DataFrame) -> pd.DataFrame:
    return st.drop(index=_first(st, st["state"] == "grace"))


CORRUPTIONS = [
    ("firewall-outage", "allocations", bump_allocated, "pool_counts"),
    ("firewall-outage", "allocations", unexplained_excess, "excess_explained"),
    ("firewall-outage", "sessions", end_before_start, "session_times"),
    ("firewall-outage", "sessions", unknown_reason, "denial_reasons"),
    ("firewall-outage", "sessions", reason_on_granted, "denial_reasons"),
    ("parallel-limit", "sessions", six_parallel, "parallel_limit"),
    ("capacity-runs-out", "sessions", seven_minutes, "whole_capacity_units"),
    ("capacity-runs-out", "sessions", extra_unit, "capacity_accounted"),
    ("capacity-runs-out", "capacity", over_purchase, "capacity_within_allowance"),
    ("capacity-runs-out", "capacity", never_exhausted, "capacity_denials_after_exhaustion"),
    ("firewall-outage", "server_states", state_gap, "server_state_timeline"),
]


@pytest.mark.parametrize(
    ("example", "table", "corrupt", "invariant"),
    CORRUPTIONS,
    ids=[c[2].__name__ for c in CORRUPTIONS],
)
def test_each_corruption_is_named(
    example: str,
    table: str,
    corrupt: Callable[[pd.DataFrame], pd.DataFrame],
    invariant: str,
    tmp_path: Path,
) -> None:
    folder = written(example, tmp_path)
    assert names(folder) == set()
    edit(folder, table, corrupt)
    assert invariant in names(folder)
    done = CliRunner().invoke(main, ["check", str(folder)])
    assert done.exit_code == 1
    assert any(line.startswith(f"{invariant}: ") for line in done.output.splitlines())


def test_access_granted_inside_an_unlicensed_period_is_named(tmp_path: Path) -> None:
    folder = written("firewall-outage", tmp_path)
    states = pd.read_parquet(folder / "server_states.parquet")
    span = states[states["state"] == "unlicensed"].iloc[0]

    def into_the_outage(s: pd.DataFrame) -> pd.DataFrame:
        i = _first(s, s["access"].notna() & (s["server"] == span["server"]))
        s.loc[i, "start"] = span["start"] + pd.Timedelta(minutes=1)
        s.loc[i, "end"] = s.loc[i, "start"] + pd.Timedelta(minutes=5)
        return s

    edit(folder, "sessions", into_the_outage)
    assert names(folder) == {"no_access_when_unlicensed"}


def test_an_allocation_during_grace_is_named(tmp_path: Path) -> None:
    folder = written("firewall-outage", tmp_path)
    states = pd.read_parquet(folder / "server_states.parquet")
    span = states[states["state"] == "grace"].iloc[0]

    def allocate_in_grace(e: pd.DataFrame) -> pd.DataFrame:
        row = e.iloc[[0]].copy()
        row["time"] = span["start"] + pd.Timedelta(minutes=1)
        row["kind"], row["server"], row["detail"] = "allocate", span["server"], "analyzer"
        return pd.concat([e, row], ignore_index=True)

    edit(folder, "events", allocate_in_grace)
    assert names(folder) == {"no_allocation_without_backend"}


def test_a_capacity_unit_while_unreachable_is_named() -> None:
    r = simulate(
        load_scenario(ROOT / "tests" / "scenarios" / "link-outage-grace.yaml"), record_units=True
    )
    assert r.units is not None and len(r.units)
    assert check_result(r) == []
    ev = r.events
    outage = ev.loc[ev["kind"] == "outage_start"].iloc[0]
    units = r.units.copy()
    units.loc[0, "time"] = outage["time"] + pd.Timedelta(seconds=1)
    found = check_result(replace(r, units=units))
    assert "units_need_the_backend" in {v.invariant for v in found}


def test_seats_copied_across_servers_without_reported_excess_are_named(tmp_path: Path) -> None:
    # One SLD with analyzer: 1 on two plants (over_deployed): both users hold an Analyzer
    # seat from 09:05 to 09:10, and the license-wide rows report excess 1. Without those
    # rows (what the old engine wrote: two silent copies of the pool) two distinct users
    # hold seats across the license's servers while one was bought and no excess is shown.
    folder = written("over-deployed-sld", tmp_path)
    assert names(folder) == set()
    edit(folder, "allocations", lambda a: a[a["pool"] != "site"])
    assert names(folder) == {"seats_within_purchase"}
    done = CliRunner().invoke(main, ["check", str(folder)])
    assert done.exit_code == 1
    assert "seats_within_purchase: 1 instants at which more distinct users held" in done.output


def test_a_second_seat_holder_on_one_pool_is_named() -> None:
    # firewall-outage has 10 Professional seats on one shared SLK pool; eleven distinct
    # users in Professional sessions at one instant is more than was bought.
    r = simulate(load_scenario(ROOT / "scenarios" / "firewall-outage.yaml"))
    s = r.sessions
    pro = s[(s["access"] == "professional") & (s["end"] > s["start"])].iloc[[0]]
    extra = pd.concat([pro] * 11, ignore_index=True)
    extra["user"] = [f"ghost-{k}" for k in range(11)]
    sessions = pd.concat([s, extra], ignore_index=True)
    found = {v.invariant for v in check_result(replace(r, sessions=sessions))}
    assert "seats_within_purchase" in found
