"""Crisis: fire, injury, lawyers, journalists… flagged with the words that triggered it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from responder.drafts.data import Lexicon, Terms


@dataclass(frozen=True, kw_only=True)
class Crisis:
    """Whether a mention is a crisis, the words that said so, and which kinds they are."""

    flag: bool = False
    words: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


def detect_crisis(text: str, lexicon: Lexicon) -> Crisis:
    """Find crisis triggers in a folded text, ignoring those inside an excluded phrase."""
    excluded = _spans(text, lexicon.crisis_exclude)
    words: list[str] = []
    kinds: list[str] = []
    for kind, terms in lexicon.crisis.items():
        for start, end in _spans(text, terms):
            if any(s <= start and end <= e for s, e in excluded):
                continue  # 性价比爆炸 is praise, not an explosion
            word = text[start:end].strip()
            if word not in words:
                words.append(word)
            if kind not in kinds:
                kinds.append(kind)
    # A shorter trigger inside a longer one (烧了 in 烧了一个) says nothing more.
    shown = tuple(w for w in words if not any(w != other and w in other for other in words))
    return Crisis(flag=bool(kinds), words=shown, kinds=tuple(kinds))


def _spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    """Return where each phrase and pattern of `terms` occurs in the text."""
    spans = []
    for phrase, _ in (*terms.words, *terms.phrases):  # words count as phrases here
        if phrase in text:  # the cheap test first: most texts hold no trigger at all
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(phrase), text)]
    for pattern, _ in terms.patterns:
        spans += [(m.start(), m.end()) for m in pattern.finditer(text)]
    return spans
