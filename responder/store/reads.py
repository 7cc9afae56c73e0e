"""The Lua that reads views of mentions: one round trip and one reply string each.

A view picks its fields from HGETALL with a table look-up: an HMGET of ~45 fields scans
the hash's ziplist once per field (12 us a mention in Redis against 2.5 us). The rows go
back as one JSON text (cjson in Redis, orjson here): a reply of ~2,000 elements cost more
to build and to parse than the text. Measured in docs/ui/performance.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

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

    KEYS: 1 the queue (counted), 2 the order read (the queue or the priority order).
    ARGV: 1 key root ("{prefix}"), 2 start, 3 stop (ZRANGE's, inclusive).
    Returns {open count, JSON array of the page's rows}. Mention hashes are named from the
    root, as the filter walk names them (responder/store/filters.py): they share the
    queue's hash tag, so they are in its slot on Redis Cluster."""
    want = ", ".join(f"[{json.dumps(f)}] = true" for f in fields)
    return (
        _PICK
        + f"local want = {{{want}}}\n"
        + """
local total = redis.call('ZCARD', KEYS[1])
local ids = redis.call('ZRANGE', KEYS[2], ARGV[2], ARGV[3])
if #ids == 0 then return {total, '[]'} end
local rows = {}
for i, id in ipairs(ids) do rows[i] = pick(ARGV[1] .. ':m:' .. id, want) end
return {total, cjson.encode(rows)}
"""
    )


# KEYS: 1 a mention hash, 2 its follow-ups list; ARGV: the fields to read.
# Returns {HMGET reply, the follow-up ids}: what approving reads, as one command (a
# two-command pipeline cost more in redis-py than the reads).
FOR_CLOSING = """
return {redis.call('HMGET', KEYS[1], unpack(ARGV)), redis.call('LRANGE', KEYS[2], 0, -1)}
"""
