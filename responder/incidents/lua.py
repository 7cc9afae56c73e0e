"""Lua for incidents: joining one and choosing its queue row are each one atomic step.

Every key arrives in KEYS. A script that can only learn a key by reading (the incident a
clue points to, its current row) answers {3, ...} with what it found, and the caller
calls again with those keys (as the store's scripts do with conversations).
"""

from responder.store.luaconst import lua_set, lua_str
from responder.store.records import OPEN_STATES, State
from responder.store.stages import Stage

# rescore(incidents:open, incidents:rows, queue, priority, a, iid): the first `a.pin_most`
# incidents by severity are pinned above the queue, the rest go by deadline. Only the
# incidents around the pin's edge (the first pin_most + 1) and the one that changed can
# change places, so only their rows are scored again: a storm of incidents costs the
# same per mention as one. Only rows still in the queue move (ZADD XX), so a row answered
# meanwhile never comes back.
_RESCORE = """
local moved = {}  -- rows whose place in the queue changed: announced in the event stream
local function score_row(rows_key, queue, priority, a, iid, pinned)
  local v = redis.call('HGET', rows_key, iid)
  if not v then return end
  local row, deadline, base, sev = string.match(v, '^(%S+) (%S+) (%S+) (%S+)$')
  deadline, base, sev = tonumber(deadline), tonumber(base), tonumber(sev)
  local per_point = 60 / a.per_minute
  local order, rank
  if pinned then
    order = deadline - a.pin - sev * per_point
    rank = deadline - (base + sev) * per_point - a.pin
  else
    order = deadline
    rank = deadline - base * per_point
  end
  local changed = redis.call('ZADD', queue, 'XX', 'CH', order, row)
  if redis.call('ZADD', priority, 'XX', 'CH', rank, row) + changed > 0 then moved[row] = true end
end
-- Every row moved gets a stream entry (type moved, no actor: the pipeline's), so whoever
-- mirrors the queue (store/index_sync.py, the open pages) reads it again.
local function announce(events, maxlen, at)
  for row in pairs(moved) do
    redis.call('XADD', events, 'MAXLEN', '~', maxlen, '*', 'mention', row, 'type', 'moved',
               'at', string.format('%.3f', at))
  end
end
local function rescore(open_key, rows_key, queue, priority, a, changed)
  local seen = false
  for i, iid in ipairs(redis.call('ZRANGE', open_key, 0, a.pin_most)) do
    score_row(rows_key, queue, priority, a, iid, i <= a.pin_most)
    if iid == changed then seen = true end
  end
  if changed and not seen then score_row(rows_key, queue, priority, a, changed, false) end
end
local function info(inc, iid)
  local v = redis.call('HMGET', inc, 'size', 'reach', 'lead', 'severity')
  return cjson.encode({id = iid, size = tonumber(v[1]), reach = tonumber(v[2]), lead = v[3],
                       severity = tonumber(v[4] or '0')})
end
"""

