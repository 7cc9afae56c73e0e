"""The monitor's scripts: each reads the trouble, decides and pages in one atomic step.

Reading and deciding inside the script (not in Python before it) is what makes several
processes running the monitor at once safe: none can page on a state another has already
seen clear. The raised marker holds {stage, since} of the outage that was paged; while it
exists the same outage does not page again, and clearing it pages the recovery.

KEYS: 1 what is watched (a source's health hash, or the ingest stream), 2 the raised
marker (keys.alert_raised(subject)), 3 the alerts stream.
ARGV: 1 the alerts stream's MAXLEN, 2 now (epoch s), 3 the threshold (s), 4 the subject,
5 the detail (JSON) the page carries; the script adds since and spans to it.
SOURCE also takes ARGV 6: the health hash's field names and state groups
(`source_health.LUA_SCHEMA`, their one home), so no name is spelled here; and ARGV 7: a
polled source's stall grace in seconds ("" for a push source, which is never stalled);
ARGV 8: when this process started (a stall is judged from no earlier, so a restart after
downtime does not page a stall its first poll is about to end).
Both return {code, wake}: 0 quiet, 1 paged the trouble, 2 already paged, 3 paged the
recovery; `wake` (a string: Lua numbers would be truncated) is when the trouble would
cross its threshold, or "".
"""

_PAGE = """
local MAXLEN, now, after, subject = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local detail = cjson.decode(ARGV[5])
local held = redis.call('GET', KEYS[2])
local raised = held and cjson.decode(held)
local function page(stage, since)
  local key = subject .. ':' .. stage .. ':' .. string.format('%d', math.floor(since))
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', MAXLEN, '*', 'subject', subject,
             'stage', stage, 'cycle', '1', 'key', key, 'at', ARGV[2], 'due', ARGV[2],
             'detail', cjson.encode(detail))
  return key
end
local function raise(stage, since)
  redis.call('SET', KEYS[2], cjson.encode({stage = stage, since = since}))
  detail.since = math.floor(tonumber(since))
  return page(stage, tonumber(since))
end
local function recover()
  redis.call('DEL', KEYS[2])
  local since = tonumber(raised.since)
  detail.was = raised.stage
  detail.since = math.floor(since)
  detail.lasted_s = now - since
  return page('recovered', since)
end
"""

# A source: auth_failed pages at once; down, error or rate_limited page once the outage
# (from `failing_since`, the first failure) has lasted the threshold, and so does stalled
# (from its planned next poll plus the grace); ok pages the recovery.
# An outage whose start differs from the paged one's began after a success nobody saw: the
# old one is recovered first. A source already paged as down that turns auth_failed pages
# again (the fix is a person's); an auth_failed one that turns down does not.
SOURCE = (
    _PAGE
    + """
local f = cjson.decode(ARGV[6])
local h = redis.call('HMGET', KEYS[1], f.state, f.failing_since, f.last_error_at,
                     f.last_success, f.next_poll)
local state = h[1]
local failing = false
for _, outage in ipairs(f.outage) do
  if state == outage then failing = true end
end
local since = nil
local planned = tonumber(h[5] or '')
if planned then planned = math.max(planned, tonumber(ARGV[8])) end
if not failing and planned and ARGV[7] ~= '' and now > planned + tonumber(ARGV[7]) then
  failing, state = true, f.stalled  -- its holder stopped polling: since the grace ran out
  since = string.format('%.3f', planned + tonumber(ARGV[7]))
elseif failing then
  since = h[2] or h[3]
  if since and h[4] and tonumber(h[4]) > tonumber(since) then since = h[3] end
  if not since then
    since = ARGV[2]
    redis.call('HSET', KEYS[1], f.failing_since, since)
  end
end
if raised and (state == f.ok or (failing and raised.since ~= since)) then
  recover()
  if not failing then return {3, ''} end
  raised = nil
  detail.was, detail.lasted_s = nil, nil
end
if not failing then return {0, ''} end
local stage = 'auth_failed'
if state ~= f.auth_failed then
  stage = 'source_down'
  if now - tonumber(since) < after then
    return {0, tostring(tonumber(since) + after)}
  end
end
if raised and (raised.stage == stage or raised.stage == 'auth_failed') then return {2, ''} end
detail.state = state
detail.down_s = now - tonumber(since)
raise(stage, since)
return {1, ''}
"""
)

# The pipeline: the oldest entry on the ingest stream is the oldest mention not yet queued
# (the pipeline deletes each entry in the transaction that acknowledges it, so the stream
# holds only entries nobody read and entries read but not done). Older than the threshold
# pages; the recovery waits until it is under half the threshold, so a lag hovering at the
# threshold does not page again and again.
LAG = (
    _PAGE
    + """
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
local oldest, source = nil, ''
if first then
  local f = first[2]
  for i = 1, #f, 2 do
    if f[i] == 'ingested_at' then oldest = tonumber(f[i + 1]) end
    if f[i] == 'source' then source = f[i + 1] end
  end
  oldest = oldest or tonumber(string.match(first[1], '^(%d+)')) / 1000
end
local lag = oldest and (now - oldest) or 0
if raised then
  if lag < after / 2 then
    recover()
    return {3, ''}
  end
  return {2, ''}
end
if lag < after then
  if oldest then return {0, tostring(oldest + after)} end
  return {0, ''}
end
detail.lag_s = lag
detail.waiting = redis.call('XLEN', KEYS[1])
detail.source = source
raise('pipeline_lag', tostring(oldest))
return {1, ''}
"""
)
