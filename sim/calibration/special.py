"""Special functions the fits need, with numpy only (scipy is not a licsim dependency).

The digamma function by recurrence and its asymptotic series; the regularised lower
incomplete gamma function P(a, x) by its power series below x = a + 1 and Lentz's
continued fraction above (Numerical Recipes §6.2); the normal distribution function from
``math.erf``; the Poisson log mass and distribution function.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["digamma", "gamma_cdf", "normal_cdf", "poisson_cdf", "poisson_logpmf"]


def digamma(a: float) -> float:
    """ψ(a) for a > 0."""
    shift = 0.0
    while a < 6.0:
        shift -= 1.0 / a
        a += 1.0
    inv = 1.0 / (a * a)
    return (
        shift
        + math.log(a)
        - 0.5 / a
        - inv * (1 / 12 - inv * (1 / 120 - inv * (1 / 252 - inv * (1 / 240 - inv / 132))))
    )


def _gamma_p(a: float, x: float) -> float:
    if x <= 0:
        return 0.0
    lead = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        ap = a
        for _ in range(1000):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return min(1.0, total * math.exp(lead))
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return max(0.0, 1.0 - math.exp(lead) * h)


def gamma_cdf(a: float, x: np.ndarray) -> np.ndarray:
    """P(a, x): the distribution function of Gamma(a, 1) at ``x``."""
    return np.array([_gamma_p(a, float(v)) for v in np.ravel(x)]).reshape(np.shape(x))


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Φ(z)."""
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return 0.5 * (1.0 + erf(np.asarray(z, dtype=np.float64) / math.sqrt(2.0)))


def poisson_logpmf(k: np.ndarray, lam: float) -> np.ndarray:
    """log P(K = k) for K ~ Poisson(lam)."""
    k = np.asarray(k, dtype=np.float64)
    lgam = np.vectorize(math.lgamma, otypes=[np.float64])
    return k * math.log(lam) - lam - lgam(k + 1.0)


def poisson_cdf(k: np.ndarray, lam: float) -> np.ndarray:
    """P(K ≤ k) for K ~ Poisson(lam), k ≥ 0 integers."""
    k = np.asarray(k, dtype=np.int64)
    top = int(k.max(initial=0))
    cum = np.cumsum(np.exp(poisson_logpmf(np.arange(top + 1), lam)))
    return np.where(k >= 0, cum[np.clip(k, 0, top)], 0.0)
