"""What-if outage studies: what does an outage of a given length cost, compared with none?

:func:`outage_whatif` takes a scenario, an outage target (the license ``backend`` or one
server's link to it), a start time and a list of outage durations, and measures for each
duration what the outage takes away from the users.

Method
------
**Common random numbers.** User behaviour in licsim is exogenous: every user's sessions are
drawn from random streams keyed by (seed, replication, group, day), never from what the
license service answered. Two runs of variants of one scenario with the same seed and
replication therefore face the *same* planned sessions (same user, device, start and
planned end); only their outcomes differ. For every replication ``k`` the study runs the
scenario once as a **baseline** (without the what-if outage) and once per duration ``d``
as a **variant** with the outage ``{start: at, duration: d, cause: what-if}`` added to
``backend.outages`` or to the server's ``link_outages``; both with ``replication=k``. The
baseline of a replication is run once and reused for every duration.

**Matching.** The sessions of a variant and of its baseline are matched row by row on
``(user, device, start)`` (plus the occurrence number, should a key repeat), and the study
refuses to compare runs whose planned sessions differ. The difference of a matched pair is
the effect of the outage on that session alone, so the noise of user behaviour cancels
out; a handful of replications gives tight intervals, and an outage at a time nobody
works measures exactly zero.

Metrics (per duration and replication, in ``WhatIf.runs``):

=================================  =======================================================
``denied_sessions``                sessions denied in the variant
``denied_sessions_baseline``       sessions denied in the baseline
``extra_denied_sessions``          the difference of the two
``extra_cut_sessions``             sessions granted in both, cut short only in the variant
``users_affected``                 distinct users with a session granted and not cut in
                                   the baseline that is denied or cut in the variant
``first_denial_after``             hours from the outage start to the first session denied
                                   in the variant but not in the baseline (empty if none)
``unserved_session_hours``         granted session hours (end − start) of the baseline
                                   minus those of the variant
``extra_denied_<reason>``          sessions denied in the variant but not in the baseline,
                                   by the variant's denial reason (one column per reason
                                   of :data:`sim.rules.reasons.DENIAL_REASONS`)
=================================  =======================================================

The ``extra_denied_<reason>`` columns count newly denied sessions; they add up to
``extra_denied_sessions`` unless the outage also lets a session through that the baseline
denied (for example capacity minutes saved during the outage and spent later), which
counts against ``extra_denied_sessions`` only.

``WhatIf.table`` has one row per duration: the mean of every metric across replications
and, with more than one replication, a Student-t interval at ``confidence`` (default
95 %; :mod:`sim.intervals`) as ``<metric>_ci_low`` and ``<metric>_ci_high``.
``WhatIf.lost`` lists every session the outage took away (denied or cut short in the
variant, granted and not cut in the baseline): who, when, on which server, with which
access in the baseline, why, and how many hours were lost.

An outage running past the end of the simulated period is clipped there
(``outage_hours`` says how long it lasted inside the run). The target's outages already
in the scenario stay (the what-if outage is added to them) unless ``replace=True``, which
removes the target's scheduled outages from baseline and variants alike so that the study
varies *the* outage instead of stacking a second one on it. The link outages a backend
address change causes on a server that allow-lists the backend by IP are not scheduled
outages: they are in the baseline and every variant, ``replace`` keeps them, and a what-if
outage overlapping one of them says so in the notes.
"""

from __future__ import annotations

import json
import math
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.atomic import atomic_text
from sim.intervals import DEFAULT_CONFIDENCE, check_confidence, mean_ci, t_quantile
from sim.outfolder import digest
from sim.result import Result
from sim.rules.reasons import DENIAL_REASONS
from sim.run import simulate
from sim.scenario import Outage, Scenario, format_duration
from sim.spreadsheet import write_csv

__all__ = [
    "METRICS",
    "WhatIf",
    "compare_sessions",
    "default_outage_start",
    "outage_whatif",
    "resolve_outage_start",
    "t_quantile",
    "write_whatif",
]

