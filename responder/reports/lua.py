"""The one script that applies a batch of counted events to the rollups.

KEYS: 1 the cursor (report_cursor), 2 the backlog gauge, 3.. every key the batch
      touches (hour and day hashes, day lists, mention hashes, the incidents' keys), as
      tally.Tally.payload numbers them.
ARGV: 1 the cursor the batch was read after ("" for none yet), 2 the id of its last
      entry, 3 the batch as JSON (tally.Tally.payload).
Applies the batch only if the cursor is still ARGV[1], and moves it to ARGV[2] in the
same step: each entry is counted once, whichever process gets there first, and a crash
before the script leaves the batch to be read again. Returns 1 applied, 0 the cursor
had moved (another process counted those entries: read on from where it is now).
A mention's mark is written only on a hash that still exists (an expired mention is not
brought back as a stray hash).
"""

_BODY = """
for _, row in ipairs(b.inc) do
  local k = KEYS[row[1]]
  for i = 2, #row, 2 do redis.call('HINCRBY', k, row[i], row[i + 1]) end
end
for _, row in ipairs(b.bl) do
  local open = redis.call('INCRBY', KEYS[2], row[1])
  redis.call('HSET', KEYS[row[2]], 'bl', open)
  redis.call('HSET', KEYS[row[3]], 'bl', open)
end
for _, row in ipairs(b.list) do
  local k = KEYS[row[1]]
  if redis.call('LLEN', k) < b.cap then
    for i = 2, #row do redis.call('RPUSH', k, row[i]) end
    redis.call('LTRIM', k, 0, b.cap - 1)
  end
end
for _, row in ipairs(b.mark) do
  if redis.call('EXISTS', KEYS[row[1]]) == 1 then
    redis.call('HSET', KEYS[row[1]], b.mark_field, row[2])
  end
end
if #b.inc_seen > 0 then
  local seen = {'ZADD', KEYS[b.inc_keys[1]], 'LT'}
  for _, v in ipairs(b.inc_seen) do seen[#seen + 1] = v end
  redis.call(unpack(seen))
end
for i = 1, #b.inc_reply, 2 do
  local k, iid, at = KEYS[b.inc_keys[2]], b.inc_reply[i], b.inc_reply[i + 1]
  local was = tonumber(redis.call('HGET', k, iid) or '')
  if not was or at < was then redis.call('HSET', k, iid, at) end
end
for _, row in ipairs(b.expire) do redis.call('EXPIREAT', KEYS[row[1]], row[2]) end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""

APPLY = (
    """
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
local b = cjson.decode(ARGV[3])
"""
    + _BODY
)


# A rebuild's last step: wipe the counters it recounted and put its counts in their
# place, then move the cursor to the stream entry the rebuild read the logs up to.
# KEYS: 1 the cursor, 2 the backlog gauge, 3.. as APPLY's, then the keys to wipe.
# ARGV: 1 the id of the last stream entry when the logs were read, 2 the batch (as
#       APPLY's, with `wipe`: how many keys at the end of KEYS to delete first, and
#       `gauge`: the backlog before the first event recounted).
# Refuses (0) when the rollup step already counted past ARGV[1]: entries after it would
# be wiped and never counted again, so the rebuild reads the logs anew.
RESET = """
local function id_of(s)
  local ms, seq = string.match(s, '^(%d+)-(%d+)$')
  return tonumber(ms or '0'), tonumber(seq or '0')
end
local cur_ms, cur_seq = id_of(redis.call('GET', KEYS[1]) or '0-0')
local end_ms, end_seq = id_of(ARGV[1])
if cur_ms > end_ms or (cur_ms == end_ms and cur_seq > end_seq) then return 0 end
local b = cjson.decode(ARGV[2])
for i = #KEYS - b.wipe + 1, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('SET', KEYS[2], b.gauge)
""" + _BODY.replace("ARGV[2]", "ARGV[1]")
