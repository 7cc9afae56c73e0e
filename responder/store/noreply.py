"""无需回复: mentions that need no answer, set aside without a timer, and the two moves
between there and the queue (an agent's, each one atomic step with its event)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from responder.store.lua import _OPEN, LOG
from responder.store.luaconst import lua_str
from responder.store.people import ACCOUNT_FIELDS, HISTORY_KEPT, Mark, mark_of
from responder.store.records import EventType, State, dumps, event
from responder.store.stages import Stage
from responder.store.store import Outcome, Result, Store
from responder.store.stream import ROUNDS, seconds

# Both scripts: KEYS: 1 mention hash, 2 its events, 3 global events, 4 queue, 5 priority
# queue, 6 due:warn, 7 due:breach, 8 due:escalate, 9 no-reply ZSET, 10 stats, 11 its
# follow-ups list, 12 its author's history ZSET (or the stats key again; only setting
# aside writes it), [13 conversation], then per follow-up its hash and its events list.
# ARGV: 1 events MAXLEN, 2 id, 3 event JSON, 4 expected conversation key ("" if none),
# 5 expected follow-up count, then each script's own.
# Return {1, state} done, {0, state} not in the state it moves from, {-1, ""} unknown,
# {2, agent} claimed by another agent, or {3, conversation, follow-up ids...}: the keys
# passed do not match, call again with those.
_EXPECT = """
local conv = redis.call('HGET', KEYS[1], 'conversation') or ''
local n = redis.call('LLEN', KEYS[11])
if conv ~= ARGV[4] or n ~= tonumber(ARGV[5]) then
  local retry = {3, conv}
  for _, f in ipairs(redis.call('LRANGE', KEYS[11], 0, -1)) do retry[#retry + 1] = f end
  return retry
end
local f = 13
if conv ~= '' then f = 14 end
local function each(command, ...)
  for _, key in ipairs({KEYS[1], KEYS[2], KEYS[11]}) do redis.call(command, key, ...) end
  if conv ~= '' then redis.call(command, KEYS[13], ...) end
  for j = f, #KEYS do redis.call(command, KEYS[j], ...) end
end
"""

# Into the queue with a fresh timer (due to warn: the warning schedules the breach, see
# lua.SWEEP). ARGV: 6 deadline, 7 warn_at, 8 queue score,
# 9 priority score, 10 now (the timer's start).
NEEDS_REPLY = (
    LOG
    + lua_str("NO_REPLY", State.NO_REPLY)
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {-1, ''} end
if state ~= NO_REPLY then return {0, state} end
"""
    + _EXPECT
    + """
-- A fresh timer: not at risk (no `at_risk` field reads as '0': store/packed.py).
redis.call('HDEL', KEYS[1], 'warned_at', 'breached_at', 'escalated_at', 'acked_by',
           'acked_at', 'at_risk')
redis.call('HSET', KEYS[1], 'state', 'queued', 'reply_needed', '1', 'deadline', ARGV[6],
           'warn_at', ARGV[7], 'clock_start', ARGV[10])
redis.call('ZREM', KEYS[9], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[8], ARGV[2])
redis.call('ZADD', KEYS[5], ARGV[9], ARGV[2])
redis.call('ZADD', KEYS[6], ARGV[7], ARGV[2])
each('PERSIST')
redis.call('HINCRBY', KEYS[10], 'needs_reply', 1)
log(KEYS[3], ARGV[2], KEYS[1], ARGV[3])
return {1, 'queued'}
"""
)

# Out of the queue, set aside as needing no answer: closed, so it joins its author's
# history (as store.lua.CLOSE does). ARGV: 6 how long it is kept (s), 7 the reason code,
# 8 now, 9 its score in its author's history ("" for none: store/people.py).
SET_ASIDE = (
    LOG
    + _OPEN
    + lua_str("NO_REPLY", State.NO_REPLY)
    + f"local HISTORY_KEPT = {HISTORY_KEPT}\n"
    + """
local ev = cjson.decode(ARGV[3])
local refused = refusal(KEYS[1], ev['actor'], ev['at'])
if refused then return refused end
"""
    + _EXPECT
    + """
redis.call('HSET', KEYS[1], 'state', NO_REPLY, 'reply_needed', '0', 'reply_reason', ARGV[7])
redis.call('HDEL', KEYS[1], 'claimed_by', 'claim_until')
for k = 4, 8 do redis.call('ZREM', KEYS[k], ARGV[2]) end
redis.call('ZADD', KEYS[9], -tonumber(ARGV[8]), ARGV[2])
redis.call('HINCRBY', KEYS[10], 'marked_no_reply', 1)
log(KEYS[3], ARGV[2], KEYS[1], ARGV[3])
each('EXPIRE', ARGV[6])
if ARGV[9] ~= '' then
  redis.call('ZADD', KEYS[12], ARGV[9], ARGV[2])
  redis.call('ZREMRANGEBYRANK', KEYS[12], 0, -HISTORY_KEPT - 1)
  redis.call('EXPIRE', KEYS[12], ARGV[6])
end
return {1, NO_REPLY}
"""
)

