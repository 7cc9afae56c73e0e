"""Filtered queue views: one Lua script walks the queue in order, checks each mention's
fields, counts every match and returns the ids of the page asked for.

Without filters the store's plain ZRANGE path serves the queue (it reads only the page);
a filter has to look at every open mention to count the matches ("200 of 481"), and doing
that inside Redis costs one round trip instead of one HMGET per mention.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import cast

from redis.asyncio import Redis

from responder.store.keys import Keys

# KEYS: 1 the queue ZSET to walk (by deadline or by priority)
# ARGV: 1 key root ("{prefix}"), 2 offset, 3 limit, 4 now (epoch s), 5 view (all, mine,
#       unassigned), 6 the current user, 7 platform, 8 account, 9 kind, 10 intent,
#       11 sentiment label, 12 state (queued, failed, open), 13 keyword (lowercased)
# "" means no filter. Mention hashes are named from the root: every key shares its hash
# tag, so they live in the queue's slot on Redis Cluster too.
# Returns {total, id, id, ...}: how many match, then the ids of the page.
FILTER = """
local root, offset, limit, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local view, me = ARGV[5], ARGV[6]
local want = {platform = ARGV[7], account = ARGV[8], kind = ARGV[9]}
local intent, label, state, q = ARGV[10], ARGV[11], ARGV[12], ARGV[13]
local function has(text)
  return text and string.find(string.lower(text), q, 1, true) ~= nil
end
local function matches(id)
  local m = root .. ':m:' .. id
  local r = redis.call('HMGET', m, 'state', 'platform', 'account', 'kind', 'intent',
    'intent_corrected', 'sentiment_label', 'sentiment_corrected', 'claimed_by',
    'claim_until', 'text', 'author_name', 'followups')
  if not r[1] then return false end
  if state == 'open' then
    if r[1] ~= 'queued' and r[1] ~= 'failed' then return false end
  elseif state ~= '' and r[1] ~= state then return false end
  if want.platform ~= '' and r[2] ~= want.platform then return false end
  if want.account ~= '' and r[3] ~= want.account then return false end
  if want.kind ~= '' and r[4] ~= want.kind then return false end
  if intent ~= '' and (r[6] or r[5]) ~= intent then return false end
  if label ~= '' and (r[8] or r[7]) ~= label then return false end
  if view ~= 'all' then
    local held = r[9] and r[9] ~= '' and tonumber(r[10] or '0') > now
    if view == 'mine' and not (held and r[9] == me) then return false end
    if view == 'unassigned' and held then return false end
  end
  if q == '' or has(r[11]) or has(r[12]) then return true end
  if tonumber(r[13] or '0') > 0 then
    for _, f in ipairs(redis.call('LRANGE', m .. ':followups', 0, -1)) do
      if has(redis.call('HGET', root .. ':m:' .. f, 'text')) then return true end
    end
  end
  return false
end
local out = {0}
local total = 0
local start = 0
while true do
  local ids = redis.call('ZRANGE', KEYS[1], start, start + 499)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    if matches(id) then
      if total >= offset and total < offset + limit then out[#out + 1] = id end
      total = total + 1
    end
  end
  start = start + 500
end
out[1] = total
return out
"""


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
        """Whether anything narrows the queue (else the plain ZRANGE path serves it)."""
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
        self.keys = keys
        self._filter = redis.register_script(FILTER)

    async def page(
        self, want: QueueFilter, limit: int, offset: int, *, by: str, now: datetime
    ) -> tuple[int, list[str]]:
        """Return (how many open mentions match, the ids of the page), in queue order."""
        key = self.keys.priority if by == "priority" else self.keys.queue
        reply = cast(
            list[int | str],
            await self._filter(
                keys=[key],
                args=[
                    self.keys.root,
                    offset,
                    limit,
                    f"{now.timestamp():.3f}",
                    want.view,
                    want.user,
                    want.platform,
                    want.account,
                    want.kind,
                    want.intent,
                    want.sentiment,
                    want.state or "open",
                    _ascii_lower(want.q),
                ],
            ),
        )
        return int(reply[0]), [str(mid) for mid in reply[1:]]


def _ascii_lower(text: str) -> str:
    """Lowercase as Lua's string.lower does (ASCII only), so both sides fold alike."""
    return "".join(c.lower() if c.isascii() else c for c in text)
