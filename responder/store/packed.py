"""How a mention's hash is written compactly, and the one way every reader gets it back.

Every pending mention keeps its hash in Redis, and each field costs its name and ~4 bytes
of the hash's listpack on top of its value, so the store leaves out what it can read back:

- Fields holding their usual value take no room (`DEFAULTS`: not verified, not at risk,
  no follow-ups), nor does a timer started when the mention was written (`SAME_AS`:
  `clock_start` equal to `created_at`).
- Fields no Lua script reads (nor the queue's filters) are kept together in one field
  per `GROUPS` entry: a JSON array of the values in the group's order, null for a value
  the mention lacks, none after the last it has (about 12 bytes a field saved). A group
  only ever grows at its end, so every value written stays readable. A value that is
  JSON itself (cues, aspects, intents: written compactly by records.dumps) or a plain
  number goes in as JSON, not as a quoted string, when it comes back the same text;
  the times of taking in and queueing go in as seconds after `created_at` (`AFTER`).
  A hash that holds a group takes its members from it alone: a follow-up that says more
  writes its whole understanding (`u`) over a hash written before, whose separate
  fields it then hides (enqueue.ADOPTED).

`pack` writes a hash's fields so; `fetch` names the fields to read for the names a reader
wants; `unpack` gives back every name asked for, exactly as written. Hashes written
before (every field of its own) read the same through it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

# Values a field takes when the hash leaves it out (Lua scripts never read these; a
# follow-up's HINCRBY counts from an absent `followups` as from 0).
DEFAULTS = {"author_verified": "0", "at_risk": "0", "followups": "0"}
# A field left out when it equals another (the timer starts at the writing unless the
# mention was moved to the queue later: needs_reply writes its own `clock_start`).
SAME_AS = {"clock_start": "created_at"}
# Field name -> its members, in order. Never reorder or remove a member: add at the end.
GROUPS: dict[str, tuple[str, ...]] = {
    # Written once with the hash.
    "w": (
        *("platform_id", "author_id", "author_followers", "source", "created_at"),
        *("ingested_at", "queued_at", "lag_s", "url", "author_verified"),
        *("author_verified_type", "thread_id", "parent_id", "reply_until", "reply_to"),
    ),
    # What understanding said: written with the hash, and whole by a follow-up that says
    # what its conversation is about.
    "u": (
        *("role", "intent_confidence", "sentiment_cues", "aspects", "product", "intents"),
        "intent_words",
    ),
}
GROUP_OF = {member: group for group, members in GROUPS.items() for member in members}
_MEMBERS = {group: frozenset(members) for group, members in GROUPS.items()}
# Times a group keeps as seconds after another of its members (a number; a text is the
# time as written), when that gives back the same text: ~9 bytes a time.
AFTER = {"ingested_at": "created_at", "queued_at": "created_at"}
_JSON_START = frozenset("[{-0123456789")
# A hash stays compact (listpack) while every value is at most this long (the embedded
# server's hash-max-ziplist-value). What `w` holds comes from the platform (a link, a
# thread's id) and may be long: past it, its members stay fields of their own. What `u`
# holds is bounded by understanding (~100 bytes), and a follow-up writes it whole.
LISTPACK_VALUE = 1024
SPILLS = ("w",)


def pack(fields: Mapping[str, str]) -> dict[str, str]:
    """The fields to write for a new mention's `fields` (see the module's docstring)."""
    out = dict(fields)
    for name, value in DEFAULTS.items():
        if out.get(name) == value:
            del out[name]
    for name, same in SAME_AS.items():
        if name in out and out[name] == out.get(same):
            del out[name]
    for group, members in GROUPS.items():
        values = [_member(name, out) for name in members]
        while values and values[-1] is None:
            values.pop()
        if not values:
            continue
        text = orjson.dumps(values).decode()
        if group in SPILLS and len(text.encode()) > LISTPACK_VALUE:
            continue  # its members stay fields of their own
        for name in out.keys() & _MEMBERS[group]:
            del out[name]
        out[group] = text
    return out


def _member(name: str, fields: Mapping[str, str]) -> Any:
    """What a group holds of the field `name` of `fields` (None: none)."""
    text = fields.get(name)
    if text is None:
        return None
    return _offset(name, text, fields) if name in AFTER else _value(text)


def _offset(name: str, text: str, fields: Mapping[str, str]) -> Any:
    """What a group holds of the time `text` of AFTER's `name`: seconds after the time
    it follows (a number), else the text as written."""
    base = fields.get(AFTER[name])
    try:
        offset = round(float(text) - float(base or "nan"), 3)
    except ValueError:
        return text
    exact = base is not None and math.isfinite(offset) and _after(base, offset) == text
    return offset if exact else text


def _after(base: str, offset: float) -> str:
    return f"{float(base) + offset:.3f}"


def _value(text: str) -> Any:
    """What a group holds of a value: the JSON it is, if it reads back as the same text."""
    if text[:1] in _JSON_START:
        try:
            found = orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
        if not isinstance(found, bool) and orjson.dumps(found) == text.encode():
            return found
    return text


def fetch(names: Iterable[str]) -> list[str]:
    """The hash fields to read (HMGET, a script's pick) to `unpack` the fields `names`."""
    return list(_plan(tuple(names)).read)


def unpack(row: Mapping[str, str], names: Iterable[str] | None = None) -> dict[str, str]:
    """The fields `names` (None: all) of a hash read as `fetch(names)` said, as written.

    `row` holds the fields the hash had ({} for no hash: then {} comes back)."""
    if not row:
        return {}
    plan = _ALL if names is None else _plan(tuple(names))
    out = dict(row)
    for group, members in GROUPS.items():
        held = out.pop(group, None)
        if held is None:
            continue
        for name in out.keys() & _MEMBERS[group]:  # separate fields written before
            del out[name]
        out.update(_expanded(members, held, plan.keep))
    for name, same in plan.same:
        if name not in out and same in out:
            out[name] = out[same]
    for name, value in plan.defaults:
        out.setdefault(name, value)
    for name in out.keys() & plan.drop:
        del out[name]
    return out


@functools.lru_cache(maxsize=4096)
def _expanded(
    members: tuple[str, ...], held: str, keep: frozenset[str] | None
) -> tuple[tuple[str, str], ...]:
    """The (name, value) pairs a group's value holds, of the members in `keep` (None: all;
    a reader of a few fields, like the rollup step, pays for those). Cached: every agent's
    queue read shows the same head of the queue again, as views.to_api's cache says."""
    out: dict[str, str] = {}
    offsets: list[tuple[str, float]] = []
    for name, value in zip(members, orjson.loads(held) if held else (), strict=False):
        if keep is not None and name not in keep:
            continue
        if value.__class__ is str:
            out[name] = value
        elif value is None:
            continue
        elif name in AFTER:
            offsets.append((name, value))
        else:
            out[name] = orjson.dumps(value).decode()
    for name, offset in offsets:
        out[name] = _after(out[AFTER[name]], offset)
    return tuple(out.items())


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to read the names a reader wants."""

    read: tuple[str, ...]  # the hash fields to read
    drop: frozenset[str]  # what unpacking those may give that was not asked for
    same: tuple[tuple[str, str], ...]  # SAME_AS, of the names asked for
    defaults: tuple[tuple[str, str], ...]  # DEFAULTS, of the names asked for
    keep: frozenset[str] | None = None  # the group members to expand (None: all)


_ALL = _Plan(
    read=(), drop=frozenset(), same=tuple(SAME_AS.items()), defaults=tuple(DEFAULTS.items())
)


@functools.lru_cache(maxsize=256)
def _plan(names: tuple[str, ...]) -> _Plan:
    read = dict.fromkeys(names)
    for name in names:
        if name in SAME_AS:
            read[SAME_AS[name]] = None
    for name in list(read):
        if name in GROUP_OF:
            read[GROUP_OF[name]] = None
    given = [*read, *(m for group in GROUPS if group in read for m in GROUPS[group])]
    return _Plan(
        read=tuple(read),
        drop=frozenset(name for name in given if name not in names),
        same=tuple((name, same) for name, same in SAME_AS.items() if name in names),
        defaults=tuple((name, value) for name, value in DEFAULTS.items() if name in names),
        keep=frozenset([*read, *(AFTER[name] for name in names if name in AFTER)]),
    )
