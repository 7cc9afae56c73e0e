"""The default scorer, loaded once per process (worker processes call these)."""

from __future__ import annotations

from functools import cache

from sentiment.base import Sentiment
from sentiment.linear import LinearScorer


@cache
def default_scorer() -> LinearScorer:
    """Return the shipped model, loaded on first use."""
    return LinearScorer()


def score_texts(texts: list[str]) -> list[Sentiment]:
    """Score a batch with the default model; the entry point for scoring processes."""
    scorer = default_scorer()
    return [scorer.score(text) for text in texts]


def warm_up() -> None:
    """Load the model now (a process-pool initializer), not on the first mention."""
    default_scorer()
