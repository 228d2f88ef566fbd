"""Analyzer Capacity: the monthly minute budget, who burns it, and who should get a seat.

Capacity is bought as minutes per calendar month (reset 00:00 UTC on the 1st) and charged
in units (6 minutes by default) when a unit starts. The QMC names are used:
``allocated_minutes`` (the month's purchase) and ``used_minutes`` (consumed). A budget
wants a **burn-down** (cumulative used minutes in the month against the straight
*run-rate* line from 0 to the purchase at the month's end): above the line the month will
run out before the reset.

**Analyzer break-even**: with ``prices`` in the scenario, a user whose capacity minutes in a
month exceed *analyzer seat price / price per capacity minute* (or the scenario's
``breakeven_minutes``) would have been cheaper on an Analyzer seat; such users are
candidates for one. Months are UTC calendar months, as the meter's, and minutes count in
the month their unit started in: a session that runs across the 1st charges both months
(the ``capacity_use`` table), so every figure per month here adds up to the ``capacity``
table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .common import by_column, window

if TYPE_CHECKING:
    from sim.result import Result


def capacity_months(result: Result) -> pd.DataFrame:
    """Per license and month: ``allocated_minutes``, ``used_minutes``, ``available_minutes``
    (left unused), ``overage_minutes``, ``denied_units`` and ``exhausted_at``."""
    c = result.capacity
    return pd.DataFrame(
        {
            "license": c["license"],
            "month": c["month"],
            "allocated_minutes": c["purchased"].astype(float),
            "used_minutes": c["consumed"].astype(float),
            "available_minutes": (c["purchased"] - c["consumed"]).clip(lower=0).astype(float),
            "overage_minutes": c["overage"].astype(float),
            "denied_units": c["denied_units"],
            "exhausted_at": c["exhausted_at"],
        }
    ).reset_index(drop=True)


def _charges(result: Result) -> pd.DataFrame:
    """Capacity minutes as (time, license, minutes): each unit at its start when the run
    recorded units (``record_units``), else placed from the sessions.

    Without units, each user's minutes of a month on a server (``capacity_use``) are put at
    the starts of their capacity sessions in that month, a session's whole minutes at its
    start until the month's minutes are placed; what is left (units of a session that began
    in an earlier month) goes at the month's start. Each month then adds up to the
    ``capacity`` table; only the moments within the month are approximate.
    """
    unit = result.scenario.rules.capacity_unit / 60.0
    if result.units is not None:
        u = result.units
        return pd.DataFrame(
            {"time": u["time"], "license": u["license"].astype(str), "minutes": unit}
        )
    cols = ["time", "license", "minutes"]
    use = result.capacity_use
    if use.empty:
        return pd.DataFrame(columns=cols)
    start, _ = window(result)
    use = use.assign(
        license=use["license"].astype(str),
        server=use["server"].astype(str),
        user=use["user"].astype(str),
    )
    s = result.sessions[result.sessions["capacity_minutes"] > 0]
    s = s.assign(
        server=s["server"].astype(str),
        user=s["user"].astype(str),
        month=_utc_month(s["start"]),
        minutes=s["capacity_minutes"].astype(float),
    ).sort_values("start", kind="stable")
    keys = ["server", "user", "month"]
    budget = use.set_index(keys)["capacity_minutes"]
    s = s.join(budget.rename("budget"), on=keys)
    # Cumulative minutes of the user's sessions in the month, clipped to what the month got.
    placed = s.groupby(keys, sort=False)["minutes"].cumsum().clip(upper=s["budget"].fillna(0.0))
    s = s.assign(
        placed=placed - placed.groupby([s[k] for k in keys], sort=False).shift(1, fill_value=0.0)
    )
    at_starts = s.groupby(keys)["placed"].sum()
    rest = use.set_index(keys).assign(
        rest=lambda d: d["capacity_minutes"] - at_starts.reindex(d.index).fillna(0.0)
    )
    rest = rest[rest["rest"] > 0].reset_index()
    month_start = pd.to_datetime(rest["month"] + "-01").dt.tz_localize("UTC")
    rest_time = month_start.where(month_start > start.tz_convert("UTC"), start.tz_convert("UTC"))
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "time": s["start"],
                    "license": s["server"].map(_licence(result)),
                    "minutes": s["placed"],
                }
            ),
            pd.DataFrame(
                {
                    "time": rest_time.dt.tz_convert(start.tz),
                    "license": rest["license"],
                    "minutes": rest["rest"],
                }
            ),
        ],
        ignore_index=True,
    )[cols]


def _licence(result: Result) -> dict[str, str]:
    return {x.id: x.license for x in result.scenario.servers}


def _utc_month(times: pd.Series) -> pd.Series:
    """The UTC calendar month (``YYYY-MM``) of each time, as the capacity meter counts."""
    return times.dt.tz_convert("UTC").dt.strftime("%Y-%m")


def burn_down(result: Result) -> pd.DataFrame:
    """Per license and month (UTC): cumulative ``used`` minutes over time against the
    ``run_rate`` line (purchase × elapsed share of the month, counted from the run's start
    in its first month), with ``allocated`` (the purchase). Rows at each month's start and
    end (within the run) frame every month. In the run's first month both start from the
    minutes used before the run (``capacity_used_at_start``), and the line spends what is
    left of the purchase by the reset."""
    start, end = window(result)
    charges = _charges(result)
    used_at_start = {lic.id: lic.capacity_used_at_start for lic in result.scenario.licenses}
    rows = []
    for (lic, month), m in result.capacity.groupby(["license", "month"], sort=True):
        first = pd.Timestamp(f"{month}-01", tz="UTC")
        last = first + pd.offsets.MonthBegin(1)
        # Months are UTC, so the window is compared and concatenated in UTC.
        lo, hi = max(first, start.tz_convert("UTC")), min(last, end.tz_convert("UTC"))
        mine = charges[
            (charges["license"] == lic) & (charges["time"] >= lo) & (charges["time"] < hi)
        ].sort_values("time", kind="stable")
        times = pd.concat(
            [pd.Series([lo]), pd.to_datetime(mine["time"], utc=True), pd.Series([hi])],
            ignore_index=True,
        )
        # Minutes the first month had used before the run began count from its start.
        before = float(used_at_start.get(lic, 0.0)) if lo == start.tz_convert("UTC") else 0.0
        used = before + np.concatenate(
            [[0.0], mine["minutes"].cumsum().to_numpy(), [mine["minutes"].sum()]]
        )
        purchased = float(m["purchased"].iloc[0])
        # The pace that spends what is left of the purchase exactly by the reset, from when
        # the run began to draw on it.
        share = (times - lo).dt.total_seconds() / (last - lo).total_seconds()
        rows.append(
            pd.DataFrame(
                {
                    "time": times.dt.tz_convert(start.tz),
                    "license": lic,
                    "month": month,
                    "used": used,
                    "run_rate": before + max(purchased - before, 0.0) * share.to_numpy(),
                    "allocated": purchased,
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=["time", "license", "month", "used", "run_rate", "allocated"])
    return pd.concat(rows, ignore_index=True)


def user_capacity_minutes(result: Result, by: str | None = None) -> pd.DataFrame:
    """Capacity minutes per user and UTC month (``group`` and ``directory`` kept), each
    unit in the month it started in (``capacity_use``), with ``sessions``: the capacity
    sessions that started in the month; ``by`` adds a breakdown (per server, product, …)."""
    keys = list(dict.fromkeys(["user", "group", "directory", *by_column(by)]))
    s = result.sessions[result.sessions["capacity_minutes"] > 0]
    s = s.assign(**{k: s[k].astype(object) for k in ["user", "server", "product", *keys]})
    # Who a user is (group, directory) and what a server is (product) come from the
    # sessions: every user and server in capacity_use has a capacity session.
    people = s.drop_duplicates("user").set_index("user")[["group", "directory"]]
    product = s.drop_duplicates("server").set_index("server")["product"]
    use = result.capacity_use
    use = use.assign(user=use["user"].astype(object), server=use["server"].astype(object))
    use = use.join(people, on="user").assign(product=use["server"].map(product))
    minutes = use.groupby([*keys, "month"], observed=True, dropna=False)["capacity_minutes"].sum()
    started = (
        s.assign(month=_utc_month(s["start"]))
        .groupby([*keys, "month"], observed=True, dropna=False)
        .size()
    )
    out = pd.DataFrame({"capacity_minutes": minutes, "sessions": started})
    out = out.fillna({"capacity_minutes": 0.0, "sessions": 0}).reset_index()
    out["sessions"] = out["sessions"].astype(int)
    out = out[(out["capacity_minutes"] > 0) | (out["sessions"] > 0)]
    for k in keys:
        out[k] = out[k].astype(object)
    return out.sort_values(
        ["month", "capacity_minutes"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)


def breakeven_minutes(result: Result) -> float | None:
    """The scenario's Analyzer break-even in capacity minutes per month (None: no prices)."""
    prices = result.scenario.prices
    return None if prices is None else prices.breakeven()


