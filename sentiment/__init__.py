"""Text to Sentiment(score, label, cues)."""

from sentiment.base import Label, Scorer, Sentiment
from sentiment.snow import SnowScorer, score_texts

__all__ = ["Label", "Scorer", "Sentiment", "SnowScorer", "score_texts"]
