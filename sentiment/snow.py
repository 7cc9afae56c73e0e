"""snownlp's bundled model as a scorer: the baseline the shipped model is measured against."""

from __future__ import annotations

import re
from functools import cache

from sentiment.base import Label, Sentiment

# Weibo bracket emoticons ([哈哈], [泪]) and emoji are shown to agents as cues.
_EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


class SnowScorer:
    """Score with snownlp; a neutral band around 0.5 gives the third label."""

    def __init__(self, *, negative_below: float = 0.35, positive_above: float = 0.65) -> None:
        if not 0.0 <= negative_below <= positive_above <= 1.0:
            raise ValueError("need 0 <= negative_below <= positive_above <= 1")
        self.negative_below = negative_below
        self.positive_above = positive_above

    def score(self, text: str) -> Sentiment:
        stripped = text.strip()
        if not stripped:
            return Sentiment(score=0.5, label=Label.NEUTRAL)
        value = float(_snownlp()(stripped).sentiments)
        value = min(1.0, max(0.0, value))
        if value < self.negative_below:
            label = Label.NEGATIVE
        elif value > self.positive_above:
            label = Label.POSITIVE
        else:
            label = Label.NEUTRAL
        cues = tuple(dict.fromkeys(_EMOTICON.findall(text) + _EMOJI.findall(text)))[:5]
        return Sentiment(score=value, label=label, cues=cues)


@cache
def _snownlp() -> type:
    # Imported lazily: loading snownlp's models takes a second or two.
    from snownlp import SnowNLP

    return SnowNLP  # type: ignore[no-any-return]
