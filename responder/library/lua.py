"""Lua for the library: each change of an entry's state is one atomic step."""

# KEYS: 1 the approval (lib:approved:<mid>), 2 the entry hash, 3 the settling ZSET,
#       4 the conversation's watch SET
# ARGV: 1 sent at (epoch s), 2 settle window (s), 3 the mention id
# The reply of an approval written or edited by an agent was sent: it becomes a
# candidate that settles at sent + window. Returns 1, or 0 if there was no such approval
# (sent as a draft as is, or recorded already).
SENT = """
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return 0 end
local settle = tonumber(ARGV[1]) + tonumber(ARGV[2])
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('HSET', KEYS[2], 'id', ARGV[3], 'state', 'candidate', 'sent_at', ARGV[1],
           'settle_at', string.format('%.3f', settle))
redis.call('ZADD', KEYS[3], settle, ARGV[3])
redis.call('SADD', KEYS[4], ARGV[3])
local ttl = redis.call('TTL', KEYS[4])
if ttl < tonumber(ARGV[2]) + 3600 then redis.call('EXPIRE', KEYS[4], tonumber(ARGV[2]) + 3600) end
redis.call('DEL', KEYS[1])
return 1
"""

# KEYS: 1 the settling ZSET, 2 the failed ZSET, then one entry hash per candidate
# ARGV: 1 how long a failed candidate is kept (s), 2 the follow-up's mention id,
#       3 when the follow-up was written (epoch s), 4.. the candidates' ids
# A negative follow-up from the same person in the conversation, written after the reply
# was sent and before it settled, fails the candidate. Returns how many failed.
COMPLAINT = """
local failed = 0
for i = 3, #KEYS do
  local id = ARGV[i + 1]
  local row = redis.call('HMGET', KEYS[i], 'state', 'sent_at', 'settle_at')
  local at = tonumber(ARGV[3])
  if row[1] == 'candidate' and at >= tonumber(row[2]) and at <= tonumber(row[3]) then
    redis.call('HSET', KEYS[i], 'state', 'failed', 'reason', 'complaint',
               'complaint', ARGV[2])
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZADD', KEYS[2], at, id)
    redis.call('EXPIRE', KEYS[i], ARGV[1])
    failed = failed + 1
  end
end
return failed
"""

# KEYS: 1 the settling ZSET, 2 the version, 3 the intents SET, then per candidate its
#       hash and its intent's index ZSET
# ARGV: 1 now (epoch s), then per candidate its id and intent
# Candidates whose window has passed with no complaint become active entries. Returns
# the ids admitted.
ADMIT = """
local admitted = {}
for i = 0, (#ARGV - 1) / 2 - 1 do
  local id, intent = ARGV[2 + 2 * i], ARGV[3 + 2 * i]
  local entry, index = KEYS[4 + 2 * i], KEYS[5 + 2 * i]
  local due = redis.call('ZSCORE', KEYS[1], id)
  if due and tonumber(due) <= tonumber(ARGV[1]) then
    redis.call('ZREM', KEYS[1], id)
    local row = redis.call('HMGET', entry, 'state', 'sent_at')
    if row[1] == 'candidate' then
      redis.call('HSET', entry, 'state', 'active', 'admitted_at', ARGV[1])
      redis.call('ZADD', index, row[2], id)
      redis.call('SADD', KEYS[3], intent)
      admitted[#admitted + 1] = id
    end
  end
end
if #admitted > 0 then redis.call('INCR', KEYS[2]) end
return admitted
"""

# KEYS: 1 the entry hash, 2 its intent's index ZSET, 3 the settling ZSET, 4 the version,
#       5 the intents SET, 6 the global events stream
# ARGV: 1 events MAXLEN, 2 id, 3 the new state (pinned | retired | active), 4 who,
#       5 now (epoch s), 6 intent, 7 the event JSON, 8 the source mention id
# A lead pins, retires or restores an entry (a candidate too: pinning admits it now,
# retiring ends it). Returns {1, old state}, {0, state} for one that cannot change (failed),
# or {-1, ""} for an unknown id.
MARK = """
local row = redis.call('HMGET', KEYS[1], 'state', 'sent_at')
local state = row[1]
if not state then return {-1, ''} end
if state == 'failed' then return {0, state} end
redis.call('HSET', KEYS[1], 'state', ARGV[3], ARGV[3] .. '_by', ARGV[4],
           ARGV[3] .. '_at', ARGV[5])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[2], row[2] or ARGV[5], ARGV[2])
redis.call('SADD', KEYS[5], ARGV[6])
redis.call('INCR', KEYS[4])
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[1], '*', 'mention', ARGV[8],
           'type', cjson.decode(ARGV[7])['type'], 'event', ARGV[7])
return {1, state}
"""
