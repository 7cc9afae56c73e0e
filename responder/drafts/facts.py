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
from typing import Any

_ORDER = re.compile(r"(?<![A-Za-z0-9])(LX\d{6,})|订单号?\s*[:：是为]?\s*([A-Za-z0-9]{8,})", re.I)
_TRACKING = re.compile(
    r"(?<![A-Za-z0-9])((?:SF|JD|YT|ZTO|YD|EMS|JT|STO)\d{8,})|(?:快递|运|物流)单号\s*[:：是为]?\s*"
    r"([A-Za-z0-9]{8,})",
    re.I,
)
_VERSION = re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)(?![\d.])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_COUNT = re.compile(r"第[一二三四五六七八九十两\d]{1,3}[次回趟]|[两三四五六七八九十\d]{1,3}[次回趟]了")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Facts:
    """A mention's own facts, as the person wrote them ("" when not said)."""

    order: str = ""  # an order number: LX20261111…
    tracking: str = ""  # a courier number: SF…
    version: str = ""  # a system version: 3.2.1
    feature: str = ""  # the feature named, as drafts call it: "NFC", "换机"
    count: str = ""  # how many times: "第三次"
    occasion: str = ""  # 生日, 中秋, …
    phone: bool = False  # gave a phone number
    photo: bool = False  # says photos or screenshots are attached
    lang: str = "zh"  # "en" for a mention written in English

    @property
    def given(self) -> frozenset[str]:
        """What the person already gave, so a draft must not ask for it again."""
        found = {"order": self.order, "tracking": self.tracking, "phone": self.phone}
        found |= {"photo": self.photo, "version": self.version}
        return frozenset(name for name, value in found.items() if value)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Features and occasions people name: (what drafts call it, the words people use)."""

    features: tuple[tuple[str, tuple[str, ...]], ...]
    occasions: tuple[tuple[str, tuple[str, ...]], ...]
    photo_words: tuple[str, ...]


@cache
def lexicon() -> Lexicon:
    """The packaged responder/drafts/data/facts.toml."""
    raw = tomllib.loads(
        resources.files("responder.drafts").joinpath("data/facts.toml").read_text("utf-8")
    )
    return Lexicon(
        features=_named(raw["features"]),
        occasions=_named(raw["occasions"]),
        photo_words=tuple(raw["photo"]["words"]),
    )


def _named(table: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((name, tuple(w.lower() for w in words)) for name, words in table.items())


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
        feature=_named_in(words.features, folded),
        count=(m.group(0) if (m := _COUNT.search(text)) else ""),
        occasion=_named_in(words.occasions, folded),
        phone=bool(_PHONE.search(everything)),
        photo=any(w in everything.lower() for w in words.photo_words),
        lang=language(text),
    )


def language(text: str) -> str:
    """ "en" for a text mostly in Latin letters with hardly any Chinese, else "zh"."""
    latin, cjk = len(_LATIN.findall(text)), len(_CJK.findall(text))
    return "en" if latin >= 8 and cjk * 4 < latin else "zh"


def _first(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return next((g for g in match.groups() if g), "") if match else ""


def _named_in(table: tuple[tuple[str, tuple[str, ...]], ...], folded: str) -> str:
    """The name of the entry whose word comes first in the text ("" for none)."""
    best: tuple[int, str] | None = None
    for name, words in table:
        for word in words:
            at = folded.find(word)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, name)
    return best[1] if best else ""
