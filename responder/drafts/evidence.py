"""What the editable rules say about a mention, as features the learned model weighs.

The keyword intents (intents.toml), the crisis lexicon (crisis.toml) and the tone words
(tone.toml) used to decide on their own; now they are evidence: one feature per intent
found (and whether it was found strongly), the intent the rules would pick, each crisis
kind, the tone cues and the product named; for the earlier messages of a thread, the
intents the rules find in each, prefixed by who wrote it. The words (tokens.tokenize, with
words.toml) of the text and of its thread come along, as the rules have them anyway; and
the sentiment model's score. Training and scoring call the same functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from responder.drafts.crisis import Crisis, detect_crisis
from responder.drafts.data import Lexicon
from responder.drafts.intent import IntentHit, pick, score_intents
from responder.drafts.tokens import Tokens, split_repost, tokenize
from responder.drafts.tone import Tone, read_tone

STRONG_SCORE = 2.0  # an intent the rules find at least this strongly gets a second feature
SENTIMENT_BINS = 10  # the sentiment model's P(positive), in tenths


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """The rules' reading of one text."""

    tokens: Tokens
    hits: tuple[IntentHit, ...]  # every intent scored, best first
    picked: tuple[IntentHit, ...]  # the rules' main intent first, then the secondary ones
    crisis: Crisis
    tone: Tone


def read(text: str, platform: str, lexicon: Lexicon) -> Reading:
    """Run the rules over one text."""
    tokens = tokenize(text, lexicon)
    tone = read_tone(tokens, lexicon)
    hits = score_intents(tokens, platform, lexicon)
    return Reading(
        tokens=tokens,
        hits=tuple(hits),
        picked=tuple(pick(hits, question=tone.question, lexicon=lexicon)),
        crisis=detect_crisis(tokens.text, lexicon),
        tone=tone,
    )


def features(
    reading: Reading,
    context: Sequence[Mapping[str, Any]],
    platform: str,
    lexicon: Lexicon,
    sentiment: float,
    limit: int = 3,
) -> set[str]:
    """The rules' evidence on a mention and its latest `limit` earlier messages, and the
    sentiment model's score."""
    found = _of(reading, "r:")
    own, quoted = split_repost(reading.tokens.text)
    if quoted:  # the words of a quoted repost chain are someone else's
        found.update("w:" + w for w in tokenize(own, lexicon).tokens)
        found.update("qw:" + w for w in tokenize(quoted, lexicon).tokens)
    else:
        found.update("w:" + w for w in reading.tokens.tokens)
    found.add(f"s:{min(int(sentiment * SENTIMENT_BINS), SENTIMENT_BINS - 1)}")
    for message in list(context)[-limit:]:
        earlier = read(str(message.get("text") or ""), platform, lexicon)
        who = str(message.get("who", "other"))
        found.update(f"{who}:w:{w}" for w in earlier.tokens.tokens)
        found.update(f"r{who}:i={h.name}" for h in earlier.hits)
        found.add(f"r{who}:top={earlier.picked[0].name}")
    return found


def _of(reading: Reading, prefix: str) -> set[str]:
    found = {f"{prefix}top={reading.picked[0].name}"}
    for hit in reading.hits:
        found.add(f"{prefix}i={hit.name}")
        if hit.score >= STRONG_SCORE:
            found.add(f"{prefix}i2={hit.name}")
    found.update(f"{prefix}c={kind}" for kind in reading.crisis.kinds)
    if reading.crisis.flag:
        found.add(f"{prefix}crisis")
    product = named_product(reading.tokens.text)
    if product:
        found.add(f"{prefix}p={product}")
    tone = reading.tone
    for flag, name in ((tone.negative, "neg"), (tone.positive, "pos"), (tone.question, "q")):
        if flag:
            found.add(prefix + name)
    return found


# Crisis kinds whose lexicon hit is strong enough to flag a crisis whatever the model says
# (on the training set 95-100% of such hits were crises; media, legal, explosion words and
# the like are weaker: the model weighs them).
STRONG_KINDS = frozenset({"fire", "smoke", "swelling", "injury", "consumer_body"})
PRODUCTS = (  # named products, the longer name first: (pattern, product)
    (re.compile(r"x\s?7\s?pro"), "X7 Pro"),
    (re.compile(r"(?<![a-z0-9])x\s?7(?![0-9])"), "X7"),
    (re.compile(r"note\s?12"), "Note 12"),
    (re.compile(r"pad\s?3"), "Pad 3"),
    (re.compile(r"watch\s?s(?![a-z])"), "Watch S"),
    (re.compile(r"buds\s?2"), "Buds 2"),
    (re.compile(r"澜\s?os|lan\s?os"), "澜OS"),
)


def strong_crisis(crisis: Crisis) -> bool:
    """Whether the crisis lexicon alone is sure enough to flag a crisis."""
    return not STRONG_KINDS.isdisjoint(crisis.kinds)


def named_product(folded: str) -> str:
    """The product a folded text names first ("" when it names none)."""
    found = [
        (m.start(), -len(m.group(0)), name)
        for pattern, name in PRODUCTS
        if (m := pattern.search(folded)) is not None
    ]
    return min(found)[2] if found else ""
