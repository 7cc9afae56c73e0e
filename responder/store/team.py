"""What colleagues leave for each other on a mention: internal notes (never sent),
hand-offs to a named colleague, claims let go, and who is away on a break (no hand-offs,
no pages).

Notes and hand-offs are events in the mention's own log (and the global stream the audit
log reads), so they cost nothing on a mention nobody annotates. Who is away is one small
hash for the whole team."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson

from responder.store.lua import LOG, REFUSAL
from responder.store.records import EventType, event
from responder.store.store import Store

# KEYS: 1 mention hash, 2 global events
# ARGV: 1 events MAXLEN, 2 id, 3 event JSON
# Returns 1, or -1 for an unknown mention.
NOTE = (
    LOG
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
log(KEYS[2], ARGV[2], KEYS[1], ARGV[3])
return 1
"""
)

# KEYS: 1 mention hash, 2 global events
# ARGV: 1 events MAXLEN, 2 id, 3 from, 4 now, 5 to, 6 claim until, 7 event JSON
# Gives the mention's claim to `to`. Returns {1, to}, {-1, ""} unknown, {0, state} not open,
# {2, agent} claimed by a third agent, {6, agent} an approval of `agent` waits to go out.
HANDOFF = (
    LOG
    + REFUSAL
    + """
local refused = refused_or_held(KEYS[1], ARGV[3], tonumber(ARGV[4]))
if refused then return refused end
redis.call('HSET', KEYS[1], 'claimed_by', ARGV[5], 'claim_until', ARGV[6])
log(KEYS[2], ARGV[2], KEYS[1], ARGV[7])
return {1, ARGV[5]}
"""
)


# KEYS: 1 mention hash, 2 global events
# ARGV: 1 events MAXLEN, 2 id, 3 agent, 4 now, 5 event JSON
# Lets go of `agent`'s claim. Returns {1, ""} released, {0, holder} not theirs to release
# (someone else's, or none: holder ""), {-1, ""} unknown, {6, agent} held to go out.
RELEASE = (
    LOG
    + """
local row = redis.call('HMGET', KEYS[1], 'state', 'claimed_by', 'claim_until', 'held_by')
if not row[1] then return {-1, ''} end
if row[4] then return {6, row[4]} end
if row[2] ~= ARGV[3] or tonumber(row[3] or '0') <= tonumber(ARGV[4]) then
  return {0, row[2] or ''}
end
redis.call('HDEL', KEYS[1], 'claimed_by', 'claim_until')
log(KEYS[2], ARGV[2], KEYS[1], ARGV[5])
return {1, ''}
"""
)


class Team:
    """Notes, hand-offs and breaks over the Store's Redis."""

    def __init__(self, store: Store) -> None:
        self.store, self.redis, self.keys = store, store.redis, store.keys
        self._note = self.redis.register_script(NOTE)
        self._handoff = self.redis.register_script(HANDOFF)
        self._release = self.redis.register_script(RELEASE)

    async def note(self, mid: str, agent: str, now: datetime, text: str) -> bool:
        """Add an internal note; False if the mention is unknown."""
        record = orjson.dumps(event(EventType.NOTED, now, agent, note=text)).decode()
        keys = [self.keys.mention(mid), self.keys.events]
        return (
            int(await self._note(keys=keys, args=[self.store.retention.events, mid, record])) == 1
        )

    async def hand_off(
        self, mid: str, agent: str, to: str, now: datetime, claim: timedelta, note: str
    ) -> tuple[int, str]:
        """Give the mention to colleague `to` (see HANDOFF for the answers)."""
        until = now + claim
        details = {
            "to": to,
            "until": round(until.timestamp(), 3),
            **({"note": note} if note else {}),
        }
        record = orjson.dumps(event(EventType.HANDED_OFF, now, agent, **details)).decode()
        keys = [self.keys.mention(mid), self.keys.events]
        args: list[str | int] = [
            self.store.retention.events,
            mid,
            agent,
            f"{now.timestamp():.3f}",
            to,
            f"{until.timestamp():.3f}",
            record,
        ]
        code, value = await self._handoff(keys=keys, args=args)
        return int(code), str(value)

    async def release(self, mid: str, agent: str, now: datetime) -> tuple[int, str]:
        """Let go of `agent`'s unexpired claim (see RELEASE for the answers)."""
        record = orjson.dumps(event(EventType.RELEASED, now, agent)).decode()
        keys = [self.keys.mention(mid), self.keys.events]
        args: list[str | int] = [
            self.store.retention.events,
            mid,
            agent,
            f"{now.timestamp():.3f}",
            record,
        ]
        code, value = await self._release(keys=keys, args=args)
        return int(code), str(value)

    async def away(self) -> dict[str, float]:
        """Who is on a break, and since when (POSIX seconds)."""
        found = await self.redis.hgetall(self.keys.away)
        return {str(name): float(since) for name, since in found.items()}

    async def set_away(self, name: str, away: bool, now: datetime) -> None:
        if away:
            await self.redis.hset(self.keys.away, name, f"{now.timestamp():.3f}")
        else:
            await self.redis.hdel(self.keys.away, name)
