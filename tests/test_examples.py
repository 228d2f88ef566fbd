"""Every example in scenarios/ runs, and its tables tell the story its comment promises."""

from pathlib import Path

import pytest

from sim import load_scenario, reports, simulate
from sim.experiments.grid import build_variants

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def results():  # type: ignore[no-untyped-def]
    return {f.stem: simulate(load_scenario(f)) for f in EXAMPLES}


def test_every_example_runs(results) -> None:  # type: ignore[no-untyped-def]
    assert set(results) == {f.stem for f in EXAMPLES}
    for r in results.values():
        assert r.kpi("sessions_attempted") > 0


def test_firewall_outage_locks_everyone_out_after_grace(results) -> None:  # type: ignore[no-untyped-def]
    r = results["firewall-outage"]
    assert r.kpi("unlicensed_hours[prod]") == pytest.approx(24 + 10 / 60, abs=0.2)
    assert r.kpi("unlicensed_hours[test]") == 0
    assert r.kpi("denied_grace_expired") > 0
    assert r.kpi("denied_backend_unreachable") > 0
    granted = r.sessions[r.sessions["access"].isin(["professional", "analyzer"])]
    assert (granted["server"] == "prod").any()


def test_capacity_runs_out_before_month_end(results) -> None:  # type: ignore[no-untyped-def]
    c = results["capacity-runs-out"].capacity
    full = c[c["month"].isin(["2026-01", "2026-02", "2026-03"])]
    assert full["exhausted_at"].notna().all()
    assert (full["exhausted_at"].dt.day < 28).all()
    assert (full["used_minutes"] <= full["allocated_minutes"]).all()
    assert results["capacity-runs-out"].kpi("denied_capacity_exhausted") > 0


def test_capacity_runs_out_prices_the_users_above_the_analyzer_break_even(results) -> None:  # type: ignore[no-untyped-def]
    r = results["capacity-runs-out"]
    per_user = reports.user_capacity_minutes(r)
    candidates = reports.analyzer_candidates(r)
    # 40 / 0.04 = 1,000 minutes a month: exactly the user-months above it are listed.
    assert len(candidates) == (per_user["capacity_minutes"] > 1000).sum() > 0
    row = candidates.iloc[0]
    assert row["capacity_cost"] == pytest.approx(0.04 * row["capacity_minutes"])
    assert row["saving"] == pytest.approx(row["capacity_cost"] - 40)


def test_firewall_outage_sweeps_grace_from_its_experiment_block() -> None:
    sc = load_scenario(ROOT / "scenarios/firewall-outage.yaml")
    assert sc.experiment is not None and sc.experiment.replications == 5
    names = [v.name for v in build_variants(sc.experiment.sweep)]
    assert names == ["rules.grace=72h", "rules.grace=24h", "rules.grace=120h"]


def test_enterprise_shares_the_pool_between_prod_and_test(results) -> None:  # type: ignore[no-untyped-def]
    r = results["enterprise"]
    dev = r.sessions[r.sessions["group"] == "developers"]
    assert set(dev["server"]) == {"prod", "test"}
    assert r.kpi("peak_allocated_professional") == 20
    assert r.kpi("denial_rate") < 5


def test_token_site_runs_out_of_login_passes(results) -> None:  # type: ignore[no-untyped-def]
    r = results["token-site"]
    assert r.kpi("sessions_user_pass") > 0 and r.kpi("sessions_login_pass") > 0
    assert r.kpi("denied_no_login_pass") > 0
    assert r.kpi("denied_no_seat") == 0


def test_qlikview_cal_estate_blocks_on_session_cals(results) -> None:  # type: ignore[no-untyped-def]
    r = results["qlikview-cal-estate"]
    for access in ("named_cal", "session_cal", "usage_cal"):
        assert r.kpi(f"sessions_{access}") > 0, access
    assert r.kpi("denied_no_cal") > 0


def test_unified_key_serves_capacity_on_qlikview_and_locks_travellers(results) -> None:  # type: ignore[no-untyped-def]
    r = results["unified-amp"]
    s = r.sessions
    assert ((s["server"] == "qlikview") & (s["access"] == "capacity")).any()
    locked = r.launches[r.launches["outcome"] == "locked"]
    assert set(locked["desktop"]) == {"traveller-laptops"}
    assert r.kpi("launches_desktop_locked") == len(locked)


def test_ip_allow_list_cuts_off_only_the_server_allow_listing_by_ip(results) -> None:  # type: ignore[no-untyped-def]
    r = results["ip-allow-list"]
    # East: unlicensed from 12 March 08:50 until 13 March 09:00 (EDT), 24 h 10 min.
    assert r.kpi("unlicensed_hours[east]") == pytest.approx(24 + 10 / 60)
    assert r.kpi("unlicensed_hours[west]") == 0 and r.kpi("grace_hours[west]") == 0
    denied = r.sessions[r.sessions["denied_reason"] == "grace_expired"]
    assert len(denied) > 0 and set(denied["server"]) == {"east"}
    outages = r.events[r.events["kind"] == "outage_start"]
    assert outages["detail"].tolist() == ["link: backend address change"]
    assert outages["server"].tolist() == ["east"]
