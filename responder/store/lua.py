"""Lua scripts: each state change of a mention is one atomic step in Redis.

Every key a script touches arrives in KEYS (Redis Cluster routes a call by its keys, and
all of ours share one hash tag). Where a script needs keys it can only learn by reading
(a conversation's head, a head's follow-ups), the caller reads them first and passes
them with what it expects; the script checks and answers "retry" (3) if they changed.
ARGV[1] is always the MAXLEN of the global event stream.
"""

from responder.store.enqueue import CONTEXT_KEPT
from responder.store.luaconst import lua_set, lua_str
from responder.store.people import HISTORY_KEPT
from responder.store.records import OPEN_STATES, PIPELINE
from responder.store.stages import Stage

# Append an event (JSON) to a mention's own log and to the capped global event stream, so
# the two never disagree and the stream's entries have one shape.
# A mention's log lives in its own hash: field `e:n` counts its events and `e:1`, `e:2`...
# hold them, oldest first (a list key of its own cost ~260 bytes a mention more: its key,
# dict entry and quicklist). Each event is small, so the hash stays compact (values up to
# 1 KB, see store/embedded.py). Every script logs only on a mention it found. Data written
# before kept the log in a list `{root}:m:<id>:events`: it is read before the hash's
# events and expires with its mention (the scripts that set a mention's TTL set the
# list's too), so the KEYS that name a mention's "events" name that old list.
# The pipeline's own steps for every mention (taken in, scored, then queued or set aside)
# are kept in its log without what its hash holds (`kept`: store/steps.py), together in
# one field as a JSON array (`e:1`: two fields fewer, ~17 bytes; steps.logged reads a
# field holding an array as its events, in order), and go to the
# stream as one entry (`log_steps`), that of the last step, whose `before` lists
# the steps before it as JSON [type, at, actor], or [type] when at and actor are the
# entry's own (records.stream_events reads them back). Queued, scored and taken in are
# brief there (type, time and actor; no actor: the pipeline's): their details stay in the
# mention's log. Three entries a mention cost ~285 bytes, one ~110; what people do is
# kept there in full.
LOG = (
    lua_str("PIPELINE", PIPELINE)
    + """
local MAXLEN = ARGV[1]
local BRIEF = {ingested = true, scored = true, queued = true}
local function keep(hash_key, event)
  local n = redis.call('HINCRBY', hash_key, 'e:n', 1)
  redis.call('HSET', hash_key, 'e:' .. n, event)
end
local function publish(global_key, mid, event, ...)
  local ev = cjson.decode(event)
  local entry = {'XADD', global_key, 'MAXLEN', '~', MAXLEN, '*', 'mention', mid,
                 'type', ev['type']}
  if BRIEF[ev['type']] then
    entry[#entry + 1] = 'at'
    entry[#entry + 1] = string.format('%.3f', ev['at'])
    if ev['actor'] ~= PIPELINE then
      entry[#entry + 1] = 'actor'
      entry[#entry + 1] = ev['actor']
    end
  else
    entry[#entry + 1] = 'event'
    entry[#entry + 1] = event
  end
  for _, value in ipairs({...}) do entry[#entry + 1] = value end
  redis.call(unpack(entry))
end
local function log(global_key, mid, hash_key, event)
  keep(hash_key, event)
  publish(global_key, mid, event)
end
local function log_steps(global_key, mid, hash_key, events, kept)
  local last = cjson.decode(events[#events])
  local before = {}
  keep(hash_key, '[' .. table.concat(kept, ',') .. ']')
  for i, event in ipairs(events) do
    if i < #events then
      local ev = cjson.decode(event)
      if ev['at'] == last['at'] and ev['actor'] == last['actor'] then
        before[i] = {ev['type']}
      else
        before[i] = {ev['type'], ev['at'], ev['actor']}
      end
    end
  end
  if #before == 0 then
    publish(global_key, mid, events[#events])
  else
    publish(global_key, mid, events[#events], 'before', cjson.encode(before))
  end
end
"""
)

# Refuse an agent's action unless the mention is open and nobody else holds an unexpired
# claim on it: return the refusal ({-1, ""} unknown, {0, state} not open, {2, holder}
# claimed), or nil to go ahead.
_OPEN = (
    lua_set("OPEN", OPEN_STATES)
    + """
local function refusal(key, actor, now)
  local state = redis.call('HGET', key, 'state')
  if not state then return {-1, ''} end
  if not OPEN[state] then return {0, state} end
  local holder = redis.call('HGET', key, 'claimed_by')
  local till = tonumber(redis.call('HGET', key, 'claim_until') or '0')
  if holder and holder ~= actor and till > now then return {2, holder} end
  return nil
end
"""
)

