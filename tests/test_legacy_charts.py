"""The numbers behind the legacy charts, and that every chart draws for its examples."""

from pathlib import Path

import pandas as pd
import pytest

from sim import load_scenario, simulate
from sim.legacy_charts import (
    LEGACY_CHARTS,
    OUTCOME_COLOURS,
    login_pass_data,
    session_cal_data,
    usage_cal_data,
)
from sim.reports.tokens import login_pass_pool
from sim.rules.reasons import LaunchOutcome

HERE = Path(__file__).parent / "scenarios"


def utc(ts: str) -> pd.Timestamp:
    return pd.Timestamp(ts, tz="UTC")


def at(series: pd.DataFrame, column: str, t: pd.Timestamp) -> float:
    return float(series.loc[series["time"] <= t, column].iloc[-1])


def test_login_passes_out_of_the_pool() -> None:
    r = simulate(load_scenario(HERE / "tokens.yaml"))
    df = login_pass_data(r)["tokens"]
    assert at(df, "count", utc("2026-02-03T12:30")) == 3  # the 130-minute session's passes
    assert at(df, "count", utc("2026-02-05T10:06")) == 10  # the pool is out
    assert df["count"].max() == 10
    # 3 March 10:00: the first pass returns and is taken again at once; 12:00 all three back
    assert at(df, "count", utc("2026-03-03T10:00")) == 10
    assert at(df, "count", utc("2026-03-03T12:00")) == 8


def test_the_login_pass_pool_follows_token_moves_and_a_remix() -> None:
    pool = login_pass_pool(simulate(load_scenario(HERE / "tokens.yaml")), "tokens")
    assert pool["total"].tolist() == [10]
    r = simulate(load_scenario(HERE / "token-remix.yaml"))
    pool = login_pass_pool(r, "tokens")
    assert pool["time"].tolist() == [utc("2026-02-02T00:00"), utc("2026-02-04T00:00")]
    assert pool["total"].tolist() == [10, 0]
    LEGACY_CHARTS["login_passes"][0](r)


def test_session_cals_never_exceed_the_pool() -> None:
    r = simulate(load_scenario(HERE / "qlikview-cals.yaml"))
    df = session_cal_data(r)
    assert df["count"].max() == 1
    assert at(df, "count", utc("2026-02-02T09:14")) == 1  # 5 minutes held for 15
    assert (
        at(df, "count", utc("2026-02-02T09:15")) == 0
        or at(df, "count", utc("2026-02-02T09:16")) == 1
    )


def test_usage_cal_pool_level() -> None:
    r = simulate(load_scenario(HERE / "qlikview-cals.yaml"))
    df = usage_cal_data(r)
    assert df["level"].iloc[0] == 28
    assert df["level"].min() >= 0
    assert at(df, "level", utc("2026-02-02T09:27")) == pytest.approx(27 / 1440, abs=1e-9)


def test_every_launch_outcome_has_a_colour() -> None:
    assert set(OUTCOME_COLOURS) == {str(o) for o in LaunchOutcome}


@pytest.mark.parametrize(
    "name", ["tokens.yaml", "qlikview-cals.yaml", "desktops.yaml", "desktop-lease.yaml"]
)
def test_relevant_legacy_charts_draw(name: str) -> None:
    r = simulate(load_scenario(HERE / name))
    drawn = [key for key, (draw, shown) in LEGACY_CHARTS.items() if shown(r) and draw(r)]
    assert drawn


def test_session_cal_takes_and_releases_balance_in_a_busy_estate() -> None:
    r = simulate(load_scenario(Path(__file__).parent.parent / "scenarios/qlikview-cal-estate.yaml"))
    df = session_cal_data(r)
    assert df["count"].min() == 0 and df["count"].iloc[-1] == 0
    assert df["count"].max() <= 12  # the estate owns 12 Session CALs


def test_session_cal_daily_peaks_count_the_level_carried_over_midnight() -> None:
    import dataclasses

    from sim.legacy_charts import session_cal_daily_peaks

    r = simulate(load_scenario(HERE / "qlikview-cals.yaml"))
    start = pd.Timestamp(r.scenario.start_at).tz_convert(r.scenario.tz)
    day = start.normalize()

    def ev(kind: str, hours: float) -> dict[str, object]:
        return {"kind": kind, "time": day + pd.Timedelta(hours=hours)}

    # Day 1: two CALs from 22:00, one freed at 23:00, the other held until 02:00 on day 2,
    # when a third is taken at 01:00: day 1 peaks at 2, day 2 at 2 (1 carried + 1 new),
    # day 3 at 0.
    events = pd.DataFrame(
        [
            ev("session_cal_taken", 22),
            ev("session_cal_taken", 22.5),
            ev("session_cal_freed", 23),
            ev("session_cal_taken", 25),
            ev("session_cal_freed", 26),
            ev("session_cal_freed", 27),
        ]
    )
    doctored = dataclasses.replace(r, events=events)
    peaks = session_cal_daily_peaks(doctored).set_index("day")["peak"]
    assert peaks.iloc[:3].tolist() == [2, 2, 0]
