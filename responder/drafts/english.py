"""What an English mention is about, in the person's own words: the thing they ask about
("the warranty", "Google Play and Gmail", "eSIM"), the thing that went wrong ("the
screen"), the place they name ("in Singapore", "to Hong Kong") and whether they share a
photo. Rules and a stop list, no tagger: a run of words that are not function words,
common verbs or small talk is a noun phrase. English drafts (_english.j2) echo these, and
look up the knowledge base with them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from responder.drafts.english_words import (
    ADJECTIVES,
    LANGUAGES,
    ORDER_STATUS,
    ORDERED,
    PHOTO,
    PLACE_BEFORE,
    PLACE_NOUNS,
    PROBLEM,
    QUESTION_WORDS,
    REPAIR,
    STOP,
    VERB_TOPICS,
    shot_of,
    shot_word,
    words_of,
)
from responder.drafts.knowledge import MIN_SCORE_EN, Entry, Knowledge

MAX_WORDS = 4  # a longer run is a chunking slip: its last words are the head noun

_NOISE = re.compile(r"@\S+|https?://\S+|[^\x00-\x7f\u00c0-\u024f]+")  # Chinese, emoji: a break
_SENTENCE = re.compile(r"(?<=[.?!;:])\s*|\s+-+\s+|\s+/\s+|\n+")
_CLAUSE = re.compile(r",\s*|\s+(?:but|and then|because|so)\s+")
# Latin letters with their accents count as letters (Tromsø).
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f'+&-]*")
_DETERMINERS = words_of("the a an my this that your new latest it them all our his her")
_PEOPLE = words_of("i you we they please")
_NEGATIONS = words_of("no without never")  # "no tripod": not what it is about
_OBJECTS = words_of("the a an my your our this these those his her their")  # after a verb
_NOT = words_of("can't cannot won't don't doesn't didn't couldn't wouldn't isn't aren't")
_GREETINGS = words_of("hi hey hello dear ok okay so um")
_ID_LIKE = re.compile(r"^[A-Za-z]{0,4}\d{6,}$")  # an order or tracking number


@dataclass(frozen=True, slots=True)
class Topic:
    """What an English mention is about; "" for each part it does not name. In a template
    `{{ topic_en }}` is the subject with its place ("the warranty in Singapore")."""

    subject: str = ""  # what they ask or talk about: "the system language", "eSIM"
    problem: str = ""  # what went wrong: "the screen"
    where: str = ""  # the place with its preposition: "to Hong Kong", "in Singapore"
    photo: bool = False  # they share a photo they took
    shot: str = ""  # their word for it when they share one: "photo", "video", "time-lapse"
    place: bool = False  # the subject is a place: "the Great Wall"
    phrases: tuple[str, ...] = field(default=())  # every noun phrase, as written

    def __str__(self) -> str:
        return f"{self.subject} {self.where}" if self.subject and self.where else self.subject

    def __bool__(self) -> bool:
        return bool(self.subject)


@dataclass(frozen=True, slots=True)
class _Phrase:
    words: tuple[str, ...]
    text: str  # as written
    place: bool  # after in/to/at/near and written with a capital: a place
    prep: str  # the preposition before it ("" for none)
    the: bool  # "the" stood before it
    a: bool  # "a", "an" or "any" stood before it
    joined: bool  # "and"/"or" joins it to the phrase before


def topic_of(text: str, products: Iterable[str] = ()) -> Topic:
    """The topic of an English mention; `products`: names to leave out (lower case), as
    the drafts name the product on their own."""
    sentences = _sentences(text, products)
    subject = problem = where = first = first_where = last_place = verb = ""
    asked = False
    ordered = bool(ORDERED.search(text))
    photo = PHOTO.search(text)
    phrases: list[str] = []
    for sentence in sentences:
        asking = _is_question(sentence)
        asked = asked or asking
        for clause in [sentence] if asking else _CLAUSE.split(sentence):
            found = [p for p in _phrases(clause) if not (photo and _shot_word(p))]
            things = [p for p in found if not p.place]
            places = [p for p in found if p.place]
            phrases += [p.text for p in found]
            if not first and things:
                first = _joined(things)
                # "shipping to Hong Kong. how many days?": the place goes with the thing.
                first_where = f"{places[0].prep} {_name(places[0])}" if places else ""
            if asking and not subject:
                verb = _verb_topic(clause, things, ordered=ordered)
                subject = verb or _joined(things)
                if subject and places:
                    where = f"{places[0].prep} {_name(places[0])}{_tail(clause, places[0])}"
                elif subject and last_place and re.search(r"\bthere\b", clause, re.I):
                    where = f"in {last_place}"
            if not problem and things and (went := PROBLEM.search(clause)):
                # The thing just before what went wrong ("a conference and my screen just
                # cracked": the screen), else the first one.
                before = [p for p in things if 0 <= clause.find(p.text) < went.start()]
                problem = _np((before or things)[-1 if before else 0])
            if places:
                last_place = _name(places[-1])
    if verb == REPAIR and problem:
        subject = problem  # "left bud won't connect, any quick fix?": the left bud
    if asked and not subject and not problem and not where:
        where = first_where  # a question that names nothing asks about what came before
    if photo and not where:
        where = next(
            (f"{p.prep} {_name(p)}" for s in sentences for p in _phrases(s) if p.place), ""
        )
    subject = subject or problem or first
    last = subject.split()[-1:] if subject else []
    return Topic(
        subject=subject,
        problem=problem,
        where=where,
        photo=bool(photo),
        shot=shot_of(text) if photo else "",
        place=bool(last) and last[0].lower() in PLACE_NOUNS and not subject[4:5].islower(),
        phrases=tuple(dict.fromkeys(phrases)),
    )


_TAIL = re.compile(r"\s+((?:where|that|which|who)\s+[^?]+?)\s*\?*\s*$", re.IGNORECASE)
_FIRST_PERSON = words_of("i i'm i've my me mine we our us")


def _tail(clause: str, phrase: _Phrase) -> str:
    """What a question says of the place it asks about, to its end: "in Shenzhen where
    the staff speak English" (" where the staff speak English"; "" for none, or for one
    that speaks of the person: the draft would have to turn "my" into "your")."""
    at = clause.find(phrase.text)
    found = _TAIL.match(clause, at + len(phrase.text)) if at >= 0 else None
    if found is None:
        return ""
    words = _WORD.findall(found.group(1).lower())
    return "" if len(words) > 7 or _FIRST_PERSON.intersection(words) else " " + found.group(1)


def _shot_word(phrase: _Phrase) -> bool:
    """ "video", "photos": in a photo post, what they made is not what it shows."""
    return len(phrase.words) == 1 and shot_word(phrase.text) != "shot"


def answer_for(knowledge: Knowledge, text: str, topic: Topic) -> Entry | None:
    """The knowledge-base entry with an English answer for an English mention, or None.
    Every intent's entries are searched (the intents are read from Chinese and often miss
    on English), so the entry must match a word of the topic, not only a passing word."""
    if (not topic.subject and not topic.problem) or topic.subject == ORDER_STATUS:
        return None  # where their own order is, only a look at it can say
    words = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", f"{topic.subject} {topic.problem}")}
    for hit in knowledge.search(text, limit=3):
        if hit.score < MIN_SCORE_EN:
            break
        if not knowledge.names(hit.entry, text):  # the watch's steps for a phone
            continue
        if hit.entry.answer_en and any(_same(w, m) for w in words for m in hit.matched):
            return hit.entry
    return None


def _same(word: str, term: str) -> bool:
    """One word, give or take an ending: "ship" and "shipping", "esim" and "esim", "bud"
    and "buds"."""
    short, long = sorted((word, term), key=len)
    plural = long in (short + "s", short + "es")
    return long.startswith(short) and (len(short) >= 4 or short == long or plural)


def _sentences(text: str, products: Iterable[str]) -> list[str]:
    cleaned = text.replace("\u2019", "'").replace("\u2014", " - ").replace("\u2013", " - ")
    for name in sorted(products, key=len, reverse=True):
        cleaned = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", cleaned, flags=re.I)
    cleaned = _NOISE.sub(" . ", cleaned)
    return [s.strip() for s in _SENTENCE.split(cleaned) if s and s.strip(" .")]


def _is_question(sentence: str) -> bool:
    words = [w for w in _WORD.findall(sentence.lower()) if w not in _GREETINGS]
    return sentence.rstrip().endswith("?") or (bool(words) and words[0] in QUESTION_WORDS)


def _content(words: list[str], i: int) -> bool:
    lower = words[i].lower()
    if (
        i
        and words[i][:1].isupper()
        and words[i - 1][:1].isupper()
        and words[i - 1].lower() not in STOP
    ):
        return True  # a name goes on: "Apple Pay", "Google Play"
    if lower in ADJECTIVES and _starts_name(words, i):
        return True  # "the Great Wall", "New York": the adjective is part of the name
    if lower in STOP and words[i].isupper() and i and words[i - 1].lower() == "the":
        return True  # "the US" is a country, not "us"
    if lower in STOP or _ID_LIKE.match(words[i]) or len(words[i]) < 2:
        return False
    if PROBLEM.fullmatch(lower) or _verb(words, i):
        return False
    if lower in VERB_TOPICS:  # "the repair status" is a thing, "can you repair it" is not
        if i and words[i - 1].lower() in _DETERMINERS:
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
    """ "I transfer my", "to install Spotify": a lower-case word after a person or "to",
    before what it acts on, is a verb; so is one just before "the", "my" … ("walking the
    Great Wall"), and a sentence's first word there ("Spent the morning")."""
    after = words[i + 1].lower() if i + 1 < len(words) else ""
    if (not i or words[i].islower()) and after in _OBJECTS and not words[i].isupper():
        return True
    if not i or not words[i].islower():
        return False
    before = words[i - 1].lower()
    after = words[i + 1] if i + 1 < len(words) else ""
    if before in _PEOPLE or before in _NOT:
        return True
    return before == "to" and (after.lower() in _DETERMINERS or after[:1].isupper())


def _phrases(clause: str) -> list[_Phrase]:
    out: list[_Phrase] = []
    matches = list(_WORD.finditer(clause))
    words = [m.group(0) for m in matches]
    start = None
    for i in range(len(words) + 1):
        inside = i < len(words) and _content(words, i)
        gap = clause[matches[i - 1].end() : matches[i].start()] if 0 < i < len(words) else " "
        broken = start is not None and gap.strip() not in ("", ",")
        if start is not None and (
            not inside or broken or (gap.strip() and not _both_names(words, i))
        ):
            if not (start and words[start - 1].lower() in _NEGATIONS):
                out.append(_phrase(clause, matches, start, i))
            start = None
        if inside and start is None:
            start = i
    return out


def _both_names(words: list[str], i: int) -> bool:
    """ "Wangfujing, Beijing": a comma between two names keeps them one place."""
    return words[i][:1].isupper() and words[i - 1][:1].isupper()


def _phrase(clause: str, matches: list[re.Match[str]], start: int, end: int) -> _Phrase:
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
    return _Phrase(tuple(run), text, place, prep, the, a, joined)


def _joined(things: list[_Phrase]) -> str:
    if not things:
        return ""
    parts = [things[0]]
    for more in things[1:]:
        if not more.joined:
            break
        parts.append(more)
    return " and ".join(_np(p) for p in parts)


def _np(phrase: _Phrase) -> str:
    """A noun phrase a draft can say after "about": "the" before a common noun, and before
    a name they wrote it before ("the Great Wall", "the UK"); "a" or "an" before a name
    they wrote one of ("an iPhone", "a Japanese prepaid SIM")."""
    text = phrase.text
    head = phrase.words[0]
    common = head.islower() and head.isalpha() and not head.endswith("ing")
    if common or (phrase.the and head[:1].isupper()):
        return f"the {text}"
    if phrase.a:
        return f"{'an' if head[:1].lower() in 'aeio' else 'a'} {text}"
    return text


def _name(phrase: _Phrase) -> str:
    return f"the {phrase.text}" if phrase.the else phrase.text


def _verb_topic(clause: str, things: list[_Phrase], *, ordered: bool = False) -> str:
    """The service a question asks for ("can you ship it": shipping) when its verb comes
    before any thing it names; `ordered`: the mention speaks of an order or parcel, so an
    update asked for is the order's status, not the system's."""
    first = things[0].words[0] if things else None
    for word in _WORD.findall(clause):
        if word == first:
            return ""
        if word.lower() in VERB_TOPICS:
            if ordered and word.lower() in ("update", "updates", "news"):
                return ORDER_STATUS
            return VERB_TOPICS[word.lower()]
    return ""
