"""Choosing a distribution by goodness of fit.

A calibration must not assume that session lengths are exponential or that session counts
are Poisson: it fits every candidate law by maximum likelihood (location fixed at 0) and
keeps the one with the lowest AIC (2k - 2 log L, k the number of free parameters),
reporting the winner's Kolmogorov–Smirnov statistic (the largest gap between the fitted
and the observed distribution function) as a plain measure of fit. The candidates are the
laws licsim's behaviour model can draw (:class:`sim.scenario.users.SessionLength`,
``session_count``).

The estimators, densities and distribution functions are scipy.stats'. Its parameters map
onto licsim's as :mod:`sim.model.behaviour` draws them: a lognormal's ``shape`` is scipy's
``s`` (σ of log x) and its ``scale`` is ``exp(μ)``, the median; a gamma's and a Weibull's
``shape`` are scipy's ``a`` and ``c``; every law's ``scale`` is scipy's ``scale``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from sim.scenario.users import SESSION_COUNTS, SESSION_LENGTH_LAWS

__all__ = [
    "CONTINUOUS",
    "Fit",
    "choose_continuous",
    "choose_count",
    "count_pmf",
    "law",
]

#: Candidate session-length laws: those ``session_length`` can draw.
CONTINUOUS: tuple[str, ...] = SESSION_LENGTH_LAWS

#: scipy's family for each length law; the first shape argument is licsim's ``shape``.
_SCIPY = {
    "lognormal": stats.lognorm,
    "gamma": stats.gamma,
    "weibull": stats.weibull_min,
    "exponential": stats.expon,
}


@dataclass
class Fit:
    """One fitted candidate: its parameters and how well it fits."""

    name: str
    params: dict[str, float]
    aic: float
    ks: float
    n: int
    others: dict[str, float] = field(default_factory=dict)
    """AIC of the candidates that lost."""

    def describe(self) -> str:
        """A one-line account, for YAML comments and the fit page."""
        params = ", ".join(f"{k} {v:.4g}" for k, v in self.params.items())
        rest = ", ".join(f"{k} {v:,.1f}" for k, v in self.others.items())
        return f"{self.name} ({params}): AIC {self.aic:,.1f}, KS {self.ks:.3f}, n {self.n:,}" + (
            f"; other AIC: {rest}" if rest else ""
        )


def law(name: str, params: dict[str, float]):
    """The frozen scipy distribution of a length law with licsim's ``params``."""
    family = _SCIPY[name]
    if name == "exponential":
        return family(scale=params["scale"])
    return family(params["shape"], scale=params["scale"])


def _continuous(name: str, x: np.ndarray) -> Fit:
    if name == "exponential":
        _, scale = stats.expon.fit(x, floc=0)
        params = {"scale": float(scale)}
    else:
        shape, _, scale = _SCIPY[name].fit(x, floc=0)
        params = {"shape": float(shape), "scale": float(scale)}
    dist = law(name, params)
    loglik = float(dist.logpdf(x).sum())
    ks = float(stats.ks_1samp(x, dist.cdf, method="asymp").statistic)
    return Fit(name, params, 2 * len(params) - 2 * loglik, ks, len(x))


def choose_continuous(x: np.ndarray, candidates: tuple[str, ...] = CONTINUOUS) -> Fit:
    """The candidate law with the lowest AIC for positive samples ``x``.

    Parameters use licsim's names: ``shape`` and ``scale`` as in
    :class:`~sim.scenario.users.SessionLength` (a lognormal's scale is its median).
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x) & (x > 0)]
    if len(x) < 2 or np.ptp(x) == 0:
        raise ValueError(f"expected at least two distinct positive values, got {len(x)}")
    fits = [_continuous(name, x) for name in candidates]
    best = min(fits, key=lambda f: f.aic)
    best.others = {f.name: f.aic for f in fits if f is not best}
    return best


def count_pmf(name: str, mean: float, k: np.ndarray) -> np.ndarray:
    """P(K = k), k ≥ 1, of a session-count law with the ``mean`` :func:`choose_count` gives."""
    return np.exp(_count_logpmf(name, mean, k))


def _count_logpmf(name: str, mean: float, k: np.ndarray) -> np.ndarray:
    if name == "one_plus_poisson":
        return stats.poisson.logpmf(k - 1, max(mean - 1.0, 1e-9))
    # zero-truncated Poisson of rate ``mean``
    return stats.poisson.logpmf(k, mean) - stats.poisson.logsf(0, mean)


def _count_cdf(name: str, mean: float, k: np.ndarray) -> np.ndarray:
    if name == "one_plus_poisson":
        return stats.poisson.cdf(k - 1, max(mean - 1.0, 1e-9))
    p0 = stats.poisson.pmf(0, mean)
    return (stats.poisson.cdf(k, mean) - p0) / (1 - p0)


def _count_fit(name: str, k: np.ndarray) -> Fit:
    """``k`` are counts of at least 1 (sessions on a day someone came in)."""
    sample_mean = float(k.mean())
    if name == "one_plus_poisson":
        mean = max(sample_mean, 1.0 + 1e-9)
    else:
        # Zero-truncated Poisson: what licsim's Poisson count gives on the days with a
        # session. Its mean λ / (1 - e^-λ) is the sample mean; solve for λ.
        mean = _truncated_rate(sample_mean)
    grid = np.arange(1, int(k.max()) + 2)
    emp = np.searchsorted(np.sort(k), grid, side="right") / len(k)
    ks = float(np.max(np.abs(emp - _count_cdf(name, mean, grid))))
    loglik = float(_count_logpmf(name, mean, k).sum())
    return Fit(name, {"mean": mean}, 2 * 1 - 2 * loglik, ks, len(k))


def _truncated_rate(mean: float) -> float:
    """λ with λ / (1 - e^-λ) = mean (mean ≥ 1)."""
    if mean <= 1.0 + 1e-9:
        return 1e-6
    return float(optimize.brentq(lambda lam: lam / -math.expm1(-lam) - mean, 1e-9, mean))


def choose_count(k: np.ndarray, candidates: tuple[str, ...] = SESSION_COUNTS) -> Fit:
    """Sessions per active day (counts ≥ 1): zero-truncated Poisson or one plus Poisson.

    The winner's ``mean`` is the ``sessions_per_day`` to write: the Poisson rate, or the
    mean of one plus Poisson. A tie goes to the first of ``candidates``.
    """
    k = np.asarray(k, dtype=np.int64)
    k = k[k >= 1]
    if len(k) == 0:
        raise ValueError("expected at least one day with a session")
    fits = [_count_fit(n, k) for n in candidates]
    best = min(fits, key=lambda f: f.aic)
    best.others = {f.name: f.aic for f in fits if f is not best}
    return best
