"""The invariant checker: every example run passes ``licsim check``, and each invariant can
fail: a written table corrupted in one way is reported under that invariant's name."""

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from sim import load_scenario, parse_scenario, simulate
from sim.check import CHECKS, check_result, check_run, load_run
from sim.cli import main
from sim.outfolder import digest
from sim.result import TABLES, run_files, summary_table, write_result

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
    """Doctor a table, derive the summary again from the doctored tables and forge
    metadata.json's digests to match, so that only the invariant under test can tell (not
    ``summary_from_tables`` nor the integrity check, tests/test_check_integrity.py)."""
    df = pd.read_parquet(folder / f"{table}.parquet")
    change(df).to_parquet(folder / f"{table}.parquet", index=False)
    if table != "summary":
        run = load_run(folder)
        t = run.tables()
        again = summary_table(
            run.scenario, t["sessions"], t["allocations"], t["server_states"], t["capacity"],
            t["launches"],
        )  # fmt: skip
        old = t["summary"]
        for column in ("scenario", "variant", "replication"):
            again.insert(len(again.columns) - 3, column, old[column].iloc[0])
        again[list(old.columns)].to_parquet(folder / "summary.parquet", index=False)
    reseal(folder)


def reseal(folder: Path) -> None:
    """Forge metadata.json's digests to match the folder as it now is."""
    meta = json.loads((folder / "metadata.json").read_text())
    meta["files"] = {name: digest(folder / name) for name in run_files(folder)}
    (folder / "metadata.json").write_text(json.dumps(meta))


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


def six_in_their_tails(s: pd.DataFrame) -> pd.DataFrame:
    """Five more sessions of one user, each opened after the previous one's last click:
    their activity never overlaps, but six are open at once within their 30-min idle tails
    (the first is left at P and closes at P + 30 min; the k-th copy opens at P + k min, is
    left a minute later and closes 30 min after that: at P + 5 min all six are open)."""
    i = _first(s, s["access"].isin(["professional", "analyzer"]) & (s["end"] > s["start"]))
    left = s.loc[i, "planned_end"]
    s.loc[i, "end"] = left + pd.Timedelta(minutes=30)
    copies = []
    for k in range(1, 6):
        row = s.loc[[i]].copy()
        row["start"] = left + pd.Timedelta(minutes=k)
        row["planned_end"] = row["start"] + pd.Timedelta(minutes=1)
        row["end"] = row["planned_end"] + pd.Timedelta(minutes=30)
        copies.append(row)
    return pd.concat([s, *copies], ignore_index=True)


def open_past_the_timeout(s: pd.DataFrame) -> pd.DataFrame:
    i = _first(s, s["access"].notna() & (s["end"] > s["start"]))
    s.loc[i, "end"] = s.loc[i, "planned_end"] + pd.Timedelta(minutes=31)
    return s


def closed_before_the_user_left(s: pd.DataFrame) -> pd.DataFrame:
    i = _first(s, s["access"].notna() & s["interrupted"].isna() & (s["end"] > s["start"]))
    s.loc[i, "end"] = s.loc[i, "start"] + (s.loc[i, "planned_end"] - s.loc[i, "start"]) / 2
    return s


def seven_minutes(s: pd.DataFrame) -> pd.DataFrame:
    s.loc[_first(s, s["capacity_minutes"] > 0), "capacity_minutes"] += 1
    return s


def extra_unit(s: pd.DataFrame) -> pd.DataFrame:
    s.loc[_first(s, s["capacity_minutes"] > 0), "capacity_minutes"] += 6
    return s


def over_purchase(c: pd.DataFrame) -> pd.DataFrame:
    i = _first(c, c["used_minutes"] > 0)
    c.loc[i, "used_minutes"] = c.loc[i, "allocated_minutes"] + 6
    c.loc[i, "overage_minutes"] = 6
    return c


def never_exhausted(c: pd.DataFrame) -> pd.DataFrame:
    c["exhausted_at"] = pd.NaT
    return c


def cut_month_never_spent(c: pd.DataFrame) -> pd.DataFrame:
    """capacity-cut: January, spent by the cut, as if it had never run out."""
    c.loc[c["month"] == "2026-01", "exhausted_at"] = pd.NaT
    return c


