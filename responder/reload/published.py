"""The config in effect on every process, as stored in Redis: its text, a version counter,
its sha256, when and by whom; storing a new one publishes its version on a channel."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from redis.asyncio import Redis

from responder.clock import from_epoch
from responder.store.keys import Keys

# Stores the text unless it is the one stored already (and `always` is 0); returns the
# version in effect and 1 if this call stored it. A reload always stores (templates or the
# knowledge base may have changed on disk); a start only when its file differs.
_STORE = """
local sha = redis.call('HGET', KEYS[1], 'sha')
if sha == ARGV[2] and ARGV[5] == '0' then
  return {tonumber(redis.call('HGET', KEYS[1], 'version')), 0}
end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'text', ARGV[1], 'sha', ARGV[2], 'at', ARGV[3], 'by', ARGV[4])
redis.call('PUBLISH', KEYS[2], version)
return {version, 1}
"""


def sha_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Published:
    """One stored config version."""

    text: str
    version: int
    sha: str
    at: datetime
    by: str


async def read(redis: Redis, keys: Keys) -> Published | None:
    """The config stored last, or None when none was."""
    found = cast(dict[str, str], await redis.hgetall(keys.config))
    if not found.get("text"):
        return None
    return Published(
        text=found["text"],
        version=int(found.get("version", 0)),
        sha=found.get("sha", ""),
        at=from_epoch(float(found.get("at", 0))),
        by=found.get("by", ""),
    )


async def store(
    redis: Redis, keys: Keys, text: str, *, by: str, at: datetime, always: bool
) -> tuple[int, bool]:
    """Store `text` as the next version and tell every process; return the version in
    effect and whether this call stored it."""
    args = [text, sha_of(text), f"{at.timestamp():.3f}", by, "1" if always else "0"]
    reply: Any = await redis.eval(_STORE, 2, keys.config, keys.config_changed, *args)
    return int(reply[0]), bool(int(reply[1]))
