"""Drafts for one understood mention: tone, context, and three checked replies."""

from __future__ import annotations

import itertools
import logging
import re
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from connectors.model import Author
from responder.drafts.brand import Brand, load_brand
from responder.drafts.english import Topic, answer_for, topic_of
from responder.drafts.facts import facts_of
from responder.drafts.knowledge import Knowledge, load_knowledge
from responder.drafts.manners import Manners, load_manners
from responder.drafts.moments import festive, moment_at
from responder.drafts.opening import product_of, sorry_first
from responder.drafts.render import (
    ENGLISH,
    Draft,
    Request,
    TemplateProblem,
    Templates,
    make_drafts,
    unknown_facts,
)
from responder.drafts.routes import FOLLOWUP, PARCEL, routes, template_for
from responder.drafts.style import StyleRules, check, limit_for, load_style, packaged_path
from responder.drafts.understand import Understanding
from responder.library.propose import Asking, with_library
from responder.library.shelf import Shelf
from sentiment import Label

log = logging.getLogger(__name__)
# A thread's earlier words find an answer only this strongly (twice the single-text floor
# or so): "订单…帮我查一下 / 到哪了" found the cancellation rules at 9.5.
THREAD_SCORE = 16.0
# A person asking where to go ("上海哪里可以修", "光谷附近有没有售后"): the stores near the
# place they name.
_ASKS_WHERE = re.compile(
    r"哪里|哪儿|哪家|哪个店|附近|有没有[^，。？！?]{0,6}(?:店|网点|售后|澜星之家)"
)
BIG_ACCOUNT = 100_000  # followers from which an account counts as big
# Crisis kinds where someone may get hurt: the drafts say "are you safe" first.
SAFETY_KINDS = frozenset({"fire", "smoke", "explosion", "swelling", "injury", "safety"})
SHORT_LIMIT = 300  # a channel whose length limit is at most this is `short`
_PLAYFUL_CHANNELS = ("comment", "post")  # public replies; a private message stays plain


def default_directory() -> Path:
    """Return the packaged templates/drafts folder."""
    return packaged_path().parent


def channel_of(platform: str, kind: str) -> str:
    """Return how a reply travels: a public `comment`, a `private` message or a `post`."""
    if platform == "wechat" or kind in ("dm", "private", "message"):
        return "private"
    if platform == "tieba":
        return "post"
    return "comment"


def crisis_audience(role: str, *, big: bool) -> str:
    """Whom a crisis draft speaks to: the person it happened to (`affected`: safety first),
    someone reacting to it (`bystander`: reassurance, no questions), or media and big
    accounts reporting someone else's case (`media`: the brand's approved statement)."""
    if role == "media" or (big and role not in ("customer", "brand", "bot")):
        return "media"
    if role in ("bystander", "fan_reply"):
        return "bystander"
    return "affected"


def tone_of(understanding: Understanding) -> str:
    """Pick the tone of the drafts from what the mention is and how it feels."""
    if understanding.crisis.flag:
        return "crisis"
    label = understanding.sentiment.label
    if label is Label.NEGATIVE:
        return "upset"
    if label is Label.POSITIVE:
        return "happy"
    return "question" if understanding.question else "neutral"


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftSet:
    """The drafts made for one mention and the tone they were written in."""

    tone: str
    drafts: tuple[Draft, ...]


