"""An agent's correction of a mention's intent: stored on the mention, logged, and kept as
a training sample (in a stream of its own: the sentiment samples' readers expect labels)."""

from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis

from responder.store.keys import Keys
from responder.store.lua import LOG
from responder.store.records import EventType, dumps, event

# KEYS: 1 mention hash, 2 mention events, 3 global events, 4 intent training stream
# ARGV: 1 events MAXLEN, 2 id, 3 intent, 4 event JSON (without `was`), 5 training MAXLEN
# Returns 1, or -1 for an unknown mention.
CORRECT_INTENT = (
    LOG
    + """
local row = redis.call('HMGET', KEYS[1], 'text', 'intent', 'intent_corrected')
if not row[1] then return -1 end
local ev = cjson.decode(ARGV[4])
ev['was'] = row[3] or row[2] or ''
redis.call('HSET', KEYS[1], 'intent_corrected', ARGV[3], 'intent_corrected_by', ev['actor'])
log(KEYS[3], ARGV[2], KEYS[1], cjson.encode(ev))
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'mention', ARGV[2], 'sample',
           cjson.encode({text = row[1], intent = ARGV[3], agent = ev['actor'], at = ev['at'],
                         model_intent = row[2] or ''}))
return 1
"""
)


def training_key(keys: Keys) -> str:
    """Stream of agents' intent corrections (capped), next to the sentiment samples."""
    return f"{keys.root}:training:intents"


class IntentStore:
    def __init__(self, redis: Redis, keys: Keys, events_max: int, samples_max: int) -> None:
        self.keys = keys
        self.events_max = events_max
        self.samples_max = samples_max
        self._correct = redis.register_script(CORRECT_INTENT)

    async def correct(self, mid: str, intent: str, actor: str, now: datetime) -> bool:
        """Record `actor`'s intent for mention `mid`; False if there is no such mention."""
        k = self.keys
        record = event(EventType.INTENT_CORRECTED, now, actor, intent=intent)
        found = await self._correct(
            keys=[k.mention(mid), k.mention_events(mid), k.events, training_key(k)],
            args=[self.events_max, mid, intent, dumps(record), self.samples_max],
        )
        return int(found) == 1
