"""Calibration (issue #12 item 4): usage tiers, distribution choice, group fits, the
calibrated scenario and fit.html; and the behaviour keys it writes (session_length,
attendance, session_count, month_end, holidays)."""

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_model_fastpath import assert_same, both_ways

from sim import parse_scenario
from sim.calibration import calibrate
from sim.calibration.distributions import choose_continuous, choose_count
from sim.calibration.fit import fit_group
from sim.calibration.report import fit_html
from sim.calibration.usage import Thresholds, usage_groups
from sim.importers.trace import finish_trace, session_rows
from sim.run import simulate
from sim.scenario import ScenarioError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("law", "draw"),
    [
        ("lognormal", lambda r: r.lognormal(np.log(900), 1.1, 3000)),
        ("gamma", lambda r: r.gamma(3.0, 300.0, 3000)),
        ("weibull", lambda r: 600 * r.weibull(0.6, 3000)),
        ("exponential", lambda r: r.exponential(1200.0, 3000)),
    ],
)
def test_the_law_the_sample_came_from_wins(law, draw) -> None:
    fit = choose_continuous(draw(np.random.default_rng(7)))
    assert fit.name == law
    assert fit.ks < 0.03
    assert set(fit.others) == {"lognormal", "gamma", "weibull", "exponential"} - {law}
    assert all(fit.aic < a for a in fit.others.values())


def test_lognormal_parameters_are_recovered() -> None:
    fit = choose_continuous(np.random.default_rng(3).lognormal(np.log(840), 0.9, 5000))
    assert fit.params["scale"] == pytest.approx(840, rel=0.05)
    assert fit.params["shape"] == pytest.approx(0.9, rel=0.05)


def test_session_counts_choose_between_poisson_and_one_plus_poisson() -> None:
    r = np.random.default_rng(11)
    plus = choose_count(1 + r.poisson(1.6, 3000))
    assert plus.name == "one_plus_poisson"
    assert plus.params["mean"] == pytest.approx(2.6, abs=0.06)
    k = r.poisson(2.0, 6000)
    plain = choose_count(k[k > 0])
    assert plain.name == "poisson"
    assert plain.params["mean"] == pytest.approx(2.0, abs=0.06)


def _trace(rows: list[tuple[str, str, float, int]]) -> pd.DataFrame:
    """(user, local start, duration s, selections) rows as a trace in Europe/Berlin."""
    start = pd.to_datetime(pd.Series([r[1] for r in rows])).dt.tz_localize("Europe/Berlin")
    frame = session_rows(
        start,
        pd.Series([r[2] for r in rows], dtype=float),
        directory=pd.Series(["CORP"] * len(rows)),
        user=pd.Series([r[0] for r in rows]),
        server=pd.Series(["QS1"] * len(rows)),
        selections=pd.Series([r[3] for r in rows]),
        source=pd.Series(["csv"] * len(rows)),
        source_line=pd.Series(range(2, len(rows) + 2)),
    )
    return finish_trace([frame], "Europe/Berlin")


def _two_weeks() -> pd.DataFrame:
    """Two weeks, Mon 2026-01-05 to Fri 2026-01-16 (10 working days), three users.

    ann: every working day, 3 h a day (30 h/week) → heavy by both measures;
    bob: Mondays and Tuesdays only, 4 days of 10 = 40 %, one 30-min session → regular;
    cid: one day (10 %), 60 h in it (30 h/week) → heavy by hours though light by days;
    dan: one day, 10 min → light.
    """
    rows = []
    for d in pd.bdate_range("2026-01-05", "2026-01-16"):
        rows.append(("ann", f"{d:%Y-%m-%d} 08:00", 3 * 3600.0, 30))
        if d.weekday() < 2:
            rows.append(("bob", f"{d:%Y-%m-%d} 10:00", 1800.0, 10))
    rows.append(("cid", "2026-01-07 00:00", 60 * 3600.0, 1))
    rows.append(("dan", "2026-01-08 09:00", 600.0, 2))
    return _trace(rows)


