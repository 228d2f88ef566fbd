"""Aggregation of a sweep: per-variant means with Student-t intervals (95 % unless the
sweep's ``confidence`` says otherwise; :mod:`sim.intervals`), and paired differences
against the baseline.

Both tables have one row per variant × metric (``variant, metric, mean, sd, ci_low,
ci_high, n``) and one column per swept parameter. A difference pairs replication ``k`` of
a variant with replication ``k`` of the baseline: the two saw the same user behaviour
(common random numbers), so the interval of the difference is much tighter than the
difference of two intervals. Intervals need two values; with one they are empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.intervals import DEFAULT_CONFIDENCE, mean_ci

from .grid import Variant, format_value

__all__ = ["SUMMARY_COLUMNS", "differences", "mean_ci", "summarise"]

SUMMARY_COLUMNS = ["variant", "metric", "mean", "sd", "ci_low", "ci_high", "n"]


def _parameter(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) else format_value(value)


def _with_parameters(rows: list[dict[str, Any]], variants: Sequence[Variant]) -> pd.DataFrame:
    by_name = {v.name: v for v in variants}
    paths = list(variants[0].overrides) if variants else []
    for row in rows:
        for path in paths:
            row[path] = _parameter(by_name[row["variant"]].overrides[path])
    return pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS, *paths])


def _metric_order(summary: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(summary["metric"]))


def summarise(
    summary: pd.DataFrame, variants: Sequence[Variant], confidence: float = DEFAULT_CONFIDENCE
) -> pd.DataFrame:
    """One row per variant × metric of the stacked run summaries."""
    rows: list[dict[str, Any]] = []
    metrics = _metric_order(summary)
    for variant in variants:
        mine = summary[summary["variant"] == variant.name]
        for metric in metrics:
            values = mine.loc[mine["metric"] == metric, "value"].to_numpy(dtype=np.float64)
            if not len(values):
                continue
            mean, sd, low, high, n = mean_ci(values, confidence)
            rows.append(
                dict(
                    variant=variant.name,
                    metric=metric,
                    mean=mean,
                    sd=sd,
                    ci_low=low,
                    ci_high=high,
                    n=n,
                )
            )
    return _with_parameters(rows, variants)


def differences(
    summary: pd.DataFrame, variants: Sequence[Variant], confidence: float = DEFAULT_CONFIDENCE
) -> pd.DataFrame:
    """Each variant minus the baseline (the first variant), paired by replication."""
    rows: list[dict[str, Any]] = []
    if len(variants) < 2:
        return _with_parameters(rows, variants).assign(baseline=pd.Series(dtype=object))
    base = variants[0].name
    table = summary.pivot_table(
        index=["metric", "replication"], columns="variant", values="value", aggfunc="first"
    )
    metrics = _metric_order(summary)
    for variant in variants[1:]:
        if variant.name not in table or base not in table:
            continue
        for metric in metrics:
            if metric not in table.index.get_level_values(0):
                continue
            pair = table.loc[metric, [base, variant.name]].dropna()
            if pair.empty:
                continue
            diff = (pair[variant.name] - pair[base]).to_numpy(dtype=np.float64)
            mean, sd, low, high, n = mean_ci(diff, confidence)
            rows.append(
                dict(
                    variant=variant.name,
                    metric=metric,
                    mean=mean,
                    sd=sd,
                    ci_low=low,
                    ci_high=high,
                    n=n,
                )
            )
    frame = _with_parameters(rows, variants)
    frame.insert(1, "baseline", base)
    return frame
