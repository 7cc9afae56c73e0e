"""Noun phrases of an English clause, by rules and a stop list (no tagger): a run of words
that are not function words, common verbs or small talk is a noun phrase; a capitalised
word goes on a name ("Apple Pay", "the Great Wall"). responder.drafts.english reads a
mention's topic from these."""

from __future__ import annotations

import re
from dataclasses import dataclass

from responder.drafts.english_words import (
    ADJECTIVES,
    LANGUAGES,
    PLACE_BEFORE,
    PROBLEM,
    STOP,
    VERB_TOPICS,
    words_of,
)

MAX_WORDS = 4  # a longer run is a chunking slip: its last words are the head noun

# Latin letters with their accents count as letters (Tromsø); a quote or hyphen only inside
# a word ("it's", "USB-C"), never the one closing a quote ('processing').
_L = "A-Za-z0-9\u00c0-\u024f"
WORD = re.compile(rf"[{_L}](?:[{_L}'+&-]*[{_L}+])?")
DETERMINERS = words_of("the a an my this that your new latest it them all our his her")
_PEOPLE = words_of("i you we they please")
_NEGATIONS = words_of("no without never")  # "no tripod": not what it is about
_OBJECTS = words_of("the a an my your our this these those his her their")  # after a verb
_STILL = words_of("still also always already usually")  # "it still shows 'processing'"
_SAID_OF = words_of("it this that be been being is was are were")  # before a participle
_NOT = words_of("can't cannot won't don't doesn't didn't couldn't wouldn't isn't aren't")
_ID_LIKE = re.compile(r"^[A-Za-z]{0,4}\d{6,}$")  # an order or tracking number


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]
    text: str  # as written
    place: bool  # after in/to/at/near and written with a capital: a place
    prep: str  # the preposition before it ("" for none)
    the: bool  # "the" stood before it
    a: bool  # "a", "an" or "any" stood before it
    mine: bool  # "my" stood before it
    joined: bool  # "and"/"or" joins it to the phrase before


def _content(words: list[str], i: int) -> bool:
    lower = words[i].lower()
    if (
        i
        and (words[i][:1].isupper() or words[i].isdigit())
        and words[i - 1][:1].isupper()
        and words[i - 1].lower() not in STOP
    ):
        return True  # a name goes on: "Apple Pay", "Google Play", "Pixel 8"
    if lower in ADJECTIVES and _starts_name(words, i):
        return True  # "the Great Wall", "New York": the adjective is part of the name
    if lower in STOP and words[i].isupper() and i and words[i - 1].lower() == "the":
        return True  # "the US" is a country, not "us"
    if lower in STOP or _ID_LIKE.match(words[i]) or len(words[i]) < 2:
        return False
    if PROBLEM.fullmatch(lower) or _verb(words, i):
        return False
    if lower in VERB_TOPICS:  # "the repair status" is a thing, "can you repair it" is not
        if i and words[i - 1].lower() in DETERMINERS:
            return True
        if i and words[i - 1].islower() and _content(words, i - 1):
            return True  # after a noun it is one too: "a tax refund", "the screen repair"
        after = words[i + 1].lower() if i + 1 < len(words) else ""
        return bool(after) and after not in STOP and after not in VERB_TOPICS
    return True


def _starts_name(words: list[str], i: int) -> bool:
    """A capitalised word before a capitalised word that is no stop word."""
    after = words[i + 1] if i + 1 < len(words) else ""
    return words[i][:1].isupper() and after[:1].isupper() and after.lower() not in STOP


def _verb(words: list[str], i: int) -> bool:
    """ "I transfer my", "to install Spotify", "it shows": a lower-case word after a person,
    "it", "still" or "to", before what it acts on, is a verb; so is one just before "the",
    "my" … ("walking the Great Wall"), and a sentence's first word there ("Spent the
    morning")."""
    after = words[i + 1].lower() if i + 1 < len(words) else ""
    if (not i or words[i].islower()) and after in _OBJECTS and not words[i].isupper():
        return True
    if not i or not words[i].islower():
        return False
    before = words[i - 1].lower()
    after = words[i + 1] if i + 1 < len(words) else ""
    if before in _PEOPLE or before in _NOT or before in _STILL:
        return True
    if before in _SAID_OF and words[i].endswith("ed"):
        return True  # "is this covered", "can it be delivered": said of it, no thing
    if before in ("it", "he", "she"):  # "can it pair", "it shows": not "is it waterproof"
        return i < 2 or words[i - 2].lower() not in ("is", "was", "isn't", "wasn't")
    return before == "to" and (after.lower() in DETERMINERS or after[:1].isupper())


def phrases_of(clause: str) -> list[Phrase]:
    out: list[Phrase] = []
    matches = list(WORD.finditer(clause))
    words = [m.group(0) for m in matches]
    start = None
    for i in range(len(words) + 1):
        inside = i < len(words) and _content(words, i)
        gap = clause[matches[i - 1].end() : matches[i].start()] if 0 < i < len(words) else " "
        broken = start is not None and gap.strip() not in ("", ",")
        if start is not None and (
            not inside or broken or (gap.strip() and not _both_names(words, i))
        ):
            negated = start and words[start - 1].lower() in _NEGATIONS
            if not negated and not all(w.isdigit() for w in words[start:i]):  # "12": no thing
                out.append(_phrase(clause, matches, start, i))
            start = None
        if inside and start is None:
            start = i
    return out


def _both_names(words: list[str], i: int) -> bool:
    """ "Wangfujing, Beijing": a comma between two names keeps them one place."""
    return words[i][:1].isupper() and words[i - 1][:1].isupper()


def _phrase(clause: str, matches: list[re.Match[str]], start: int, end: int) -> Phrase:
    words = [m.group(0) for m in matches]
    run = words[start:end][-MAX_WORDS:]
    prev = [w.lower() for w in words[max(0, start - 2) : start]]
    the = bool(prev) and prev[-1] == "the"
    a = bool(prev) and prev[-1] in ("a", "an", "any")
    prep = prev[-1] if prev and prev[-1] in PLACE_BEFORE else ""
    if the and len(prev) == 2 and prev[0] in PLACE_BEFORE:
        prep = prev[0]
    head = run[0]
    capital = head[:1].isupper() and not (start == 0 and head[1:].islower())
    place = bool(prep) and capital and head.lower() not in LANGUAGES
    joined = bool(prev) and prev[-1] in ("and", "or", "&")
    # As written ("Wangfujing, Beijing"), but a run cut short is joined again.
    span = clause[matches[start].start() : matches[end - 1].end()]
    text = span if end - start <= MAX_WORDS else " ".join(run)
    mine = bool(prev) and prev[-1] == "my"
    return Phrase(tuple(run), text, place, prep, the, a, mine, joined)


def noun_phrase(phrase: Phrase) -> str:
    """A noun phrase a draft can say after "about": "the" before a common noun, and before
    a name they wrote it before ("the Great Wall", "the UK"); "a" or "an" before a name
    they wrote one of ("an iPhone", "a Japanese prepaid SIM")."""
    text = phrase.text
    head = phrase.words[0]
    common = head.islower() and head.isalpha() and not head.endswith("ing")
    if common or (phrase.the and head[:1].isupper()):
        return f"the {text}"
    if phrase.mine:
        return f"your {text}"  # "my iPhone 15": a name of theirs
    if phrase.a:
        return f"{'an' if head[:1].lower() in 'aeio' else 'a'} {text}"
    return text


def name_of(phrase: Phrase) -> str:
    return f"the {phrase.text}" if phrase.the else phrase.text