def state_gap(st: pd.DataFrame) -> pd.DataFrame:
    return st.drop(index=_first(st, st["state"] == "grace"))


def units_in_the_wrong_month(u: pd.DataFrame) -> pd.DataFrame:
    """One user's January minutes booked to February, as a report by session start would."""
    u.loc[_first(u, u["month"] == "2026-01"), "month"] = "2026-02"
    return u


def minutes_not_units(u: pd.DataFrame) -> pd.DataFrame:
    u.loc[_first(u, u["units"] > 0), "capacity_minutes"] += 1
    return u


def unit_lost(u: pd.DataFrame) -> pd.DataFrame:
    """A unit gone from one user's row and, to hide it, added to another user's month."""
    i = _first(u, u["units"] > 1)
    j = _first(u, (u["month"] == u.loc[i, "month"]) & (u["user"] != u.loc[i, "user"]))
    u.loc[i, ["units", "capacity_minutes"]] -= [1, 6.0]
    u.loc[j, ["units", "capacity_minutes"]] += [1, 6.0]
    return u


def unknown_kind(e: pd.DataFrame) -> pd.DataFrame:
    e["kind"] = e["kind"].astype("object")
    e.loc[_first(e, e["kind"] == "sync_ok"), "kind"] = "sync_okay"
    return e


def largest_pool_as_peak(summary: pd.DataFrame) -> pd.DataFrame:
    """The deployment's peak reported as the largest pool's (the old definition)."""
    i = _first(summary, summary["metric"] == "peak_allocated_analyzer")
    summary.loc[i, "value"] -= 1
    return summary


def no_quarantine(e: pd.DataFrame) -> pd.DataFrame:
    """A pass used the day before its removal, released at once."""
    return e.drop(index=_first(e, e["kind"] == "quarantine"))


def used_a_day_earlier(s: pd.DataFrame) -> pd.DataFrame:
    """The last use moves to 10 Feb 10:00, so the quarantine to 18 Feb 10:00 is a day long."""
    i = _first(s, s["access"] == "user_pass")
    s.loc[i, ["start", "end"]] -= pd.Timedelta(days=1)
    return s


def quarantine_from_allocation(e: pd.DataFrame) -> pd.DataFrame:
    """The quarantine counted from the allocation at the start: it ends on 9 Feb 00:00."""
    i = _first(e, e["kind"] == "quarantine")
    e.loc[i, "detail"] = (
        "user_pass until 2026-02-09T00:00:00+00:00 (last used 2026-02-02T00:00:00+00:00)"
    )
    return e


def quarantine_of_an_unused_seat(e: pd.DataFrame) -> pd.DataFrame:
    """A seat never used, quarantined on removal as if its allocation were a use."""
    i = _first(e, e["kind"] == "deallocate")
    row = e.loc[[i]].copy()
    row["kind"] = "quarantine"
    row["detail"] = "analyzer until 2026-02-09T00:00:00+00:00 (last used 2026-02-02T00:00:00+00:00)"
    return pd.concat([e, row], ignore_index=True)


def used_before_reclaim(s: pd.DataFrame) -> pd.DataFrame:
    """team-1 logs in on 5 Feb 09:00, a day before the reclaim releases its seat as idle."""
    i = _first(s, (s["user"] == "team-1") & (s["access"] == "analyzer"))
    row = s.loc[[i]].copy()
    row[["start", "end", "planned_end"]] += pd.Timedelta(days=3)
    return pd.concat([s, row], ignore_index=True)


def local_seat_an_interval_early(e: pd.DataFrame) -> pd.DataFrame:
    """sync-lag: b's local allocation on s2 moved from 09:03 to 08:53, whose next sync is
    09:00, while its reconcile stays at 09:10: a sync skipped."""
    i = _first(e, (e["kind"] == "allocate") & e["detail"].astype(str).str.endswith("(local)"))
    e.loc[i, "time"] -= pd.Timedelta(minutes=10)
    return e


def excess_without_a_sync(a: pd.DataFrame) -> pd.DataFrame:
    """sync-lag: a third Analyzer holder at 12:00 (excess 2, counted right) with no local
    allocation reconciled nor license change then."""
    row = a[a["type"] == "analyzer"].iloc[[-1]].copy()
    row["time"] += pd.Timedelta(hours=2, minutes=50)  # 09:10 + 2h50 = 12:00
    row[["allocated", "excess"]] = [3, 2]
    return pd.concat([a, row], ignore_index=True)


