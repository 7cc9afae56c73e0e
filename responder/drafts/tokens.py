"""Text to whole tokens: jieba words, bracket emoticons like [怒], and emoji."""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from sentiment.features import EMOJI, EMOTICON

if TYPE_CHECKING:
    import jieba

    from responder.drafts.data import Lexicon, Terms

MAX_CHARS = 2000  # segmenting grows with length; a long post says what it is about early on
_lock = threading.Lock()
_segmenters: dict[tuple[tuple[str, ...], tuple[str, ...]], jieba.Tokenizer] = {}


@dataclass(frozen=True, slots=True, kw_only=True)
class Tokens:
    """A text prepared for matching: folded text, its tokens, and the token set."""

    text: str  # NFKC-folded and lower-cased, so "Ｘ７" and "x7" match alike
    tokens: tuple[str, ...]
    vocabulary: frozenset[str]  # tokens that occur at least once not right after a negator
    chars: frozenset[str]  # the characters of `text`


def fold(text: str) -> str:
    """Fold width and case, the form every data-file term is matched against."""
    return unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()


def segmenter(lexicon: Lexicon) -> jieba.Tokenizer:
    """Return a jieba tokenizer with the lexicon's words, built once per process."""
    key = (lexicon.add_words, lexicon.remove_words)
    found = _segmenters.get(key)
    if found is None:
        with _lock:  # building takes most of a second; two threads must not both do it
            found = _segmenters.get(key)
            if found is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # it announces every dictionary load
                found = jieba.Tokenizer()
                found.initialize()
                for word in lexicon.add_words:
                    found.add_word(word)
                for word in lexicon.remove_words:
                    found.del_word(word)
                _segmenters[key] = found
    return found


def tokenize(text: str, lexicon: Lexicon) -> Tokens:
    """Split a text into whole tokens; emoticons and emoji are tokens of their own. The
    last texts split are kept: drafting a mention (the team's best replies) reads it again
    after understanding it."""
    found = _recent.get(text)
    if found is not None and found[0] is lexicon:
        return found[1]
    tokens = _tokenize(text, lexicon)
    if len(_recent) >= RECENT:
        _recent.clear()
    _recent[text] = (lexicon, tokens)
    return tokens


RECENT = 1024  # texts whose tokens are kept (a batch is a few hundred)
_recent: dict[str, tuple[Lexicon, Tokens]] = {}


def _tokenize(text: str, lexicon: Lexicon) -> Tokens:
    folded = fold(text)
    marks = EMOTICON.findall(folded) + EMOJI.findall(folded)
    rest = EMOJI.sub(" ", EMOTICON.sub(" ", folded))
    # HMM guesses unknown words from characters; without it segmenting is ~30% faster and
    # our own words come from words.toml anyway.
    words = [w for w in segmenter(lexicon).lcut(rest, HMM=False) if w.strip()]
    tokens = (*words, *marks)
    # 一点不卡 is praise, not lag: a word only ever seen negated does not count as said.
    plain = set(tokens[:1])
    plain.update(t for before, t in pairwise(tokens) if before not in lexicon.negators)
    return Tokens(text=folded, tokens=tokens, vocabulary=frozenset(plain), chars=frozenset(folded))


def find(terms: Terms, tokens: Tokens) -> list[tuple[str, float]]:
    """Return each term found in the text, as the text wrote it, with its weight."""
    found = []
    common = terms.word_set & tokens.vocabulary  # most texts have none of a term's words
    if common:  # in the order the terms list them
        places = sorted(terms.word_order[w] for w in common)
        found = [terms.words[i] for i in places]
    heads = terms.phrase_heads
    if heads:
        places = sorted(i for c in tokens.chars.intersection(heads) for i in heads[c])
        found += [terms.phrases[i] for i in places if terms.phrases[i][0] in tokens.text]
    for pattern, weight in terms.patterns:
        match = pattern.search(tokens.text)
        if match:
            found.append((match.group(0).strip(), weight))
    return found


def outermost(words: list[str]) -> list[str]:
    """Drop each word that is part of a longer word in the list, keeping first-seen order."""
    unique = list(dict.fromkeys(words))
    return [w for w in unique if not any(w != other and w in other for other in unique)]


def split_repost(text: str) -> tuple[str, str]:
    """A Weibo repost's own words and the chain it quotes ("吓人//@someone: 我的X7起火了"
    is a bystander's "吓人" over someone else's words): ("吓人", "@someone: 我的X7起火了")."""
    own, mark, quoted = text.partition("//@")
    return (own, mark[2:] + quoted) if mark else (text, "")
