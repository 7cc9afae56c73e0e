"""One draft from the team's best replies: the closest entry of the mention's intent and
tone, its slots filled with the mention's facts, kept to the channel's manners and the
style check, in place of the lowest-ranked template draft. Never for a crisis."""

from __future__ import annotations

from dataclasses import dataclass

from responder.drafts.brand import Brand
from responder.drafts.facts import Facts
from responder.drafts.manners import Manners
from responder.drafts.render import DRAFTS, Draft
from responder.drafts.said import sentences
from responder.drafts.style import StyleRules, check
from responder.library.pattern import values_of
from responder.library.shelf import Shelf


@dataclass(frozen=True, slots=True, kw_only=True)
class Asking:
    """The mention a library draft is sought for."""

    text: str
    intent: str
    tone: str
    platform: str
    channel: str
    name: str  # how drafts address the person ("" for a platform id)
    facts: Facts
    earlier: tuple[str, ...] = ()
    avoid: frozenset[str] = frozenset()  # sentences already said in the thread


def with_library(
    drafts: list[Draft],
    shelf: Shelf,
    asking: Asking,
    *,
    brand: Brand,
    manners: Manners,
    style: StyleRules,
) -> list[Draft]:
    """`drafts` with the best library draft in place of the last one (or added when there
    are fewer than three); `drafts` as they are when no entry fits."""
    if asking.tone == "crisis" or not shelf.groups:
        return drafts
    if (asking.intent, asking.tone) not in shelf.groups:
        return drafts
    values = values_of(asking.text, brand, name=asking.name, earlier=asking.earlier)
    kept = drafts[: DRAFTS - 1]
    used = set(asking.avoid) | {s for d in kept for s in sentences(d.text)}
    found = shelf.find(
        asking.text,  # its words were split when it was understood (tokens.tokenize)
        intent=asking.intent,
        tone=asking.tone,
        lang=asking.facts.lang,
        values=values,
    )
    for proposal in found:
        text = proposal.text
        if asking.channel == "private":
            text = manners.private(text)
        if manners.refusal(text, channel=asking.channel, given=asking.facts.given):
            continue
        said = sentences(text)
        if not said or used.intersection(said):
            continue
        findings = check(
            text, platform=asking.platform, channel=asking.channel, tone=asking.tone, rules=style
        )
        if findings:
            continue
        return [*kept, Draft(text=text, template=proposal.entry.template)]
    return drafts