class Drafter:
    """Templates, style rules and brand facts, loaded and checked once per process."""

    def __init__(self, directory: Path | None = None, *, zone: str = "Asia/Shanghai") -> None:
        self.directory = directory or default_directory()
        self.zone = zone
        self.templates = Templates(self.directory)
        self.style: StyleRules = load_style(self.directory / "style.toml")
        self.brand: Brand = load_brand(self.directory / "brand.toml")
        # A templates folder from before these files keeps the packaged ones.
        self.manners: Manners = load_manners(self._file("manners.toml"))
        self.knowledge: Knowledge = load_knowledge(self._file("kb.toml"))
        # Product names an English topic leaves out: the drafts name the product themselves.
        self.aliases = tuple(a for p in self.brand.products for a in (p.name, *p.aliases))
        moment_at(datetime.now().astimezone(), zone)  # an unknown zone fails here, at start

    def draft(
        self,
        understanding: Understanding,
        *,
        text: str,
        platform: str,
        kind: str,
        author: Author,
        at: datetime,
        seed: str,
        avoid: frozenset[str] = frozenset(),
        ranking: Mapping[str, float] | None = None,
        earlier: tuple[str, ...] = (),
        ours: str = "",
        library: Shelf | None = None,
    ) -> DraftSet:
        """Return the drafts for one mention (none for spam). `earlier`: the same author's
        earlier messages in the thread (what they gave there is not asked for again);
        `ours`: our last answer in the thread ("" for none), which the drafts carry on;
        `library`: the team's best replies, one of which may take the last draft's place."""
        tone = tone_of(understanding)
        if understanding.spam:
            return DraftSet(tone=tone, drafts=())
        channel = channel_of(platform, kind)
        moment = moment_at(at, self.zone)
        big = author.followers >= BIG_ACCOUNT or author.verified
        facts = facts_of(text, earlier, ours)
        # A mention the intent's own templates cannot speak to (a parcel draft for a
        # screen protector) is drafted by the intent its words point to.
        said = "\n".join((*earlier, text)).lower()
        routed = routes().route(understanding.intent, understanding.secondary, said)
        english = facts.lang == "en" and tone != "crisis"
        stem = ENGLISH if english else template_for(routed, tone=tone, facts=facts)
        # An English mention is looked up by what it is about, in every entry: the intents
        # are read from Chinese and often miss on English. A parcel gone wrong and a bare
        # "still not working" need the next step, not a rule.
        topic = topic_of(text, self.aliases) if english else Topic()
        if english:
            kb = answer_for(self.knowledge, text, topic)
        elif stem == PARCEL or (stem == FOLLOWUP and not understanding.question):
            kb = None
        else:
            topics = (stem, routed, understanding.intent, *understanding.secondary)
            kb = self.knowledge.answer(text, topics)
            if kb is None and earlier and tone != "happy" and stem != FOLLOWUP:
                # "修到哪一步了" after "上周送修的X7": what the thread asks, unless we said it
                thread = "\n".join((*earlier[-2:], text))
                kb = self.knowledge.answer(thread, topics, floor=THREAD_SCORE)
                if kb is not None and ours and kb.answer[:20] in ours:
                    kb = None  # we already answered it in the thread
        if kb is not None and self.manners.refusal(kb.answer, channel="", given=facts.given):
            kb = None  # it tells them to try what they tried: the drafts do without it
        variables = {
            # A platform id (a WeChat OpenID, 用户7382910456) is no name: left out.
            "name": self.manners.name(author.name, author.id),
            "platform": platform,
            "channel": channel,
            "short": self.style_limit_is_short(platform, channel),
            "product": product_of(self.brand, text, facts.model),
            "brand": self.brand.facts,
            "time": moment.time,
            "festival": moment.festival,
            "festive": festive(moment.festival),
            "holiday": moment.holiday,
            "makeup_workday": moment.makeup_workday,
            "playful": tone in ("happy", "neutral") and channel in _PLAYFUL_CHANNELS,
            "words": list(understanding.words_for(understanding.intent)),
            "crisis_words": list(understanding.crisis.words),
            "safety": bool(SAFETY_KINDS.intersection(understanding.crisis.kinds)),
            "big": big,
            "who": crisis_audience(understanding.role, big=big),
            "facts": facts,
            "after_us": bool(ours),
            "asked": understanding.question,
            "lang": facts.lang,
            "kb": kb,
            "topic_en": topic,
        }
        request = Request(
            intent=stem,
            tone=tone,
            platform=platform,
            channel=channel,
            variables=variables,
            seed=seed,
            avoid=avoid,
            given=facts.given,
            answer=kb.answer if kb is not None and understanding.question and not english else "",
            near=facts.place if facts.place and _ASKS_WHERE.search(text) else "",
            said=text,
        )
        drafts = make_drafts(request, self.templates, self.style, ranking, self.manners)
        if facts.unanswered and tone != "crisis":
            fits = partial(check, platform=platform, channel=channel, tone=tone, rules=self.style)
            drafts = sorry_first(drafts, avoid, fits)
        if library is not None and not understanding.crisis.flag:
            asking = Asking(
                text=text,
                intent=understanding.intent,
                tone=tone,
                platform=platform,
                channel=channel,
                name=str(variables["name"]),
                facts=facts,
                earlier=earlier,
                avoid=avoid,
            )
            drafts = with_library(
                drafts, library, asking, brand=self.brand, manners=self.manners, style=self.style
            )
        return DraftSet(tone=tone, drafts=tuple(drafts))

    def _file(self, name: str) -> Path:
        path = self.directory / name
        return path if path.exists() else default_directory() / name

    def style_limit_is_short(self, platform: str, channel: str) -> bool:
        """Say whether replies on this channel must be short (a Weibo comment)."""
        limit = limit_for(platform, channel, self.style)
        return limit is not None and limit[0] <= SHORT_LIMIT

    def check(self) -> list[str]:
        """Render every block in sample contexts. Raise TemplateProblem, naming file and
        line, for a block that cannot render; return a warning for each block the style
        check refuses in every sample of some platform (it will never be offered there)."""
        problems: list[str] = unknown_facts(self.templates, self.brand.facts)
        warnings: list[str] = []
        for (stem, tone), blocks in sorted(self.templates.blocks.items()):
            for block in blocks:
                refused: dict[str, list[str]] = {}
                for variables in _samples(self.brand.facts, tone, self.knowledge):
                    try:
                        text = self.templates.render(block, variables, block.id)
                    except jinja2.TemplateError as exc:
                        problems.append(f"{_where(stem, exc)}: {block.id}: {exc}")
                        break
                    where = f"{variables['platform']} {variables['channel']}"
                    findings = check(
                        text,
                        platform=variables["platform"],
                        channel=variables["channel"],
                        tone=tone,
                        rules=self.style,
                    )
                    refused.setdefault(where, [])
                    if findings:
                        refused[where].append(findings[0].message)
                    else:
                        refused[where].append("")
                for where, messages in refused.items():
                    if messages and all(messages):
                        warnings.append(f"{block.id}: never offered on {where}: {messages[0]}")
        if problems:
            raise TemplateProblem(problems)
        return warnings