def test_usage_tiers_by_days_and_hours() -> None:
    u = usage_groups(_two_weeks())
    assert u.loc["CORP\\ANN", "day_share"] == pytest.approx(1.0)
    assert u.loc["CORP\\BOB", "day_share"] == pytest.approx(0.4)
    # bob: 4 × 0.5 h over 2 weeks = 1 h/week, under the 2 h of regular: regular by days
    assert u.loc["CORP\\BOB", "hours_per_week"] == pytest.approx(1.0)
    assert u["tier"].to_dict() == {
        "CORP\\ANN": "heavy",
        "CORP\\BOB": "regular",
        "CORP\\CID": "heavy",
        "CORP\\DAN": "light",
    }
    # at a threshold a user moves up: bob's 40 % is heavy from 40 %
    moved = usage_groups(_two_weeks(), Thresholds(heavy_days=0.40))
    assert moved.loc["CORP\\BOB", "tier"] == "heavy"
    assert usage_groups(_two_weeks(), Thresholds(heavy_days=0.41)).loc["CORP\\BOB", "tier"] == (
        "regular"
    )


def test_hand_checked_group_fit() -> None:
    """bob alone, by hand: 2 weeks, Mondays and Tuesdays one session each.

    Mondays: 2 dates, bob in on both → share 1.0; Tuesdays likewise; other weekdays 0.
    Sessions per active day: all 1 → zero-truncated Poisson (λ → 0) ties one plus
    Poisson(0), both giving a count of 1 probability 1; but a Poisson(λ → 0) count is
    almost never above 0, so bob's attendance of 1 would have to be 1 / (1 - e^-λ) ≫ 1:
    one plus Poisson with mean 1 is written.
    Day start: 10:00 every day → mean "10:00", sd 0. Clicks: 10 each. No breaks (one
    session a day): the default 1 h stays.
    """
    t = _two_weeks()
    fit = fit_group(
        "regular",
        ["CORP\\BOB"],
        t,
        pd.Timestamp("2026-01-05"),
        pd.Timestamp("2026-01-17"),
        [],
    )
    b = fit.behaviour
    assert fit.attendance_share == {"mon": 1.0, "tue": 1.0}
    assert b["days"] == ["mon", "tue"]
    assert b["session_count"] == "one_plus_poisson" and b["sessions_per_day"] == 1
    assert b["attendance"] == {"mon": 1.0, "tue": 1.0}
    assert b["day_start"] == {"mean": "10:00", "sd": 0}
    assert b["clicks_per_session"] == 10
    assert b["session_break"] == 3600
    assert fit.sessions == 4 and fit.users == 1
    assert fit.monthly_active == {"2026-01": (1.0, pytest.approx(1.0))}


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sim.importers.site_import import (
        calibrated_texts,
        import_site,
        site_scenario_text,
        write_outputs,
    )

    out = tmp_path_factory.mktemp("site")
    src = [ROOT / "examples/site/logs", ROOT / "examples/site/qrs"]
    result = import_site(src, tz="Europe/Berlin")
    text = site_scenario_text(result, out, tz="Europe/Berlin", name="site", sources=["x"])
    cal = calibrated_texts(result, out, scenario_text=text, name="site")
    write_outputs(result, out, tz="Europe/Berlin", scenario_text=text, calibrated=cal)
    return out


def test_calibrated_yaml_validates_and_runs(example_site: Path) -> None:
    text = (example_site / "calibrated.yaml").read_text()
    sc = parse_scenario(text, "calibrated.yaml", base=str(example_site))
    groups = {g.group: g for g in sc.users}
    # the example's generator: 15 heavy developers, regular and occasional analysts
    assert groups["professional_heavy"].count == 15
    assert set(groups) >= {"analyzer_regular", "analyzer_light"}
    heavy = groups["professional_heavy"].behaviour
    assert heavy.session_length is not None and heavy.session_length.distribution == "lognormal"
    assert heavy.session_count == "one_plus_poisson"
    # the generator's month-end ×1.8 is found in the regular analysts
    me = groups["analyzer_regular"].behaviour.month_end
    assert me is not None and me.factor == pytest.approx(1.8, abs=0.25)
    assert "# session length: lognormal" in text and "AIC" in text and "KS" in text
    r = simulate(sc)
    observed = len(pd.read_parquet(example_site / "trace.parquet"))
    # the fitted model gives the trace's volume back within 5 %
    assert len(r.sessions) == pytest.approx(observed, rel=0.05)


def test_fit_html_makes_no_external_request(example_site: Path) -> None:
    page = (example_site / "fit.html").read_text()
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", page, re.I)
    assert page.count("<img") == 3 and page.count("data:image/png;base64,") == 3
    assert "lognormal" in page


