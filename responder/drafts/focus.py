"""What a mention is about in the person's own words, for words no table lists: the 1-3
salient phrases of its text (长截图, 三指下滑, 西藏的雪山, 外箱压扁, 考研上岸, 专票).

It reads the tokens understanding already made (responder.drafts.tokens keeps them) and
jieba's own dictionary: how rare a word is (its frequency in the segmenter, the same
counts jieba's IDF table was drawn from, already in memory) and whether jieba tags it a
function word (a pronoun, adverb, particle, number, measure word, idiom …). Adjacent
content words join into one phrase; brand and model names, greetings and generic words
(手机, 问题, 客服: `[focus]` in data/facts.toml), emoticons, @handles and order numbers
never do."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from responder.drafts.data import default_lexicon
from responder.drafts.tokens import segmenter, tokenize

MAX_FOCUS = 3
MAX_CHARS = 8  # a longer run is cut to its best part
_FUNCTION_TAGS = frozenset(
    # pronouns, adverbs, prepositions, conjunctions, particles, numbers, measure words,
    # times, places, idioms and set phrases: jieba's tags for words that name no thing
    [
        "d",
        "p",
        "c",
        "u",
        "r",
        "y",
        "e",
        "o",
        "q",
        "m",
        "t",
        "f",
        "i",
        "l",
        "k",
        "h",
        "uj",
        "ul",
        "uz",
        "ud",
        "ug",
        "uv",
        "zg",
        "rr",
        "rz",
        "mq",
        "ad",
        "dg",
    ]
)
_VERB_TAGS = frozenset(("v", "a", "vd", "an"))
# jieba's tags for words that name a thing: nouns, names, places, organisations, verbal
# nouns (降噪, 通勤) and Latin words.
# (Not nr: jieba tags 太久 and 太贵 as names; a person a mention names is `facts.person`.)
_NOUN_TAGS = frozenset(("n", "nz", "ns", "nt", "vn", "eng", "ng"))
_PROPER = frozenset(("ns", "nt", "nz"))
_NOUN_SEEN = 10  # a noun jieba counted fewer times is a stray entry (丑死, 不太会: 3 each)
_NOUN_VAGUE = 2000  # a noun this common says little alone (模式, 数据, 理由, 有点)
_NOUN_NOT_FIRST = frozenset("太不没很好超都有")  # 太小, 不太会, 有点: adverbs, not things
_COMMON = 7.0  # a single character this common (是, 有, 说) breaks a phrase
_RARE = 11.0  # a word this rare counts whatever its tag (上岸 is tagged a place word)
_FIRST = 1.0  # the first salient phrase: people say what it is about early
_EDGE_INFO = 9.5  # a single character this common does not start or end a phrase (能, 想, 是)
_MIN_INFO = 9.0  # a phrase whose best word is this common says nothing (出来, 时候)
# Less salient: a phrase of verbs and adjectives only (修好, 下单), one that is a feeling
# (烦死, 心态崩: the tone says those) rather than a thing.
_VERB_ONLY = 2.5
_FEELING = 3.0
# Masked before reading: @handles, topics (#…#), links, order and courier numbers,
# emoticons ([泪]) and the brand's own model names (x7 pro, note12, 256g).
_MASK = re.compile(
    r"@[^\s@:：，,。！!？?]+|#[^#]*#|https?://\S+|[a-z]{0,4}\d{6,}|\[[^\[\]\s]{1,12}\]"
    r"|(?<![a-z])(?:x|note|pad|buds|watch)\s?(?:\d{1,2}|s\d?)(?:\s?pro)?(?![a-z0-9])"
    r"|\d+\s?(?:g|gb|t|tb|w|hz|mah|%)(?![a-z])|\b(?:pro|max|plus|ultra|lite)\b"
)
_TRIP = re.compile(r"去了一?趟(?P<place>[\u4e00-\u9fff]{2,5}?)(?=[\s，,。！!？?]|拍|玩|旅|$)")
_WORDY = re.compile(r"[\u4e00-\u9fffa-z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_REPEAT = re.compile(r"^(.)\1+$|^(.)(.)\2\3$|(.)不\4")  # 哈哈, 呜呜, 跳来跳去-like, 算不算


@dataclass(frozen=True, slots=True)
class _Words:
    functions: frozenset[str]
    nouns: frozenset[str]  # words jieba tags as naming a thing (演唱会, 露珠, 地铁)
    verbs: frozenset[str]  # verbs and adjectives: a phrase of only these names no thing
    generic: frozenset[str]
    feeling: frozenset[str]  # the lexicon's positive and negative words: feelings, no thing
    places: frozenset[str]  # words jieba tags as places (成都, 洱海, 冰岛), less the vague ones
    landmarks: tuple[str, ...]  # facts.toml's landmarks, longest first (jieba cuts some)
    errands: frozenset[str]  # where one goes on an errand, not a trip (医院, 公司, 售后)


@cache
def _words() -> _Words:
    """jieba's function words (by its own tags), the generic words of facts.toml and the
    lexicon's feeling words."""
    import jieba

    lexicon = default_lexicon()

    functions, verbs, places, nouns = set(), set(), set(), set()
    path = Path(jieba.__file__).parent / "dict.txt"
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            head, _, tag = line.rstrip("\n").rpartition(" ")
            word = head.rpartition(" ")[0]
            if tag in _FUNCTION_TAGS:
                functions.add(word)
            elif tag in _VERB_TAGS:
                verbs.add(word)
            elif tag == "ns" and len(word) > 1:
                places.add(word)
            count = int(head.rpartition(" ")[2] or 0)
            named = tag in _PROPER or count >= _NOUN_SEEN  # 北京地铁 is a proper noun seen 3 times
            if tag in _NOUN_TAGS and named and word[:1] not in _NOUN_NOT_FIRST:
                nouns.add(word)
    raw = tomllib.loads(
        resources.files("responder.drafts").joinpath("data/facts.toml").read_text("utf-8")
    )["focus"]
    generic = {w.lower() for w in raw["generic"]}
    vague = {w.lower() for w in raw["not_places"]}
    return _Words(
        functions=frozenset(functions - generic),
        nouns=frozenset(nouns - generic),
        verbs=frozenset(verbs),
        generic=frozenset(generic),
        feeling=frozenset(lexicon.negative.word_set | lexicon.positive.word_set),
        places=frozenset(places - vague - generic),
        landmarks=tuple(sorted({w.lower() for w in raw["landmarks"]}, key=len, reverse=True)),
        errands=frozenset(raw["errands"]),
    )