# The open-and-unclaimed check, for scripts elsewhere that act like a close; with
# `refused_or_held`, also not waiting out an approval's send delay ({6, approver}).
REFUSAL = (
    _OPEN
    + """
local function refused_or_held(key, actor, now)
  local refused = refusal(key, actor, now)
  if refused then return refused end
  local holder = redis.call('HGET', key, 'held_by')
  if holder then return {6, holder} end
  return nil
end
"""
)

# KEYS: 1 mention hash, 2 queue, 3 due:warn, 4 due:breach, 5 mention events,
#       6 global events, 7 followups list, 8 seen marker, 9 priority queue, 10 draft
#       stats, 11 what the thread was told (or the stats key again when there is no
#       thread), 12 outbox stream, 13 due:escalate, 14 the thread's context list (or the
#       stats key again), 15 no-reply ZSET, 16 the author's history ZSET (or the stats
#       key again), [17 conversation], then per follow-up its hash, its events list and
#       its seen marker.
# ARGV: 1 events MAXLEN, 2 id, 3 new state, 4 event JSON, 5 retention TTL (s),
#       6 dedupe TTL (s), 7 expected conversation key ("" if none), 8 expected follow-up
#       count, 9 bookkeeping JSON or "": {counts: {template|outcome: n}, said: [sentences],
#       ctx: the reply as a context entry or ""} (what agents did with the drafts, what
#       the author was told, what the thread's context keeps of it), 10 the mention's
#       score in its author's history (when it was written; "" for none: store/people.py),
#       11.. extra field/value pairs
# Approving (state "approved") also puts the reply in the outbox with a send key of its
# own (the mention id and its approval count), in the same step.
# A reply whose last send may have gone out (`send_unknown`) is approved again only when
# the event says `resend` (a person checked the platform and confirmed).
# An approval held for its send delay (responder/outbox/holds.py) blocks every other close;
# committing it passes its `held_until` as the event's `held`.
# Returns {1, state} closed, {0, state} not open (state as it was), {-1, ""} unknown,
# {2, agent} claimed by another agent, {4, "maybe_sent"} a resend not confirmed,
# {6, agent} an approval of `agent` waits out its send delay, or
# {3, conversation, follow-up ids...} when the keys passed do not match: call again
# with those.
CLOSE = (
    LOG
    + _OPEN
    + f"local CONTEXT_KEPT = {CONTEXT_KEPT}\n"
    + f"local HISTORY_KEPT = {HISTORY_KEPT}\n"
    + """
local ev = cjson.decode(ARGV[4])
local refused = refusal(KEYS[1], ev['actor'], ev['at'])
if refused then return refused end
local held = redis.call('HMGET', KEYS[1], 'held_by', 'held_until')
if held[1] and ev['held'] ~= held[2] then return {6, held[1]} end
if ARGV[3] == 'approved' and not ev['resend']
   and redis.call('HGET', KEYS[1], 'send_unknown') == '1' then
  return {4, 'maybe_sent'}
end
local conv = redis.call('HGET', KEYS[1], 'conversation') or ''
local n = redis.call('LLEN', KEYS[7])
if conv ~= ARGV[7] or n ~= tonumber(ARGV[8]) then
  local retry = {3, conv}
  for _, follower in ipairs(redis.call('LRANGE', KEYS[7], 0, -1)) do
    retry[#retry + 1] = follower
  end
  return retry
end
local fields = {'state', ARGV[3], 'closed_at', ev['at'], 'closed_by', ev['actor']}
for i = 11, #ARGV do fields[#fields + 1] = ARGV[i] end
if ARGV[3] == 'approved' then
  local key = ARGV[2] .. ':' .. redis.call('HINCRBY', KEYS[1], 'approvals', 1)
  fields[#fields + 1] = 'send_key'
  fields[#fields + 1] = key
  redis.call('XADD', KEYS[12], '*', 'mention', ARGV[2], 'key', key)
end
redis.call('HDEL', KEYS[1], 'send_error', 'resend_by', 'held', 'held_by', 'held_until')
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('ZREM', KEYS[9], ARGV[2])
redis.call('ZREM', KEYS[13], ARGV[2])
redis.call('ZREM', KEYS[15], ARGV[2])
local f = 17
if conv ~= '' then
  if redis.call('GET', KEYS[17]) == ARGV[2] then redis.call('DEL', KEYS[17]) end
  f = 18
end
local ttl = ARGV[5]
if ARGV[10] ~= '' then
  -- the customer's history: indexed once closed, the newest kept, expiring with it
  redis.call('ZADD', KEYS[16], ARGV[10], ARGV[2])
  redis.call('ZREMRANGEBYRANK', KEYS[16], 0, -HISTORY_KEPT - 1)
  redis.call('EXPIRE', KEYS[16], ttl)
end
if ARGV[9] ~= '' then
  local book = cjson.decode(ARGV[9])
  for field, count in pairs(book.counts) do redis.call('HINCRBY', KEYS[10], field, count) end
  if #book.said > 0 then
    redis.call('SADD', KEYS[11], unpack(book.said))
    redis.call('EXPIRE', KEYS[11], ttl)
  end
  if (book.ctx or '') ~= '' then
    redis.call('RPUSH', KEYS[14], book.ctx)
    redis.call('LTRIM', KEYS[14], -CONTEXT_KEPT, -1)
    redis.call('EXPIRE', KEYS[14], ttl)
  end
end
-- While open, a mention's hash keeps re-deliveries out; once it may expire, the small
-- seen marker does, for longer.
redis.call('SET', KEYS[8], '1', 'EX', ARGV[6])
for j = 0, n - 1 do
  local base = f + 3 * j
  redis.call('HSET', KEYS[base], 'state', ARGV[3], 'closed_at', ev['at'])
  redis.call('EXPIRE', KEYS[base], ttl)
  redis.call('EXPIRE', KEYS[base + 1], ttl)
  redis.call('SET', KEYS[base + 2], '1', 'EX', ARGV[6])
end
log(KEYS[6], ARGV[2], KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[5], ttl)
redis.call('EXPIRE', KEYS[7], ttl)
return {1, ARGV[3]}
"""
)

