"""Lua scripts: each state change of a mention is one atomic step in Redis."""

# Every script starts with this: append an event (JSON) to a mention's own log and to the
# global event stream, so the two never disagree and the stream's fields have one shape.
_LOG = """
local function log(global_key, mid, events_key, event)
  redis.call('RPUSH', events_key, event)
  local ev = cjson.decode(event)
  redis.call('XADD', global_key, '*', 'mention', mid, 'type', ev['type'],
             'at', tostring(ev['at']), 'actor', ev['actor'] or '', 'event', event)
end
"""

# KEYS: 1 mention hash, 2 queue, 3 due:warn, 4 due:breach, 5 conversation (or ""),
#       6 mention events, 7 global events, 8 stats
# ARGV: 1 id, 2 deadline, 3 warn_at, 4 prefix root, 5 events JSON array (new head),
#       6 joined event JSON, 7.. hash field/value pairs
# Returns {0, ""} duplicate, {1, id} queued as a new conversation, {2, head} joined one.
ENQUEUE = (
    _LOG
    + """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[8], 'duplicates', 1)
  return {0, ''}
end
local id = ARGV[1]
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
local head = false
if KEYS[5] ~= '' then head = redis.call('GET', KEYS[5]) end
if head then
  redis.call('HSET', KEYS[1], unpack(fields))
  redis.call('HSET', KEYS[1], 'state', 'joined', 'head', head)
  local head_key = ARGV[4] .. ':m:' .. head
  redis.call('HINCRBY', head_key, 'followups', 1)
  redis.call('RPUSH', head_key .. ':followups', id)
  local ev = cjson.decode(ARGV[6])
  ev['head'] = head
  log(KEYS[7], id, KEYS[6], cjson.encode(ev))
  ev['mention'] = id
  log(KEYS[7], head, head_key .. ':events', cjson.encode(ev))
  return {2, head}
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HSET', KEYS[1], 'state', 'queued', 'followups', 0)
redis.call('ZADD', KEYS[2], ARGV[2], id)
redis.call('ZADD', KEYS[3], ARGV[3], id)
redis.call('ZADD', KEYS[4], ARGV[2], id)
if KEYS[5] ~= '' then redis.call('SET', KEYS[5], id) end
for _, event in ipairs(cjson.decode(ARGV[5])) do log(KEYS[7], id, KEYS[6], cjson.encode(event)) end
return {1, id}
"""
)

# KEYS: 1 mention hash, 2 queue, 3 due:warn, 4 due:breach, 5 mention events,
#       6 global events, 7 followups list
# ARGV: 1 id, 2 new state, 3 event JSON, 4 prefix root, 5.. extra field/value pairs
# Returns {1, state} closed, {0, state} not open (state as it was), {-1, ""} unknown,
# {2, agent} claimed by another agent.
CLOSE = (
    _LOG
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {-1, ''} end
if state ~= 'queued' then return {0, state} end
local ev = cjson.decode(ARGV[3])
local holder = redis.call('HGET', KEYS[1], 'claimed_by')
local till = tonumber(redis.call('HGET', KEYS[1], 'claim_until') or '0')
if holder and holder ~= ev['actor'] and till > ev['at'] then return {2, holder} end
local fields = {'state', ARGV[2], 'closed_at', ev['at'], 'closed_by', ev['actor']}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
local conv = redis.call('HGET', KEYS[1], 'conversation')
if conv and conv ~= '' and redis.call('GET', conv) == ARGV[1] then redis.call('DEL', conv) end
for _, follower in ipairs(redis.call('LRANGE', KEYS[7], 0, -1)) do
  redis.call('HSET', ARGV[4] .. ':m:' .. follower, 'state', ARGV[2], 'closed_at', ev['at'])
end
log(KEYS[6], ARGV[1], KEYS[5], ARGV[3])
return {1, ARGV[2]}
"""
)

# KEYS: 1 due ZSET of the stage, 2 global events
# ARGV: 1 now, 2 limit, 3 stage event type (warned, breached), 4 prefix root
# Claims due ids atomically (ZREM in the same script), so each fires once across processes.
SWEEP = (
    _LOG
    + """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[2])
local fired = {}
for i = 1, #ids, 2 do
  local id, due = ids[i], ids[i + 1]
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[4] .. ':m:' .. id
  redis.call('HSET', key, ARGV[3] .. '_at', ARGV[1])
  local event = cjson.encode({type = ARGV[3], at = tonumber(ARGV[1]), actor = 'sla',
                              due = tonumber(due)})
  log(KEYS[2], id, key .. ':events', event)
  fired[#fired + 1] = id
  fired[#fired + 1] = due
end
return fired
"""
)

# KEYS: 1 mention hash, 2 mention events, 3 global events
# ARGV: 1 id, 2 agent, 3 now, 4 claim until, 5 event JSON
# Returns {1, agent} claimed (or renewed), {0, state} not open, {-1, ""} unknown,
# {2, agent} claimed by another agent whose claim has not expired.
CLAIM = (
    _LOG
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {-1, ''} end
if state ~= 'queued' then return {0, state} end
local holder = redis.call('HGET', KEYS[1], 'claimed_by')
local till = tonumber(redis.call('HGET', KEYS[1], 'claim_until') or '0')
local now = tonumber(ARGV[3])
if holder and holder ~= ARGV[2] and till > now then return {2, holder} end
redis.call('HSET', KEYS[1], 'claimed_by', ARGV[2], 'claim_until', ARGV[4])
if holder ~= ARGV[2] or till <= now then
  log(KEYS[3], ARGV[1], KEYS[2], ARGV[5])
end
return {1, ARGV[2]}
"""
)

# KEYS: 1 mention hash, 2 mention events, 3 global events, 4 corrections hash
# ARGV: 1 id, 2 label, 3 event JSON (without `was`)
# Returns 1, or -1 for an unknown mention. The latest correction per mention wins.
CORRECT = (
    _LOG
    + """
local row = redis.call('HMGET', KEYS[1], 'text', 'sentiment_label', 'sentiment_score')
if not row[1] then return -1 end
local ev = cjson.decode(ARGV[3])
ev['was'] = row[2]
redis.call('HSET', KEYS[1], 'sentiment_corrected', ARGV[2], 'corrected_by', ev['actor'])
log(KEYS[3], ARGV[1], KEYS[2], cjson.encode(ev))
redis.call('HSET', KEYS[4], ARGV[1], cjson.encode({text = row[1], label = ARGV[2],
           agent = ev['actor'], at = ev['at'], model_label = row[2], model_score = row[3]}))
return 1
"""
)
