"""Lua scripts of the notifier: grouping pages, claiming a delivery, logging it."""

from responder.store.lua import LOG

# KEYS: 1 the stage's open-group key, 2 the candidate group's hash, 3 its members SET,
#       4 the stage's due ZSET, 5 groups awaiting a summary (ZSET), 6 the entry's delivery
#       marker, 7 the candidate group page's delivery marker, 8 the hash and 9 the members
#       SET of the group to join (the candidate's again when none is named)
# ARGV: 1 candidate group id (fresh), 2 id of the group to join or "", 3 mention id, 4 now,
#       5 window (s), 6 group_min, 7 others (entries of this stage read in the same batch,
#       still to be placed), 8 summary check time (epoch) or "" (no summary), 9 TTL (s) of
#       the group's keys, 10 TTL (s) of the marker, 11 the stage
# The open-group key holds the id of the group gathering this stage; the group is open
# while its key lasts (its window, on Redis's clock) and its `until` has not passed (on
# the caller's clock, the one `now` and the due times are on).
# Joins the open group only when the caller named it (ARGV[2]) and it is still open;
# otherwise opens a new group, always under the fresh candidate id (an id is never opened
# twice, so a new window can never inherit a page already sent), when this stage, those
# read with it and those due within the window make at least group_min; or answers
# "single". The decision is kept on the entry's marker in the same step, so an entry read
# again (a failed page, a restart) keeps it. Returns {"joined", gid} ({"joined", gid,
# "again"} when it joined before: its log may lack the page, if the process died between),
# {"opened", gid, count}, {"single"}, {"done"} (settled before), {"retry", gid} (a group
# is open: call again naming it, with its keys) or {"taken"} (the candidate id was used
# before: call again with another).
GROUP = """
local mark = redis.call('GET', KEYS[6])
if mark then
  if string.sub(mark, 1, 7) == 'opened:' then return {'opened', string.sub(mark, 8), 0} end
  if string.sub(mark, 1, 11) == 'sent:group:' then
    return {'joined', string.sub(mark, 12), 'again'}
  end
  if string.sub(mark, 1, 5) == 'sent:' then return {'done'} end
  return {'single'}
end
local now, window = tonumber(ARGV[4]), tonumber(ARGV[5])
local open = redis.call('GET', KEYS[1])
if open then
  if open ~= ARGV[2] then return {'retry', open} end
  if tonumber(redis.call('HGET', KEYS[8], 'until') or '0') > now then
    redis.call('SADD', KEYS[9], ARGV[3])
    redis.call('SET', KEYS[6], 'sent:group:' .. open, 'EX', ARGV[10])
    return {'joined', open}
  end
end
if redis.call('EXISTS', KEYS[2], KEYS[3], KEYS[7]) > 0 then return {'taken'} end
local coming = redis.call('ZCOUNT', KEYS[4], '(' .. ARGV[4], now + window)
local count = coming + tonumber(ARGV[7]) + 1
if count < tonumber(ARGV[6]) then return {'single'} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', math.floor(window * 1000))
redis.call('HSET', KEYS[2], 'opened', ARGV[4], 'until', now + window, 'count', count,
           'first', ARGV[3], 'stage', ARGV[11])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[9])
redis.call('EXPIRE', KEYS[3], ARGV[9])
if ARGV[8] ~= '' then redis.call('ZADD', KEYS[5], ARGV[8], ARGV[1]) end
redis.call('SET', KEYS[6], 'opened:' .. ARGV[1], 'EX', ARGV[10])
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
  if redis.call('EXISTS', KEYS[k]) == 1 then log(KEYS[1], ARGV[i], KEYS[k], ARGV[2]) end
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