# KEYS: 1 due ZSET of the stage, 2 global events, 3 alerts stream, 4 the next stage's
#       due ZSET (due:breach when warning, due:escalate when breaching), then per
#       candidate id its hash and its events list.
# ARGV: 1 events MAXLEN, 2 now, 3 stage event type (warned, breached, escalated),
#       4 seconds from breach to escalation as JSON {"*": s, "weibo": s, "weibo/acct": s}
#       (read when breaching), 5.. candidate ids
# A mention whose approval waits out its send delay is not fired but looked at again 5 s
# after the delay ends: committed, it has left the due ZSET; undone, it fires then.
# Fires a candidate only if it is still due (ZREM in the same script), so each stage fires
# once across processes, and appends it to the alerts stream in the same step for the
# notifier (key: mention, stage and cycle; a mention's stages fire once per cycle, and a
# reopened conversation is a new head mention, so the cycle is 1 today). A mention waits
# in one due ZSET at a time, that of its next stage (a member costs ~120 bytes): the
# warning schedules the breach at the mention's deadline, and a breach nobody
# acknowledged schedules the escalation; an acknowledged mention never escalates. (Data
# written before has a waiting mention in due:breach too: the warning's ZADD changes
# nothing there.)
# Returns a flat list of (id, due) for each fired.
SWEEP = (
    LOG
    + "local HELD_GRACE = 5\n"
    + lua_str("WARNED", Stage.WARNED)
    + lua_str("BREACHED", Stage.BREACHED)
    + """
local fired = {}
local after = nil
if ARGV[3] == BREACHED then after = cjson.decode(ARGV[4]) end
for i = 5, #ARGV do
  local id = ARGV[i]
  local due = redis.call('ZSCORE', KEYS[1], id)
  local k = 5 + 2 * (i - 5)
  local held = redis.call('HGET', KEYS[k], 'held_until')
  if due and held and tonumber(due) <= tonumber(ARGV[2]) then
    -- approved, waiting out its send delay: looked at again after it (gone once it closes)
    redis.call('ZADD', KEYS[1], math.max(tonumber(held), tonumber(ARGV[2])) + HELD_GRACE, id)
  elseif due and tonumber(due) <= tonumber(ARGV[2]) then
    redis.call('ZREM', KEYS[1], id)
    local row = redis.call('HMGET', KEYS[k], 'platform', 'account', 'acked_at', 'deadline')
    redis.call('HSET', KEYS[k], ARGV[3] .. '_at', ARGV[2])
    local event = cjson.encode({type = ARGV[3], at = tonumber(ARGV[2]), actor = 'sla',
                                due = tonumber(due)})
    log(KEYS[2], id, KEYS[k], event)
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', MAXLEN, '*', 'mention', id,
               'stage', ARGV[3], 'cycle', '1', 'key', id .. ':' .. ARGV[3] .. ':1',
               'due', due, 'at', ARGV[2])
    if ARGV[3] == WARNED and row[4] then
      redis.call('ZADD', KEYS[4], row[4], id)
    elseif after and row[1] and not row[3] then
      local wait = after[row[1] .. '/' .. (row[2] or '')] or after[row[1]] or after['*']
      redis.call('ZADD', KEYS[4], tonumber(due) + wait, id)
    end
    fired[#fired + 1] = id
    fired[#fired + 1] = due
  end
end
return fired
"""
)

