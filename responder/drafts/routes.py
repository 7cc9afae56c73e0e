"""Which template file drafts a mention: an intent whose templates speak of one thing only
(shipping: the parcel) drafts only mentions that say so; others go where their words point
(responder/drafts/data/facts.toml [routes])."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from responder.drafts.facts import Facts

GENERAL = "_general"
FOLLOWUP = "_followup"  # still not working after our answer (templates/drafts/_followup.j2)
PARCEL = "_parcel"  # a parcel that arrived wrong (templates/drafts/_parcel.j2)
PARCEL_PROBLEMS = frozenset({"发错货", "少发了", "包装破损"})
_CHEERFUL = frozenset({"praise", "camera", "chit_chat", "greeting"})  # yield to an occasion


@dataclass(frozen=True, slots=True)
class Routes:
    """Which intents need their own words said, and the words of each intent a mention may
    be routed to instead (facts.toml [routes])."""

    need: frozenset[str]
    words: dict[str, tuple[str, ...]]

    def says(self, intent: str, folded: str) -> bool:
        return any(w in folded for w in self.words.get(intent, ()))

    def route(self, intent: str, secondary: Iterable[str], folded: str) -> str:
        """The intent whose templates draft a mention ("_general" when none fits)."""
        if intent not in self.need or self.says(intent, folded):
            return intent
        for other in self.words:
            if other != intent and other not in self.need and self.says(other, folded):
                return other
        return next((o for o in secondary if o not in self.need or self.says(o, folded)), GENERAL)


@cache
def routes() -> Routes:
    """The routes of the packaged responder/drafts/data/facts.toml."""
    raw = tomllib.loads(
        resources.files("responder.drafts").joinpath("data/facts.toml").read_text("utf-8")
    )["routes"]
    words = {intent: tuple(w.lower() for w in found) for intent, found in raw["words"].items()}
    return Routes(need=frozenset(raw["need"]), words=words)


def template_for(routed: str, *, tone: str, facts: Facts) -> str:
    """The template file that drafts a mention whose words route it to `routed`: a
    follow-up saying our suggestion did not help, a parcel that arrived wrong, and the
    person's own big day shared happily (a wedding photo gets 新婚快乐 before praise for
    the camera) have files of their own."""
    if facts.still and tone == "upset":
        return FOLLOWUP
    if facts.problem in PARCEL_PROBLEMS and tone != "crisis":
        return PARCEL
    if tone == "happy" and facts.personal and routed in _CHEERFUL:
        return "occasion"
    return routed
