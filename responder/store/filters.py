"""Filtered queue views: one Lua script walks the queue in order, checks each mention's
fields, counts every match and returns the ids of the page asked for.

Without filters the store's plain page read serves the queue (it reads only the page);
a filter has to look at every open mention to count the matches ("200 of 481"), and doing
that inside Redis costs one round trip instead of one HMGET per mention.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from responder.store.keys import Keys
from responder.store.records import dumps

WALKS = 3  # walks at most for one page: more when mentions keep arriving meanwhile

# KEYS: 1 the queue ZSET to walk (by deadline or by priority), 2... the hashes of the n
#       mentions named in ARGV, then the follow-up lists of the m heads named after them
# ARGV: 1 offset, 2 limit, 3 the checks (JSON): {fields: the hash fields to read, eq:
#       [[i, j, value]...] (field i, or field j where i is empty, must equal value; j 0:
#       none), held: [i, j] (claimed_by, claim_until) with view (mine or unassigned), me,
#       now, q: the keyword lowercased ("" for none)}, 4 n, 5... the n mention ids, then
#       the m head ids
# A script touches only the keys it is given (Redis Cluster's rule): the caller names the
# open mentions, and the follow-ups of heads whose follow-ups a keyword has to read. Only
# the fields a filter needs are read, and the keyword's (text, author, follow-ups) only
# for mentions that pass the rest.
# Returns {total, a, b, a ids..., b ids..., page ids...}: how many match; the mentions met
# without their hash (queued, or a follow-up joined, since the caller looked) and the
# heads whose follow-ups the keyword needs without their list: both skipped, to call
# again with; then the ids of the page.
FILTER = """
local offset, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local spec = cjson.decode(ARGV[3])
local fields, eq, held, q = spec.fields, spec.eq, spec.held, spec.q
local n = tonumber(ARGV[4])
local hash, list = {}, {}
for i = 1, n do hash[ARGV[4 + i]] = KEYS[1 + i] end
for i = n + 1, #KEYS - 1 do list[ARGV[4 + i]] = KEYS[1 + i] end
local missing, lists = {}, {}
local function has(text)
  return text and string.find(string.lower(text), q, 1, true) ~= nil
