"""Lua scripts of the notifier: grouping pages, claiming a delivery, logging it."""

from responder.store.lua import LOG

# KEYS: 1 the stage's open-group key, 2 candidate group hash, 3 its members SET, 4 the
#       stage's due ZSET, 5 groups awaiting a summary (ZSET), 6 the entry's delivery marker
# ARGV: 1 candidate group id, 2 mention id, 3 now, 4 window (s), 5 group_min, 6 others
#       (entries of this stage read in the same batch, still to be placed), 7 summary
#       check time (epoch) or "" (no summary), 8 TTL (s) of the group's keys, 9 TTL (s)
#       of the marker, 10 the stage
# Joins the open group (the one whose window has not passed), or opens one when this
# warning, those read with it and those due within the window make at least group_min,
# or answers "single". The decision is kept on the entry's marker, so an entry read again
# (a failed page, a restart) keeps it. Returns {"joined", gid}, {"opened", gid, count},
# {"single"}, {"done"} (settled before) or {"retry", gid} when the open group is not the
# candidate (call again with its keys).
GROUP = """
local mark = redis.call('GET', KEYS[6])
if mark then
  if string.sub(mark, 1, 7) == 'opened:' then return {'opened', string.sub(mark, 8), 0} end
  if string.sub(mark, 1, 5) == 'sent:' then return {'done'} end
  return {'single'}
end
local open = redis.call('GET', KEYS[1])
if open and open ~= ARGV[1] then return {'retry', open} end
if open then
  redis.call('SADD', KEYS[3], ARGV[2])
  redis.call('SET', KEYS[6], 'sent:group:' .. open, 'EX', ARGV[9])
  return {'joined', open}
end
local now, window = tonumber(ARGV[3]), tonumber(ARGV[4])
local coming = redis.call('ZCOUNT', KEYS[4], '(' .. ARGV[3], now + window)
local count = coming + tonumber(ARGV[6]) + 1
if count < tonumber(ARGV[5]) then return {'single'} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', math.floor(window * 1000))
redis.call('HSET', KEYS[2], 'opened', ARGV[3], 'until', now + window, 'count', count,
           'first', ARGV[2], 'stage', ARGV[10])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[8])
redis.call('EXPIRE', KEYS[3], ARGV[8])
if ARGV[7] ~= '' then redis.call('ZADD', KEYS[5], ARGV[7], ARGV[1]) end
redis.call('SET', KEYS[6], 'opened:' .. ARGV[1], 'EX', ARGV[9])
return {'opened', ARGV[1], count}
"""

# KEYS: 1 the alert's delivery marker
# ARGV: 1 this consumer, 2 lease (ms)
# Returns {"go"} (the marker is ours for the lease), {"sent", how} (delivered before:
# do not page again) or {"busy", holder} (another process is delivering it now).
CLAIM = """
local mine = 'sending:' .. ARGV[1]
if redis.call('SET', KEYS[1], mine, 'NX', 'PX', ARGV[2]) then return {'go'} end
local value = redis.call('GET', KEYS[1])
if not value then
  redis.call('SET', KEYS[1], mine, 'PX', ARGV[2])
  return {'go'}
end
if string.sub(value, 1, 5) == 'sent:' then return {'sent', string.sub(value, 6)} end
if value == mine then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'go'}
end
return {'busy', string.sub(value, 9)}
"""

# KEYS: 1 the alert's delivery marker
# ARGV: 1 this consumer
# Gives a claim back after a failed delivery, so the retry (here or elsewhere) may go.
RELEASE = """
if redis.call('GET', KEYS[1]) == 'sending:' .. ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""

# KEYS: 1 global events, then per mention its hash and its events list
# ARGV: 1 events MAXLEN, 2 event JSON, 3.. mention ids
# Logs a paging event on each mention that still exists (an expired one gets no new log).
LOG_ALERT = (
    LOG
    + """
for i = 3, #ARGV do
  local k = 2 + 2 * (i - 3)
  if redis.call('EXISTS', KEYS[k]) == 1 then log(KEYS[1], ARGV[i], KEYS[k + 1], ARGV[2]) end
end
return 1
"""
)

# KEYS: 1 groups awaiting a summary
# ARGV: 1 now, 2 lease until, 3.. group ids
# Takes the groups still due for this process for a lease (a crash hands them on when it
# ends); returns the ids taken.
TAKE = """
local taken = {}
for i = 3, #ARGV do
  local at = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if at and tonumber(at) <= tonumber(ARGV[1]) then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[i])
    taken[#taken + 1] = ARGV[i]
  end
end
return taken
"""
