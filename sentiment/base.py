"""The sentiment result and the scorer interface."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Label(StrEnum):
    """Three-way sentiment label."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


@dataclass(frozen=True, kw_only=True)
class Sentiment:
    """`score` is P(positive) in [0, 1]; `cues` are what drove it, for agents to see."""

    score: float
    label: Label
    cues: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score}")


class Scorer(Protocol):
    """Anything that scores texts; CPU-bound, so callers run it off the event loop."""

    def score(self, text: str) -> Sentiment:
        """Score one text."""
