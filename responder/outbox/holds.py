"""Approvals that wait out a send delay before they count: the approver may take one back
(撤销) until then, and nothing reaches the platform.

Holding an approval writes what closing will need (`held`: JSON) on the mention with who
(`held_by`) and until when (`held_until`), claims the mention for the approver over the
delay, and puts its id in the `held` ZSET scored by that time, in one script. The mention
stays open meanwhile. When the time comes, any process commits it (the usual close, which
puts the reply in the outbox) only if the mention still holds that very approval, so a
crash during the delay sends it exactly once after the restart, and an undone one never.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from responder.store.lua import LOG, REFUSAL
from responder.store.records import EventType, event
from responder.store.store import Store

HELD_FIELDS = ("held", "held_by", "held_until")

# KEYS: 1 mention hash, 2 global events, 3 held ZSET
# ARGV: 1 events MAXLEN, 2 id, 3 actor, 4 now, 5 until, 6 claim until, 7 approval JSON,
#       8 event JSON, 9 "1" when the approval confirms a resend of a maybe-sent reply
# Returns {1, until}, or what closing would refuse: {-1, ""} unknown, {0, state} not open,
# {2, agent} claimed by another, {4, "maybe_sent"}, {6, agent} already held.
HOLD = (
    LOG
    + REFUSAL
    + """
local refused = refused_or_held(KEYS[1], ARGV[3], tonumber(ARGV[4]))
if refused then return refused end
if ARGV[9] ~= '1' and redis.call('HGET', KEYS[1], 'send_unknown') == '1' then
  return {4, 'maybe_sent'}
end
redis.call('HSET', KEYS[1], 'held', ARGV[7], 'held_by', ARGV[3], 'held_until', ARGV[5],
           'claimed_by', ARGV[3], 'claim_until', ARGV[6])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[2])
log(KEYS[2], ARGV[2], KEYS[1], ARGV[8])
return {1, ARGV[5]}
"""
)

# KEYS: 1 mention hash, 2 global events, 3 held ZSET
# ARGV: 1 events MAXLEN, 2 id, 3 actor, 4 "1" when the actor may undo anyone's, 5 event
# Returns {1, state} undone, {-1, ""} unknown, {0, state} nothing held (sent or closed),
# {2, agent} held by another the actor may not undo.
UNDO = (
    LOG
    + """
local row = redis.call('HMGET', KEYS[1], 'state', 'held_by')
if not row[1] then return {-1, ''} end
if not row[2] then return {0, row[1]} end
if row[2] ~= ARGV[3] and ARGV[4] ~= '1' then return {2, row[2]} end
redis.call('HDEL', KEYS[1], 'held', 'held_by', 'held_until')
redis.call('ZREM', KEYS[3], ARGV[2])
log(KEYS[2], ARGV[2], KEYS[1], ARGV[5])
return {1, row[1]}
"""
)


@dataclass(frozen=True, slots=True)
class Held:
    """An approval waiting out its delay, as `hold` stored it."""

    mid: str
    by: str
    until: str  # as stored: closing checks the mention still holds this one
    approval: dict[str, Any]


class Holds:
    """Holding, undoing and finding due approvals over the Store's Redis."""

    def __init__(self, store: Store) -> None:
        self.store, self.redis, self.keys = store, store.redis, store.keys
        self._hold = self.redis.register_script(HOLD)
        self._undo = self.redis.register_script(UNDO)

    async def hold(
        self,
        mid: str,
        agent: str,
        now: datetime,
        delay: timedelta,
        approval: dict[str, Any],
        *,
        claim: timedelta,
        resend: bool = False,
    ) -> tuple[int, str]:
        """Hold an approval for `delay` (see HOLD for the answers)."""
        until = f"{(now + delay).timestamp():.3f}"
        record = event(EventType.HELD, now, agent, until=float(until))
        keys = [self.keys.mention(mid), self.keys.events, self.keys.held]
        args = [
            self.store.retention.events,
            mid,
            agent,
            f"{now.timestamp():.3f}",
            until,
            f"{(now + delay + claim).timestamp():.3f}",
            orjson.dumps(approval).decode(),
            orjson.dumps(record).decode(),
            "1" if resend else "",
        ]
        code, value = await self._run(self._hold, keys, args)
        return code, value

    async def undo(self, mid: str, agent: str, now: datetime, *, anyone: bool) -> tuple[int, str]:
        """Take a held approval back (see UNDO for the answers)."""
        record = event(EventType.UNDONE, now, agent)
        keys = [self.keys.mention(mid), self.keys.events, self.keys.held]
        args = [self.store.retention.events, mid, agent, "1" if anyone else ""]
        return await self._run(self._undo, keys, [*args, orjson.dumps(record).decode()])

    async def due(self, now: datetime, limit: int = 50) -> list[str]:
        """The ids whose delay has ended by `now`, oldest first."""
        ids = await self.redis.zrangebyscore(
            self.keys.held, "-inf", f"{now.timestamp():.3f}", start=0, num=limit
        )
        return [str(i) for i in ids]

    async def next_due(self) -> float | None:
        """When the earliest held approval goes out (POSIX seconds), or None."""
        rows = await self.redis.zrange(self.keys.held, 0, 0, withscores=True)
        return float(rows[0][1]) if rows else None

    async def held(self, mid: str) -> Held | None:
        """The approval `mid` holds, or None."""
        raw, by, until = await self.redis.hmget(self.keys.mention(mid), list(HELD_FIELDS))
        if not (raw and by and until):
            return None
        return Held(mid=mid, by=str(by), until=str(until), approval=orjson.loads(raw))

    async def forget(self, mid: str) -> None:
        """Drop a due entry whose approval was committed, undone or refused."""
        await self.redis.zrem(self.keys.held, mid)

    @staticmethod
    async def _run(script: Any, keys: list[str], args: list[Any]) -> tuple[int, str]:
        code, value = await script(keys=keys, args=args)
        return int(code), value.decode() if isinstance(value, bytes) else str(value)
