"""The word tables of a mention's own facts (responder/drafts/data/facts.toml), each
compiled into one regex: features, topics, problems, causes, occasions, who is in a photo,
and the words that say photos came, a fall, a fix that did not help or an update awaited."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Table:
    """Words people write, each with the name drafts use for it, found in one regex scan:
    the first in the text, the longest where two start together."""

    names: dict[str, str]  # word (lower case) -> name
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, named: dict[str, list[str]]) -> Table:
        names = {w.lower(): name for name, words in named.items() for w in words}
        names = dict(sorted(names.items(), key=lambda item: -len(item[0])))
        return cls(names, re.compile(_trie(names) or "(?!)"))

    def first(self, folded: str) -> re.Match[str] | None:
        return self.pattern.search(folded)


def _trie(words: Iterable[str]) -> str:
    """One regex for many words, branching a character at a time (a long table is scanned
    twice as fast as one flat alternation); greedy, so the longest word at a place wins."""
    root: dict[str, dict[str, Any]] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict[str, dict[str, Any]]) -> str:
        alternatives = [re.escape(c) + branch(child) for c, child in node.items() if c]
        if not alternatives:
            return ""
        return "(?:" + "|".join(alternatives) + ")" + ("?" if "" in node else "")

    return branch(root)


@dataclass(frozen=True, slots=True)
class FactWords:
    """Features, topics and occasions people name, and the words that say photos came."""

    features: Table
    topics: Table  # every feature word and topic word (named as themselves)
    problems: Table
    alone: frozenset[str]  # problems said without the thing before them
    causes: Table
    occasions: Table
    subjects: Table  # who is in a photo they share
    services: frozenset[str]  # topics a problem is never said of
    # Word lists a text either says or not, each one pattern (lower case, as facts reads)
    photo_words: re.Pattern[str]
    dropped_words: re.Pattern[str]
    still_words: re.Pattern[str]  # what we suggested did not help
    waiting_words: re.Pattern[str]  # still waiting for an update others have
    unshipped_words: re.Pattern[str]  # the order has not shipped yet (待发货)
    thanks_words: re.Pattern[str]  # they thank us (谢谢你们)
    unanswered_words: re.Pattern[str]  # they say nobody answered them (没人回)
    tried: re.Pattern[str]  # what they already tried, each kind a named group (restart: 重启过)


@cache
def fact_words() -> FactWords:
    """The packaged responder/drafts/data/facts.toml."""
    raw = tomllib.loads(
        resources.files("responder.drafts").joinpath("data/facts.toml").read_text("utf-8")
    )
    words = [w for found in raw["features"].values() for w in found] + raw["topics"]["words"]
    return FactWords(
        features=Table.of(raw["features"]),
        topics=Table.of({w: [w] for w in words}),
        problems=Table.of(raw["problems"] | {"": raw["not_problems"]["words"]}),
        alone=frozenset(raw["alone"]["problems"]),
        causes=Table.of(raw["causes"]),
        occasions=Table.of(raw["occasions"]),
        subjects=Table.of(raw["subjects"]),
        services=frozenset(w.lower() for w in raw["topics"]["services"]["words"]),
        photo_words=_any(raw["photo"]["words"]),
        dropped_words=_any(raw["dropped"]["words"]),
        still_words=_any(raw["still"]["words"]),
        waiting_words=_any(raw["waiting"]["words"]),
        unshipped_words=_any(raw["unshipped"]["words"]),
        thanks_words=_any(raw["thanks"]["words"]),
        unanswered_words=_any(raw["unanswered"]["words"]),
        tried=re.compile(
            "|".join(f"(?P<{k}>{_trie(w.lower() for w in v)})" for k, v in raw["tried"].items())
        ),
    )


def _any(words: Iterable[str]) -> re.Pattern[str]:
    """One pattern for a word list: a search says whether a text has any of them."""
    return re.compile(_trie(w.lower() for w in words))