_RESULTS = {1: Result.OK, 0: Result.NOT_OPEN, -1: Result.UNKNOWN, 2: Result.CLAIMED}


@dataclass(frozen=True, slots=True, kw_only=True)
class Timer:
    """A fresh timer for a mention moved into the queue, and its two queue scores."""

    start: datetime
    deadline: datetime
    warn_at: datetime
    order: float
    rank: float


class NoReply:
    """The 无需回复 view and the moves between it and the queue."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._needs = store.redis.register_script(NEEDS_REPLY)
        self._aside = store.redis.register_script(SET_ASIDE)

    async def page(self, limit: int, offset: int) -> tuple[int, list[str]]:
        """Return (how many are set aside, the ids of the page), newest first."""
        redis, key = self.store.redis, self.store.keys.no_reply
        async with redis.pipeline(transaction=False) as pipe:
            pipe.zcard(key)
            pipe.zrange(key, offset, offset + limit - 1)
            total, ids = await pipe.execute()
        return int(total), [str(i) for i in cast(list[str], ids)]

    async def needs_reply(self, mid: str, actor: str, timer: Timer, note: str = "") -> Outcome:
        """Move a mention set aside into the queue, its timer starting at `timer.start`."""
        record = event(
            EventType.NEEDS_REPLY,
            timer.start,
            actor,
            deadline=round(timer.deadline.timestamp(), 3),
            **({"note": note} if note else {}),
        )
        return await self._move(
            self._needs,
            mid,
            record,
            [
                f"{timer.deadline.timestamp():.3f}",
                f"{timer.warn_at.timestamp():.3f}",
                f"{timer.order:.3f}",
                f"{timer.rank:.3f}",
                f"{timer.start.timestamp():.3f}",
            ],
        )

    async def set_aside(
        self,
        mid: str,
        actor: str,
        now: datetime,
        reason: str,
        note: str = "",
        mark: Mark | None = None,
    ) -> Outcome:
        """Take an open mention out of the queue as needing no answer, for `reason`; it
        joins its author's history (`mark`, read here when not given)."""
        more = {"note": note} if note else {}
        record = event(EventType.MARKED_NO_REPLY, now, actor, reason=reason, **more)
        keep = seconds(self.store.retention.closed)
        if mark is None:
            mark = mark_of(self.store.keys, await self.store.mention(mid, ACCOUNT_FIELDS) or {})
        args = [keep, reason, f"{now.timestamp():.3f}", mark.score if mark else ""]
        return await self._move(self._aside, mid, record, args, mark)

    async def _move(
        self,
        script: object,
        mid: str,
        record: dict[str, object],
        more: Sequence[object],
        mark: Mark | None = None,
    ) -> Outcome:
        k, store = self.store.keys, self.store
        conv, followers = "", list[str]()
        for _ in range(ROUNDS):
            keys = [k.mention(mid), k.mention_events(mid), k.events, k.queue, k.priority]
            keys += [k.due(Stage.WARNED), k.due(Stage.BREACHED), k.due(Stage.ESCALATED)]
            keys += [k.no_reply, k.stats, k.followups(mid), mark.key if mark else k.stats]
            if conv:
                keys.append(conv)
            for follower in followers:
                keys += [k.mention(follower), k.mention_events(follower)]
            args = [store.retention.events, mid, dumps(record), conv, len(followers), *more]
            result = await script(keys=keys, args=args)  # type: ignore[operator]
            if int(result[0]) != 3:
                return Outcome(result=_RESULTS[int(result[0])], detail=str(result[1]))
            conv, followers = str(result[1]), [str(f) for f in result[2:]]
        raise RuntimeError(f"mention {mid} kept changing while being moved")