BACKEND = "backend"
CAUSE = "what-if"

METRICS: tuple[str, ...] = (
    "denied_sessions",
    "denied_sessions_baseline",
    "extra_denied_sessions",
    "extra_cut_sessions",
    "users_affected",
    "first_denial_after",
    "unserved_session_hours",
    *(f"extra_denied_{r}" for r in DENIAL_REASONS),
)
"""The per-run metrics, in the order of the output columns."""

_KEYS = ["user", "device", "start"]


@dataclass
class WhatIf:
    """The outcome of an outage what-if study (see the module docstring)."""

    scenario: Scenario
    target: str
    at: datetime
    durations: list[float]
    labels: list[str]
    reps: int
    table: pd.DataFrame
    runs: pd.DataFrame
    lost: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    engine_seconds: float = 0.0
    """Of ``wall_seconds``, the runs' own (:func:`sim.run.simulate`'s ``wall_seconds``)."""
    confidence: float = DEFAULT_CONFIDENCE


def default_outage_start(scenario: Scenario) -> datetime:
    """The first Monday 08:00 local time at least 7 days after the scenario's start.

    A week in, dynamic allocations have been made, so the study measures a warm
    deployment rather than its first logins.
    """
    tz = scenario.tz
    earliest = scenario.start_at.astimezone(tz) + timedelta(days=7)
    day = earliest.date()
    while True:
        candidate = datetime.combine(day, time(8, 0), tzinfo=tz)
        if day.weekday() == 0 and candidate >= earliest:
            return candidate
        day += timedelta(days=1)


def resolve_outage_start(scenario: Scenario, at: datetime | None) -> datetime:
    """``at`` as an aware time in the scenario's zone (naive: read in that zone), or the
    default start; ``ValueError`` if it is not inside the simulated period."""
    start_at, end_at = scenario.start_at, scenario.end_at
    period = f"{start_at.isoformat()} to {end_at.isoformat()}"
    if at is None:
        at = default_outage_start(scenario)
        if at >= end_at:
            raise ValueError(
                f"the simulated period ({period}) is too short for the default outage start "
                f"({at.isoformat()}: the first Monday 08:00 at least 7 days in); give the "
                "outage start explicitly"
            )
        return at
    at = _aware(scenario, at)
    if not 0 <= scenario.seconds(at) < scenario.horizon:
        raise ValueError(
            f"the outage start {at.isoformat()} is outside the simulated period ({period})"
        )
    return at


def _aware(scenario: Scenario, moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=scenario.tz)
    return moment.astimezone(scenario.tz)


def _targets(scenario: Scenario) -> list[str]:
    return [BACKEND, *(s.id for s in scenario.servers)]


def _target_path(scenario: Scenario, target: str) -> tuple[str, list[Any]]:
    """The dotted path of the target's scheduled outages and their current list."""
    if target == BACKEND:
        return "backend.outages", list(scenario.backend.outages)
    for i, server in enumerate(scenario.servers):
        if server.id == target:
            return f"servers.{i}.link_outages", list(server.link_outages)
    raise ValueError(
        f"unknown outage target {target!r}: expected one of: {', '.join(_targets(scenario))}"
    )


def _dump(outages: Sequence[Any]) -> list[dict[str, Any]]:
    return [o.model_dump(exclude_unset=True) for o in outages]


def _address_change_outages(scenario: Scenario) -> list[tuple[str, Outage]]:
    """The scheduled address changes' link outages of servers allow-listing the backend by
    IP; they are in baseline and variants alike, and replace=True keeps them."""
    return [
        (srv.id, Outage(start=at, duration=srv.firewall.fix_after))
        for srv in scenario.servers
        if srv.firewall.allow_by == "ip"
        for at in scenario.backend.address_changes
    ]


def _overlaps(outages: Sequence[Any], start: datetime, stop: datetime) -> list[Any]:
    return [o for o in outages if o.start < stop and start < o.stop]