def test_calibrate_then_the_html_of_a_small_trace() -> None:
    site = (
        'name: "t"\nstart: "2026-01-05T00:00"\nend: "2026-01-17T00:00"\ntimezone: Europe/Berlin\n'
        "licenses:\n  - id: site\n    professional: 4\nservers:\n  - id: QS1\n    license: site\n"
        "users:\n  - group: observed\n    directory: CORP\n    access: professional\n"
        "    servers: [QS1]\n"
        "    replay:\n      trace: trace.parquet\n"
        '      users: ["CORP\\\\ANN", "CORP\\\\BOB", "CORP\\\\CID", "CORP\\\\DAN"]\n'
    )
    cal = calibrate(_two_weeks(), site)
    sc = parse_scenario(cal.text, "c.yaml")
    assert sorted((g.group, g.count) for g in sc.users) == [
        ("observed_heavy", 2),
        ("observed_light", 1),
        ("observed_regular", 1),
    ]
    assert {g.directory for g in sc.users} == {"CORP"}
    assert "<img" in fit_html(cal)


def _one_user(behaviour: str, access: str = "professional", extra: str = "") -> str:
    return (
        'name: "keys"\nstart: "2026-01-05T00:00"\nend: "2026-02-01T00:00"\ntimezone: UTC\n'
        f"licenses:\n  - id: l\n    professional: 1\n    analyzer: 1\n{extra}"
        "servers:\n  - id: s\n    license: l\n"
        f"users:\n  - group: g\n    count: 1\n    access: {access}\n    servers: [s]\n"
        f"    behaviour: {behaviour}\n"
    )


def test_hand_worked_calibrated_keys() -> None:
    """One user, Jan 5 to Feb 1 2026 (Mondays 5, 12, 19, 26), by hand:

    day start 09:00 sd 0; one_plus_poisson with mean 1 → exactly one session a day;
    session_length lognormal, median 600 s, sigma 1e-9 → 600 s (09:00–09:10);
    attendance fri 0 → no Friday; holidays 2026-01-07 (a Wednesday) → no session that
    day; days mon–fri. Working days: 4 weeks × 4 (mon–thu) = 16, less the holiday = 15
    sessions, each 600 s long, at 09:00.
    """
    sc = parse_scenario(
        _one_user(
            "{day_start: {mean: '09:00', sd: 0}, sessions_per_day: 1, session_count: "
            "one_plus_poisson, session_length: {distribution: lognormal, scale: 600, shape: "
            "1.0e-9}, attendance: {fri: 0}, holidays: [2026-01-07]}"
        )
    )
    s = simulate(sc).sessions
    assert len(s) == 15
    days = s["start"].dt.strftime("%a %d").tolist()
    assert "Wed 07" not in days and not any(d.startswith("Fri") for d in days)
    assert (s["start"].dt.strftime("%H:%M") == "09:00").all()
    # session_length is the active part; the close adds the 30-minute idle tail unless the
    # user logs out
    length = (s["planned_end"] - s["start"]).dt.total_seconds()
    assert length.to_numpy() == pytest.approx(600.0, abs=1e-3)
    tail = (s["end"] - s["planned_end"]).dt.total_seconds()
    assert set(tail.round(3)) <= {0.0, 1800.0}
    assert (s["clicks"] >= 1).all()


def test_month_end_lifts_attendance_to_one() -> None:
    """attendance 0.5 on every weekday, month_end {days: 2, factor: 2}: Jan 29 and 30 2026
    (Thu, Fri: the last two working days of January) have attendance min(1, 0.5 × 2) = 1,
    so the user comes in on both, whatever the draws."""
    for seed in range(5):
        sc = parse_scenario(
            _one_user(
                "{sessions_per_day: 1, session_count: one_plus_poisson, attendance: {mon: 0.5,"
                " tue: 0.5, wed: 0.5, thu: 0.5, fri: 0.5}, month_end: {days: 2, factor: 2}}"
            )
        )
        s = simulate(sc, seed=seed).sessions
        days = set(s["start"].dt.strftime("%m-%d"))
        assert {"01-29", "01-30"} <= days
        assert len(days) < 20  # the others are drawn: 20 working days, about half come


def test_attendance_key_must_name_a_working_day() -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_one_user("{days: [mon], attendance: {sun: 0.5}}"), "k.yaml")
    assert "attendance" in str(err.value) and "expected a day listed in days" in str(err.value)


