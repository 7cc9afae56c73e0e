"""The sentiment shown to agents: the model's judgement, corrected by intent and tone words."""

from __future__ import annotations

from dataclasses import dataclass

from responder.drafts.data import Lexicon
from responder.drafts.tokens import Tokens, find, outermost
from sentiment import Label, Sentiment

CUE_LIMIT = 5
# Where a combined label moves a disagreeing model score, so score and label never contradict.
_NEGATIVE_AT_MOST, _POSITIVE_AT_LEAST = 0.3, 0.7


@dataclass(frozen=True, slots=True, kw_only=True)
class Tone:
    """Tone words found in a text."""

    negative: tuple[str, ...]
    positive: tuple[str, ...]
    question: bool


def read_tone(tokens: Tokens, lexicon: Lexicon) -> Tone:
    """Find negative and positive words and whether the text asks something."""
    return Tone(
        negative=tuple(outermost([w for w, _ in find(lexicon.negative, tokens)])),
        positive=tuple(outermost([w for w, _ in find(lexicon.positive, tokens)])),
        question=bool(find(lexicon.question, tokens)),
    )


def combine(
    model: Sentiment,
    tone: Tone,
    tokens: Tokens,
    *,
    intent: str,
    crisis_words: tuple[str, ...],
) -> Sentiment:
    """Return the judgement shown to agents, with whole-token cues only."""
    if crisis_words:
        return _shown(model, Label.NEGATIVE, (*crisis_words, *tone.negative))
    if intent == "spam":
        return _shown(model, Label.NEUTRAL, ())
    if tone.negative and len(tone.negative) >= len(tone.positive):
        return _shown(model, Label.NEGATIVE, tone.negative)
    if tone.question and not tone.negative and not tone.positive:
        return _shown(model, Label.NEUTRAL, ())
    if tone.positive or intent == "praise":
        return _shown(model, Label.POSITIVE, tone.positive)
    # No word of ours decides it: trust the model, but show only its whole-token cues.
    return _shown(model, model.label, tuple(c for c in model.cues if c in tokens.vocabulary))


def _shown(model: Sentiment, label: Label, cues: tuple[str, ...]) -> Sentiment:
    score = model.score
    if label is Label.NEGATIVE:
        score = min(score, _NEGATIVE_AT_MOST)
    elif label is Label.POSITIVE:
        score = max(score, _POSITIVE_AT_LEAST)
    elif model.label is not Label.NEUTRAL:
        score = 0.5
    unique = tuple(dict.fromkeys(cues))[:CUE_LIMIT]
    return Sentiment(score=score, label=label, cues=unique)
