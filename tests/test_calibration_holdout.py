"""Hold-out validation (issue #12 item 6): fit on the first two thirds of a site's trace,
simulate the last third with seeded replications, and find the observed weekly figures
inside the replications' 95 % band for at least 90 % of the weeks, for each metric
(weekly sessions, distinct users, peak concurrent sessions).

A 95 % band misses about one week in twenty by design, so a metric needs enough held-out
weeks for the 90 % to be a test of the model rather than of luck: the example site holds
out 4 weeks (one miss would be 75 %), the generated three-year site 52 (up to 5 misses
pass; a calibrated model makes 2.6 on average). The figures and the weeks outside are in
docs/calibration.md (``python benchmarks/holdout_calibration.py``).
"""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from sim.calibration.holdout import METRICS, holdout
from sim.importers.site_import import import_site, site_scenario_text
from sim.importers.synthetic import generate_site, german_holidays
from sim.run import simulate, simulate_sessions
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent

#: the generated three-year site's calendar, which its planner knows in advance
HOLIDAYS = german_holidays(range(2026, 2029))


def _holdout(site: Path, tmp: Path, holidays: tuple[date, ...]):
    result = import_site([site / "logs", site / "qrs"], tz="Europe/Berlin")
    text = site_scenario_text(result, tmp, tz="Europe/Berlin", name="site", sources=["site"])
    return holdout(result.trace, text, seed=0, base=str(tmp), known_holidays=holidays)


def test_example_site_hold_out(tmp_path: Path) -> None:
    # the generator's holiday, Good Friday 2026-04-03, lies in the held-out weeks
    h = _holdout(ROOT / "examples" / "site", tmp_path, (date(2026, 4, 3),))
    # 13 weeks: 9 fitted (Jan 5 – Mar 8), 4 held out (Mar 9 – Apr 5)
    assert h.table["week"].nunique() == 4 and h.replications == 200
    assert set(h.table["metric"]) == set(METRICS)
    assert (h.coverage() >= 0.9).all(), h.table[~h.table["inside"]]


def test_generated_three_years_hold_out(tmp_path: Path) -> None:
    """Another generated site: seed 3, Mon Jan 5 2026 to Sun Dec 31 2028 (156 weeks, 104
    fitted, 52 held out), with a calendar of public holidays."""
    site = tmp_path / "gen"
    days = (date(2029, 1, 1) - date(2026, 1, 5)).days
    generate_site(site, seed=3, start=date(2026, 1, 5), days=days, holidays=HOLIDAYS)
    h = _holdout(site, tmp_path, HOLIDAYS)
    assert h.table["week"].nunique() == 52
    assert (h.coverage() >= 0.9).all(), h.table[~h.table["inside"]]
    # the volume is right on average too: median sessions within 3 % of the observed total
    s = h.table[h.table["metric"] == "sessions"]
    assert s["median"].sum() == pytest.approx(s["observed"].sum(), rel=0.03)


def test_sessions_alone_are_the_runs_sessions() -> None:
    sc = load_scenario(ROOT / "scenarios" / "enterprise.yaml")
    pd.testing.assert_frame_equal(
        simulate_sessions(sc, replication=1), simulate(sc, replication=1).sessions
    )
