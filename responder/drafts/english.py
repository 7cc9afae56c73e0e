"""What an English mention is about, in the person's own words: the thing they ask about
("the warranty", "Google Play and Gmail", "eSIM"), the thing that went wrong ("the
screen"), the place they name ("in Singapore", "to Hong Kong") and whether they share a
photo, read from the noun phrases responder.drafts.english_phrases finds. English drafts
(_english.j2) echo these, and look up the knowledge base with them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from responder.drafts.english_phrases import (
    DETERMINERS,
    WORD,
    Phrase,
    name_of,
    noun_phrase,
    phrases_of,
)
from responder.drafts.english_words import (
    GERUNDS,
    NEGATED,
    ORDER_STATUS,
    ORDERED,
    PHOTO,
    PLACE_NOUNS,
    PRAISE,
    PROBLEM,
    QUESTION_WORDS,
    REPAIR,
    VERB_TOPICS,
    shot_of,
    shot_word,
    words_of,
)
from responder.drafts.knowledge import MIN_SCORE_EN, Entry, Knowledge

_NOISE = re.compile(r"@\S+|https?://\S+|[^\x00-\x7f\u00c0-\u024f]+")  # Chinese, emoji: a break
# "a fapiao / proper invoice": a slash between words is an "or", elsewhere a break.
_SENTENCE = re.compile(r"(?<=[.?!;:])\s*|\s+-+\s+|(?<![a-z])\s+/\s+|\s+/\s+(?![a-z])|\n+")
_FOR = re.compile(r"\bfor\s+(?:(?:the|a|an|my|your|our)\s+)?$", re.IGNORECASE)
_CLAUSE = re.compile(r",\s*|\s+(?:but|and then|because|so)\s+")
_GREETINGS = words_of("hi hey hello dear ok okay so um but and also")  # before a question
# Between a verb and the thing it acts on: "pay in", "update the", "pair with my".
_OBJECT_GAP = re.compile(r"(?:\s+(?:in|with|for|on|by|via|into|the|a|an|my|your|our|its))*\s+")
_MODEL = r"(?:\s+\d{1,3}[a-z]?(?:\s+(?:pro|max|plus|ultra|lite|mini|se)\b)?)?"


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
    praise: str = ""  # a thing they rave about besides what they ask: "the ANC"
    phrases: tuple[str, ...] = field(default=())  # every noun phrase, as written

    def __str__(self) -> str:
        return f"{self.subject} {self.where}" if self.subject and self.where else self.subject

    def __bool__(self) -> bool:
        return bool(self.subject)


def topic_of(text: str, products: Iterable[str] = ()) -> Topic:
    """The topic of an English mention; `products`: names to leave out (lower case), as
    the drafts name the product on their own."""
    sentences = _sentences(text, products)
    subject = problem = where = first = first_where = last_place = verb = praise = ""
    asked = False
    ordered = bool(ORDERED.search(text))
    photo = PHOTO.search(text)
    phrases: list[str] = []
    for sentence in sentences:
        asking = _is_question(sentence)
        asked = asked or asking
        said: list[Phrase] = []  # the places of the sentence's clauses so far
        before: list[Phrase] = []  # the things of its first clause that named some
        for clause, question in _clauses(sentence, asking):
            found = [p for p in phrases_of(clause) if not (photo and _shot_word(p))]
            things = [p for p in found if not p.place]
            places = [p for p in found if p.place]
            phrases += [p.text for p in found]
            if not first and things:
                first = _joined(things)
                # "shipping to Hong Kong. how many days?": the place goes with the thing.
                first_where = f"{places[0].prep} {name_of(places[0])}" if places else ""
            if question and not subject:
                verb = _verb_topic(clause, things, ordered=ordered)
                # "I bought screen insurance, is this covered?": the screen insurance
                subject = verb or _joined(things) or _joined(before)
                if subject and not verb:
                    subject += _purpose(clause, things)
                if subject and places:
                    where = f"{places[0].prep} {name_of(places[0])}{_tail(clause, places[0])}"
                elif subject and said:  # "Landed in Seoul, how do I ...": in Seoul
                    where = f"{said[0].prep} {name_of(said[0])}"
                elif subject and last_place and re.search(r"\bthere\b", clause, re.I):
                    where = f"in {last_place}"
            if not problem and things and (went := PROBLEM.search(clause)):
                # The thing just before what went wrong ("a conference and my screen just
                # cracked": the screen), else the first one.
                problem = noun_phrase(_near(clause, things, went.start()))
            if not question and not praise and things:
                praise = _praised(clause, things)
            if places:
                last_place = name_of(places[-1])
                said += places
            before = before or things
    if verb == REPAIR and problem:
        subject = problem  # "left bud won't connect, any quick fix?": the left bud
    if asked and not subject and not problem and not where:
        where = first_where  # a question that names nothing asks about what came before
    if photo and not where:
        where = next(
            (f"{p.prep} {name_of(p)}" for s in sentences for p in phrases_of(s) if p.place), ""
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
        praise=praise if praise != subject else "",
        phrases=tuple(dict.fromkeys(phrases)),
    )


_TAIL = re.compile(r"\s+((?:where|that|which|who)\s+[^?]+?)\s*\?*\s*$", re.IGNORECASE)
_FIRST_PERSON = words_of("i i'm i've my me mine we our us")


def _tail(clause: str, phrase: Phrase) -> str:
    """What a question says of the place it asks about, to its end: "in Shenzhen where
    the staff speak English" (" where the staff speak English"; "" for none, or for one
    that speaks of the person: the draft would have to turn "my" into "your")."""
    at = clause.find(phrase.text)
    found = _TAIL.match(clause, at + len(phrase.text)) if at >= 0 else None
    if found is None:
        return ""
    words = WORD.findall(found.group(1).lower())
    return "" if len(words) > 7 or _FIRST_PERSON.intersection(words) else " " + found.group(1)


def _near(clause: str, things: list[Phrase], at: int) -> Phrase:
    """The thing just before a word said of it ("my screen just cracked", "the ANC is
    insane"), else the first one after it ("love the camera")."""
    before = [p for p in things if 0 <= clause.find(p.text) < at]
    return before[-1] if before else things[0]


def _purpose(clause: str, things: list[Phrase]) -> str:
    """What a question wants its thing for ("a fapiao in English for tax refund": " for the
    tax refund"), "" for nothing."""
    for thing in things[1:]:
        at = clause.find(thing.text)
        if at > 0 and _FOR.search(clause, 0, at) and not thing.joined:
            return f" for {f'your {thing.text}' if thing.mine else noun_phrase(thing)}"
    return ""


def _praised(clause: str, things: list[Phrase]) -> str:
    """What a clause raves about ("the ANC is insane!!": the ANC), "" for none; a place is
    somewhere they had a good time, which a question's drafts leave to happy ones."""
    liked = PRAISE.search(clause)
    if liked is None or PROBLEM.search(clause) or NEGATED.search(clause):
        return ""
    best = _near(clause, things, liked.start())
    return "" if best.words[-1].lower() in PLACE_NOUNS else noun_phrase(best)


def _shot_word(phrase: Phrase) -> bool:
    """ "video", "photos": in a photo post, what they made is not what it shows."""
    return len(phrase.words) == 1 and shot_word(phrase.text) != "shot"


def answer_for(knowledge: Knowledge, text: str, topic: Topic) -> Entry | None:
    """The knowledge-base entry with an English answer for an English mention, or None.
    Every intent's entries are searched (the intents are read from Chinese and often miss
    on English), so the entry must match a word of the topic, not only a passing word."""
    if (not topic.subject and not topic.problem) or topic.subject == ORDER_STATUS:
        return None  # where their own order is, only a look at it can say
    head, _, purpose = topic.subject.partition(" for ")
    words = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", f"{head} {topic.problem}")}
    # What it is for ("a webcam for my laptop") only helps an entry that matches more.
    wider = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", purpose)}
    # The topic's plurals in the singular too ("installments": the entry says "installment").
    singular = {w[:-1] for w in words if len(w) > 4 and w.endswith("s")}
    for hit in knowledge.search(" ".join([text, *sorted(singular)]), limit=3):
        if hit.score < MIN_SCORE_EN:
            break
        if singular.issuperset(hit.matched):
            continue  # found by an added singular alone: too little to go on
        if not knowledge.names(hit.entry, text):  # the watch's steps for a phone
            continue
        named = words | wider if len(hit.matched) > 1 else words
        if hit.entry.answer_en and any(_same(w, m) for w in named for m in hit.matched):
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
        # A name without a number has its model number after it: "Note 12", "Pad 3 Pro".
        model = _MODEL if name[-1:].isalpha() else ""
        cleaned = re.sub(rf"(?<![\w-]){re.escape(name)}{model}(?![\w-])", " ", cleaned, flags=re.I)
    cleaned = _NOISE.sub(" . ", cleaned)
    return [s.strip() for s in _SENTENCE.split(cleaned) if s and s.strip(" .")]


def _clauses(sentence: str, asking: bool) -> list[tuple[str, bool]]:
    """A sentence's clauses, each with whether it asks; a question is one clause, but what
    comes before the clause that starts asking is said ("Love the camera, but how do I
    turn off the ads?": the camera is no part of the question)."""
    parts = _CLAUSE.split(sentence)
    if not asking:
        return [(part, False) for part in parts]
    k = next((i for i, part in enumerate(parts) if i and _is_question(part, ending=False)), 0)
    if not k:
        return [(sentence, True)]
    start = list(_CLAUSE.finditer(sentence))[k - 1].end()
    return [(part, False) for part in parts[:k]] + [(sentence[start:], True)]


def _is_question(sentence: str, *, ending: bool = True) -> bool:
    words = [w for w in WORD.findall(sentence.lower()) if w not in _GREETINGS]
    asks = ending and sentence.rstrip().endswith("?")
    return asks or (bool(words) and words[0] in QUESTION_WORDS)


def _joined(things: list[Phrase]) -> str:
    if not things:
        return ""
    parts = [things[0]]
    for more in things[1:]:
        if not more.joined:
            break
        parts.append(more)
    return " and ".join(noun_phrase(p) for p in parts)


def _verb_topic(clause: str, things: list[Phrase], *, ordered: bool = False) -> str:
    """The service a question asks for ("can you ship it": shipping) when its verb comes
    before any thing it names, or what they ask to do with the thing named right after it
    ("pay in installments": paying in installments); `ordered`: the mention speaks of an
    order or parcel, so an update asked for is the order's status, not the system's."""
    first = things[0] if things else None
    for found in WORD.finditer(clause):
        if first is not None and found.group(0) == first.words[0]:
            return ""
        verb = _verb_of(found.group(0).lower())
        if not verb:
            continue
        if ordered and verb == "update":
            return ORDER_STATUS
        gap = _OBJECT_GAP.match(clause, found.end())
        if first is None or gap is None or not clause.startswith(first.text, gap.end()):
            return VERB_TOPICS[verb]
        said = gap.group(0).lower().split()
        preps = "".join(f" {w}" for w in said if w not in DETERMINERS)
        thing = _joined(things) if len(preps.split()) < len(said) else first.text
        return f"{GERUNDS[verb]}{preps} {thing}"
    return ""


def _verb_of(word: str) -> str:
    """The service verb a word is a form of ("shipped", "updates": ship, update), or ""."""
    if word in VERB_TOPICS or word in ("updates", "news"):
        return "update" if word in ("updates", "news") else word
    for ending in ("ing", "ed", "s"):
        base = word.removesuffix(ending)
        if base != word:
            for verb in (base, base[:-1], base + "e"):
                if verb in VERB_TOPICS and (verb != base[:-1] or base[-1:] == base[-2:-1]):
                    return verb
    return ""