def _samples(brand: Any, tone: str, knowledge: Knowledge) -> list[dict[str, Any]]:
    """Contexts covering each platform, channel and switch a template may branch on."""
    out = []
    places = (("weibo", "comment", True), ("wechat", "private", False), ("tieba", "post", False))
    for (platform, channel, short), playful, (name, product, festival), who in itertools.product(
        places,
        (True, False),
        (("", "", ""), ("小澜", "X7 Pro", "中秋")),
        ("affected", "bystander", "media") if tone == "crisis" else ("affected",),
    ):
        variables = {
            "name": name,
            "platform": platform,
            "channel": channel,
            "short": short,
            "product": product,
            "brand": brand,
            "time": "late_night" if festival else "afternoon",
            "festival": festival,
            "festive": festive(festival),
            "holiday": "国庆节" if festival else "",
            "makeup_workday": not festival,
            "playful": playful and tone in ("happy", "neutral"),
            "words": ["发货"] if name else [],
            "crisis_words": ["起火"] if tone == "crisis" else [],
            "safety": bool(name),
            "big": bool(name),
            "who": who,
            "after_us": playful,
            "asked": not playful,
            "facts": facts_of(
                "订单号 LX202611110123 第三次 生日 NFC 3.2.1 手写笔老是断触 王师傅" if name else ""
            ),
            "lang": "en" if name and not playful else "zh",
            "kb": knowledge.entries[0] if name and knowledge.entries else None,
            "topic_en": _TOPIC if name else Topic(),
        }
        out.append(variables)
    return out


# What an English sample is about: every part filled in, so every branch renders.
_TOPIC = Topic(
    subject="the warranty",
    problem="the screen",
    where="in Singapore",
    photo=True,
    shot="photo",
    place=True,
    phrases=("warranty", "screen", "Singapore"),
)


def _where(stem: str, exc: jinja2.TemplateError) -> str:
    """Return "file:line" of the template frame an error came from."""
    line = getattr(exc, "lineno", None)
    if line is None:
        frames = traceback.extract_tb(sys.exc_info()[2])
        line = next((f.lineno for f in reversed(frames) if f.filename.endswith(".j2")), None)
    return f"{stem}.j2:{line or '?'}"
