"""Capped exponential backoff with jitter, reset on success."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class BackoffPolicy:
    """How long to wait after consecutive failures."""

    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 300.0
    jitter: float = 0.1  # +/- this fraction, so many pollers do not retry in step

    def __post_init__(self) -> None:
        if not (0 < self.initial <= self.maximum and self.factor >= 1 and 0 <= self.jitter < 1):
            raise ValueError("need 0 < initial <= maximum, factor >= 1, 0 <= jitter < 1")

    @property
    def steps_to_maximum(self) -> int:
        """Return the exponent at which the delay reaches the maximum (the exponent's cap)."""
        if self.factor == 1 or self.initial == self.maximum:
            return 0
        return math.ceil(math.log(self.maximum / self.initial, self.factor))

    def delay(self, failures: int) -> float:
        """Return the base delay (without jitter) after `failures` earlier failures."""
        # Capping the exponent keeps factor**n finite after any number of failures.
        exponent = min(failures, self.steps_to_maximum)
        return min(self.maximum, self.initial * self.factor**exponent)


@dataclass(slots=True)
class Backoff:
    """Iterator of delays under a policy; `reset()` after a success."""

    policy: BackoffPolicy = field(default_factory=BackoffPolicy)
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next(self) -> float:
        base = self.policy.delay(self.failures)
        self.failures += 1
        spread = base * self.policy.jitter
        return min(self.policy.maximum, base + self.rng.uniform(-spread, spread))

    def reset(self) -> None:
        self.failures = 0
