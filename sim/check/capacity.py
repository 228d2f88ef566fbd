"""Analyzer Capacity is charged in whole units and within its allowance (licensing-rules §4).

Minutes are charged in whole units, only to granted capacity sessions; a month never
consumes beyond its purchase and overage ceiling; the months, the sessions,
``capacity_use`` and the recorded units all count the same minutes; a session is denied
for exhausted capacity only once its month had run out. The minutes a license's first
month had used before the run (``capacity_used_at_start``) are not the run's.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from sim.check.violation import SAMPLE_ROWS, Violation, violation_of
from sim.result import Result
from sim.rules.capacity import unit_minutes
from sim.scenario import Scenario
from sim.scenario.entitlement import Overage


def _used_before(r: Result) -> pd.Series:
    """Per ``capacity`` row, the minutes its month had used before the run
    (``capacity_used_at_start``, in the run's first UTC month only)."""
    c, sc = r.capacity, r.scenario
    first = pd.Timestamp(sc.start_at).tz_convert("UTC").strftime("%Y-%m")
    used = {lic.id: float(lic.capacity_used_at_start) for lic in sc.licenses}
    return pd.Series(
        [
            used.get(lic, 0.0) if month == first else 0.0
            for lic, month in zip(c["license"].astype("object"), c["month"], strict=True)
        ],
        index=c.index,
        dtype=float,
    )


def whole_capacity_units(r: Result) -> Violation | None:
    """Capacity is charged in whole units, and only to granted capacity sessions."""
    unit = unit_minutes(r.scenario.rules.capacity_unit)
    s, c = r.sessions, r.capacity
    bad_s = (s["capacity_minutes"] % unit != 0) | (
        (s["access"] != "capacity") & (s["capacity_minutes"] != 0)
    )
    bad_c = (c["used_minutes"] - _used_before(r)) % unit != 0
    if not bad_s.any() and not bad_c.any():
        return None
    rows = pd.concat([s[bad_s], c[bad_c]]).head(SAMPLE_ROWS)
    return Violation(
        "whole_capacity_units",
        f"{int(bad_s.sum())} sessions and {int(bad_c.sum())} months charge minutes that are "
        f"not whole {unit:g}-minute units (or charge a non-capacity session); a month's "
        "minutes used before the run are not counted",
        rows,
    )


def _allowances(sc: Scenario, license_id: str, month: str) -> list[tuple[int, Overage]]:
    """The (purchase, overage) settings in force at some time during ``month`` (UTC)."""
    lic = sc.license(license_id)
    settings = [(lic.capacity_minutes, lic.overage)]
    for change in lic.changes:
        at = pd.Timestamp(change.at).tz_convert("UTC").strftime("%Y-%m")
        if at > month:
            break
        purchased = settings[-1][0] if change.capacity_minutes is None else change.capacity_minutes
        overage = settings[-1][1] if change.overage is None else change.overage
        settings = [(purchased, overage)] if at < month else [*settings, (purchased, overage)]
    return settings


def _raised(settings: list[tuple[int, Overage]]) -> bool:
    """Whether one of a month's allowances is larger than the one before it."""
    limits = [_limit(p, o) for p, o in settings]
    return any(b > a for a, b in pairwise(limits))


def _limit(purchased: int, overage: str | int) -> float:
    if overage == "unlimited":
        return np.inf
    return float(purchased) + (0.0 if overage == "none" else float(overage))


def capacity_within_allowance(r: Result) -> Violation | None:
    """consumed ≤ purchased when overage is none (≤ purchased + ceiling with one), and the
    overage column is what was consumed beyond the purchase."""
    c = r.capacity
    if c.empty:
        return None
    limit = pd.Series(
        [
            max(_limit(p, o) for p, o in _allowances(r.scenario, lic, month))
            for lic, month in zip(c["license"], c["month"], strict=True)
        ],
        index=c.index,
    )
    bad = (c["used_minutes"] > limit) | (
        c["overage_minutes"] != (c["used_minutes"] - c["allocated_minutes"]).clip(lower=0)
    )
    return violation_of(
        "capacity_within_allowance",
        bad,
        c,
        "months consuming beyond their allowance, or with a miscounted overage",
    )


def capacity_accounted(r: Result) -> Violation | None:
    """The months' consumption is exactly what the sessions (and recorded units) charged,
    besides the minutes the first month had used before the run."""
    c, s = r.capacity, r.sessions
    license_of = {srv.id: srv.license for srv in r.scenario.servers}
    charged = s.groupby(s["server"].astype("object").map(license_of))["capacity_minutes"].sum()
    during = c["used_minutes"] - _used_before(r)
    consumed = during.groupby(c["license"]).sum() if len(c) else pd.Series(dtype=float)
    both = pd.DataFrame({"sessions": charged, "capacity": consumed}).fillna(0.0)
    if r.units is not None:
        per_unit = unit_minutes(r.scenario.rules.capacity_unit)
        units = r.units.groupby(r.units["license"].astype("object")).size() * per_unit
        both["units"] = units.reindex(both.index).fillna(0.0)
    both = both.rename_axis("license").reset_index()
    bad = (both.drop(columns="license").sub(both["capacity"], axis=0) != 0).any(axis=1)
    return violation_of(
        "capacity_accounted",
        bad,
        both,
        "licenses whose monthly consumption differs from the minutes charged to sessions",
    )


def capacity_use_accounted(r: Result) -> Violation | None:
    """``capacity_use`` (units by the UTC month each started in) adds up: per license and
    month to the month's consumption during the run (less ``capacity_used_at_start``), per
    user and server to the sessions' capacity minutes, each row to whole units, and to the
    recorded units when there are any."""
    use, c, s = r.capacity_use, r.capacity, r.sessions
    unit = unit_minutes(r.scenario.rules.capacity_unit)
    use = use.assign(
        license=use["license"].astype("object"),
        server=use["server"].astype("object"),
        user=use["user"].astype("object"),
        month=use["month"].astype("object"),
    )
    bad_rows = use["capacity_minutes"] != use["units"] * unit
    found = violation_of(
        "capacity_use_accounted", bad_rows, use, "capacity_use rows not units × unit"
    )
    if found:
        return found
    months = pd.DataFrame(
        {
            "capacity": (c["used_minutes"] - _used_before(r))
            .groupby([c["license"].astype("object"), c["month"].astype("object")])
            .sum(),
            "capacity_use": use.groupby(["license", "month"])["capacity_minutes"].sum(),
        }
    ).fillna(0.0)
    if r.units is not None:
        u = r.units
        month = u["time"].dt.tz_convert("UTC").dt.strftime("%Y-%m")
        months["units"] = (
            u.groupby([u["license"].astype("object"), month]).size().reindex(months.index) * unit
        ).fillna(0.0)
    months = months.rename_axis(["license", "month"]).reset_index()
    bad = (months.drop(columns=["license", "month"]).sub(months["capacity"], axis=0) != 0).any(
        axis=1
    )
    found = violation_of(
        "capacity_use_accounted",
        bad,
        months,
        "license months whose capacity_use differs from the minutes consumed",
    )
    if found:
        return found
    charged = s[s["capacity_minutes"] > 0]
    users = pd.DataFrame(
        {
            "sessions": charged.groupby(
                [charged["server"].astype("object"), charged["user"].astype("object")]
            )["capacity_minutes"].sum(),
            "capacity_use": use.groupby(["server", "user"])["capacity_minutes"].sum(),
        }
    ).fillna(0.0)
    users = users.rename_axis(["server", "user"]).reset_index()
    return violation_of(
        "capacity_use_accounted",
        users["sessions"] != users["capacity_use"],
        users,
        "users whose capacity_use on a server differs from their sessions' capacity minutes",
    )


def capacity_denials_after_exhaustion(r: Result) -> Violation | None:
    """A capacity_exhausted denial falls in a month that had run out by then. A cut spends
    a month at the change, so it is checked too; months a change raised are skipped, since
    a raise opens a spent month again and its earlier denials precede the new
    ``exhausted_at``."""
    s, c = r.sessions, r.capacity
    denied = s[s["denied_reason"] == "capacity_exhausted"]
    if denied.empty:
        return None
    license_of = {srv.id: srv.license for srv in r.scenario.servers}
    key = pd.DataFrame(
        {
            "license": denied["server"].astype("object").map(license_of),
            "month": denied["start"].dt.tz_convert("UTC").dt.strftime("%Y-%m"),
        }
    )
    months = c[["license", "month", "exhausted_at"]].astype({"license": "object"})
    months["raised"] = [
        _raised(_allowances(r.scenario, lic, m))
        for lic, m in zip(months["license"], months["month"], strict=True)
    ]
    found = key.merge(months, on=["license", "month"], how="left")
    found.index = denied.index
    exhausted_at = pd.to_datetime(found["exhausted_at"], utc=True)
    raised = found["raised"].astype("boolean").fillna(False).astype(bool)
    bad = ~raised & (exhausted_at.isna() | (denied["start"] < exhausted_at))
    return violation_of(
        "capacity_denials_after_exhaustion",
        bad,
        denied,
        "sessions denied for exhausted capacity before the month ran out",
    )
