"""The plan's variates against numpy's own calls: the same numbers and the same generator
state after them, for arrays on both sides of the one-by-one threshold."""

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.model import draws

SIZES = st.integers(0, 3 * draws.FEW)
SEEDS = st.integers(0, 2**32 - 1)


def params(seed: int, n: int, low: float, high: float) -> np.ndarray:
    """Parameters of every magnitude the plan uses, from zero up (a spread of means)."""
    x = np.random.default_rng(seed ^ 0x5EED).uniform(low, high, n)
    if n:
        x[0] = low
    return x


def same(
    ours: Callable[[np.random.Generator], Any],
    numpy: Callable[[np.random.Generator], Any],
    seed: int,
) -> None:
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    mine, theirs = ours(a), numpy(b)
    assert mine.dtype == theirs.dtype
    np.testing.assert_array_equal(mine, theirs, strict=True)
    assert a.bit_generator.state == b.bit_generator.state
    # and the next draw too: nothing was left buffered differently
    assert a.random() == b.random()


@given(SEEDS, SIZES)
def test_poisson_draws_what_numpy_draws(seed: int, n: int) -> None:
    # means across numpy's two algorithms (multiplication below 10, PTRS above)
    lam = params(seed, n, 0.0, 40.0)
    same(lambda g: draws.poisson(g, lam), lambda g: g.poisson(lam), seed)


@given(SEEDS, SIZES)
def test_beta_draws_what_numpy_draws(seed: int, n: int) -> None:
    # numpy's Beta switches algorithm when both shapes are at most 1
    a = params(seed, n, 0.2, 40.0)
    b = params(seed + 1, n, 0.2, 40.0)
    same(lambda g: draws.beta(g, a, b), lambda g: g.beta(a, b), seed)


@given(SEEDS, SIZES, st.floats(0.1, 600.0))
def test_gamma_draws_what_numpy_draws(seed: int, n: int, scale: float) -> None:
    # shapes below and above 1 (numpy's Gamma has a branch at 1), and whole click counts
    shape = np.round(params(seed, n, 0.3, 60.0))
    shape[shape == 0] = 0.5
    same(lambda g: draws.gamma(g, shape, scale), lambda g: g.gamma(shape, scale), seed)


@given(SEEDS, SIZES, st.floats(0.1, 600.0), st.booleans())
def test_exponential_draws_what_numpy_draws(seed: int, n: int, mean: float, each: bool) -> None:
    scale = params(seed, n, 0.1, 600.0) if each else mean
    same(lambda g: draws.exponential(g, scale, n), lambda g: g.exponential(scale, n), seed)


@given(SEEDS, SIZES, st.integers(1, 5))
def test_integers_draw_what_numpy_draws(seed: int, n: int, high: int) -> None:
    same(lambda g: draws.integers(g, high, n), lambda g: g.integers(0, high, n), seed)