def outage_whatif(
    scenario: Scenario,
    target: str,
    durations: Sequence[float],
    at: datetime | None = None,
    reps: int = 1,
    *,
    labels: Sequence[str] | None = None,
    seed: int | None = None,
    replace: bool = False,
    confidence: float = DEFAULT_CONFIDENCE,
    progress: Callable[[int, int], None] | None = None,
) -> WhatIf:
    """Measure what an outage of ``target`` lasting each of ``durations`` (seconds) costs.

    ``target`` is ``"backend"`` or a server id. ``at`` is when the outage starts (a naive
    time is read in the scenario's time zone; default :func:`default_outage_start`).
    ``reps`` replications of each duration are compared with a baseline of the same
    replication (common random numbers). ``labels`` name the durations in the tables
    (default: :func:`~sim.scenario.format_duration`). ``replace`` drops the target's
    scheduled outages from the scenario first. ``confidence`` is the level of the
    intervals across replications (strictly between 0 and 1). ``progress`` is told the
    runs done and the runs in all (a baseline and each duration, per replication).
    Raises ``ValueError`` for a bad target, time, duration, number of replications or
    confidence, and ``ScenarioError`` if a variant does not validate.
    """
    began = _time.perf_counter()
    path, existing = _target_path(scenario, target)
    durations = [float(d) for d in durations]
    if not durations:
        raise ValueError("expected at least one outage duration")
    for d in durations:
        if not (math.isfinite(d) and d > 0):
            raise ValueError(f"expected outage durations above zero, got {d!r} s")
    labels = [format_duration(d) for d in durations] if labels is None else list(labels)
    if len(labels) != len(durations):
        raise ValueError("expected one label per duration")
    if len(set(labels)) != len(labels):
        raise ValueError(f"expected each duration once, got {', '.join(labels)}")
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise ValueError(f"expected at least one replication, got {reps!r}")
    confidence = check_confidence(confidence)
    at = resolve_outage_start(scenario, at)
    offset = scenario.seconds(at)

    notes: list[str] = []
    kept = [] if replace else existing
    base = scenario.with_overrides({path: _dump(kept)}) if replace and existing else scenario
    longest = at.astimezone(UTC) + timedelta(seconds=max(durations))
    mine = "backend" if target == BACKEND else f"{target} link"
    own = [(mine, o) for o in _overlaps(kept, at, longest)]
    changed = _address_change_outages(scenario)
    if target == BACKEND:  # a server already cut off does not notice the backend
        others = [(f"{srv.id} link", o) for srv in scenario.servers for o in srv.link_outages]
        others += [(f"{sid} link (address change)", o) for sid, o in changed]
    else:  # nor does any server while the backend is down
        others = [("backend", o) for o in scenario.backend.outages]
        others += [(f"{sid} link (address change)", o) for sid, o in changed if sid == target]
    shared = [(name, o) for name, o in others if _overlaps([o], at, longest)]
    if own or shared:
        listed = ", ".join(
            f"{name} {o.start.isoformat(timespec='minutes')} for "
            f"{format_duration((o.stop - o.start).total_seconds())}"
            for name, o in [*own, *shared]
        )
        notes.append(
            "the what-if outage overlaps outage(s) already in the scenario "
            f"({listed}); their effect is in the baseline too"
            + ("; pass replace=True (--replace) to study the what-if outage instead" if own else "")
        )
    variants: list[Scenario] = []
    clipped: list[float] = []
    for d in durations:
        length = min(d, scenario.horizon - offset)
        clipped.append(length)
        outage = {"start": at, "duration": length, "cause": CAUSE}
        variants.append(base.with_overrides({path: [*_dump(kept), outage]}))

    runs: list[dict[str, Any]] = []
    lost: list[pd.DataFrame] = []
    total, done, engine = reps * (1 + len(durations)), 0, 0.0

    def ran(result: Result) -> Result:
        nonlocal done, engine
        done, engine = done + 1, engine + result.metadata["wall_seconds"]
        if progress is not None:
            progress(done, total)
        return result

    for k in range(reps):
        baseline = ran(simulate(base, seed=seed, replication=k, variant="baseline")).sessions
        for d, label, length, variant in zip(durations, labels, clipped, variants, strict=True):
            result = ran(simulate(variant, seed=seed, replication=k, variant=f"outage {label}"))
            metrics, gone = compare_sessions(baseline, result.sessions, at)
            runs.append(
                {
                    "duration": label,
                    "duration_hours": d / 3600.0,
                    "outage_hours": length / 3600.0,
                    "replication": k,
                    **metrics,
                }
            )
            gone.insert(0, "replication", k)
            gone.insert(0, "duration", label)
            lost.append(gone)
    runs_df = pd.DataFrame(runs)
    lost_df = pd.concat(lost, ignore_index=True)
    return WhatIf(
        scenario=scenario,
        target=target,
        at=at,
        durations=durations,
        labels=labels,
        reps=reps,
        table=summarise(runs_df, reps, confidence),
        runs=runs_df,
        lost=lost_df,
        notes=notes,
        wall_seconds=round(_time.perf_counter() - began, 3),
        engine_seconds=round(engine, 3),
        confidence=confidence,
    )


