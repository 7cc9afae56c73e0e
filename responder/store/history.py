"""The customer's history: a person's other mentions and our replies to them, and the
accounts agents linked as one person across platforms.

Reading one mention's history is bounded work: the mention's author (one HMGET), one
pipeline for the account's history ZSET and its links (a second for the linked accounts'
ZSETs, only when there are some; at most MAX_LINKED), then one script that skips ids
whose hash expired, counts the rest and reads the first `limit` of them. Each ZSET holds
at most people.HISTORY_KEPT ids, so a read touches at most that many per account.

Only closed mentions are indexed (people.py says why): another open mention of the same
person shows here only if it was closed once and moved back to the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson

from responder.store import packed
from responder.store.lua import LOG
from responder.store.people import Account
from responder.store.reads import _PICK
from responder.store.records import EventType, dumps, event
from responder.store.store import Store
from responder.store.stream import ROUNDS

MAX_LINKED = 10  # accounts in one person's group at most
# What the detail shows of each earlier mention.
FIELDS = (
    *("id", "platform", "account", "kind", "text", "state", "created_at", "closed_at"),
    *("closed_by", "reply_text", "followups", "dismiss_reason", "reply_reason", "author_id"),
    "author_name",
)

# KEYS: mention hashes, newest first. ARGV: 1 how many to read, 2... the fields to read.
# Returns {how many of the hashes exist, JSON array of the first ARGV[1] that do}.
READ = (
    _PICK
    + """
local limit = tonumber(ARGV[1])
local want = {}
for i = 2, #ARGV do want[ARGV[i]] = true end
local total, rows = 0, {}
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    total = total + 1
    if total <= limit then rows[total] = pick(key, want) end
  end
