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

from .common import by_column, coded, nanoseconds, per_run, window

if TYPE_CHECKING:
    from sim.result import Result


def capacity_months(result: Result) -> pd.DataFrame:
    """Per license and month: ``allocated_minutes``, ``used_minutes``, ``available_minutes``
    (left unused), ``overage_minutes``, ``denied_units``, ``exhausted_at``, and what a
    budget holder asks next:

    * ``unmet_minutes``: the minutes of the units refused once the month ran out (demand
      the purchase did not serve);
    * ``share_of_month``: how much of the UTC month the run covers (a month the run starts
      or ends in is covered in part, so its use compares with the allocation pro rata);
    * ``headroom_pct``: the allocation left unused, as a share of it (negative: overage);
    * ``forecast_minutes`` and ``forecast_exhausted_at``: for the month the run ends in
      before its end, the month's use at the pace of its covered part, and when that pace
      reaches the allocation (NaT if it does not, or the month ran out already).
    """
    c = result.capacity
    unit = result.scenario.rules.capacity_unit / 60.0
    start, end = (t.tz_convert("UTC") for t in window(result))
    firsts = pd.to_datetime(c["month"].astype(str) + "-01").dt.tz_localize("UTC")
    nexts = firsts + pd.offsets.MonthBegin(1)
    covered = (nexts.clip(upper=end) - firsts.clip(lower=start)).dt.total_seconds()
    length = (nexts - firsts).dt.total_seconds()
    allocated = c["allocated_minutes"].astype(float)
    used = c["used_minutes"].astype(float)
    # The pace of the covered part of a month the run stops in, carried to the month's end.
    running = (nexts > end) & (covered > 0)
    pace = used / covered.where(running)
    forecast = pace * (nexts - firsts.clip(lower=start)).dt.total_seconds()
    reaches = running & (forecast > allocated) & c["exhausted_at"].isna() & (pace > 0)
    at = firsts.clip(lower=start) + pd.to_timedelta((allocated / pace).where(reaches), unit="s")
    return pd.DataFrame(
        {
            "license": c["license"],
            "month": c["month"],
            "allocated_minutes": allocated,
            "used_minutes": used,
            "available_minutes": (allocated - used).clip(lower=0),
            "overage_minutes": c["overage_minutes"].astype(float),
            "denied_units": c["denied_units"],
            "unmet_minutes": c["denied_units"].astype(float) * unit,
            "exhausted_at": c["exhausted_at"],
            "share_of_month": (covered / length).clip(lower=0.0),
            "headroom_pct": (100.0 * (allocated - used) / allocated.where(allocated > 0)),
            "forecast_minutes": forecast.where(running),
            "forecast_exhausted_at": at.where(reaches).dt.tz_convert(start.tz),
        }
    ).reset_index(drop=True)


