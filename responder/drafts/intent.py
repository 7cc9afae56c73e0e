"""Intent: what a mention is about, scored from the terms in intents.toml."""

from __future__ import annotations

from dataclasses import dataclass

from responder.drafts.data import Lexicon
from responder.drafts.tokens import Tokens, find, outermost


@dataclass(frozen=True, slots=True, kw_only=True)
class IntentHit:
    """One intent found in a text: its score and the words that triggered it."""

    name: str
    score: float
    words: tuple[str, ...]


def score_intents(tokens: Tokens, platform: str, lexicon: Lexicon) -> list[IntentHit]:
    """Return every intent scoring at least `min_score`, best first (file order on ties)."""
    hits = []
    for rules in lexicon.intents:
        found = find(rules.terms, tokens)
        extra = rules.platforms.get(platform)
        if extra is not None:
            found += find(extra, tokens)
        if not found:
            continue
        words = outermost([w for w, _ in found])
        # A term inside a longer matched term (卡 in 卡顿) counts once, as the longer one.
        score = sum(weight for w, weight in dict(found).items() if w in words)
        if score >= lexicon.settings["min_score"]:
            hits.append(IntentHit(name=rules.name, score=score, words=tuple(words)))
    hits.sort(key=lambda hit: -hit.score)  # stable: equal scores keep file order
    return hits


def pick(hits: list[IntentHit], *, question: bool, lexicon: Lexicon) -> list[IntentHit]:
    """Return the main intent first, then the secondary ones worth showing."""
    settings = lexicon.settings
    spam = next((h for h in hits if h.name == "spam"), None)
    if spam is not None and spam.score >= settings["spam_score"]:
        return [spam]  # an ad that mentions 发货 is still an ad
    hits = [h for h in hits if h.name != "spam"] or hits
    if not hits:
        name = settings["question_fallback"] if question else settings["fallback"]
        return [IntentHit(name=name, score=0.0, words=())]
    floor = hits[0].score * settings["secondary_ratio"]
    shown = [hits[0], *(h for h in hits[1:] if h.score >= floor)]
    yields_to = next(r.yields_to for r in lexicon.intents if r.name == hits[0].name)
    main = next((h for h in hits[1:] if h.name in yields_to), None)
    if main is not None:  # the symptom leads; its context stays as a secondary intent
        shown = [main, *(h for h in shown if h is not main)]
    return shown
