"""What a mention (and its author's earlier messages in the thread) says for itself: the
order and courier numbers, the system version, the feature, how many times, the occasion,
whether a phone number or photos were given, and its language. Drafts acknowledge these
and never ask for what was given (responder.drafts.manners)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

_ORDER = re.compile(r"(?<![A-Za-z0-9])(LX\d{6,})|订单号?\s*[:：是为]?\s*([A-Za-z0-9]{8,})", re.I)
_TRACKING = re.compile(
    r"(?<![A-Za-z0-9])((?:SF|JD|YT|ZTO|YD|EMS|JT|STO)\d{8,})|(?:快递|运|物流)单号\s*[:：是为]?\s*"
    r"([A-Za-z0-9]{8,})",
    re.I,
)
# A version only where the text says it is one (澜OS 3.2.1, 升到3.2, 更新了 5.1): a bare
# "99.9" is more often a price.
_VERSION = re.compile(
    r"(?:澜os|系统|版本|升级到?|升到|升完|升了|更新到?|更新了|推送了?|推了|os|\bv)\s*"
    r"(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)(?![\d.])",
    re.I,
)
_PHONE = re.compile(r"(?<!\d)1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_COUNT = re.compile(
    r"第[一二三四五六七八九十两\d]{1,3}[次回趟]|[两三四五六七八九十\d]{1,3}[次回趟]了"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Facts:
    """A mention's own facts, as the person wrote them ("" when not said)."""

    order: str = ""  # an order number: LX20261111…
    tracking: str = ""  # a courier number: SF…
    version: str = ""  # a system version: 3.2.1
    feature: str = ""  # the feature named, as drafts call it: "NFC", "换机"
    said: str = ""  # the person's own word for what they talk about: "公交卡", "续航"
    count: str = ""  # how many times: "第三次"
    occasion: str = ""  # 生日, 中秋, …
    phone: bool = False  # gave a phone number
    photo: bool = False  # says photos or screenshots are attached
    dropped: bool = False  # says the device was dropped or cracked
    lang: str = "zh"  # "en" for a mention written in English

    @property
    def given(self) -> frozenset[str]:
        """What the person already gave, so a draft must not ask for it again."""
        found = {"order": self.order, "tracking": self.tracking, "phone": self.phone}
        found |= {"photo": self.photo, "version": self.version}
        return frozenset(name for name, value in found.items() if value)


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
        return cls(names, re.compile("|".join(re.escape(w) for w in names) or "(?!)"))

    def first(self, folded: str) -> re.Match[str] | None:
        return self.pattern.search(folded)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Features, topics and occasions people name, and the words that say photos came."""

    features: Table
    topics: Table  # every feature word and topic word (named as themselves)
    occasions: Table
    photo_words: tuple[str, ...]
    dropped_words: tuple[str, ...]


@cache
def lexicon() -> Lexicon:
    """The packaged responder/drafts/data/facts.toml."""
    raw = tomllib.loads(
        resources.files("responder.drafts").joinpath("data/facts.toml").read_text("utf-8")
    )
    words = [w for found in raw["features"].values() for w in found] + raw["topics"]["words"]
    return Lexicon(
        features=Table.of(raw["features"]),
        topics=Table.of({w: [w] for w in words}),
        occasions=Table.of(raw["occasions"]),
        photo_words=tuple(w.lower() for w in raw["photo"]["words"]),
        dropped_words=tuple(w.lower() for w in raw["dropped"]["words"]),
    )


def facts_of(text: str, earlier: Iterable[str] = ()) -> Facts:
    """The facts of a mention; `earlier`: the same author's earlier messages in the thread
    (what they gave there counts as given; the feature and occasion come from the text)."""
    words = lexicon()
    everything = "\n".join([*earlier, text])
    folded = text.lower()
    return Facts(
        order=_first(_ORDER, everything),
        tracking=_first(_TRACKING, everything),
        version=_first(_VERSION, everything),
        feature=_name(words.features, folded),
        said=_said(words.topics, text, folded),
        count=(m.group(0) if (m := _COUNT.search(text)) else ""),
        occasion=_name(words.occasions, folded),
        phone=bool(_PHONE.search(everything)),
        photo=any(w in everything.lower() for w in words.photo_words),
        dropped=any(w in folded for w in words.dropped_words),
        lang=language(text),
    )


def language(text: str) -> str:
    """ "en" for a text mostly in Latin letters with hardly any Chinese, else "zh"."""
    latin, cjk = len(_LATIN.findall(text)), len(_CJK.findall(text))
    return "en" if latin >= 8 and cjk * 4 < latin else "zh"


def _said(topics: Table, text: str, folded: str) -> str:
    """The topic word found first in the text, as the person wrote it ("" for none)."""
    found = topics.first(folded)
    if found is None:
        return ""
    source = text if len(text) == len(folded) else folded
    return source[found.start() : found.end()]


def _name(table: Table, folded: str) -> str:
    found = table.first(folded)
    return table.names[found.group(0)] if found else ""


def _first(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return next((g for g in match.groups() if g), "") if match else ""
