"""The days-done count: every local day reported once, in order, and the run unchanged."""

from pathlib import Path

import pandas as pd

from sim.run import simulate
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_progress_counts_every_day_and_changes_no_table() -> None:
    # firewall-outage: outages, grace and denials, so many kinds of events share the clock.
    sc = load_scenario(ROOT / "scenarios" / "firewall-outage.yaml").with_overrides(
        {"duration": "12d"}
    )
    seen: list[tuple[int, int]] = []
    counted = simulate(sc, progress=lambda done, total: seen.append((done, total)))
    plain = simulate(sc)
    # A run of 12 days starting at midnight covers 12 local days: 1, 2, …, 11 as the clock
    # passes each midnight, and 12 when the run ends.
    assert seen == [(k, 12) for k in range(1, 13)]
    for name, table in plain.tables().items():
        pd.testing.assert_frame_equal(counted.tables()[name], table, obj=name)


def test_a_run_starting_mid_day_counts_its_part_days() -> None:
    sc = load_scenario(ROOT / "scenarios" / "firewall-outage.yaml").with_overrides(
        {"duration": "2d", "start": "2026-03-02T12:00"}
    )
    seen: list[tuple[int, int]] = []
    simulate(sc, progress=lambda done, total: seen.append((done, total)))
    # 12:00 on the 2nd to 12:00 on the 4th touches three local days.
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_a_whatif_counts_its_runs_and_the_engine_time() -> None:
    from sim.whatif import outage_whatif

    sc = load_scenario(ROOT / "scenarios" / "firewall-outage.yaml").with_overrides(
        {"duration": "12d"}
    )
    seen: list[tuple[int, int]] = []
    study = outage_whatif(
        sc, "prod", [3600.0, 7200.0], reps=2, progress=lambda d, t: seen.append((d, t))
    )
    # Per replication a baseline and one run per duration: 2 × (1 + 2) = 6 runs.
    assert seen == [(k, 6) for k in range(1, 7)]
    assert 0 < study.engine_seconds <= study.wall_seconds
