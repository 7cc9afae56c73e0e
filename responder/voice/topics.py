"""The voice of the customer: what people complained about in a week, what rose against
the week before, and how each product is felt about, from the mentions themselves.

A complaint is a mention the team read as negative, or one whose intent is a problem
(PROBLEMS) said without praise ("更新后锁屏好看" is about an update, and no complaint).
Complaints are grouped into topics by intent and the first aspect they speak badly of
("续航", "充电"…), except a crisis, which is one topic whatever it burnt, and an aspect
that only repeats its intent (系统更新 · 更新). Each topic is named by its intent, its
aspect and the words that set its texts apart (jieba's TF-IDF over the topic's texts,
brand and product names and filler left out), with a few sample mentions. Pure: the
caller brings the mentions.
"""

from __future__ import annotations

import functools
import json
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from responder.drafts.priority import INTENT_NAMES
from responder.web.labels import ASPECTS

# Intents that are a problem whatever the tone ("X7 又卡了" can be read neutral).
PROBLEMS = frozenset(
    {
        "lag",
        "overheating",
        "battery",
        "system_update",
        "after_sales",
        "service_complaint",
        "crisis",
        "shipping",
        "order_payment",
        "screen_damage",
        "privacy_security",
    }
)
# Never a complaint topic, however it is read: noise and chatter.
NOISE = frozenset({"spam", "ads_push", "chit_chat", "greeting", "occasion", "praise"})
# Words that name us or nobody in particular: no topic is named by them.
FILLER = frozenset(
    [
        "你们",
        "我们",
        "他们",
        "手机",
        "问题",
        "今天",
        "现在",
        "还是",
        "就是",
        "什么",
        "怎么",
        "一个",
        "没有",
        "真的",
        "已经",
        "直接",
        "不能",
        "时候",
        "这个",
        "那个",
        "可以",
        "官方",
        "客服",
        "回复",
        "网友",
        "微笑",
        "doge",
        "允悲",
        "怒",
        "哈哈",
        "呵呵",
    ]
)
HANDLE = re.compile(r"@[\w\-·]+")  # @林小满Lin: a person's handle names nobody's complaint
NUMBERISH = re.compile(r"^[\d.%]+$|^[A-Za-z]{1,2}$")  # 5.1, 3%, OS: numbers, stray letters
PHRASES = 5  # words that name a topic
# What the rollups read of a mention to count it (said_of, counted).
FIELDS = (
    *("intent", "intent_corrected", "sentiment_label", "sentiment_corrected", "aspects"),
    "product",
)
SAMPLES = 3  # mentions shown for a topic


@dataclass(frozen=True, slots=True, kw_only=True)
class Said:
    """One mention as the report reads it."""

    id: str
    text: str
    intent: str
    sentiment: str  # positive, neutral, negative (as the team sees it)
    aspects: tuple[tuple[str, str], ...] = ()  # (aspect, polarity): ("battery", "neg")
    product: str = ""
    followers: int = 0

    @property
    def complaint(self) -> bool:
        if self.intent in NOISE or self.sentiment == "positive":
            return False
        return self.sentiment == "negative" or self.intent in PROBLEMS


@dataclass(frozen=True, slots=True, kw_only=True)
class Topic:
    """A group of complaints: intent and aspect, and how it compares with last week."""

    intent: str
    aspect: str  # "" when none was spoken of badly
    count: int
    before: int  # the same topic the week before
    phrases: tuple[str, ...]
    products: tuple[tuple[str, int], ...]  # the products named most, with counts
    samples: tuple[Said, ...]

    @property
    def heading(self) -> str:
        """Its intent and aspect as a person says them: 危机, 售后 · 维修."""
        head = INTENT_NAMES.get(self.intent, self.intent)
        if self.aspect and ASPECTS.get(self.aspect, self.aspect) != head:
            head += " · " + ASPECTS.get(self.aspect, self.aspect)
        return head

    @property
    def name(self) -> str:
        """How a person would name it: 危机 · 充电：起火、烫伤、充电器."""
        return self.heading + ("：" + "、".join(self.phrases[:3]) if self.phrases else "")

    @property
    def rise(self) -> int:
        return self.count - self.before


@dataclass(frozen=True, slots=True, kw_only=True)
class Voice:
    """The week's report (the caller names the week, its range and zone)."""

    total: int  # mentions read
    complaints: int
    topics: tuple[Topic, ...]  # most complained of first
    products: dict[str, dict[str, int]] = field(default_factory=dict)  # product → label → n

    def rising(self, least: int = 2) -> list[Topic]:
        """The topics that grew by at least `least` against last week, most first."""
        grown = [t for t in self.topics if t.rise >= least]
        return sorted(grown, key=lambda t: (-t.rise, -t.count, t.name))


