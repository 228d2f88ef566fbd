"""Choosing a distribution by goodness of fit.

A calibration must not assume that session lengths are exponential or that session counts
are Poisson: it fits every candidate law by maximum likelihood (location fixed at 0) and
keeps the one with the lowest AIC (2k - 2 log L, k the number of free parameters),
reporting the winner's Kolmogorov–Smirnov statistic (the largest gap between the fitted
and the observed distribution function) as a plain measure of fit. The candidates are the
laws licsim's behaviour model can draw (:class:`sim.scenario.users.SessionLength`,
``session_count``).

scipy is not among licsim's dependencies, so the estimators are written here with numpy:
closed forms for the lognormal and exponential, a bisection on the likelihood equation for
the gamma and Weibull shapes (the scale then follows), and the gamma distribution function
from its series and continued fraction (:mod:`.special`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.calibration.special import digamma, gamma_cdf, normal_cdf, poisson_cdf, poisson_logpmf
from sim.scenario.users import SESSION_COUNTS, SESSION_LENGTH_LAWS

__all__ = [
    "CONTINUOUS",
    "Fit",
    "choose_continuous",
    "choose_count",
    "ks_statistic",
    "law_cdf",
    "law_logpdf",
]

#: Candidate session-length laws: those ``session_length`` can draw.
CONTINUOUS: tuple[str, ...] = SESSION_LENGTH_LAWS


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


def _bisect(f, lo: float, hi: float) -> float:
    """The root of a decreasing ``f`` on ``[lo, hi]`` (geometric bisection)."""
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1 + 1e-12:
            break
    return math.sqrt(lo * hi)


def _mle(name: str, x: np.ndarray) -> dict[str, float]:
    logx = np.log(x)
    if name == "lognormal":
        return {"shape": float(logx.std()), "scale": float(np.exp(logx.mean()))}
    if name == "exponential":
        return {"scale": float(x.mean())}
    if name == "gamma":
        s = math.log(x.mean()) - float(logx.mean())
        a = _bisect(lambda a: math.log(a) - digamma(a) - s, 1e-4, 1e4)
        return {"shape": a, "scale": float(x.mean()) / a}
    # Weibull: 1/c + mean(log x) - Σ x^c log x / Σ x^c = 0, decreasing in c.
    z = logx - logx.max()  # scale-free: x / max(x) keeps x^c finite

    def score(c: float) -> float:
        w = np.exp(c * z)
        return 1.0 / c + float(z.mean()) - float((w * z).sum() / w.sum())

    c = _bisect(score, 1e-3, 1e3)
    return {"shape": c, "scale": float(np.exp(logx.max()) * np.mean(np.exp(c * z)) ** (1 / c))}


def law_logpdf(name: str, params: dict[str, float], x: np.ndarray) -> np.ndarray:
    """Log density of a length law at ``x`` (> 0)."""
    scale, shape = params["scale"], params.get("shape", 1.0)
    if name == "lognormal":
        z = (np.log(x) - math.log(scale)) / shape
        return -0.5 * z**2 - np.log(x * shape * math.sqrt(2 * math.pi))
    if name == "gamma":
        return (shape - 1) * np.log(x) - x / scale - shape * math.log(scale) - math.lgamma(shape)
    if name == "weibull":
        y = x / scale
        return math.log(shape / scale) + (shape - 1) * np.log(y) - y**shape
    return -x / scale - math.log(scale)


def law_cdf(name: str, params: dict[str, float], x: np.ndarray) -> np.ndarray:
    """Distribution function of a length law at ``x``."""
    x = np.asarray(x, dtype=np.float64)
    scale, shape = params["scale"], params.get("shape", 1.0)
    if name == "lognormal":
        return normal_cdf((np.log(np.maximum(x, 1e-300)) - math.log(scale)) / shape)
    if name == "gamma":
        return gamma_cdf(shape, x / scale)
    if name == "weibull":
        return -np.expm1(-((np.maximum(x, 0) / scale) ** shape))
    return -np.expm1(-np.maximum(x, 0) / scale)


KS_POINTS = 20_000
"""Order statistics the KS statistic is evaluated at: all of a smaller sample, evenly
spaced ones of a larger (the gap this leaves is at most 1 / KS_POINTS)."""


def ks_statistic(x: np.ndarray, cdf: np.ndarray) -> float:
    """KS distance between the sample ``x`` (sorted) and fitted ``cdf`` values at it."""
    n = len(x)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - cdf), np.max(cdf - (i - 1) / n)))


def _ks(name: str, params: dict[str, float], x: np.ndarray) -> float:
    n = len(x)
    if n <= KS_POINTS:
        return ks_statistic(x, law_cdf(name, params, x))
    at = np.unique(np.linspace(0, n - 1, KS_POINTS).astype(np.int64))
    cdf = law_cdf(name, params, x[at])
    return float(max(np.max((at + 1) / n - cdf), np.max(cdf - at / n)))


def _continuous(name: str, x: np.ndarray) -> Fit:
    params = _mle(name, x)
    loglik = float(np.sum(law_logpdf(name, params, x)))
    ks = _ks(name, params, x)
    return Fit(name, params, 2 * len(params) - 2 * loglik, ks, len(x))


def choose_continuous(x: np.ndarray, candidates: tuple[str, ...] = CONTINUOUS) -> Fit:
    """The candidate law with the lowest AIC for positive samples ``x``.

    Parameters use licsim's names: ``shape`` and ``scale`` as in
    :class:`~sim.scenario.users.SessionLength` (a lognormal's scale is its median).
    """
    x = np.sort(np.asarray(x, dtype=np.float64))
    x = x[np.isfinite(x) & (x > 0)]
    if len(x) < 2 or np.ptp(x) == 0:
        raise ValueError(f"expected at least two distinct positive values, got {len(x)}")
    fits = [_continuous(name, x) for name in candidates]
    best = min(fits, key=lambda f: f.aic)
    best.others = {f.name: f.aic for f in fits if f is not best}
    return best


def _count_fit(name: str, k: np.ndarray) -> Fit:
    """``k`` are counts of at least 1 (sessions on a day someone came in)."""
    mean = float(k.mean())
    grid = np.arange(1, int(k.max()) + 2)
    if name == "one_plus_poisson":
        lam = max(mean - 1.0, 1e-9)
        logpmf = poisson_logpmf(k - 1, lam)
        cdf = poisson_cdf(grid - 1, lam)
        params = {"mean": lam + 1.0}
    else:
        # Zero-truncated Poisson: what licsim's Poisson count gives on the days with a
        # session. Its mean λ / (1 - e^-λ) is the sample mean; solve for λ.
        lam = _truncated_rate(mean)
        p0 = math.exp(-lam)
        logpmf = poisson_logpmf(k, lam) - math.log1p(-p0)
        cdf = (poisson_cdf(grid, lam) - p0) / (1 - p0)
        params = {"mean": lam}
    emp = np.searchsorted(np.sort(k), grid, side="right") / len(k)
    ks = float(np.max(np.abs(emp - cdf)))
    return Fit(name, params, 2 * 1 - 2 * float(np.sum(logpmf)), ks, len(k))


def _truncated_rate(mean: float) -> float:
    """λ with λ / (1 - e^-λ) = mean (mean ≥ 1)."""
    if mean <= 1.0 + 1e-9:
        return 1e-6
    lo, hi = 1e-9, mean
    for _ in range(100):
        mid = (lo + hi) / 2
        if mid / -np.expm1(-mid) < mean:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


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
