"""Put an at-once entry (a spike, the weekly digest) in the alerts stream the notifier
reads, once: a marker set in the same script keeps a second process, or a later step of
the same one, from putting it there again while the marker lives."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from responder.store.keys import Keys

DAY = 86400

# KEYS: 1 the entry's marker, 2 the alerts stream
# ARGV: 1 the stream's MAXLEN, 2 now (epoch s), 3 subject, 4 stage, 5 key, 6 detail JSON,
#       7 marker TTL (s)
# Returns 1 added, 0 added before (the marker stands).
ONCE = """
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[7]) == false then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'subject', ARGV[3], 'stage', ARGV[4],
           'cycle', '1', 'key', ARGV[5], 'at', ARGV[2], 'due', ARGV[2], 'detail', ARGV[6])
return 1
"""


async def raise_once(
    redis: Redis,
    keys: Keys,
    *,
    subject: str,
    stage: str,
    key: str,
    detail: dict[str, Any],
    at: datetime,
    maxlen: int,
    ttl: int,
) -> bool:
    """Add the entry unless `key`'s marker stands (it stands `ttl` seconds)."""
    script = redis.register_script(ONCE)
    args: list[str | int] = [maxlen, f"{at.timestamp():.3f}", subject, stage, key]
    args += [json.dumps(detail, ensure_ascii=False), ttl]
    return int(await script(keys=[keys.alert_raised(key), keys.alerts], args=args)) == 1


async def raised(redis: Redis, keys: Keys, key: str) -> bool:
    """Whether `key`'s marker stands (a cheap look before building what the entry says)."""
    return bool(await redis.exists(keys.alert_raised(key)))