def analyzer_candidates(result: Result, breakeven: float | None = None) -> pd.DataFrame:
    """Users whose capacity minutes in a month exceeded the break-even (the scenario's
    unless ``breakeven`` is given), heaviest first, with what the minutes and a seat cost
    when prices are known."""
    cols = [
        "user",
        "group",
        "directory",
        "month",
        "capacity_minutes",
        "breakeven_minutes",
        "capacity_cost",
        "analyzer_cost",
        "saving",
    ]
    limit = breakeven if breakeven is not None else breakeven_minutes(result)
    if limit is None:
        return pd.DataFrame(columns=cols)
    per = user_capacity_minutes(result)
    per = per[per["capacity_minutes"] > limit].copy()
    prices = result.scenario.prices
    per["breakeven_minutes"] = limit
    minute = (
        np.nan if prices is None or prices.capacity_minutes is None else prices.capacity_minutes
    )
    seat = np.nan if prices is None or prices.analyzer is None else prices.analyzer
    per["capacity_cost"] = per["capacity_minutes"] * minute
    per["analyzer_cost"] = seat
    per["saving"] = per["capacity_cost"] - per["analyzer_cost"]
    return per.sort_values("capacity_minutes", ascending=False, kind="stable")[cols].reset_index(
        drop=True
    )
