"""What ties a crisis mention to an incident: its clues, strongest first (pure).

A clue is a string; a member of an incident registers its clues, and a later mention
with one of them joins that incident (docs/incidents.md):

- `mid:<id>`: the mention replied to or reposted (its parent), and each member itself;
- `thread:<platform>|<account>|<thread>`: the same thread or post (a Tieba thread, a
  Weibo post's comments);
- `chain:<name>`: the author of a `//@name:` repost chain (the original post's author);
- `person:<name>`: each member's author (the same person on another platform: names
  compared after `person_keys`);
- `event:<product>|<hazard>`: the same product and hazard; a mention naming no product
  looks for `event:*|<hazard>` (the latest incident of a physical hazard).

Reposts and threads join whenever they come; persons and events only within the window.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from responder.store.keys import mention_id

# Hazard families: crisis kinds (responder/drafts/data/crisis.toml) that describe one event.
HAZARDS = {
    "fire": ("fire", "smoke", "explosion"),
    "battery": ("swelling",),
    "injury": ("injury",),
    "legal": ("legal", "consumer_body", "mass_complaint"),
    "media": ("media",),
    "safety": ("safety",),
}
# Families a mention naming no product may still be matched on: a fire is an event, a
# lawyer or a journalist alone says too little to tie two mentions together.
PHYSICAL = ("fire", "battery", "injury")
STRONG = ("mid:", "thread:", "chain:")  # clues that join whatever the time
_CHAIN = re.compile(r"//\s*@([^:：\s]{1,30})\s*[:：]")
_NOT_NAME = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What grouping reads of one crisis mention."""

    id: str
    platform: str
    account: str
    thread_id: str = ""
    parent_id: str = ""
    author_id: str = ""
    author_name: str = ""
    text: str = ""
    product: str = ""
    kinds: tuple[str, ...] = ()


def hazards(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The hazard families of a mention's crisis kinds, in HAZARDS order."""
    return tuple(h for h, members in HAZARDS.items() if set(members) & set(kinds))


def person_key(name: str) -> str:
    """A name as compared across platforms: width and case folded, spaces, punctuation,
    emoji and underscores dropped ("林小满_Lin" and "林小满 lin" match); "" when fewer
    than two characters are left (too short to tell people apart)."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    kept = _NOT_NAME.sub("", folded)
    return kept if len(kept) >= 2 else ""


def person_keys(name: str) -> tuple[str, ...]:
    """The keys a name is known by: `person_key`, and without its Latin letters when it
    mixes them with Chinese ("林小满Lin" is also "林小满"; digits stay, so the default
    names "用户5821" and "用户7730" stay apart)."""
    full = person_key(name)
    core = "".join(ch for ch in full if not (ch.isascii() and ch.isalpha()))
    return tuple(dict.fromkeys(k for k in (full, core) if len(k) >= 2))


def chain_names(text: str) -> tuple[str, ...]:
    """The authors named in a `//@name:` repost chain, the original (last) first."""
    return tuple(reversed(_CHAIN.findall(text)))


def clues(m: Facts) -> list[str]:
    """What to look up for a mention, strongest first."""
    found: list[str] = []
    if m.parent_id:
        found.append("mid:" + mention_id(m.platform, m.account, m.parent_id))
    if m.thread_id:
        found.append(f"thread:{m.platform}|{m.account}|{m.thread_id}")
    for name in chain_names(m.text):
        found += ["chain:" + key for key in person_keys(name)]
    found += ["person:" + key for key in _own_person(m)]
    found += _events(m, looking=True)
    return _unique(found)


def marks(m: Facts) -> list[str]:
    """What a member registers, for later mentions to find it by."""
    found = ["mid:" + m.id]
    if m.thread_id:
        found.append(f"thread:{m.platform}|{m.account}|{m.thread_id}")
    for key in _own_person(m):
        found += ["person:" + key, "chain:" + key]
    found += _events(m, looking=False)
    return _unique(found)


def _own_person(m: Facts) -> tuple[str, ...]:
    if not m.author_name or m.author_name == m.author_id:  # WeChat gives an OpenID only
        return ()
    return person_keys(m.author_name)


def _events(m: Facts, *, looking: bool) -> list[str]:
    families = hazards(m.kinds)
    found = [f"event:{m.product}|{h}" for h in families] if m.product else []
    if m.product and looking:
        return found
    return found + [f"event:*|{h}" for h in families if h in PHYSICAL]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
