"""Confidence intervals of a mean across replications, from ``scipy.stats``.

Replications of a scenario (a sweep's variant, a what-if duration) are independent runs
with different random streams, so their mean carries sampling noise; licsim reports it as
the two-sided Student-t interval ``mean ± t(1 − α/2, n − 1) · s / √n`` with the sample
standard deviation ``s`` of ``n`` values. The confidence level ``1 − α`` is 0.95 unless a
command's ``--confidence`` says otherwise. An interval needs two values; with one it is
empty (NaN).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["DEFAULT_CONFIDENCE", "check_confidence", "mean_ci", "student_t", "t_quantile"]

DEFAULT_CONFIDENCE = 0.95


def check_confidence(confidence: float) -> float:
    """``confidence`` as a float, or ``ValueError`` unless it lies strictly between 0 and 1."""
    if isinstance(confidence, bool) or not (
        isinstance(confidence, int | float) and 0 < confidence < 1
    ):
        raise ValueError(f"expected a confidence level between 0 and 1, got {confidence!r}")
    return float(confidence)


def t_quantile(df: int, confidence: float = DEFAULT_CONFIDENCE) -> float:
    """The ``(1 + confidence) / 2`` quantile of Student's t with ``df`` degrees of freedom:
    the factor of the two-sided interval (2.776 for df = 4 at 95 %)."""
    if df < 1:
        raise ValueError("expected at least one degree of freedom")
    return float(student_t().ppf((1 + check_confidence(confidence)) / 2, df))


def mean_ci(
    values: np.ndarray, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float, float, float, int]:
    """Mean, sample sd, and the Student-t interval of the mean of the non-NaN ``values``
    (NaN sd and interval below two values)."""
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan, n
    sd = float(values.std(ddof=1))
    if sd == 0:  # t.interval with a zero scale is NaN; the interval is the point
        return mean, sd, mean, mean, n
    low, high = student_t().interval(
        check_confidence(confidence), n - 1, loc=mean, scale=sd / math.sqrt(n)
    )
    return mean, sd, float(low), float(high), n


def student_t() -> Any:
    """scipy's Student-t law, imported on first use: `licsim` starts without scipy."""
    from scipy import stats

    return stats.t