end
local function found(id)
  local r = redis.call('HMGET', hash[id], 'text', 'author_name', 'followups')
  if has(r[1]) or has(r[2]) then return true end
  if tonumber(r[3] or '0') > 0 then
    if not list[id] then
      lists[#lists + 1] = id
      return false
    end
    for _, f in ipairs(redis.call('LRANGE', list[id], 0, -1)) do
      if not hash[f] then
        missing[#missing + 1] = f
      elseif has(redis.call('HGET', hash[f], 'text')) then
        return true
      end
    end
  end
  return false
end
local function matches(id)
  if not hash[id] then
    missing[#missing + 1] = id
    return false
  end
  if #fields > 0 then
    local r = redis.call('HMGET', hash[id], unpack(fields))
    for _, c in ipairs(eq) do
      local v = r[c[1]]
      if (not v or v == '') and c[2] > 0 then v = r[c[2]] end
      if v ~= c[3] then return false end
    end
    if held[1] then
      local who = r[held[1]]
      local mine = who and who ~= '' and tonumber(r[held[2]] or '0') > spec.now
      if spec.view == 'mine' and not (mine and who == spec.me) then return false end
      if spec.view == 'unassigned' and mine then return false end
    end
  end
  return q == '' or found(id)
end
local page = {}
local total = 0
local start = 0
while true do
  local ids = redis.call('ZRANGE', KEYS[1], start, start + 499)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    if matches(id) then
      if total >= offset and total < offset + limit then page[#page + 1] = id end
      total = total + 1
    end
  end
  start = start + 500
end
local out = {total, #missing, #lists}
for _, id in ipairs(missing) do out[#out + 1] = id end
for _, id in ipairs(lists) do out[#out + 1] = id end
for _, id in ipairs(page) do out[#out + 1] = id end
return out
"""

# Filters on the value the team sees: an agent's correction, else the model's.
SHOWN = {
    "platform": ("platform", ""),
    "account": ("account", ""),
    "kind": ("kind", ""),
    "intent": ("intent_corrected", "intent"),
    "sentiment": ("sentiment_corrected", "sentiment_label"),
    "state": ("state", ""),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFilter:
    """What a queue view asks for; "" means any."""

    view: str = "all"  # all, mine (claimed by `user`), unassigned (no unexpired claim)
    user: str = ""
    platform: str = ""
    account: str = ""
    kind: str = ""
    intent: str = ""  # as shown: the agent's correction if there is one
    sentiment: str = ""  # as shown: the agent's correction if there is one
    state: str = ""  # queued, failed, open (both); "" is open too
    q: str = ""  # a keyword: text, author name or a follow-up's text

    def active(self) -> bool:
        """Whether anything narrows the queue (else the plain page read serves it)."""
        return (
            self.view != "all"
            or any(
                getattr(self, f.name)
                for f in fields(self)
                if f.name not in ("view", "user", "state")
            )
            or self.state not in ("", "open")
        )


class Filters:
    """Runs FILTER over the store's queue keys."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis, self.keys = redis, keys
        self._filter = redis.register_script(FILTER)

    async def page(
        self, want: QueueFilter, limit: int, offset: int, *, by: str, now: datetime
    ) -> tuple[int, list[str]]:
        """Return (how many open mentions match, the ids of the page), in queue order.

        The walk is given the keys of the open mentions read just before it. What it met
        without keys (a mention queued meanwhile, follow-ups a keyword has to read) it
        names, and it runs again with them, a few times at most: under a steady inflow the
        last walk answers for the mentions there when it was asked.
        """
        key = self.keys.priority if by == "priority" else self.keys.queue
        spec = checks(want, now)
        ids = _texts(await self.redis.zrange(key, 0, -1))
        heads: list[str] = []
        for _ in range(WALKS):
            named = [*map(self.keys.mention, ids), *map(self.keys.followups, heads)]
            reply = _texts(
                await self._filter(
                    keys=[key, *named], args=[offset, limit, spec, len(ids), *ids, *heads]
                )
            )
            missing, lists = int(reply[1]), int(reply[2])
            page = reply[3 + missing + lists :]
            if not missing and not lists:
                break
            ids += reply[3 : 3 + missing]
            more = reply[3 + missing : 3 + missing + lists]
            if more:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for head in more:
                        pipe.lrange(self.keys.followups(head), 0, -1)
                    ids += (f for got in await pipe.execute() for f in _texts(got))
                heads += more
        return int(reply[0]), page


def _texts(values: Any) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def checks(want: QueueFilter, now: datetime) -> str:
    """The FILTER script's checks for `want`: which fields to read and what to compare."""
    fields: list[str] = []

    def at(name: str) -> int:  # Lua's 1-based index of a field in the HMGET reply
        if name not in fields:
            fields.append(name)
        return fields.index(name) + 1

    eq: list[tuple[int, int, str]] = []
    state = "" if want.state == "open" else want.state
    for name, (first, fallback) in SHOWN.items():
        value = state if name == "state" else str(getattr(want, name))
        if value:
            eq.append((at(first), at(fallback) if fallback else 0, value))
    held = [at("claimed_by"), at("claim_until")] if want.view != "all" else []
    return dumps(
        {
            "fields": fields,
            "eq": eq,
            "held": held,
            "view": want.view,
            "me": want.user,
            "now": round(now.timestamp(), 3),
            "q": _ascii_lower(want.q),
        }
    )


def _ascii_lower(text: str) -> str:
    """Lowercase as Lua's string.lower does (ASCII only), so both sides fold alike."""
    return "".join(c.lower() if c.isascii() else c for c in text)
