"""Aggregation of a sweep: per-variant means with 95 % Student-t intervals, and paired
differences against the baseline.

Both tables have one row per variant × metric (``variant, metric, mean, sd, ci_low,
ci_high, n``) and one column per swept parameter. A difference pairs replication ``k`` of
a variant with replication ``k`` of the baseline: the two saw the same user behaviour
(common random numbers), so the interval of the difference is much tighter than the
difference of two intervals. Intervals need two values; with one they are empty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.whatif import t_quantile

from .grid import Variant, format_value

__all__ = ["SUMMARY_COLUMNS", "differences", "mean_ci", "summarise"]

SUMMARY_COLUMNS = ["variant", "metric", "mean", "sd", "ci_low", "ci_high", "n"]


def mean_ci(values: np.ndarray) -> tuple[float, float, float, float, int]:
    """Mean, sample sd, and the 95 % Student-t interval of the mean (NaN below two values)."""
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan, n
    sd = float(values.std(ddof=1))
    half = t_quantile(n - 1) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half, n


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


def summarise(summary: pd.DataFrame, variants: Sequence[Variant]) -> pd.DataFrame:
    """One row per variant × metric of the stacked run summaries."""
    rows: list[dict[str, Any]] = []
    metrics = _metric_order(summary)
    for variant in variants:
        mine = summary[summary["variant"] == variant.name]
        for metric in metrics:
            values = mine.loc[mine["metric"] == metric, "value"].to_numpy(dtype=np.float64)
            if not len(values):
                continue
            mean, sd, low, high, n = mean_ci(values)
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


def differences(summary: pd.DataFrame, variants: Sequence[Variant]) -> pd.DataFrame:
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
            mean, sd, low, high, n = mean_ci(diff)
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