def _charges(result: Result) -> pd.DataFrame:
    """Capacity minutes as (time, license, minutes), sorted by time: each unit at its start
    when the run recorded units (``record_units``), else placed from the sessions.

    Without units, each user's minutes of a month on a server (``capacity_use``) are put at
    the starts of their capacity sessions in that month, a session's whole minutes at its
    start until the month's minutes are placed; what is left (units of a session that began
    in an earlier month) goes at the month's start. Each month then adds up to the
    ``capacity`` table; only the moments within the month are approximate.
    """
    unit = result.scenario.rules.capacity_unit / 60.0
    cols = ["time", "license", "minutes"]
    if result.units is not None:
        u = result.units
        charges = pd.DataFrame(
            {"time": u["time"], "license": u["license"].astype(str), "minutes": unit}
        )
        return charges.sort_values("time", kind="stable").reset_index(drop=True)
    use = result.capacity_use
    if use.empty:
        return pd.DataFrame(columns=cols)
    start, _ = window(result)
    s = result.sessions
    s = s.loc[
        (s["capacity_minutes"] > 0).to_numpy(), ["server", "user", "start", "capacity_minutes"]
    ]
    s = s.iloc[np.argsort(nanoseconds(s["start"]), kind="stable")]
    # Sessions and the month's budgets meet on one integer key: server, user, UTC month.
    servers, server_names = coded(s["server"])
    users, user_names = coded(s["user"])
    months, use_months = _month_number(s["start"]), _month_number_of(use["month"])
    first_month = int(np.concatenate([months, use_months]).min())
    span = int(np.concatenate([months, use_months]).max()) - first_month + 1

    def key(server: np.ndarray, user: np.ndarray, month: np.ndarray) -> np.ndarray:
        # Codes from -1 (unknown) up, hence the + 1.
        return ((server + 1) * (len(user_names) + 1) + user + 1) * span + (month - first_month)

    use_server = _codes_in(use["server"], server_names)
    use_user = _codes_in(use["user"], user_names)
    budget_key = key(use_server, use_user, use_months)
    budget = use["capacity_minutes"].to_numpy(dtype=float)
    session_key = pd.Series(key(servers, users, months))
    # Cumulative minutes of the user's sessions in the month, clipped to what the month got.
    cap = pd.Series(budget, index=budget_key).reindex(session_key).fillna(0.0).to_numpy()
    running = pd.Series(s["capacity_minutes"].to_numpy(dtype=float))
    running = running.groupby(session_key, sort=False).cumsum().clip(upper=cap)
    placed = running - running.groupby(session_key, sort=False).shift(1, fill_value=0.0)
    taken = placed.groupby(session_key).sum()
    rest = budget - taken.reindex(budget_key).fillna(0.0).to_numpy()
    left = rest > 0
    month_start = pd.to_datetime(use["month"].astype(str)[left] + "-01").dt.tz_localize("UTC")
    rest_time = month_start.where(month_start > start.tz_convert("UTC"), start.tz_convert("UTC"))
    licence = _licence(result)
    names = np.array([licence.get(str(n)) for n in server_names] + [None], dtype=object)
    charges = pd.concat(
        [
            pd.DataFrame(
                {
                    "time": s["start"].reset_index(drop=True),
                    "license": names[servers],
                    "minutes": placed.to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "time": rest_time.dt.tz_convert(start.tz).reset_index(drop=True),
                    "license": use["license"].astype(str).to_numpy()[left],
                    "minutes": rest[left],
                }
            ),
        ],
        ignore_index=True,
    )
    return charges.sort_values("time", kind="stable").reset_index(drop=True)[cols]


def _codes_in(column: pd.Series, names: pd.Index) -> np.ndarray:
    """The codes of ``column``'s values among ``names`` (-1 where absent)."""
    return np.asarray(pd.Categorical(column.astype(str), categories=names).codes, np.int64)


def _licence(result: Result) -> dict[str, str]:
    return {x.id: x.license for x in result.scenario.servers}


def _month_number(times: pd.Series) -> np.ndarray:
    """Months since January 1970 of each time's UTC calendar month."""
    utc = pd.DatetimeIndex(times).tz_convert("UTC").tz_localize(None)
    return utc.to_numpy().astype("datetime64[M]").astype(np.int64)


def _month_number_of(labels: pd.Series) -> np.ndarray:
    """Months since January 1970 of ``YYYY-MM`` labels."""
    return np.asarray(labels.astype(str).to_numpy(), dtype="datetime64[M]").astype(np.int64)


def _utc_month(times: pd.Series) -> pd.Series:
    """The UTC calendar month (``YYYY-MM``) of each time, as the capacity meter counts, as a
    categorical (a handful of months over millions of rows)."""
    numbers = _month_number(times)
    months, inverse = np.unique(numbers, return_inverse=True)
    labels = [str(np.datetime64(int(m), "M")) for m in months]
    return pd.Series(pd.Categorical.from_codes(inverse, labels), index=times.index)


HOUR = 3600 * 10**9
"""Nanoseconds in an hour: the burn-down's resolution."""