def compare_sessions(
    baseline: pd.DataFrame, variant: pd.DataFrame, at: datetime
) -> tuple[dict[str, float], pd.DataFrame]:
    """The metrics of one variant against its baseline, and the sessions it lost.

    Both are ``sessions`` tables of runs with the same seed and replication; they are
    matched on ``(user, device, start)``. Raises ``RuntimeError`` if their planned sessions
    differ (the runs do not share their random numbers).
    """
    b = _keyed(baseline)
    v = _keyed(variant)
    m = b.merge(v, on=[*_KEYS, "_occurrence"], how="inner", suffixes=("_b", "_v"))
    if (
        not (len(m) == len(b) == len(v))
        or not (
            m["planned_end_b"].isna() & m["planned_end_v"].isna()
            | (m["planned_end_b"] == m["planned_end_v"])
        ).all()
    ):
        raise RuntimeError(
            "the variant and the baseline do not have the same planned sessions "
            f"({len(b)} and {len(v)} sessions, {len(m)} matched): they cannot be compared "
            "session by session"
        )
    granted_b = m["denied_reason_b"].isna().to_numpy()
    granted_v = m["denied_reason_v"].isna().to_numpy()
    cut_b = m["interrupted_b"].notna().to_numpy()
    cut_v = m["interrupted_v"].notna().to_numpy()
    hours_b = _hours(m["start"], m["end_b"])
    hours_v = _hours(m["start"], m["end_v"])

    served_b = granted_b & ~cut_b
    newly_denied = granted_b & ~granted_v
    newly_cut = served_b & granted_v & cut_v
    taken = served_b & (~granted_v | cut_v)

    if newly_denied.any():
        first = m.loc[newly_denied, "start"].min()
        first_after = (first - pd.Timestamp(at)).total_seconds() / 3600.0
    else:
        first_after = math.nan
    reasons = m.loc[newly_denied, "denied_reason_v"].astype(str).value_counts()
    metrics: dict[str, float] = {
        "denied_sessions": float((~granted_v).sum()),
        "denied_sessions_baseline": float((~granted_b).sum()),
        "extra_denied_sessions": float((~granted_v).sum() - (~granted_b).sum()),
        "extra_cut_sessions": float(newly_cut.sum()),
        "users_affected": float(m.loc[taken, "user"].nunique()),
        "first_denial_after": first_after,
        "unserved_session_hours": float(hours_b[granted_b].sum() - hours_v[granted_v].sum()),
    }
    for r in DENIAL_REASONS:
        metrics[f"extra_denied_{r}"] = float(reasons.get(r, 0))

    rows = m.loc[taken].reset_index(drop=True)
    lost_hours = hours_b[taken] - np.where(granted_v[taken], hours_v[taken], 0.0)
    denied_v = rows["denied_reason_v"].astype(object)
    gone = pd.DataFrame(
        {
            "user": rows["user"],
            "group": rows["group_b"].astype(str),
            "server": rows["server_b"].astype(str),
            "device": rows["device"],
            "start": rows["start"],
            "access": rows["access_b"].astype(str),
            "outcome": np.where(denied_v.isna(), "cut", "denied"),
            "reason": denied_v.where(denied_v.notna(), rows["interrupted_v"].astype(object)),
            "lost_hours": lost_hours,
        }
    )
    return metrics, gone