def voice(week: Sequence[Said], before: Sequence[Said], *, names: Iterable[str] = ()) -> Voice:
    """The voice of the customer for `week`, against `before` (the week before it).
    `names`: the brand's and products' names, never a topic's words."""
    stop = set(FILLER) | {n.lower() for n in names}
    groups: dict[tuple[str, str], list[Said]] = defaultdict(list)
    for said in week:
        if said.complaint:
            groups[_key(said)].append(said)
    earlier = Counter(_key(s) for s in before if s.complaint)
    topics = [
        Topic(
            intent=intent,
            aspect=aspect,
            count=len(said),
            before=earlier[(intent, aspect)],
            phrases=_phrases(said, stop),
            products=tuple(Counter(s.product for s in said if s.product).most_common(3)),
            samples=tuple(sorted(said, key=lambda s: (-s.followers, s.id))[:SAMPLES]),
        )
        for (intent, aspect), said in groups.items()
    ]
    topics.sort(key=lambda t: (-t.count, -t.rise, t.intent, t.aspect))
    felt: dict[str, Counter[str]] = defaultdict(Counter)
    for said in week:
        if said.product:
            felt[said.product][said.sentiment] += 1
    return Voice(
        total=len(week),
        complaints=sum(t.count for t in topics),
        topics=tuple(topics),
        products={p: dict(c) for p, c in sorted(felt.items(), key=lambda pc: -sum(pc[1].values()))},
    )


@functools.cache
def _tfidf() -> Any:
    """jieba's TF-IDF (jieba.analyse, imported here: importing it loads its IDF table), once.
    Its loader leaves the file to the garbage collector, which warns (ResourceWarning) as
    it closes it: not ours to fix."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        import jieba.analyse

        return jieba.analyse.TFIDF()


def from_counts(
    counts: Mapping[str, int],
    before: Mapping[str, int],
    felt: Mapping[str, int],
    samples: Sequence[Said],
    *,
    total: int = 0,
    names: Iterable[str] = (),
) -> Voice:
    """The voice of the customer from the rollups: `counts` and `before` by topic
    (`intent|aspect`) this week and last, `felt` by `product|sentiment`, and the week's
    sampled complaints, which name each topic and are quoted; `total`: every mention
    taken in that week."""
    stop = set(FILLER) | {n.lower() for n in names}
    by_topic: dict[tuple[str, str], list[Said]] = defaultdict(list)
    for said in samples:
        if said.complaint:
            by_topic[_key(said)].append(said)
    topics = []
    for name, count in counts.items():
        intent, _, aspect = name.partition("|")
        group = by_topic.get((intent, aspect), [])
        topics.append(
            Topic(
                intent=intent,
                aspect=aspect,
                count=count,
                before=before.get(name, 0),
                phrases=_phrases(group, stop) if group else (),
                products=tuple(Counter(s.product for s in group if s.product).most_common(3)),
                samples=tuple(sorted(group, key=lambda s: (-s.followers, s.id))[:SAMPLES]),
            )
        )
    topics.sort(key=lambda t: (-t.count, -t.rise, t.intent, t.aspect))
    products: dict[str, dict[str, int]] = defaultdict(dict)
    for name, n in felt.items():
        product, _, label = name.partition("|")
        products[product][label] = n
    ranked = sorted(products.items(), key=lambda pc: -sum(pc[1].values()))
    return Voice(
        total=max(total, sum(counts.values())),
        complaints=sum(counts.values()),
        topics=tuple(topics),
        products=dict(ranked),
    )


def _key(said: Said) -> tuple[str, str]:
    bad = next((a for a, polarity in said.aspects if polarity == "neg"), "")
    named = ASPECTS.get(bad, bad)
    if said.intent == "crisis" or (named and named in INTENT_NAMES.get(said.intent, "")):
        bad = ""
    return said.intent, bad


def counted(row: Mapping[str, str]) -> tuple[str, str] | None:
    """What the rollups count of a stored mention (its hash's intent, sentiment_label,
    aspects, product): its topic as `intent|aspect` if it is a complaint (else ""), and
    `product|sentiment` if it names a product (else ""); None when it says neither."""
    said = said_of(row)
    topic = "|".join(_key(said)) if said.complaint else ""
    felt = f"{said.product}|{said.sentiment}" if said.product not in ("", "other") else ""
    return (topic, felt) if topic or felt else None


def said_of(row: Mapping[str, str]) -> Said:
    """A stored mention's hash fields as the report reads them (the team's corrections win)."""
    aspects = json.loads(row.get("aspects") or "[]")
    return Said(
        id=row.get("id", ""),
        text=row.get("text", ""),
        intent=row.get("intent_corrected") or row.get("intent") or "",
        sentiment=row.get("sentiment_corrected") or row.get("sentiment_label") or "neutral",
        aspects=tuple((str(a), str(p)) for a, p in aspects),
        product=row.get("product", ""),
        followers=int(row.get("author_followers") or 0),
    )


def _phrases(said: Sequence[Said], stop: set[str]) -> tuple[str, ...]:
    """The words that set these texts apart, without names, filler, version numbers or
    the topic's own label (续航 is no news in the 续航 topic)."""
    first = said[0]
    own = {INTENT_NAMES.get(first.intent, ""), *(ASPECTS.get(a, "") for a, _ in first.aspects)}
    text = HANDLE.sub(" ", "\n".join(s.text for s in said))
    found = _tfidf().extract_tags(text, topK=PHRASES * 4)
    kept = [
        w
        for w in found
        if len(w) > 1 and w.lower() not in stop and w not in own and not NUMBERISH.match(w)
    ]
    return tuple(kept[:PHRASES])