@lru_cache(maxsize=1 << 16)
def _info(word: str) -> float:
    """How much a word says: -log of its share in jieba's dictionary (rare words say much)."""
    seg = segmenter(default_lexicon())
    return math.log(seg.total / (seg.FREQ.get(word) or 1))


@lru_cache(maxsize=1 << 16)
def _contentful(word: str) -> bool:
    """Whether a word can be part of a focus phrase, wherever it stands."""
    words = _words()
    return bool(
        _WORDY.search(word)
        and (word not in words.functions or _info(word) >= _RARE)
        and word not in words.generic
        and not _REPEAT.search(word)
        and (len(word) > 1 or _info(word) >= _COMMON)
    )


def place_of(text: str) -> str:
    """The first place the text names, as jieba knows places ("洱海" of 在洱海边拍的), or ""."""
    words, folded = _words(), text.lower()
    # A landmark first, as written (jieba cuts 南迦巴瓦 in two), then jieba's places.
    if found := next((w for w in words.landmarks if w in folded), ""):
        return found
    tokens = tokenize(text, default_lexicon()).tokens
    if found := next((w for w in tokens if w in words.places), ""):
        return found
    # A trip they name, wherever it is: "国庆去了趟梅里 …", "去了一趟稻城亚丁".
    trip = _TRIP.search(text)
    return trip["place"] if trip and trip["place"] not in words.errands else ""


def names_a_thing(phrase: str) -> bool:
    """Whether a focus phrase is a thing, to be named back as it stands (演唱会, 北京地铁,
    婚纱照), not a clause (称重瘦, 拆开那一刻尖叫): every word of it a noun to jieba, or a
    word jieba does not know (a name, slang for a thing) and no verb, adjective or feeling."""
    words = _words()
    said = tokenize(phrase, default_lexicon()).tokens
    seg = segmenter(default_lexicon())
    if len(said) == 1 and (seg.FREQ.get(said[0]) or 0) > _NOUN_VAGUE:
        return False
    return bool(said) and all(
        w in words.nouns or (w not in seg.FREQ and w not in words.feeling and len(w) > 1)
        for w in said
    )


def focus_of(text: str) -> tuple[str, ...]:
    """The salient phrases of a text, best first, as the text writes them (lower case
    for Latin letters): ("截长图",), ("外箱", "压扁")."""
    lexicon = default_lexicon()
    tokens = tokenize(text, lexicon)
    folded = tokens.text
    words = _words()
    masked = [m.span() for m in _MASK.finditer(folded)]
    info = _info

    runs: list[list[tuple[int, int, str]]] = [[]]
    at = 0
    for word in tokens.tokens:
        start = folded.find(word, at)
        if start < 0:  # an emoticon or emoji: tokens list them last
            break
        end = at = start + len(word)
        content = _contentful(word) and not (
            masked and any(a < end and start < b for a, b in masked)
        )
        run = runs[-1]
        if not content:
            if run:
                runs.append([])
            continue
        if run and run[-1][1] != start:
            runs.append([])
        runs[-1].append((start, end, word))
    feeling = words.feeling
    scored: list[tuple[float, int, str]] = []
    for run in runs:
        found = _phrase(run, info) if run else None
        if found:
            score, start, phrase = found
            said = [w for s, e, w in run if start <= s and e <= start + len(phrase)]
            if all(w in words.verbs or len(w) == 1 for w in said):
                score -= _VERB_ONLY
            if any(w in feeling for w in said):
                score -= _FEELING
            scored.append((score + (_FIRST if not scored else 0.0), start, phrase))
    scored.sort(key=lambda s: (-s[0], s[1]))
    best: list[str] = []
    for _, _, phrase in scored:
        if not any(phrase in b or b in phrase for b in best):
            best.append(phrase)
        if len(best) == MAX_FOCUS:
            break
    return tuple(best)


def _phrase(
    run: list[tuple[int, int, str]], weigh: Callable[[str], float]
) -> tuple[float, int, str] | None:
    """A run of content words trimmed of common single characters at its ends and cut to
    MAX_CHARS around its rarest word: (score, start, phrase), or None for nothing salient."""
    while run and len(run[0][2]) == 1 and weigh(run[0][2]) < _EDGE_INFO:
        run = run[1:]
    while run and len(run[-1][2]) == 1 and weigh(run[-1][2]) < _EDGE_INFO:
        run = run[:-1]
    if not run:
        return None
    scores = [weigh(w) - (1.5 if len(w) == 1 else 0.0) for _, _, w in run]
    while len(run) > 1 and run[-1][1] - run[0][0] > MAX_CHARS:  # drop the weaker end
        if scores[0] <= scores[-1]:
            run, scores = run[1:], scores[1:]
        else:
            run, scores = run[:-1], scores[:-1]
    score = max(scores)
    phrase = "".join(w for _, _, w in run)
    if score < _MIN_INFO or (len(phrase) == 1 and not _CJK.search(phrase)):
        return None
    return score, run[0][0], phrase
