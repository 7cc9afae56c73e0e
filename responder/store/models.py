"""Which understanding model file every process should use, and the agents' corrections
`tiexin drafts train` learns from.

`tiexin drafts train` writes a new model file and installs it here: a hash under the
store's prefix with a version that only grows, the file's path and its sha256. Pipelines
read it every few seconds and pass it to their scoring workers, which load the file (once
its sha256 matches) before the next batch: no restart. The path is on the trainer's host,
so a pipeline on another host needs the same data directory (or a copy at that path).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from redis.asyncio import Redis

from responder.drafts.understand_model import Installed
from responder.store import packed
from responder.store.intent import training_key
from responder.store.keys import Keys

# KEYS: 1 the model hash. ARGV: 1 path, 2 sha256, 3 when (epoch seconds), 4 who.
# Returns the new version.
INSTALL = """
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'path', ARGV[1], 'sha256', ARGV[2], 'at', ARGV[3], 'by', ARGV[4])
return version
"""


def model_key(keys: Keys) -> str:
    """Hash of the installed understanding model: version, path, sha256, at, by."""
    return f"{keys.root}:model:understand"


async def installed(redis: Redis, keys: Keys) -> Installed | None:
    """The model file installed by `tiexin drafts train`, or None (the shipped one)."""
    fields = cast(dict[str, str], await redis.hgetall(model_key(keys)))
    if not fields.get("path") or not fields.get("sha256"):
        return None
    return Installed(version=int(fields["version"]), path=fields["path"], sha256=fields["sha256"])


async def install(
    redis: Redis, keys: Keys, path: str, sha256: str, now: datetime, by: str
) -> Installed:
    """Tell every process to use this model file from their next batch on."""
    script = redis.register_script(INSTALL)
    version = await script(
        keys=[model_key(keys)], args=[path, sha256, f"{now.timestamp():.3f}", by]
    )
    return Installed(version=int(version), path=path, sha256=sha256)


async def corrections(redis: Redis, keys: Keys) -> list[dict[str, Any]]:
    """Agents' intent and sentiment corrections, the latest of each kind per mention, as
    labelled rows (the fields the mention still has in Redis, else text and defaults)."""
    rows: dict[str, dict[str, Any]] = {}
    streams = (("intent", training_key(keys)), ("sentiment", keys.training))
    for label, stream in streams:
        for _, fields in cast(list[tuple[str, dict[str, str]]], await redis.xrange(stream)):
            sample = json.loads(fields["sample"])
            value = sample.get("intent") if label == "intent" else _MOODS.get(sample.get("label"))
            if value and sample.get("text") is not None:
                row = rows.setdefault(fields["mention"], {"text": sample["text"]})
                row[label] = value
    for mid, row in rows.items():
        found = cast(dict[str, str], await redis.hgetall(keys.mention(mid)))
        row.update(_mention(packed.unpack(found)))
    return list(rows.values())


_MOODS = {"negative": "neg", "neutral": "neutral", "positive": "pos"}


def _mention(fields: dict[str, str]) -> dict[str, Any]:
    """What the features need of a mention, from its hash (empty when it is gone)."""
    if not fields:
        return {"platform": "weibo", "kind": "mention", "reply_to": "brand", "context": []}
    return {
        "platform": fields.get("platform", "weibo"),
        "kind": fields.get("kind", "mention"),
        "reply_to": "brand",
        "context": [],
        "author": {
            "name": fields.get("author_name", ""),
            "followers": int(fields.get("author_followers") or 0),
            "verified": "personal" if fields.get("author_verified") == "1" else "none",
        },
    }