def test_session_length_groups_are_identical_both_ways() -> None:
    """A capacity group drawing heavy-tailed lengths (units at the per-session pace) and a
    user-based one with attendance: the fast and the exact path agree."""
    text = _one_user(
        "{sessions_per_day: 3, clicks_per_session: 5, session_length: {distribution: "
        "weibull, scale: 900, shape: 0.7}, attendance: {mon: 0.5, tue: 0.9, wed: 0.5, thu: "
        "0.9, fri: 0.5}, month_end: {days: 2, factor: 1.5}}",
        access="capacity",
        extra="    capacity_minutes: 600\n",
    ).replace("count: 1", "count: 30")
    a, b, _ = both_ways(parse_scenario(text))
    assert_same(a, b)
    assert len(a.sessions) > 100


def test_a_session_length_law_averaging_days_is_refused() -> None:
    """lognormal median 20 h, sigma 1: mean 20 h × e^0.5 ≈ 33 h, cut at max 48 h → 33 h,
    over the 24 h limit of a mean generated session."""
    with pytest.raises(ScenarioError) as err:
        parse_scenario(
            _one_user(
                "{session_length: {distribution: lognormal, scale: 20h, shape: 1, max: 48h}}"
            ),
            "k.yaml",
        )
    assert "session_length" in str(err.value) and "at most 1d" in str(err.value)


def test_licsim_runs_the_calibrated_scenario(example_site: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", example_site / "calibrated.yaml", "--out", tmp_path],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    sessions = pd.read_parquet(tmp_path / "sessions.parquet")
    assert set(sessions["group"].astype(str)) >= {"professional_heavy", "analyzer_regular"}


def test_round_the_clock_day_starts_choose_the_uniform_spread() -> None:
    """One user in on each of 10 working days, first sessions spread evenly over the day
    (00:00, 02:24, ..., 21:36): a uniform on the day beats a normal by AIC."""
    days = pd.bdate_range("2026-01-05", "2026-01-16")
    rows = [
        ("eve", f"{d:%Y-%m-%d} {i * 144 // 60:02d}:{i * 144 % 60:02d}", 600.0 + i, 3)
        for i, d in enumerate(days)
    ]
    fit = fit_group(
        "light", ["CORP\\EVE"], _trace(rows), days[0], days[-1] + pd.Timedelta(days=1), []
    )
    assert fit.day_start_law == "uniform"
    assert fit.behaviour["day_start"] == {"spread": "uniform"}
    # the hand-checked trace's 10:00 every day stays normal
    bob = fit_group(
        "regular", ["CORP\\BOB"], _two_weeks(), days[0], days[-1] + pd.Timedelta(days=1), []
    )
    assert bob.day_start_law == "normal"


def test_known_holidays_reach_the_simulated_period() -> None:
    """A holiday of the site's calendar after the trace: the trace cannot show it.

    bob (regular) worked every Monday and Tuesday of the two fitted weeks, one session a
    day: attendance mon 1, tue 1 (other days dropped), 1 + Poisson(0) sessions. Simulated
    Mon 2026-01-19 to Sun 2026-02-01, with Mon 2026-01-26 a known holiday: Mon 19, Tue 20
    and Tue 27 → 3 sessions; without the calendar Mon 26 is a working day → 4. A date
    outside both periods (2026-03-02) is written nowhere.
    """
    site = (
        'name: "t"\nstart: "2026-01-05T00:00"\nend: "2026-01-17T00:00"\ntimezone: Europe/Berlin\n'
        "licenses:\n  - id: site\n    professional: 4\nservers:\n  - id: QS1\n    license: site\n"
        "users:\n  - group: observed\n    directory: CORP\n    access: professional\n"
        "    servers: [QS1]\n"
        "    replay:\n      trace: trace.parquet\n"
        '      users: ["CORP\\\\ANN", "CORP\\\\BOB", "CORP\\\\CID", "CORP\\\\DAN"]\n'
    )
    trace = _two_weeks()
    fit = (pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-19"))
    later = (pd.Timestamp("2026-01-19"), pd.Timestamp("2026-02-02"))

    def bob_sessions(known: list[date]) -> tuple[int, object]:
        cal = calibrate(trace, site, fit_period=fit, sim_period=later, known_holidays=known)
        sc = parse_scenario(cal.text, "c.yaml")
        (regular,) = [g for g in sc.users if g.group == "observed_regular"]
        s = simulate(sc).sessions
        return int((s["group"] == "observed_regular").sum()), regular.behaviour.holidays

    n, holidays = bob_sessions([date(2026, 1, 26), date(2026, 3, 2)])
    assert n == 3 and list(holidays) == [date(2026, 1, 26)]
    assert bob_sessions([])[0] == 4