# KEYS: 1 mention hash, 2 mention events, 3 global events
# ARGV: 1 events MAXLEN, 2 id, 3 agent, 4 now, 5 claim until, 6 event JSON
# Returns {1, agent} claimed (or renewed), {0, state} not open, {-1, ""} unknown,
# {2, agent} claimed by another agent whose claim has not expired.
CLAIM = (
    LOG
    + _OPEN
    + """
local now = tonumber(ARGV[4])
local refused = refusal(KEYS[1], ARGV[3], now)
if refused then return refused end
local holder = redis.call('HGET', KEYS[1], 'claimed_by')
local till = tonumber(redis.call('HGET', KEYS[1], 'claim_until') or '0')
redis.call('HSET', KEYS[1], 'claimed_by', ARGV[3], 'claim_until', ARGV[5])
if holder ~= ARGV[3] or till <= now then
  log(KEYS[3], ARGV[2], KEYS[1], ARGV[6])
else  -- renewed: not in its log, but whoever shows claims learns the new expiry
  local ev = cjson.decode(ARGV[6])
  ev['type'] = 'claim_renewed'
  publish(KEYS[3], ARGV[2], cjson.encode(ev))
end
return {1, ARGV[3]}
"""
)

# KEYS: 1 mention hash, 2 mention events, 3 global events, 4 training stream
# ARGV: 1 events MAXLEN, 2 id, 3 label, 4 event JSON (without `was`), 5 training MAXLEN
# Returns 1, or -1 for an unknown mention. Readers keep the latest correction per mention.
CORRECT = (
    LOG
    + """
local row = redis.call('HMGET', KEYS[1], 'text', 'sentiment_label', 'sentiment_score')
if not row[1] then return -1 end
local ev = cjson.decode(ARGV[4])
ev['was'] = row[2]
redis.call('HSET', KEYS[1], 'sentiment_corrected', ARGV[3], 'corrected_by', ev['actor'])
log(KEYS[3], ARGV[2], KEYS[1], cjson.encode(ev))
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'mention', ARGV[2], 'sample',
           cjson.encode({text = row[1], label = ARGV[3], agent = ev['actor'], at = ev['at'],
                         model_label = row[2], model_score = row[3]}))
return 1
"""
)

# KEYS: per mention its seen marker and its hash, then the "said" sets of some threads,
#       then the context lists of some threads
# ARGV: 1 the number of mentions, 2 the number of said sets
# Returns {known, sets, contexts}: per mention 0 if neither key exists (new), else the
# ingest entry that queued it ('' when not known: only the seen marker is left), per said
# set its members, and per context list its entries. One call where a pipeline spent its
# time packing commands.
LOOKUP = """
local n = tonumber(ARGV[1])
local known = {}
for i = 1, n do
  if redis.call('EXISTS', KEYS[2 * i]) == 1 then
    known[i] = redis.call('HGET', KEYS[2 * i], 'entry') or ''
  elseif redis.call('EXISTS', KEYS[2 * i - 1]) == 1 then
    known[i] = ''
  else
    known[i] = 0
  end
end
local said, ctx = {}, {}
local m = 2 * n + tonumber(ARGV[2])
for j = 2 * n + 1, m do said[#said + 1] = redis.call('SMEMBERS', KEYS[j]) end
for j = m + 1, #KEYS do ctx[#ctx + 1] = redis.call('LRANGE', KEYS[j], 0, -1) end
return {known, said, ctx}
"""
