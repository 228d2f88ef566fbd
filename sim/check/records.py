"""What the run recorded is consistent with itself.

Every event is of a kind in the closed vocabulary (:class:`sim.recorder.EventKind`), and
the ``summary`` table is what the other tables give when it is derived again, peaks of
allocation included: an edited total, a deleted denial or a changed seat count shows here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.check.violation import Violation, violation_of
from sim.recorder import EVENT_KINDS
from sim.result import Result, deployment_pools, summary_table


def event_kinds(r: Result) -> Violation | None:
    """Every event is of a kind in the closed vocabulary (:class:`sim.recorder.EventKind`)."""
    e = r.events
    return violation_of(
        "event_kinds", ~e["kind"].isin(EVENT_KINDS), e, "events of a kind outside EventKind"
    )


def summary_from_tables(r: Result) -> Violation | None:
    """The ``summary`` table is what the run's other tables and scenario give: derived again
    (:func:`sim.result.summary_table`), every metric has the value and unit recorded. An
    edited total, a deleted denial or a changed seat count shows here."""
    again = summary_table(
        r.scenario, r.sessions, r.allocations, r.server_states, r.capacity, r.launches
    )
    stated = r.summary.assign(metric=r.summary["metric"].astype("object"))
    both = again.merge(
        stated[["metric", "value", "unit"]],
        on="metric",
        how="outer",
        suffixes=("_tables", "_summary"),
        indicator=True,
    )
    bad = (
        (both["_merge"] != "both")
        | ~np.isclose(both["value_tables"], both["value_summary"], rtol=1e-9, atol=1e-9)
        | (both["unit_tables"].astype("object") != both["unit_summary"].astype("object"))
    )
    return violation_of(
        "summary_from_tables",
        bad,
        both.drop(columns="_merge"),
        "summary metrics that differ from what the tables give",
    )


def summary_peaks(r: Result) -> Violation | None:
    """``peak_allocated_<type>`` is the highest sum over all pools at one instant (each
    pool's level after every change at that instant), and ``peak_allocated_<type>[pool]``
    each pool's own highest level."""
    a, summary = r.allocations, r.summary
    stated = dict(zip(summary["metric"].astype("object"), summary["value"], strict=True))
    rows = []
    for seat in ("professional", "analyzer"):
        mine = a[a["type"] == seat]
        mine = mine.assign(pool=mine["pool"].astype("object"))
        last = mine.drop_duplicates(["time", "pool"], keep="last")
        wide = last.pivot(index="time", columns="pool", values="allocated").sort_index()
        wide = wide.ffill().fillna(0.0)
        counted = wide[deployment_pools(wide.columns)]
        expected = {
            f"peak_allocated_{seat}": float(counted.sum(axis=1).max()) if len(wide) else 0.0
        }
        expected |= {f"peak_allocated_{seat}[{p}]": float(wide[p].max()) for p in wide.columns}
        rows += [
            {"metric": m, "summary": stated.get(m, np.nan), "allocations": v}
            for m, v in expected.items()
        ]
    table = pd.DataFrame(rows, columns=["metric", "summary", "allocations"])
    return violation_of(
        "summary_peaks",
        table["summary"] != table["allocations"],
        table,
        "peak allocation KPIs that differ from the allocations table",
    )
