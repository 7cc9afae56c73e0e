"""The sentiment shown to agents: the label understanding decided, with the model's score
moved to agree and the tone words that speak for it as cues."""

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


def shown(
    model: Sentiment, label: Label, tone: Tone, tokens: Tokens, crisis_words: tuple[str, ...]
) -> Sentiment:
    """Return the judgement shown to agents for the label understanding decided, with the
    whole-token cues that speak for it."""
    if label is Label.NEGATIVE:
        cues = (*crisis_words, *tone.negative)
    elif label is Label.POSITIVE:
        cues = tone.positive
    else:
        cues = ()
    if not cues and label is model.label and label is not Label.NEUTRAL:
        cues = tuple(c for c in model.cues if c in tokens.vocabulary)
    return _shown(model, label, cues)


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
