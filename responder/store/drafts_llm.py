"""Generated drafts in Redis: stored beside the template drafts (field `drafts_llm`, a JSON
list of [text, "llm/<model>"]) only while the mention waits for an answer, and the model
endpoint's counters, latencies and shared rate window, so every process adds up."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from responder.store.lua import LOG
from responder.store.luaconst import lua_str
from responder.store.records import EventType, State, dumps, event
from responder.store.store import Store

FIELD = "drafts_llm"
LATENCIES_KEPT = 500  # requests the latency percentiles are taken over
# KEYS: 1 mention hash, 2 its events, 3 global events. ARGV: 1 events MAXLEN, 2 id,
# 3 drafts JSON, 4 event JSON. Writes only to a mention still waiting (queued): one
# answered, dismissed or expired meanwhile keeps what it has. Returns 1 stored, 0 not.
SAVE = (
    LOG
    + lua_str("QUEUED", State.QUEUED)
    + """
if redis.call('HGET', KEYS[1], 'state') ~= QUEUED then return 0 end
redis.call('HSET', KEYS[1], 'drafts_llm', ARGV[3])
log(KEYS[3], ARGV[2], KEYS[1], ARGV[4])
return 1
"""
)
RATE_TTL = 120  # seconds a minute's rate counter outlives its minute


class LlmStore:
    """The generated drafts' writes and figures."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.redis, self.keys = store.redis, store.keys
        self._save = self.redis.register_script(SAVE)

    async def save(self, mid: str, drafts: Sequence[str], source: str, now: datetime) -> bool:
        """Store a mention's generated drafts and publish the change; False when the
        mention is gone or no longer waits for an answer."""
        value = dumps([[text, source] for text in drafts])
        note = event(EventType.DRAFTED, now, source, count=len(drafts))
        keys = [self.keys.mention(mid), self.keys.mention_events(mid), self.keys.events]
        args: list[str | int] = [self.store.retention.events, mid, value, dumps(note)]
        return int(await self._save(keys=keys, args=args)) == 1

    async def count(
        self, amounts: dict[str, int], latency_ms: float | None = None, state: str = ""
    ) -> None:
        """Add to the counters (zeros left out), keep a request's latency and say how the
        last request went (`state`: "ok", "failing", "auth_failed")."""
        async with self.redis.pipeline(transaction=False) as pipe:
            if state:
                pipe.hset(self.keys.drafts_llm, "state", state)
            for name, n in amounts.items():
                if n:
                    pipe.hincrby(self.keys.drafts_llm, name, n)
            if latency_ms is not None:
                pipe.lpush(self.keys.drafts_llm_latency, f"{latency_ms:.0f}")
                pipe.ltrim(self.keys.drafts_llm_latency, 0, LATENCIES_KEPT - 1)
            await pipe.execute()

    async def take_slot(self, now: datetime, per_minute: int) -> bool:
        """Count one request in this minute's window; False when the window is full."""
        key = self.keys.drafts_llm_rate(int(now.timestamp() // 60))
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, RATE_TTL)
            taken, _ = await pipe.execute()
        return int(taken) <= per_minute

    async def figures(self) -> dict[str, Any]:
        """The counters as health shows them."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.keys.drafts_llm)
            pipe.lrange(self.keys.drafts_llm_latency, 0, -1)
            raw, latencies = await pipe.execute()
        found = cast(dict[str, str], raw)
        state = found.pop("state", "idle")  # idle: no request yet
        counts = {k: int(v) for k, v in found.items()}
        spans = sorted(float(ms) for ms in latencies)

        def by(prefix: str) -> dict[str, int]:
            return {k[len(prefix) :]: n for k, n in sorted(counts.items()) if k.startswith(prefix)}

        return {
            "state": state,
            "requests": counts.get("requests", 0),
            "ok": counts.get("ok", 0),
            "failed": by("failed:"),
            "skipped": by("skipped:"),
            "drafts": {"stored": counts.get("stored", 0), "dropped": by("dropped:")},
            "latency_ms": {
                "p50": percentile(spans, 0.50),
                "p95": percentile(spans, 0.95),
                "samples": len(spans),
            },
            "tokens": {"in": counts.get("tokens_in", 0), "out": counts.get("tokens_out", 0)},
        }


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile of sorted values (None for none)."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
