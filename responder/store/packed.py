"""How a mention's hash is written compactly, and the one way every reader gets it back.

Every pending mention keeps its hash in Redis, and each field costs its name and ~4 bytes
of the hash's listpack on top of its value, so the store leaves out what it can read back:

- Fields holding their usual value take no room (`DEFAULTS`: not verified, not at risk,
  no follow-ups), nor does a timer started when the mention was written (`SAME_AS`:
  `clock_start` equal to `created_at`).

`pack` writes a hash's fields so; `fetch` names the fields to read for the names a reader
wants; `unpack` gives back every name asked for, exactly as written. Hashes written
before (every field of its own) read the same through it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

# Values a field takes when the hash leaves it out (Lua scripts never read these; a
# follow-up's HINCRBY counts from an absent `followups` as from 0).
DEFAULTS = {"author_verified": "0", "at_risk": "0", "followups": "0"}
# A field left out when it equals another (the timer starts at the writing unless the
# mention was moved to the queue later: needs_reply writes its own `clock_start`).
SAME_AS = {"clock_start": "created_at"}


def pack(fields: Mapping[str, str]) -> dict[str, str]:
    """The fields to write for a new mention's `fields` (see the module's docstring)."""
    out: dict[str, str] = {}
    for name, value in fields.items():
        if DEFAULTS.get(name) == value:
            continue
        if name in SAME_AS and fields.get(SAME_AS[name]) == value:
            continue
        out[name] = value
    return out


def fetch(names: Iterable[str]) -> list[str]:
    """The hash fields to read (HMGET, a script's pick) to `unpack` the fields `names`."""
    return list(_plan(tuple(names))[0])


def unpack(row: Mapping[str, str], names: Iterable[str] | None = None) -> dict[str, str]:
    """The fields `names` (None: all) of a hash read as `fetch(names)` said, as written.

    `row` holds the fields the hash had ({} for no hash: then {} comes back)."""
    if not row:
        return {}
    out = dict(row)
    for name, same in SAME_AS.items():
        if name not in out and same in out:
            out[name] = out[same]
    for name, value in DEFAULTS.items():
        out.setdefault(name, value)
    if names is None:
        return out
    wanted = _plan(tuple(names))[1]
    return {name: value for name, value in out.items() if name in wanted}


@functools.lru_cache(maxsize=256)
def _plan(names: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """(the fields to read, the names to give back) for the names a reader wants."""
    read = dict.fromkeys(names)
    for name in names:
        if name in SAME_AS:
            read[SAME_AS[name]] = None
    return tuple(read), frozenset(names)
