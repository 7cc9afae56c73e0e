"""The script that queues a batch of scored mentions in one atomic step (the longest of
responder.store.lua's, kept apart so each module stays readable)."""

from responder.drafts.priority import PIN
from responder.store.enqueue import CONTEXT_KEPT, SMALL_TALK
from responder.store.lua import LOG
from responder.store.luaconst import lua_set, lua_str
from responder.store.records import State
from responder.store.stages import Stage

# KEYS: 1 queue, 2 due:warn, 3 due:breach (filled when the warning fires: lua.SWEEP),
#       4 global events, 5 stats, 6 priority queue,
#       7 alerts stream, 8 no-reply ZSET, then per item, in order: mention hash, its
#       events, its seen marker, [what its thread was told (when `said` has sentences)],
#       [its thread's context list (when `ctx`)], [conversation, [head hash, head events,
#       head followups]] (`k` in the item says how many).
# ARGV: 1 events MAXLEN, 2.. one packed item (JSON) per mention:
#       {id, deadline, warn_at, order: queue score, rank: priority score, pin: 0|1
#        (crisis), crisis: JSON or "", at: now (epoch s), said: [sentences], said_ttl,
#        fields: [f, v, ...], events: [JSON...] (the pipeline's steps), kept: [JSON...]
#        (what the mention's log keeps of them: store/steps.py), joined: JSON, conv: 0|1,
#        head: expected head id or "", entry: the ingest entry carrying it, k,
#        needed: 0|1 (0: 无需回复, counted per `reason`), ctx: context entry or "",
#        back: the needs_reply event, adopt: [f, v, ...] (what it tells of its thread)}
# A mention that needs no answer takes no timer and no page: it goes to the no-reply
# ZSET and expires after `said_ttl` like a closed one. A follow-up that needs an answer
# moves its conversation from there to the queue, timed as the follow-up. A follow-up
# that says what its conversation is about gives a head of small talk its understanding.
# Returns a flat list of (code, detail) per item: 0 duplicate (counted in stats as
# `redelivered` when the same entry queued it, else `duplicates`), 1 queued as a new
# conversation, 2 joined `detail`'s conversation, 3 retry (the conversation changed).
# A crisis follow-up makes its conversation's head a crisis too: pinned, its priority
# raised, its tone and drafts the follow-up's. A conversation that becomes a crisis is
# paged at once: its head goes onto the alerts stream in the same step. A new crisis
# conversation is paged by the incident it joins (responder/incidents/lua.py: once per
# incident, not per mention).
ENQUEUE = (
    LOG
    + f"local PIN = {PIN}\n"
    + lua_str("CRISIS", Stage.CRISIS)
    + lua_str("NO_REPLY", State.NO_REPLY)
    + lua_set("SMALL_TALK", SMALL_TALK)
    + f"local CONTEXT_KEPT = {CONTEXT_KEPT}\n"
    + """
local function timed(id, item)
  redis.call('ZADD', KEYS[1], item.order, id)
  redis.call('ZADD', KEYS[6], item.rank, id)
  redis.call('ZADD', KEYS[2], item.warn_at, id)
end
local function crisis_alert(id, at)
  redis.call('XADD', KEYS[7], 'MAXLEN', '~', MAXLEN, '*', 'mention', id, 'stage', CRISIS,
             'cycle', '1', 'key', id .. ':' .. CRISIS .. ':1', 'due', at, 'at', at)
end
local out = {}
local o = 9
for i = 2, #ARGV do
  local item = cjson.decode(ARGV[i])
  local m, mev, seen = KEYS[o], KEYS[o + 1], KEYS[o + 2]
  local next_key = o + 3
  local said = nil
  if #item.said > 0 then
    said = KEYS[next_key]
    next_key = next_key + 1
  end
  local ctx = nil
  if item.ctx ~= '' then
    ctx = KEYS[next_key]
    next_key = next_key + 1
  end
  local conv = nil
  if item.conv == 1 then conv = KEYS[next_key] end
  local hk = next_key + 1
  o = o + item.k
  if redis.call('EXISTS', seen) == 1 or redis.call('EXISTS', m) == 1 then
    if item.entry ~= '' and redis.call('HGET', m, 'entry') == item.entry then
      redis.call('HINCRBY', KEYS[5], 'redelivered', 1)  -- the same entry, read again
    else
      redis.call('HINCRBY', KEYS[5], 'duplicates', 1)  -- the same mention, sent again
    end
    out[#out + 1] = 0
    out[#out + 1] = ''
  else
    local head = false
    if conv then head = redis.call('GET', conv) end
    if (head or '') ~= item.head then
      out[#out + 1] = 3
      out[#out + 1] = head or ''
    else
      if said then
        redis.call('SADD', said, unpack(item.said))
        redis.call('EXPIRE', said, item.said_ttl)
      end
      if ctx then
        redis.call('RPUSH', ctx, item.ctx)
        redis.call('LTRIM', ctx, -CONTEXT_KEPT, -1)
        redis.call('EXPIRE', ctx, item.said_ttl)
      end
      if head then
        redis.call('HSET', m, unpack(item.fields))
        redis.call('HSET', m, 'state', 'joined', 'head', head)
        redis.call('HINCRBY', KEYS[hk], 'followups', 1)
        redis.call('RPUSH', KEYS[hk + 2], item.id)
        local was = redis.call('HMGET', KEYS[hk], 'state', 'intent', 'uncertain', 'urgent')
        if #item.adopt > 0 and was[4] ~= '1' and item.pin ~= 1
           and (SMALL_TALK[was[2] or ''] or was[3] == '1') then
          redis.call('HSET', KEYS[hk], unpack(item.adopt))
          redis.call('HDEL', KEYS[hk], 'drafts_llm')  -- written for what it said before
        end
        if was[1] == NO_REPLY and item.needed == 1 then
          -- The conversation needs an answer now: into the queue, timed as the follow-up.
          redis.call('HSET', KEYS[hk], 'state', 'queued', 'reply_needed', '1',
                     'reply_reason', item.reason, 'deadline', item.deadline,
                     'warn_at', item.warn_at)
          redis.call('ZREM', KEYS[8], head)
          timed(head, item)
          redis.call('PERSIST', KEYS[hk])
          redis.call('PERSIST', KEYS[hk + 1])
          redis.call('PERSIST', KEYS[hk + 2])
          redis.call('PERSIST', conv)
          redis.call('HINCRBY', KEYS[5], 'needs_reply', 1)
          log(KEYS[4], head, KEYS[hk], item.back)
        elseif was[1] == NO_REPLY then
          redis.call('EXPIRE', m, item.said_ttl)
          redis.call('EXPIRE', mev, item.said_ttl)
        end
        if item.pin == 1 and redis.call('HGET', KEYS[hk], 'urgent') ~= '1' then
          -- The conversation is a crisis now: pinned, ranked, toned and drafted as one.
          redis.call('HSET', KEYS[hk], 'urgent', '1', 'crisis', item.crisis,
                     unpack(item.pin_fields))
          redis.call('HDEL', KEYS[hk], 'drafts_llm')
          redis.call('HINCRBYFLOAT', KEYS[hk], 'priority', item.pin_points)
          local score = redis.call('ZSCORE', KEYS[1], head)
          if score then redis.call('ZADD', KEYS[1], tonumber(score) - PIN, head) end
          score = redis.call('ZSCORE', KEYS[6], head)
          if score then
            redis.call('ZADD', KEYS[6], tonumber(score) - tonumber(item.pin_rank), head)
          end
          crisis_alert(head, item.at)
        end
        local ev = cjson.decode(item.joined)
        ev['head'] = head
        log(KEYS[4], item.id, m, cjson.encode(ev))
        ev['mention'] = item.id
        log(KEYS[4], head, KEYS[hk], cjson.encode(ev))
        out[#out + 1] = 2
        out[#out + 1] = head
      elseif item.needed == 0 then
        redis.call('HSET', m, unpack(item.fields))
        redis.call('HSET', m, 'state', NO_REPLY)
        redis.call('ZADD', KEYS[8], -tonumber(item.at), item.id)
        -- Those set aside longer ago than they are kept have expired: off the view too.
        redis.call('ZREMRANGEBYSCORE', KEYS[8], '(' .. (item.said_ttl - tonumber(item.at)),
                   '+inf')
        redis.call('EXPIRE', m, item.said_ttl)
        if conv then redis.call('SET', conv, item.id, 'EX', item.said_ttl) end
        log_steps(KEYS[4], item.id, m, item.events, item.kept)
        redis.call('EXPIRE', mev, item.said_ttl)
        redis.call('HINCRBY', KEYS[5], 'no_reply', 1)
        redis.call('HINCRBY', KEYS[5], 'no_reply:' .. item.reason, 1)
        out[#out + 1] = 1
        out[#out + 1] = item.id
      else
        redis.call('HSET', m, unpack(item.fields))
        redis.call('HSET', m, 'state', 'queued')
        timed(item.id, item)
        if conv then redis.call('SET', conv, item.id) end
        log_steps(KEYS[4], item.id, m, item.events, item.kept)
        out[#out + 1] = 1
        out[#out + 1] = item.id
      end
    end
  end
end
return out
"""
)
