"""The Lua that reads views of mentions: one round trip and one reply string each.

A view picks its fields from HGETALL with a table look-up: an HMGET of ~45 fields scans
the hash's ziplist once per field (12 us a mention in Redis against 2.5 us). The rows go
back as one JSON text (cjson in Redis, orjson here): a reply of ~2,000 elements cost more
to build and to parse than the text. Measured in docs/ui/performance.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import orjson
from redis.asyncio import Redis

from responder.store.keys import Keys

log = logging.getLogger(__name__)
ATTEMPTS = 10  # a page read again this often in a row changed between every two reads

# pick(key, want): the hash's fields named in `want` (a set), as an object; {} if unknown.
_PICK = """
local function pick(key, want)
  local flat = redis.call('HGETALL', key)
  local row = {}
  for j = 1, #flat, 2 do
    if want[flat[j]] then row[flat[j]] = flat[j + 1] end
  end
  return row
end
"""

# KEYS: mention hashes; ARGV: the fields to read. A read: no state change, no event.
# Returns a JSON array: per key an object of the wanted fields it has.
READ = (
    _PICK
    + """
local want = {}
for _, field in ipairs(ARGV) do want[field] = true end
local rows = {}
for i, key in ipairs(KEYS) do rows[i] = pick(key, want) end
return cjson.encode(rows)
"""
)


def queue_script(fields: Sequence[str]) -> str:
    """The page of the queue in one call, `fields` of each mention written into the script
    (sending ~45 names with every read cost more than the read).

    KEYS: 1 the queue (counted), 2 the order read (the queue or the priority order), 3...
    the hashes of the mentions the caller expects on the page.
    ARGV: 1 start, 2 stop (ZRANGE's, inclusive), 3... the ids of KEYS[3...], in order.
    Returns {open count, JSON array of the page's rows} when every mention on the page was
    declared, else {open count, "", the page's ids...} to call again with (a script only
    touches the keys it is given, so every key is in KEYS, as Redis Cluster expects)."""
    want = ", ".join(f"[{json.dumps(f)}] = true" for f in fields)
    return (
        _PICK
        + f"local want = {{{want}}}\n"
        + """
local hashes = {}
for i = 3, #KEYS do hashes[ARGV[i]] = KEYS[i] end
local total = redis.call('ZCARD', KEYS[1])
local ids = redis.call('ZRANGE', KEYS[2], ARGV[1], ARGV[2])
for _, id in ipairs(ids) do
  if not hashes[id] then
    table.insert(ids, 1, '')
    table.insert(ids, 1, total)
    return ids
  end
end
if #ids == 0 then return {total, '[]'} end
local rows = {}
for i, id in ipairs(ids) do rows[i] = pick(hashes[id], want) end
return {total, cjson.encode(rows)}
"""
    )


class QueuePages:
    """Reads pages of the queue with queue_script, declaring the mentions on the page.

    The ids are those the same page had last time, so a page that did not change is one
    round trip; one that did answers its ids and is read again with them.
    """

    def __init__(self, redis: Redis, keys: Keys, fields: Sequence[str]) -> None:
        self.keys = keys
        self.fields = list(fields)
        self._script = redis.register_script(queue_script(fields))
        self._read = redis.register_script(READ)
        self._last: dict[tuple[str, int, int], list[str]] = {}

    async def read(self, order: str, start: int, stop: int) -> tuple[int, str]:
        """Return (open count, the JSON rows of ZRANGE order start stop)."""
        page = (order, start, stop)
        ids = self._last.get(page, [])
        total = 0
        for _ in range(ATTEMPTS):
            keys = [self.keys.queue, order, *map(self.keys.mention, ids)]
            reply: list[Any] = await self._script(keys=keys, args=[start, stop, *ids])
            total = int(reply[0])
            if len(reply) == 2:
                return total, reply[1]
            ids = [_text(mid) for mid in reply[2:]]
            if len(self._last) >= 256:  # pages seen; most readers ask for the first
                self._last.clear()
            self._last[page] = ids
        # Approvals keep changing this page faster than it can be read whole (many agents
        # at its top): serve it as its ids last stood, read in one more call, rather than
        # fail the agent's request. A mention closed in between still shows its row.
        log.info(
            "queue page %s changed between each of %d reads: read as it last was", page, ATTEMPTS
        )
        text = await self._read(keys=[self.keys.mention(mid) for mid in ids], args=self.fields)
        rows = [row for row in orjson.loads(text) if row]  # {}: gone since (expired, deleted)
        return total, orjson.dumps(rows).decode()


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


# KEYS: 1 a mention hash, 2 its follow-ups list; ARGV: the fields to read.
# Returns {HMGET reply, the follow-up ids}: what approving reads, as one command (a
# two-command pipeline cost more in redis-py than the reads).
FOR_CLOSING = """
return {redis.call('HMGET', KEYS[1], unpack(ARGV)), redis.call('LRANGE', KEYS[2], 0, -1)}
"""

# KEYS: 1 a mention hash, 2 its event list as data written before kept it.
# ARGV: the hash's fields the pipeline's steps are filled in from (store/steps.py).
# Returns {the mention's events (JSON), oldest first: those of the old list, then those
# of the hash (`e:1`... up to `e:n`, see lua.LOG); the values of those fields}.
EVENTS = """
local out = redis.call('LRANGE', KEYS[2], 0, -1)
local n = tonumber(redis.call('HGET', KEYS[1], 'e:n') or '0')
if n > 0 then
  local names = {}
  for i = 1, n do names[i] = 'e:' .. i end
  for _, event in ipairs(redis.call('HMGET', KEYS[1], unpack(names))) do
    if event then out[#out + 1] = event end
  end
end
return {out, redis.call('HMGET', KEYS[1], unpack(ARGV))}
"""
EVENT_PREFIX = "e:"  # a mention hash's fields that hold its log, not what it is
