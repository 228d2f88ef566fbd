"""Random streams: one root seed, one independent numpy Generator per (entity, purpose).

Streams are keyed by name, not by creation order, so adding a server or a group leaves
every other stream as it was, and replication ``k`` of every variant of a sweep sees the
same user behaviour (common random numbers). There is no global random state.
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """A factory of named, independent random Generators for one replication."""

    def __init__(self, seed: int, replication: int = 0) -> None:
        self.seed = int(seed)
        self.replication = int(replication)

    def generator(self, *key: str | int) -> np.random.Generator:
        words = [self.replication] + [
            k if isinstance(k, int) else zlib.crc32(k.encode()) for k in key
        ]
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=words))
        )
