"""Variates with a parameter per element, drawn at the cost of their size.

numpy's Generator checks an array parameter against its law's constraints with
whole-array numpy calls: about 10 µs a call, whatever the array's size. A day's plan
draws most of its variates in calls like that, and the later rounds of a day, or any
round of a small group, draw for a handful of sessions at a time, so on a small site the
checks cost more than the variates. For a few elements these functions draw the same
variates one by one instead. numpy's array loop calls the law's scalar routine once per
element, in order, so the variates drawn and the generator's state after them are the
same either way (``tests/test_model_draws.py`` compares them with numpy's own calls).

Gamma and exponential variates of a given scale are the scale times a standard variate
in numpy itself, so they are drawn as standard variates and scaled: one constraint check
fewer, the same numbers.
"""

from __future__ import annotations

import numpy as np

FEW = 8
"""Up to this many elements, one call per element is cheaper than one array call."""


def poisson(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """``rng.poisson(lam)`` for an array of means."""
    if lam.size > FEW:
        return rng.poisson(lam)
    return np.array([rng.poisson(x) for x in lam.tolist()], dtype=np.int64)


def beta(rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``rng.beta(a, b)`` for arrays of shapes of one size."""
    if a.size > FEW:
        return rng.beta(a, b)
    return np.array([rng.beta(x, y) for x, y in zip(a.tolist(), b.tolist(), strict=True)])


def gamma(rng: np.random.Generator, shape: np.ndarray, scale: float) -> np.ndarray:
    """``rng.gamma(shape, scale)`` for an array of shapes."""
    if shape.size > FEW:
        return rng.standard_gamma(shape) * scale
    return np.array([rng.standard_gamma(k) for k in shape.tolist()]) * scale


def exponential(rng: np.random.Generator, scale: float | np.ndarray, size: int) -> np.ndarray:
    """``rng.exponential(scale, size)``, ``scale`` one number or one per element."""
    return rng.standard_exponential(size) * scale


def integers(rng: np.random.Generator, high: int, size: int) -> np.ndarray:
    """``rng.integers(0, high, size)``: numpy draws no bits for a range of one value."""
    if high == 1:
        return np.zeros(size, dtype=np.int64)
    return rng.integers(0, high, size)
