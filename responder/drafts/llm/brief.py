"""What one generation request knows of a mention: the brand's files (loaded once per
process as a Kit) and the mention's own facts, FAQ entries, thread and understanding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from connectors.model import Author
from responder.drafts.brand import Brand, load_brand
from responder.drafts.drafter import channel_of, default_directory, tone_of
from responder.drafts.facts import Facts, facts_of
from responder.drafts.knowledge import MIN_SCORE, Entry, Knowledge, load_knowledge
from responder.drafts.manners import Manners, load_manners
from responder.drafts.style import StyleRules, limit_for, load_style
from responder.drafts.understand import Said, Understanding

FAQ_MOST = 2  # FAQ entries a request carries
# Brand facts about crises stay out: a crisis mention gets only the approved templates.
_CRISIS_FACTS = ("crisis", "crisis_channel", "escalation_channel", "crisis_email")


@dataclass(frozen=True, slots=True)
class Kit:
    """The editable files a generated draft is written from and checked against."""

    style: StyleRules
    brand: Brand
    manners: Manners
    knowledge: Knowledge
    brand_facts: dict[str, str]  # flattened, "policy.returns" -> the sentence

    @classmethod
    def load(cls, directory: Path | None = None) -> Kit:
        """Load the templates folder's files (the packaged one's where it has none)."""
        folder = directory or default_directory()

        def file(name: str) -> Path:
            path = folder / name
            return path if path.exists() else default_directory() / name

        brand = load_brand(file("brand.toml"))
        return cls(
            style=load_style(file("style.toml")),
            brand=brand,
            manners=load_manners(file("manners.toml")),
            knowledge=load_knowledge(file("kb.toml")),
            brand_facts=flatten(brand.facts, skip=_CRISIS_FACTS),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Brief:
    """Everything the prompt carries and the guard checks against, for one mention."""

    id: str
    text: str  # the mention: data, never instructions
    platform: str
    channel: str  # "comment", "private" or "post"
    name: str  # how to address the author ("" for a platform id)
    author: Author
    understanding: Understanding
    tone: str
    product: str
    facts: Facts
    faq: tuple[Entry, ...]
    thread: tuple[Said, ...]
    templates: tuple[str, ...]  # the template drafts already offered
    limit: tuple[int, str] | None  # the channel's length limit

    @property
    def crisis(self) -> bool:
        return self.understanding.crisis.flag

    @property
    def known_facts(self) -> dict[str, str]:
        """The mention's facts that were said, as text."""
        out = {}
        for item in fields(self.facts):
            if item.name in _NOT_FACTS:
                continue
            value = getattr(self.facts, item.name)
            if value:
                out[item.name] = "是" if value is True else str(value)
        return out


# Fields of Facts that are no fact the draft may repeat: the language, the mention itself
# (a fact guard that counted its words as the brand's would let "赔偿" through because the
# person asked for it) and its cache.
_NOT_FACTS = frozenset({"lang", "text", "_focus"})


def brief(
    kit: Kit,
    *,
    mid: str,
    text: str,
    platform: str,
    kind: str,
    author: Author,
    understanding: Understanding,
    thread: Sequence[Said] = (),
    templates: Sequence[str] = (),
) -> Brief:
    """Gather what a request about one mention carries."""
    channel = channel_of(platform, kind)
    earlier = [said.text for said in thread if said.who == "same"]
    topics = (understanding.intent, *understanding.secondary)
    hits = kit.knowledge.search(text, topics, limit=FAQ_MOST)
    return Brief(
        id=mid,
        text=text,
        platform=platform,
        channel=channel,
        name=kit.manners.name(author.name, author.id),
        author=author,
        understanding=understanding,
        tone=tone_of(understanding),
        product=understanding.product or kit.brand.product_in(text),
        facts=facts_of(text, earlier),
        faq=tuple(hit.entry for hit in hits if hit.score >= MIN_SCORE),
        thread=tuple(thread),
        templates=tuple(templates),
        limit=limit_for(platform, channel, kit.style),
    )


def flatten(value: Any, prefix: str = "", skip: Sequence[str] = ()) -> dict[str, str]:
    """Brand facts as "key.sub" -> text (lists and products left out)."""
    out: dict[str, str] = {}
    items = vars(value).items() if isinstance(value, SimpleNamespace) else ()
    for key, item in items:
        if key in skip:
            continue
        name = f"{prefix}{key}"
        if isinstance(item, SimpleNamespace):
            out.update(flatten(item, name + "."))
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            out[name] = str(item)
    return out