CORRUPTIONS = [
    ("firewall-outage", "allocations", bump_allocated, "pool_counts"),
    ("firewall-outage", "allocations", unexplained_excess, "excess_explained"),
    ("firewall-outage", "sessions", end_before_start, "session_times"),
    ("firewall-outage", "sessions", unknown_reason, "denial_reasons"),
    ("firewall-outage", "sessions", reason_on_granted, "denial_reasons"),
    ("parallel-limit", "sessions", six_parallel, "parallel_limit"),
    ("parallel-limit", "sessions", six_in_their_tails, "parallel_limit"),
    ("enterprise", "sessions", open_past_the_timeout, "session_close"),
    ("enterprise", "sessions", closed_before_the_user_left, "session_close"),
    ("capacity-runs-out", "sessions", seven_minutes, "whole_capacity_units"),
    ("capacity-runs-out", "sessions", extra_unit, "capacity_accounted"),
    ("capacity-runs-out", "capacity", over_purchase, "capacity_within_allowance"),
    ("capacity-runs-out", "capacity", never_exhausted, "capacity_denials_after_exhaustion"),
    ("capacity-cut", "capacity", cut_month_never_spent, "capacity_denials_after_exhaustion"),
    ("firewall-outage", "server_states", state_gap, "server_state_timeline"),
    ("capacity-runs-out", "capacity_use", units_in_the_wrong_month, "capacity_use_accounted"),
    ("capacity-runs-out", "capacity_use", minutes_not_units, "capacity_use_accounted"),
    ("capacity-runs-out", "capacity_use", unit_lost, "capacity_use_accounted"),
    ("firewall-outage", "events", unknown_kind, "event_kinds"),
    ("enterprise", "summary", largest_pool_as_peak, "summary_peaks"),
    ("user-pass-quarantine", "events", no_quarantine, "last_use_vs_sessions"),
    ("user-pass-quarantine", "sessions", used_a_day_earlier, "last_use_vs_sessions"),
    ("user-pass-quarantine", "events", quarantine_from_allocation, "last_use_vs_sessions"),
    ("lef-release-unused", "events", quarantine_of_an_unused_seat, "last_use_vs_sessions"),
    ("changes-reclaim", "sessions", used_before_reclaim, "last_use_vs_sessions"),
    ("sync-lag", "events", local_seat_an_interval_early, "local_allocations_synced"),
    ("sync-lag", "allocations", excess_without_a_sync, "excess_at_sync"),
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
        # A session without capacity minutes: moving a charged one would also (rightly)
        # break capacity_needs_the_backend.
        uncharged = s["capacity_minutes"] == 0
        i = _first(s, s["access"].notna() & (s["server"] == span["server"]) & uncharged)
        s.loc[i, "start"] = span["start"] + pd.Timedelta(minutes=1)
        s.loc[i, "end"] = s.loc[i, "start"] + pd.Timedelta(minutes=5)
        s.loc[i, "planned_end"] = s.loc[i, "end"]  # left at its close: a logout
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


# -- capacity needs the backend, the parallel limit per pool, Desktop and access --------------


def delayed_capacity_run(folder: Path) -> Path:
    """A delayed-sync site whose capacity user works before the first contact because the
    run allows it (``rules.capacity_on_delayed_sync: true``)."""
    sc = load_scenario(ROOT / "tests" / "scenarios" / "delayed-sync.yaml").with_overrides(
        {"rules.capacity_on_delayed_sync": True}
    )
    write_result(simulate(sc), folder)
    return folder


def set_rule(folder: Path, key: str, value: object) -> None:
    path = folder / "scenario.json"
    data = json.loads(path.read_text())
    data["rules"][key] = value
    path.write_text(json.dumps(data))
    reseal(folder)


def test_capacity_without_contact_is_named_unless_the_recorded_rules_allow_it(
    tmp_path: Path,
) -> None:
    folder = delayed_capacity_run(tmp_path)
    s = pd.read_parquet(folder / "sessions.parquet")
    assert s.loc[s["group"] == "b", "capacity_minutes"].tolist()[:2] == [6.0, 6.0]
    assert names(folder) == set()
    set_rule(folder, "capacity_on_delayed_sync", False)
    assert names(folder) == {"capacity_needs_the_backend"}


def test_capacity_on_an_sld_is_named_unless_the_recorded_rules_allow_it(tmp_path: Path) -> None:
    sc = load_scenario(ROOT / "tests" / "scenarios" / "sld-renewal.yaml").with_overrides(
        {"rules.capacity_on_sld": True}
    )
    write_result(simulate(sc), tmp_path)
    assert names(tmp_path) == set()
    set_rule(tmp_path, "capacity_on_sld", False)
    assert names(tmp_path) == {"capacity_needs_the_backend"}


def test_recorded_units_without_contact_are_named_unless_the_rules_allow_them() -> None:
    sc = load_scenario(ROOT / "tests" / "scenarios" / "delayed-sync.yaml").with_overrides(
        {"rules.capacity_on_delayed_sync": True}
    )
    r = simulate(sc, record_units=True)
    assert check_result(r) == []
    strict = replace(r, scenario=sc.with_overrides({"rules.capacity_on_delayed_sync": False}))
    found = {v.invariant for v in check_result(strict)}
    assert found == {"units_need_the_backend", "capacity_needs_the_backend"}


def test_a_capacity_session_charged_in_grace_is_named(tmp_path: Path) -> None:
    folder = written("firewall-outage", tmp_path)
    states = pd.read_parquet(folder / "server_states.parquet")
    span = states[states["state"] == "grace"].iloc[0]

    def charge_in_grace(s: pd.DataFrame) -> pd.DataFrame:
        i = _first(s, (s["capacity_minutes"] > 0) & (s["server"] == span["server"]))
        s.loc[i, "start"] = span["start"] + pd.Timedelta(minutes=1)
        s.loc[i, "end"] = s.loc[i, "start"] + pd.Timedelta(minutes=5)
        s.loc[i, "planned_end"] = s.loc[i, "end"]  # left at its close: a logout
        return s

    edit(folder, "sessions", charge_in_grace)
    assert names(folder) == {"capacity_needs_the_backend"}


def test_the_parallel_limit_is_checked_per_pool(tmp_path: Path) -> None:
    folder = written("parallel-per-pool", tmp_path)
    assert names(folder) == set()  # six at once, but three in each pool

    def all_on_one_key(s: pd.DataFrame) -> pd.DataFrame:
        s["server"] = s["server"].astype("object")
        s.loc[s["server"] == "sense-b", "server"] = "sense-a"
        return s

    edit(folder, "sessions", all_on_one_key)
    assert names(folder) == {"parallel_limit"}


def unlock(launch: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Doctor desktop-revoke.yaml's launches: the given one (``desktop@time``) unlocked."""
    desktop, at = launch.split("@")

    def change(la: pd.DataFrame) -> pd.DataFrame:
        when = pd.Timestamp(at, tz="UTC")
        i = _first(la, (la["desktop"] == desktop) & (la["time"] == when))
        assert la.loc[i, "outcome"] == "locked"
        la.loc[i, ["outcome", "denied_reason"]] = ["unlocked", None]
        return la

    change.__name__ = f"unlock_{desktop}_{at}"
    return change


@pytest.mark.parametrize(
    "launch",
    [
        "bea-laptop@2026-02-16T09:00",  # reached the server, no seat
        "bea-laptop@2026-02-18T09:00",  # away, but the last reaching launch locked it
        "dan-laptop@2026-03-11T09:00",  # away, 30 days after the last renewal
    ],
)
def test_desktop_unlocked_without_access_is_named(launch: str, tmp_path: Path) -> None:
    folder = written("desktop-revoke", tmp_path)
    assert names(folder) == set()
    edit(folder, "launches", unlock(launch))
    assert names(folder) == {"desktop_unlocked_with_access"}


def test_desktop_renewed_while_the_seat_is_revoked_is_named(tmp_path: Path) -> None:
    folder = written("desktop-revoke", tmp_path)

    def renew_without_seat(la: pd.DataFrame) -> pd.DataFrame:
        i = _first(la, la["time"] == pd.Timestamp("2026-02-16T09:00", tz="UTC"))
        la.loc[i, ["outcome", "denied_reason"]] = ["renewed", None]
        return la

    edit(folder, "launches", renew_without_seat)
    assert names(folder) == {"desktop_unlocked_with_access"}


def test_an_edited_summary_is_named_even_with_forged_digests(tmp_path: Path) -> None:
    folder = written("enterprise", tmp_path)

    def fewer_denials(s: pd.DataFrame) -> pd.DataFrame:
        s.loc[s["metric"] == "sessions_denied", "value"] -= 1
        return s

    edit(folder, "summary", fewer_denials)
    assert names(folder) == {"summary_from_tables"}


def test_a_deleted_denied_session_is_named_even_with_forged_digests(tmp_path: Path) -> None:
    folder = written("firewall-outage", tmp_path)
    sessions = pd.read_parquet(folder / "sessions.parquet")
    first = sessions.index[sessions["denied_reason"].notna()][0]
    sessions.drop(index=first).to_parquet(folder / "sessions.parquet", index=False)
    reseal(folder)  # the summary is left as the run wrote it
    assert "summary_from_tables" in names(folder)


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


# -- QMC sessions and anonymous users (licensing-rules §3-§6) ---------------------------------


def test_a_qmc_session_counts_in_the_parallel_check_on_a_signed_key_only(tmp_path: Path) -> None:
    folder = written("qmc-sessions", tmp_path)
    # On the LEF day six sessions overlap (4 hub, the QMC, 1 hub), but the QMC holds no slot.
    assert names(folder) == set()

    def sixth_granted_on_the_slk(s: pd.DataFrame) -> pd.DataFrame:
        # The hub session refused at 10:05 on the SLK made granted: with the QMC, 6 slots.
        i = _first(s, s["denied_reason"] == "parallel_limit")
        s.loc[i, "access"] = "professional"
        s.loc[i, "denied_reason"] = None
        s.loc[i, "end"] = s.loc[i, "start"] + pd.Timedelta(hours=1)
        return s

    edit(folder, "sessions", sixth_granted_on_the_slk)
    assert names(folder) == {"parallel_limit"}


def test_a_lef_qmc_session_relabelled_hub_breaks_the_parallel_check(tmp_path: Path) -> None:
    folder = written("qmc-sessions", tmp_path)

    def lef_qmc_as_hub(s: pd.DataFrame) -> pd.DataFrame:
        s["client"] = s["client"].astype("object")
        s.loc[_first(s, (s["server"] == "old") & (s["client"] == "qmc")), "client"] = "hub"
        return s

    edit(folder, "sessions", lef_qmc_as_hub)
    assert names(folder) == {"parallel_limit"}


def test_an_anonymous_user_holding_a_seat_is_named(tmp_path: Path) -> None:
    folder = written("anonymous-capacity", tmp_path)
    assert names(folder) == set()

    def guest_allocated(e: pd.DataFrame) -> pd.DataFrame:
        row = {c: None for c in e.columns}
        row.update(e.iloc[0].to_dict() if len(e) else {})
        row.update(kind="allocate", user="guests-1", detail="analyzer (dynamic)", license="key")
        row["time"] = pd.Timestamp("2026-02-02T10:00", tz="UTC")
        return pd.concat([e, pd.DataFrame([row])], ignore_index=True)

    edit(folder, "events", guest_allocated)
    assert "anonymous_without_seats" in names(folder)


def test_an_anonymous_session_on_a_seat_is_named(tmp_path: Path) -> None:
    folder = written("anonymous-capacity", tmp_path)

    def guest_on_analyzer(s: pd.DataFrame) -> pd.DataFrame:
        i = _first(s, (s["group"] == "guests") & (s["capacity_minutes"] > 0))
        s["access"] = s["access"].astype("object")
        s.loc[i, "access"] = "analyzer"
        s.loc[i, "capacity_minutes"] = 0.0
        return s

    edit(folder, "sessions", guest_on_analyzer)
    assert "anonymous_without_seats" in names(folder)


@pytest.mark.parametrize(
    ("desktop", "user", "doctored"),
    [
        ("dev-boxes", "dev-3", ("leased", None)),  # barred from leasing
        ("ops-boxes", "ops-1", ("lease_valid", None)),  # "Allow license lease" off
        ("fin-boxes", "fin-1", ("leased", None)),  # LICENSE_LEASE;NO;; on the LEF
        ("dev-boxes", "dev-2", ("leased", None)),  # a local license needs no lease
        ("dev-boxes", "dev-1", ("local_license", None)),  # dev-1 has no local key
        ("ops-boxes", "ops-1", ("personal_edition", "personal_edition")),  # reason hidden
    ],
)
def test_qlikview_desktop_lease_against_the_settings_is_named(
    desktop: str, user: str, doctored: tuple[str, str | None], tmp_path: Path
) -> None:
    folder = written("desktop-lease", tmp_path)
    assert names(folder) == set()

    def change(la: pd.DataFrame) -> pd.DataFrame:
        i = _first(la, (la["desktop"] == desktop) & (la["user"] == user))
        la.loc[i, ["outcome", "denied_reason"]] = list(doctored)
        return la

    edit(folder, "launches", change)
    assert names(folder) == {"qlikview_desktop_licensing"}


def test_an_address_change_outage_on_a_by_name_server_is_named(tmp_path: Path) -> None:
    folder = written("address-change", tmp_path)
    assert names(folder) == set()

    def onto_by_name(e: pd.DataFrame) -> pd.DataFrame:
        e["server"] = e["server"].astype("object")
        e.loc[e["kind"].isin(["outage_start", "outage_end"]), "server"] = "by-name"
        return e

    edit(folder, "events", onto_by_name)
    assert names(folder) == {"address_change_outages"}


@pytest.mark.parametrize("kind", ["outage_start", "outage_end"])
def test_an_address_change_outage_not_lasting_fix_after_is_named(kind: str, tmp_path: Path) -> None:
    folder = written("address-change", tmp_path)

    def drop(e: pd.DataFrame) -> pd.DataFrame:
        return e[e["kind"] != kind]

    edit(folder, "events", drop)
    assert names(folder) == {"address_change_outages"}


def test_an_address_change_outage_ending_late_is_named(tmp_path: Path) -> None:
    folder = written("address-change", tmp_path)

    def later(e: pd.DataFrame) -> pd.DataFrame:
        e.loc[e["kind"] == "outage_end", "time"] += pd.Timedelta(hours=1)
        return e

    edit(folder, "events", later)
    assert names(folder) == {"address_change_outages"}


@pytest.mark.parametrize(
    ("corrupt", "table", "invariant"),
    [
        (local_seat_an_interval_early, "events", "local_allocations_synced"),
        (excess_without_a_sync, "allocations", "excess_at_sync"),
    ],
)
def test_sync_lag_corruptions_are_named_alone(
    corrupt: Callable[[pd.DataFrame], pd.DataFrame], table: str, invariant: str, tmp_path: Path
) -> None:
    # Each doctored sync-lag run breaks exactly the one invariant it was written for.
    folder = written("sync-lag", tmp_path)
    edit(folder, table, corrupt)
    assert names(folder) == {invariant}


def test_the_test_and_development_pool_is_counted_on_its_own(tmp_path: Path) -> None:
    # test-and-development: a on prod (09:00-10:00) and b on qa (09:30) each hold corp's
    # one Analyzer seat at once, in two pools. Recorded as a shared pool instead, the run
    # has two distinct holders of corp's one seat and no excess to show for it.
    folder = written("test-and-development", tmp_path)
    assert names(folder) == set()
    sc = json.loads((folder / "scenario.json").read_text())
    sc["licenses"][0]["test_and_development"] = "shared"
    (folder / "scenario.json").write_text(json.dumps(sc))
    reseal(folder)
    assert "seats_within_purchase" in names(folder)


def test_a_user_pass_quarantined_on_a_signed_key_is_expected_by_the_check() -> None:
    # The same timeline as user-pass-quarantine.yaml on an SLK: a user access pass is
    # quarantined whatever the key (licensing-rules §5), which the check must expect too.
    data = yaml.safe_load(
        (Path(__file__).parent / "scenarios/user-pass-quarantine.yaml").read_text()
    )
    data["licenses"][0].update(activation="slk", term="subscription")
    r = simulate(parse_scenario(data))
    assert (r.events["kind"] == "quarantine").sum() == 1
    assert check_result(r) == []
