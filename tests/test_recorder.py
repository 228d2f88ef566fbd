"""The recorder's capacity unit counts: the dense array and the packed keys agree."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.recorder import DENSE_KEYS, UnitCounts

SHAPE = (3, 5, 4)  # servers, users, months
KEY = st.tuples(st.integers(0, 2), st.integers(0, 4), st.integers(0, 3))


@given(st.lists(st.one_of(KEY, st.lists(KEY, max_size=12)), max_size=30))
def test_dense_and_packed_counts_agree_with_a_plain_count(charges: list) -> None:
    """Units charged one at a time (tuples) and in batches (lists), counted three ways."""
    dense, packed = UnitCounts(SHAPE), UnitCounts()
    assert dense.dense is not None and packed.dense is None
    expected: dict[tuple[int, int, int], int] = {}
    for charge in charges:
        for key in [charge] if isinstance(charge, tuple) else charge:
            expected[key] = expected.get(key, 0) + 1
        for counts in (dense, packed):
            if isinstance(charge, tuple):
                counts.add(*charge)
            elif charge:
                counts.add_many(*(np.array(c, dtype=np.int8) for c in zip(*charge, strict=True)))
    want = sorted(expected.items())
    for counts in (dense, packed):
        server, user, month, units = counts.columns()
        got = list(zip(zip(server, user, month, strict=True), units, strict=True))
        assert [((int(s), int(u), int(m)), int(n)) for (s, u, m), n in got] == want


def test_a_run_too_large_for_an_array_of_every_key_counts_packed_keys() -> None:
    counts = UnitCounts((2, DENSE_KEYS // 24 + 1, 12))
    assert counts.dense is None
    counts.add_many(np.array([1, 1, 0]), np.array([7, 7, 3]), np.array([11, 11, 0]))
    server, user, month, units = counts.columns()
    assert server.tolist() == [0, 1] and user.tolist() == [3, 7]
    assert month.tolist() == [0, 11] and units.tolist() == [1, 2]