def burn_down(result: Result) -> pd.DataFrame:
    """Per license and month (UTC): cumulative ``used`` minutes against the ``run_rate``
    line (purchase × elapsed share of the month, counted from the run's start in its first
    month), with ``allocated`` (the purchase), at each month's start, at every full hour
    and at its end (within the run): ``used`` at a time counts the minutes charged before
    it, so a month's last row is all it used. In the run's first month both start from the
    minutes used before the run (``capacity_used_at_start``), and the line spends what is
    left of the purchase by the reset. Hourly, not per charge: a year of a large site
    charges millions of units, and an hour is finer than a month's budget needs."""
    start, end = window(result)
    charges = {
        str(lic): (nanoseconds(c["time"]), c["minutes"].to_numpy(dtype=float))
        for lic, c in _charges(result).groupby("license", sort=False)
    }
    nothing = (np.zeros(0, np.int64), np.zeros(0))
    used_at_start = {lic.id: lic.capacity_used_at_start for lic in result.scenario.licenses}
    rows = []
    for (lic, month), m in result.capacity.groupby(["license", "month"], sort=True):
        first = pd.Timestamp(f"{month}-01", tz="UTC")
        last = first + pd.offsets.MonthBegin(1)
        # Months are UTC, so the window is compared in UTC.
        lo, hi = max(first, start.tz_convert("UTC")), min(last, end.tz_convert("UTC"))
        at, minutes = charges.get(str(lic), nothing)
        hours = np.arange((lo.value // HOUR + 1) * HOUR, hi.value, HOUR, dtype=np.int64)
        marks = np.concatenate([[lo.value], hours, [hi.value]])
        # Minutes the first month had used before the run began count from its start.
        before = float(used_at_start.get(lic, 0.0)) if lo == start.tz_convert("UTC") else 0.0
        running = np.concatenate([[0.0], np.cumsum(minutes)])
        charged = running[np.searchsorted(at, marks, side="left")]
        used = before + charged - charged[0]
        purchased = float(m["allocated_minutes"].iloc[0])
        # The pace that spends what is left of the purchase exactly by the reset, from when
        # the run began to draw on it.
        share = (marks - lo.value) / float(last.value - lo.value)
        times = pd.DatetimeIndex(marks.view("datetime64[ns]")).tz_localize("UTC")
        rows.append(
            pd.DataFrame(
                {
                    "time": times.tz_convert(start.tz),
                    "license": lic,
                    "month": month,
                    "used": used,
                    "run_rate": before + max(purchased - before, 0.0) * share,
                    "allocated": purchased,
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=["time", "license", "month", "used", "run_rate", "allocated"])
    return pd.concat(rows, ignore_index=True)


@per_run
def user_capacity_minutes(result: Result, by: str | None = None) -> pd.DataFrame:
    """Capacity minutes per user and UTC month (``group`` and ``directory`` kept), each
    unit in the month it started in (``capacity_use``), with ``sessions``: the capacity
    sessions that started in the month; ``by`` adds a breakdown (per server, product, …)."""
    keys = list(dict.fromkeys(["user", "group", "directory", *by_column(by)]))
    s = result.sessions
    s = s.loc[
        (s["capacity_minutes"] > 0).to_numpy(),
        list(dict.fromkeys(["user", "server", "product", *keys, "start"])),
    ]
    # Who a user is (group, directory) and what a server is (product) come from the
    # sessions: every user and server in capacity_use has a capacity session.
    people = _plain(s.drop_duplicates("user")).set_index("user")[["group", "directory"]]
    product = _plain(s.drop_duplicates("server")).set_index("server")["product"]
    use = result.capacity_use
    use = use.assign(user=use["user"].astype(object), server=use["server"].astype(object))
    use = use.join(people, on="user").assign(product=use["server"].map(product))
    minutes = use.groupby([*keys, "month"], observed=True, dropna=False)["capacity_minutes"].sum()
    started = (
        s.assign(month=_utc_month(s["start"]))
        .groupby([*keys, "month"], observed=True, dropna=False)
        .size()
    )
    # Grouped on categoricals: the few rows left meet ``minutes`` as plain values.
    started = _plain(started.rename("sessions").reset_index())
    out = (
        minutes.reset_index()
        .astype({k: object for k in keys})
        .merge(started, on=[*keys, "month"], how="outer", sort=True)
    )
    out = out.fillna({"capacity_minutes": 0.0, "sessions": 0})
    out["sessions"] = out["sessions"].astype(int)
    out = out[(out["capacity_minutes"] > 0) | (out["sessions"] > 0)]
    for k in keys:
        out[k] = out[k].astype(object)
    return out.sort_values(
        ["month", "capacity_minutes"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A few rows with categorical columns as plain objects."""
    return frame.astype({c: object for c in frame.columns if c not in ("start", "sessions")})


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