end
if total == 0 then return {0, '[]'} end
return {total, cjson.encode(rows)}
"""
)

# Both: KEYS 1 global events, 2 account a's linked SET, 3 account b's, 4... those of the
# other accounts in the group the caller expects. ARGV 1 events MAXLEN, 2 the mention it
# was done from ("" none), 3 a, 4 b (as people.Account.member), 5 event JSON, 6 the most
# accounts a group may have, 7... the other accounts expected (in KEYS' order).
# `differs(found)` answers {3, the other accounts} when `found` (a set) is not what the
# caller expected: call again with those.
_GROUP = """
local a, b = ARGV[3], ARGV[4]
local given = {}
for i = 7, #ARGV do given[ARGV[i]] = KEYS[i - 3] end
local function differs(found)
  local n = 0
  for m in pairs(found) do
    n = n + 1
    if not given[m] then n = -1 break end
  end
  if n == #ARGV - 6 then return nil end
  local retry = {3}
  for m in pairs(found) do retry[#retry + 1] = m end
  return retry
end
"""

# a and b, and every account linked to either, become one group: each account's SET
# lists all the others. Returns {1, group size} linked, {0, size} already linked,
# {5, size} the group would be too big, or {3, ...} (see _GROUP).
LINK = (
    LOG
    + _GROUP
    + """
local found = {}
for _, key in ipairs({KEYS[2], KEYS[3]}) do
  for _, m in ipairs(redis.call('SMEMBERS', key)) do
    if m ~= a and m ~= b then found[m] = true end
  end
end
local retry = differs(found)
if retry then return retry end
local size = #ARGV - 4
if redis.call('SISMEMBER', KEYS[2], b) == 1 then return {0, size} end
if size > tonumber(ARGV[6]) then return {5, size} end
local group = {[a] = KEYS[2], [b] = KEYS[3]}
for m, key in pairs(given) do group[m] = key end
for m, key in pairs(group) do
  local others = {}
  for o in pairs(group) do
    if o ~= m then others[#others + 1] = o end
  end
  redis.call('SADD', key, unpack(others))
end
publish(KEYS[1], ARGV[2], ARGV[5])
return {1, size}
"""
)

# a leaves the group it shares with b (the others stay linked). Returns {1, 0} unlinked,
# {0, 0} not linked, or {3, ...} (see _GROUP).
UNLINK = (
    LOG
    + _GROUP
    + """
if redis.call('SISMEMBER', KEYS[2], b) == 0 then return {0, 0} end
local found = {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if m ~= b then found[m] = true end
end
local retry = differs(found)
if retry then return retry end
for i = 3, #KEYS do redis.call('SREM', KEYS[i], a) end
redis.call('DEL', KEYS[2])
publish(KEYS[1], ARGV[2], ARGV[5])
return {1, 0}
"""
)


@dataclass(frozen=True, slots=True)
class Found:
    """A mention's history: its author's account, the accounts linked to it, how many
    other mentions are kept of them all, and the newest of those (rows of FIELDS)."""

    account: Account | None
    linked: list[Account] = field(default_factory=list)
    total: int = 0
    items: list[dict[str, str]] = field(default_factory=list)


class LinkError(Exception):
    """A link or unlink refused: `code` says why (same, linked, not_linked, too_many)."""

    def __init__(self, code: str, size: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.size = size


class History:
    """Reads the customer's history and keeps the links between accounts."""

    def __init__(self, store: Store) -> None:
        self.store = store
        redis = store.redis
        self._read = redis.register_script(READ)
        self._link = redis.register_script(LINK)
        self._unlink = redis.register_script(UNLINK)

    async def of(self, mid: str, limit: int) -> Found | None:
        """The history of mention `mid` (None: no such mention), without `mid` itself."""
        row = await self.store.mention(mid, ("platform", "author_id"))
        if row is None:
            return None
        if not (row.get("platform") and row.get("author_id")):
            return Found(account=None)
        me = Account(row["platform"], row["author_id"])
        keys, redis = self.store.keys, self.store.redis
        async with redis.pipeline(transaction=False) as pipe:
            pipe.smembers(me.linked(keys))
            pipe.zrevrange(me.history(keys), 0, -1, withscores=True)
            members, mine = await pipe.execute()
        linked = sorted(Account.parse(m) for m in cast(set[str], members))[:MAX_LINKED]
        scored = list(cast(list[tuple[str, float]], mine))
        if linked:
            async with redis.pipeline(transaction=False) as pipe:
                for other in linked:
                    pipe.zrevrange(other.history(keys), 0, -1, withscores=True)
                for rows in await pipe.execute():
                    scored += cast(list[tuple[str, float]], rows)
        ids = list(dict.fromkeys(i for i, _ in sorted(scored, key=lambda r: -r[1]) if i != mid))
        if not ids:
            return Found(account=me, linked=linked)
        read = packed.fetch(FIELDS)
        total, text = await self._read(keys=[keys.mention(i) for i in ids], args=[limit, *read])
        rows = cast(list[dict[str, str]], orjson.loads(text))
        items = [packed.unpack(r, FIELDS) for r in rows]
        return Found(account=me, linked=linked, total=int(total), items=items)

    async def link(self, a: Account, b: Account, actor: str, now: datetime, mid: str) -> int:
        """Link `a` and `b` (and so their groups) as one person; return the group's size."""
        if a == b:
            raise LinkError("same")
        record = event(EventType.LINKED, now, actor, account=_pair(a, b), a=a.member, b=b.member)
        code, size = await self._group(self._link, a, b, record, mid)
        if code == 0:
            raise LinkError("linked", size)
        if code == 5:
            raise LinkError("too_many", size)
        return size

    async def unlink(self, a: Account, b: Account, actor: str, now: datetime, mid: str) -> None:
        """Take `a` out of the group it shares with `b`."""
        record = event(EventType.UNLINKED, now, actor, account=_pair(a, b), a=a.member, b=b.member)
        code, _ = await self._group(self._unlink, a, b, record, mid)
        if code == 0:
            raise LinkError("not_linked")

    async def _group(
        self, script: Any, a: Account, b: Account, record: dict[str, Any], mid: str
    ) -> tuple[int, int]:
        keys, store = self.store.keys, self.store
        others: list[str] = []
        for _ in range(ROUNDS):
            named = [keys.events, a.linked(keys), b.linked(keys)]
            named += [Account.parse(m).linked(keys) for m in others]
            args = [store.retention.events, mid, a.member, b.member, dumps(record), MAX_LINKED]
            result: Sequence[Any] = await script(keys=named, args=[*args, *others])
            if int(result[0]) != 3:
                return int(result[0]), int(result[1])
            others = sorted(str(m) for m in result[1:])
        raise RuntimeError(f"the group of {a.member} kept changing while being linked")


def _pair(a: Account, b: Account) -> str:
    """The two accounts as the audit log shows them."""
    return f"{a.member} ↔ {b.member}"