# KEYS: 1 the mention's hash, 2 the incident's hash, 3 its members, 4 its open members,
#       5 its due hash, 6 its spread, 7 incidents:open, 8 incidents:rows, 9 the queue,
#       10 the priority queue, 11 the alerts stream, 12 the row's hash as expected (the
#       mention's own when none), then the clue keys (`a.clues` of them, in order), then
#       the mark keys that are no clues, last the global event stream.
# ARGV: 1 MAXLEN of the alerts stream, 2 JSON: {id, iid: expected incident (the mention's
#       own id for a new one), row: expected row ("" for none), strong: [0|1 per clue],
#       clues: how many, marks: which keys after the 12th to point at the incident, at,
#       created, followers, hand (1: a first-hand report), injury (1: a first-hand
#       injury), deadline, base, product, hazard, window, every, ttl, pin_most,
#       per_minute, pin, events_maxlen, w: {reach, size, size_most, injury}}
# A mention set aside as 无需回复 (a bystander's reaction, a bare repost) is a member, in
# its size, reach and spread, but never the incident's row: only open members are rows,
# and an incident pages when it first has one.
# Returns {1, iid} joined or founded, {2, iid} already a member (a redelivery), {0, ""}
# not open or not a conversation head, {3, iid, row}: call again with these.
ATTACH = (
    lua_set("OPEN", OPEN_STATES)
    + lua_str("NO_REPLY", State.NO_REPLY)
    + lua_str("CRISIS", Stage.CRISIS)
    + _RESCORE
    + """
local a = cjson.decode(ARGV[2])
local m = KEYS[1]
local state = redis.call('HGET', m, 'state')
local aside = state == NO_REPLY
if not state or not (OPEN[state] or aside) then return {0, ''} end
local have = redis.call('HGET', m, 'incident_id')
if have then return {2, have} end
local iid = a.id
for i = 1, a.clues do
  local v = redis.call('GET', KEYS[12 + i])
  if v then
    local found, last = string.match(v, '^(%S+) (%S+)$')
    if a.strong[i] == 1 or math.abs(a.created - tonumber(last)) <= a.window then
      iid = found
      break
    end
  end
end
local inc = KEYS[2]
local row = redis.call('HGET', inc, 'row') or ''
if iid ~= a.iid or row ~= a.row then return {3, iid, row} end
local new = redis.call('EXISTS', inc) == 0
if new then
  redis.call('HSET', inc, 'id', iid, 'product', a.product, 'hazard', a.hazard,
             'opened', a.created, 'last', a.created, 'lead', a.id, 'lead_at', a.created,
             'lead_hand', a.hand, 'size', 0, 'reach', 0, 'injury', 0, 'row', '')
end
local size = redis.call('HINCRBY', inc, 'size', 1)
local reach = redis.call('HINCRBY', inc, 'reach', a.followers)
if a.injury == 1 then redis.call('HSET', inc, 'injury', 1) end
if a.created > tonumber(redis.call('HGET', inc, 'last')) then
  redis.call('HSET', inc, 'last', a.created)
end
local lead_hand = tonumber(redis.call('HGET', inc, 'lead_hand'))
local lead_at = tonumber(redis.call('HGET', inc, 'lead_at'))
if a.hand > lead_hand or (a.hand == lead_hand and a.created < lead_at) then
  redis.call('HSET', inc, 'lead', a.id, 'lead_at', a.created, 'lead_hand', a.hand)
end
redis.call('ZADD', KEYS[3], a.created, a.id)
if not aside then
  redis.call('ZADD', KEYS[4], a.hand == 1 and a.created or a.created + 1e10, a.id)
  redis.call('HSET', KEYS[5], a.id, a.deadline .. ' ' .. a.base)
end
local bucket = math.floor(a.created / a.every) * a.every
redis.call('HINCRBY', KEYS[6], string.format('%d', bucket), 1)
for _, i in ipairs(a.marks) do
  redis.call('SET', KEYS[12 + i], iid .. ' ' .. a.created, 'EX', a.ttl)
end
for k = 2, 6 do redis.call('EXPIRE', KEYS[k], a.ttl) end
local top = redis.call('ZRANGE', KEYS[4], 0, 0)[1] or ''
if top ~= row and top ~= '' then
  if row ~= '' then
    redis.call('ZREM', KEYS[9], row)
    redis.call('ZREM', KEYS[10], row)
    moved[row] = true
  end
  redis.call('HSET', inc, 'row', top)
end
if top ~= a.id and redis.call('ZREM', KEYS[9], a.id) + redis.call('ZREM', KEYS[10], a.id) > 0 then
  moved[a.id] = true
end
local w = a.w
local sev = w.reach * math.log10(reach + 1) + w.size * math.min(size, w.size_most)
if tonumber(redis.call('HGET', inc, 'injury')) == 1 then sev = sev + w.injury end
sev = math.floor(sev * 10 + 0.5) / 10
redis.call('HSET', inc, 'severity', sev)
if top ~= '' then
  redis.call('ZADD', KEYS[7], -sev, iid)
  local due = redis.call('HGET', KEYS[5], top)
  redis.call('HSET', KEYS[8], iid, top .. ' ' .. due .. ' ' .. sev)
end
local text = info(inc, iid)
redis.call('HSET', m, 'incident_id', iid, 'incident', text)
if top ~= a.id and top ~= '' then redis.call('HSET', KEYS[12], 'incident', text) end
rescore(KEYS[7], KEYS[8], KEYS[9], KEYS[10], a, iid)
if top ~= '' and redis.call('HSETNX', inc, 'paged', 1) == 1 then
  redis.call('XADD', KEYS[11], 'MAXLEN', '~', ARGV[1], '*', 'mention', top,
             'stage', CRISIS, 'cycle', '1', 'key', iid .. ':' .. CRISIS .. ':1',
             'due', a.at, 'at', a.at, 'incident', iid)
end
announce(KEYS[#KEYS], a.events_maxlen, a.at)
return {1, iid}
"""
)

# After a member was answered or dismissed: it leaves the open members, and the next one
# (first-hand reports first) becomes the incident's row in the queue.
# KEYS: 1 the incident's hash, 2 its open members, 3 its due hash, 4 incidents:open,
#       5 incidents:rows, 6 the queue, 7 the priority queue, 8 the next row's hash as
#       expected (the incident's hash when none is expected), 9 the global event stream.
# ARGV: 1 the closed member, 2 JSON {iid, top: expected next row or "", pin_most,
#       per_minute, pin, events_maxlen, at}
# Returns {1, row} done ("" when every member is answered), {3, row}: call again.
REPIN = (
    lua_set("OPEN", OPEN_STATES)
    + _RESCORE
    + """
local a = cjson.decode(ARGV[2])
local inc = KEYS[1]
redis.call('ZREM', KEYS[2], ARGV[1])
local top = redis.call('ZRANGE', KEYS[2], 0, 0)[1] or ''
if top ~= a.top then return {3, top} end
if top ~= '' and not OPEN[redis.call('HGET', KEYS[8], 'state') or ''] then
  redis.call('ZREM', KEYS[2], top)  -- answered without us hearing of it
  return {3, redis.call('ZRANGE', KEYS[2], 0, 0)[1] or ''}
end
if redis.call('EXISTS', inc) == 0 then return {1, ''} end
if top == '' then
  redis.call('HSET', inc, 'row', '')
  redis.call('ZREM', KEYS[4], a.iid)
  redis.call('HDEL', KEYS[5], a.iid)
  rescore(KEYS[4], KEYS[5], KEYS[6], KEYS[7], a, nil)
  announce(KEYS[9], a.events_maxlen, a.at)
  return {1, ''}
end
local due = redis.call('HGET', KEYS[3], top) or '0 0'
local sev = redis.call('HGET', inc, 'severity') or '0'
if redis.call('HGET', inc, 'row') ~= top then
  redis.call('HSET', inc, 'row', top)
  local deadline = string.match(due, '^(%S+)')
  redis.call('ZADD', KEYS[6], deadline, top)
  redis.call('ZADD', KEYS[7], deadline, top)
  moved[top] = true
  redis.call('HSET', KEYS[8], 'incident', info(inc, a.iid))
end
redis.call('ZADD', KEYS[4], -tonumber(sev), a.iid)
redis.call('HSET', KEYS[5], a.iid, top .. ' ' .. due .. ' ' .. sev)
rescore(KEYS[4], KEYS[5], KEYS[6], KEYS[7], a, a.iid)
announce(KEYS[9], a.events_maxlen, a.at)
return {1, top}
"""
)