def _keyed(sessions: pd.DataFrame) -> pd.DataFrame:
    cols = [
        *_KEYS,
        "group",
        "server",
        "end",
        "planned_end",
        "access",
        "denied_reason",
        "interrupted",
    ]
    df = sessions[cols].copy()
    df["user"] = df["user"].astype(str)
    df["_occurrence"] = df.groupby(_KEYS, sort=False, observed=True).cumcount()
    return df


def _hours(start: pd.Series, end: pd.Series) -> np.ndarray:
    seconds = (end - start).dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    return np.nan_to_num(seconds, nan=0.0) / 3600.0


def summarise(
    runs: pd.DataFrame, reps: int, confidence: float = DEFAULT_CONFIDENCE
) -> pd.DataFrame:
    """One row per duration: the mean of each metric and, for ``reps`` > 1, its Student-t
    interval at ``confidence`` (:func:`sim.intervals.mean_ci`)."""
    rows: list[dict[str, Any]] = []
    for label, df in runs.groupby("duration", sort=False):
        row: dict[str, Any] = {
            "duration": label,
            "duration_hours": float(df["duration_hours"].iloc[0]),
            "outage_hours": float(df["outage_hours"].iloc[0]),
        }
        for metric in METRICS:
            mean, _, low, high, _ = mean_ci(df[metric].to_numpy(dtype=np.float64), confidence)
            row[metric] = mean
            if reps > 1:
                row[f"{metric}_ci_low"] = low
                row[f"{metric}_ci_high"] = high
        row["reps"] = len(df)
        rows.append(row)
    return pd.DataFrame(rows)


WHATIF_OUTPUTS = ("whatif.csv", "whatif_runs.csv", "whatif_lost.csv", "whatif.png", "whatif.json")
"""Everything a what-if folder holds; ``whatif.json``, written last, says it is complete."""


def write_whatif(study: WhatIf, out: Path, chart: bool = True) -> list[Path]:
    """Write ``whatif.csv``, ``whatif_runs.csv``, ``whatif_lost.csv``, ``whatif.png`` and,
    last, ``whatif.json``: the study's parameters and the SHA-256 of every file written.

    ``whatif.json`` is removed first, so a folder without it holds an interrupted study.
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / "whatif.json").unlink(missing_ok=True)
    written: list[Path] = []
    for name, df in (
        ("whatif", study.table),
        ("whatif_runs", study.runs),
        ("whatif_lost", study.lost),
    ):
        path = out / f"{name}.csv"
        write_csv(path, df)
        written.append(path)
    if chart:
        from sim.charts import save_png, whatif_chart

        where = "the license backend" if study.target == BACKEND else f"{study.target}'s link"
        fig = whatif_chart(
            study.table,
            grace_hours=study.scenario.rules.grace / 3600.0,
            title=f"What-if: outage of {where} from {study.at:%Y-%m-%d %H:%M %Z}",
            confidence=study.confidence,
        )
        path = out / "whatif.png"
        save_png(fig, path)
        written.append(path)
    meta = {
        "scenario": study.scenario.name,
        "target": study.target,
        "at": study.at.isoformat(),
        "durations": dict(zip(study.labels, study.durations, strict=True)),
        "replications": study.reps,
        "confidence": study.confidence,
        "wall_seconds": study.wall_seconds,
        "engine_seconds": study.engine_seconds,
        "files": {p.name: digest(p) for p in written},
    }
    written.append(atomic_text(out / "whatif.json", json.dumps(meta, indent=2, default=str)))
    return written
