"""Lua for the outbox: each step of a send is one atomic state change of its mention.

A send is named by its key (mention id and approval count, set when the reply was
approved); a step for a key the mention no longer carries changes nothing, so a stale
stream entry or a second process can never send twice.
"""

from responder.store.lua import LOG

# KEYS: 1 mention hash, 2 mention events, 3 global events
# ARGV: 1 events MAXLEN, 2 id, 3 send key, 4 consumer, 5 now, 6 seconds after which
#       another consumer's send in flight counts as abandoned, 7 event JSON
# Returns {"go"} (now sending), {"unsure"} (a send was in flight when its process
# stopped: its outcome is unknown, `send_unknown` says so until a reply is confirmed;
# check before sending again), {"busy"} (another consumer is sending),
# {"done", state} (nothing to do) or {"gone"} (the mention expired).
BEGIN = (
    LOG
    + """
local row = redis.call('HMGET', KEYS[1], 'state', 'send_key', 'sending_by', 'sending_at')
local state = row[1]
if not state then return {'gone'} end
if row[2] ~= ARGV[3] then return {'done', state} end
if state == 'approved' then
  redis.call('HSET', KEYS[1], 'state', 'sending', 'sending_by', ARGV[4], 'sending_at', ARGV[5])
  redis.call('HINCRBY', KEYS[1], 'send_attempts', 1)
  log(KEYS[3], ARGV[2], KEYS[1], ARGV[7])
  return {'go'}
end
if state == 'sending' then
  local age = tonumber(ARGV[5]) - tonumber(row[4] or '0')
  if row[3] ~= ARGV[4] and age < tonumber(ARGV[6]) then return {'busy'} end
  redis.call('HSET', KEYS[1], 'sending_by', ARGV[4], 'sending_at', ARGV[5],
             'send_unknown', '1')
  return {'unsure'}
end
return {'done', state}
"""
)

# KEYS: 1 mention hash, 2 mention events, 3 global events, 4 queue, 5 priority queue,
#       6 outbox retry ZSET, 7 manual ZSET
# ARGV: 1 events MAXLEN, 2 id, 3 send key, 4 outcome: sent | manual | failed | retry,
#       5 event JSON, 6 retry at (retry) or now (manual), 7 queue score, 8 priority
#       score (failed), 9 retention TTL (s) of a closed mention, 10.. field/value pairs
# A failed reply goes back in the queue (it stays there until answered: no expiry); a
# retry goes back to "approved" and into the retry ZSET; a manual one waits in the manual
# ZSET for a person. A confirmed reply (sent) clears `send_unknown`; every other outcome
# keeps it (an earlier attempt may still have gone out). Returns 1, or 0 if the mention
# is not sending this key any more.
# A reply confirmed late (its process stalled, and another took the send over) is never
# lost: if the mention still waits, marked 可能已发出, on this very send, it is sent now;
# otherwise the confirmation goes in the log with its reply id (`late`) and 2 is returned.
END = (
    LOG
    + """
local row = redis.call('HMGET', KEYS[1], 'state', 'send_key', 'send_unknown')
local outcome = ARGV[4]
local fields = {'state', outcome}
if outcome == 'retry' then fields[2] = 'approved' end
for i = 10, #ARGV do fields[#fields + 1] = ARGV[i] end
if row[1] ~= 'sending' or row[2] ~= ARGV[3] then
  if outcome ~= 'sent' or not row[1] then return 0 end
  local ev = cjson.decode(ARGV[5])
  ev['late'] = true
  if row[1] ~= 'failed' or row[2] ~= ARGV[3] or row[3] ~= '1' then
    log(KEYS[3], ARGV[2], KEYS[1], cjson.encode(ev))
    return 2
  end
  redis.call('HDEL', KEYS[1], 'send_unknown', 'send_error')
  redis.call('HSET', KEYS[1], unpack(fields))
  redis.call('ZREM', KEYS[4], ARGV[2])
  redis.call('ZREM', KEYS[5], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[9])
  redis.call('EXPIRE', KEYS[2], ARGV[9])
  log(KEYS[3], ARGV[2], KEYS[1], cjson.encode(ev))
  return 1
end
redis.call('HDEL', KEYS[1], 'sending_by', 'sending_at')
if outcome == 'sent' then redis.call('HDEL', KEYS[1], 'send_unknown') end
redis.call('HSET', KEYS[1], unpack(fields))
if outcome == 'retry' then
  redis.call('ZADD', KEYS[6], ARGV[6], ARGV[2] .. ' ' .. ARGV[3])
elseif outcome == 'manual' then
  redis.call('ZADD', KEYS[7], ARGV[6], ARGV[2])
elseif outcome == 'failed' then
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[2])
  redis.call('ZADD', KEYS[5], ARGV[8], ARGV[2])
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
log(KEYS[3], ARGV[2], KEYS[1], ARGV[5])
return 1
"""
)

# KEYS: 1 outbox retry ZSET, 2 outbox stream
# ARGV: 1 now, 2 how many at most
# Moves the retries due by now back into the outbox stream; returns how many.
DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(due) do
  local sep = string.find(member, ' ', 1, true)
  redis.call('ZREM', KEYS[1], member)
  redis.call('XADD', KEYS[2], '*', 'mention', string.sub(member, 1, sep - 1),
             'key', string.sub(member, sep + 1))
end
return #due
"""

# KEYS: 1 mention hash, 2 mention events, 3 global events, 4 manual ZSET
# ARGV: 1 events MAXLEN, 2 id, 3 event JSON, 4.. field/value pairs
# A person posted a manual reply and says so. Returns 1, or {0, state} if not manual.
MARK_SENT = (
    LOG
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {-1, ''} end
if state ~= 'manual' then return {0, state} end
redis.call('HSET', KEYS[1], 'state', 'sent', unpack(ARGV, 4))
redis.call('ZREM', KEYS[4], ARGV[2])
log(KEYS[3], ARGV[2], KEYS[1], ARGV[3])
return {1, 'sent'}
"""
)
