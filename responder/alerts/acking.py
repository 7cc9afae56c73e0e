"""Acknowledging pages in Redis: one script acks a mention, or every mention of a group
page, so it stops escalating, and logs who did it and how (by link or in the UI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from responder.clock import from_epoch
from responder.store import lua
from responder.store.records import EventType, dumps, event
from responder.store.stages import Stage
from responder.store.store import Store

Via = Literal["link", "ui"]

# KEYS: 1 due:escalate, 2 global events, 3 the group hash (or due:escalate again when the
#       ack is not for a group), then per mention its hash and its events list.
# ARGV: 1 events MAXLEN, 2 event JSON (type acked, at, actor, via, [group]), 3 "1" if a
#       group is acked, 4.. the mention ids, in KEYS order.
# A mention is acked once: the first ack records acked_by and acked_at, takes it out of
# due:escalate (a breach no longer schedules it: see lua.SWEEP) and logs an "acked" event;
# a later ack changes nothing. Returns {group by, group at, 1 if the group was acked now,
# then per mention: code (1 acked now, 0 acked before, -1 unknown), by, at}.
ACK = (
    lua.LOG
    + """
local ev = cjson.decode(ARGV[2])
local at = tostring(ev['at'])
local out = {'', '', 0}
if ARGV[3] == '1' then
  local first = redis.call('HMGET', KEYS[3], 'acked_by', 'acked_at')
  if first[2] then
    out = {first[1] or '', first[2], 0}
  else
    redis.call('HSET', KEYS[3], 'acked_by', ev['actor'], 'acked_at', at)
    out = {ev['actor'], at, 1}
  end
end
for i = 4, #ARGV do
  local id = ARGV[i]
  local k = 4 + 2 * (i - 4)
  local row = redis.call('HMGET', KEYS[k], 'id', 'acked_by', 'acked_at')
  if not row[1] then
    out[#out + 1] = -1
    out[#out + 1] = ''
    out[#out + 1] = ''
  elseif row[3] then
    out[#out + 1] = 0
    out[#out + 1] = row[2] or ''
    out[#out + 1] = row[3]
  else
    redis.call('HSET', KEYS[k], 'acked_by', ev['actor'], 'acked_at', at)
    redis.call('ZREM', KEYS[1], id)
    log(KEYS[2], id, KEYS[k], ARGV[2])
    out[#out + 1] = 1
    out[#out + 1] = ev['actor']
    out[#out + 1] = at
  end
end
return out
"""
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ack:
    """Who acknowledged and when: this call (`now` True) or an earlier one."""

    by: str
    at: datetime
    now: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupAck:
    """A group's ack (the first one) and how many of its mentions this call acked."""

    ack: Ack
    members: int  # mentions the group covers (still kept)
    acked: int  # of them, acked by this call (the rest were acked before)


class Acks:
    """Ack mentions and group pages in the store (one script call each)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._ack = store.redis.register_script(ACK)

    async def mention(self, mid: str, actor: str, at: datetime, via: Via) -> Ack | None:
        """Acknowledge mention `mid`; None if there is no such mention."""
        out = await self._run([mid], actor, at, via, group="")
        code, by, when = out[3], out[4], out[5]
        if int(code) < 0:
            return None
        return Ack(by=str(by), at=from_epoch(float(when)), now=int(code) == 1)

    async def group(self, gid: str, actor: str, at: datetime, via: Via) -> GroupAck | None:
        """Acknowledge group page `gid` and each of its mentions still kept; None if the
        group is unknown (or expired). Its members are fixed once its window closed."""
        k = self.store.keys
        if not await self.store.redis.exists(k.alert_group(gid)):
            return None
        found = await self.store.redis.smembers(k.alert_group_members(gid))
        members = sorted(cast(set[str], found))
        out = await self._run(members, actor, at, via, group=gid)
        codes = [int(out[i]) for i in range(3, len(out), 3)]
        ack = Ack(by=out[0], at=from_epoch(float(out[1])), now=out[2] == "1")
        return GroupAck(ack=ack, members=sum(c >= 0 for c in codes), acked=codes.count(1))

    async def _run(
        self, mids: list[str], actor: str, at: datetime, via: Via, *, group: str
    ) -> list[str]:
        k = self.store.keys
        escalating = k.due(Stage.ESCALATED)
        keys = [escalating, k.events, k.alert_group(group) if group else escalating]
        for mid in mids:
            keys += [k.mention(mid), k.mention_events(mid)]
        extra = {"group": group} if group else {}
        record = dumps(event(EventType.ACKED, at, actor, via=via, **extra))
        args = [self.store.retention.events, record, "1" if group else "0", *mids]
        return [str(x) for x in await self._ack(keys=keys, args=args)]
