"""Every chart draws for every example scenario, and the numbers behind them add up."""

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from reports_frames import tiny_result

from sim import load_scenario, simulate
from sim import reports as rp
from sim.charts import CHARTS, left_out, plot, relevant_charts, save_charts
from sim.result import Result

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda p: p.stem)
def example(request: pytest.FixtureRequest) -> Result:
    sc = load_scenario(request.param)
    return simulate(sc.with_overrides({"duration": "14d"}))


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_every_chart_draws(example: Result) -> None:
    for name, draw in relevant_charts(example).items():
        fig = draw(example)
        assert isinstance(fig, Figure), name
        assert fig.axes[0].get_title(), name
    assert isinstance(plot(example).weekday_hour(), Figure)


def test_data_behind_the_charts(example: Result) -> None:
    granted = example.sessions["access"].notna().sum()
    assert rp.weekday_hour(example).to_numpy().sum() == granted
    for curve in rp.duration_curves(example).values():
        if not curve.empty:
            assert curve["share_of_time"].iloc[-1] == pytest.approx(1.0)
    stack = rp.allocation_stack(example)
    last = example.allocations.groupby(["pool", "type"])["total"].last().sum()
    assert stack["total"].iloc[-1] == last
    cap = rp.capacity_months(example)
    burn = rp.burn_down(example)
    for (lic, month), m in burn.groupby(["license", "month"]):
        row = cap[(cap["license"] == lic) & (cap["month"] == month)].iloc[0]
        assert m["used"].iloc[-1] == pytest.approx(row["used_minutes"])
    denied = example.sessions["denied_reason"].notna().sum()
    assert rp.denials_over_time(example).to_numpy().sum() == denied
    states = example.server_states
    assert len(rp.outage_impact(example)) == (states["state"] != "licensed").sum()


def test_report_tables_and_kpis(example: Result) -> None:
    tables = rp.report_tables(example)
    assert list(tables)[:2] == ["Headline KPIs", "Seats by type"]
    assert all(len(df) <= 200 for df in tables.values())
    k = rp.kpis(example).set_index("metric")
    assert list(rp.kpis(example).columns) == ["metric", "value", "unit"]
    assert k.loc["denial rate", "value"] == pytest.approx(example.kpi("denial_rate"))
    assert k.loc["denial rate", "unit"] == "%"
    if len(example.capacity):
        assert "Analyzer Capacity by month" in tables


def test_a_run_without_anything_draws_notes() -> None:
    empty = tiny_result([])
    for name, draw in CHARTS.items():
        fig = draw(empty)
        assert isinstance(fig, Figure), name
    notes = _texts(CHARTS["denials"](empty)) + _texts(CHARTS["weekday_hour"](empty))
    assert notes == ["no denials", "no sessions"]
    assert _texts(CHARTS["duration_curve"](empty)) == ["no sessions"]
    assert not rp.report_tables(empty)["Sessions by weekday and hour"].to_numpy().any()


def test_no_capacity_says_so() -> None:
    sc = load_scenario(ROOT / "scenarios" / "token-site.yaml").with_overrides({"duration": "7d"})
    r = simulate(sc)
    for name in ("capacity", "capacity_burn_down"):
        assert _texts(CHARTS[name](r)) == ["no Analyzer Capacity in this scenario"]
    # ... and a run is not given those charts at all: a token site has no capacity, and
    # over these 7 days no outage (it has denials: login passes run out).
    assert r.sessions["denied_reason"].notna().any()
    assert left_out(r) == {
        "capacity": "no Analyzer Capacity in this scenario",
        "capacity_burn_down": "no Analyzer Capacity in this scenario",
        "server_timeline": "every server licensed throughout, no outage",
    }
    assert not set(left_out(r)) & set(relevant_charts(r))


def test_a_run_without_sessions_leaves_out_what_needs_them() -> None:
    skipped = left_out(tiny_result([]))
    assert skipped["weekday_hour"] == skipped["duration_curve"] == "no session was granted"
    assert skipped["denials"] == "no session was denied"


def test_save_charts_writes_every_chart(tmp_path: Path) -> None:
    sc = load_scenario(ROOT / "scenarios" / "firewall-outage.yaml").with_overrides(
        {"duration": "10d"}
    )
    r = simulate(sc)
    paths = save_charts(r, tmp_path)
    names = {p.stem for p in paths}
    assert names == set(relevant_charts(r))
    assert set(CHARTS) - names == set(left_out(r))
    assert all(p.stat().st_size > 0 for p in paths)
    assert np.all([p.suffix == ".png" for p in paths])
