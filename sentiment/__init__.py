"""Text to Sentiment(score, label, cues)."""

from sentiment.base import Label, Scorer, Sentiment
from sentiment.default import score_texts, warm_up

__all__ = ["Label", "Scorer", "Sentiment", "score_texts", "warm_up"]
