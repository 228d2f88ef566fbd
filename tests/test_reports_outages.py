"""Outage impact: non-licensed server states and the sessions they denied."""

from pathlib import Path

import pandas as pd
import pytest

from sim import load_scenario, simulate
from sim.reports import network_outages, outage_impact

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def firewall() -> object:
    return simulate(load_scenario(ROOT / "scenarios" / "firewall-outage.yaml"))


def test_grace_then_unlicensed_on_prod(firewall) -> None:
    o = outage_impact(firewall)
    prod = o[o["server"] == "prod"].reset_index(drop=True)
    assert list(prod["state"][:2]) == ["grace", "unlicensed"]
    unlicensed = prod.iloc[1]
    assert unlicensed["reason"] == "grace_expired"
    assert unlicensed["denial_pct"] == 100.0
    assert unlicensed["main_denial_reason"] == "grace_expired"
    s = firewall.sessions
    inside = s[
        (s["server"] == "prod")
        & (s["start"] >= unlicensed["start"])
        & (s["start"] < unlicensed["end"])
    ]
    assert unlicensed["attempted"] == len(inside)
    assert prod.iloc[0]["hours"] == pytest.approx(
        (prod.iloc[0]["end"] - prod.iloc[0]["start"]) / pd.Timedelta(hours=1)
    )
    assert (o["state"] != "licensed").all()


def test_network_outages_pair_start_and_end(firewall) -> None:
    n = network_outages(firewall)
    assert len(n) == 2
    link = n[n["server"] == "prod"].iloc[0]
    assert (link["end"] - link["start"]) == pd.Timedelta(days=4)
    assert n["server"].isna().sum() == 1  # the backend's maintenance


def test_a_quiet_run_has_no_outages() -> None:
    r = simulate(
        load_scenario(ROOT / "scenarios" / "enterprise.yaml").with_overrides({"duration": "7d"})
    )
    assert outage_impact(r).empty and network_outages(r).empty
