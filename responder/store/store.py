"""The Redis store: ingest stream, mention hashes, the deadline queue, the event log."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from redis.asyncio import Redis

from connectors.model import Mention
from responder.clock import from_epoch
from responder.store import lua
from responder.store.keys import PIPELINE_GROUP, Keys, mention_id
from responder.store.records import EventType, State, Timing, event, to_fields
from sentiment.base import Sentiment

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One ingest stream entry as a pipeline worker sees it."""

    entry_id: str
    fields: dict[str, str]


class Result(StrEnum):
    """How a claim, reply or dismiss went."""

    OK = "ok"
    UNKNOWN = "unknown"  # no such mention
    NOT_OPEN = "not_open"  # already replied, dismissed or joined to another
    CLAIMED = "claimed"  # another agent holds an unexpired claim


_RESULTS = {1: Result.OK, 0: Result.NOT_OPEN, -1: Result.UNKNOWN, 2: Result.CLAIMED}


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """`result`, and `detail`: the state (not open) or the agent holding the claim."""

    result: Result
    detail: str = ""


class Store:
    """All reads and writes Tiexin makes to Redis."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._enqueue = redis.register_script(lua.ENQUEUE)
        self._close = redis.register_script(lua.CLOSE)
        self._sweep = redis.register_script(lua.SWEEP)
        self._claim = redis.register_script(lua.CLAIM)
        self._correct = redis.register_script(lua.CORRECT)

    async def ensure_group(self) -> None:
        """Create the ingest stream's consumer group if it is not there yet."""
        try:
            await self.redis.xgroup_create(self.keys.ingest, PIPELINE_GROUP, id="0", mkstream=True)
        except Exception as exc:  # redis raises ResponseError BUSYGROUP when it exists
            if "BUSYGROUP" not in str(exc):
                raise

    # -- ingest (pollers) --------------------------------------------------
    async def ingest(
        self, source: str, mentions: Sequence[Mention], cursor: str | None, now: datetime
    ) -> None:
        """Add mentions to the ingest stream and advance the cursor, atomically."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for mention in mentions:
                pipe.xadd(
                    self.keys.ingest,
                    {
                        "mention": mention.to_json(),
                        "source": source,
                        "ingested_at": f"{now.timestamp():.3f}",
                    },
                )
            if cursor is not None:
                pipe.set(self.keys.cursor(source), cursor)
            await pipe.execute()

    async def cursor(self, source: str) -> str | None:
        return cast(str | None, await self.redis.get(self.keys.cursor(source)))

    async def reject(self, source: str, reason: str, raw: str, now: datetime) -> None:
        """Keep an unusable input with the reason, so nothing is silently lost."""
        await self.redis.xadd(
            self.keys.rejected,
            {
                "source": source,
                "reason": reason,
                "raw": raw[:10000],
                "at": f"{now.timestamp():.3f}",
            },
        )
        await self.count("rejected")

    # -- pipeline ----------------------------------------------------------
    async def read_ingest(self, consumer: str, count: int, block_ms: int | None) -> list[Entry]:
        """Read new entries for this consumer (XREADGROUP)."""
        raw = await self.redis.xreadgroup(
            PIPELINE_GROUP, consumer, {self.keys.ingest: ">"}, count=count, block=block_ms
        )
        reply = cast(list[Any], raw)
        return [Entry(entry_id=i, fields=f) for _, items in reply or [] for i, f in items]

    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[Entry]:
        """Take over entries another worker read but never acknowledged (XAUTOCLAIM)."""
        reply = await self.redis.xautoclaim(
            self.keys.ingest, PIPELINE_GROUP, consumer, min_idle_time=min_idle_ms, count=count
        )
        return [Entry(entry_id=i, fields=f) for i, f in reply[1] if f]

    async def known(self, ids: Sequence[str]) -> list[bool]:
        """Say which mention ids are already stored."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for mid in ids:
                pipe.exists(self.keys.mention(mid))
            return [bool(n) for n in await pipe.execute()]

    async def enqueue(
        self,
        mention: Mention,
        sentiment: Sentiment,
        timing: Timing,
        *,
        source: str,
        ingested_at: datetime,
        now: datetime,
    ) -> tuple[int, str]:
        """Store and queue a scored mention once; return (0 dup | 1 queued | 2 joined, id)."""
        mid = mention_id(*mention.identity)
        conv = ""
        if mention.thread_id:
            conv = self.keys.conversation(
                mention.platform, mention.account, mention.thread_id, mention.author.id
            )
        fields = to_fields(
            mid,
            mention,
            sentiment,
            timing,
            source=source,
            ingested_at=ingested_at,
            queued_at=now,
            conversation=conv,
        )
        events = [
            event(
                EventType.INGESTED, ingested_at, source, lag_s=round(timing.lag.total_seconds(), 3)
            ),
            event(
                EventType.SCORED,
                now,
                "pipeline",
                label=str(sentiment.label),
                score=round(sentiment.score, 4),
            ),
            event(
                EventType.QUEUED,
                now,
                "pipeline",
                deadline=round(timing.deadline.timestamp(), 3),
                at_risk=timing.at_risk,
            ),
        ]
        joined = event(EventType.JOINED, now, "pipeline")
        k = self.keys
        result = await self._enqueue(
            keys=[
                k.mention(mid),
                k.queue,
                k.due("warn"),
                k.due("breach"),
                conv,
                k.mention_events(mid),
                k.events,
                k.stats,
            ],
            args=[
                mid,
                f"{timing.deadline.timestamp():.3f}",
                f"{timing.warn_at.timestamp():.3f}",
                k.root,
                _dumps(events),
                _dumps(joined),
                *[item for pair in fields.items() for item in pair],
            ],
        )
        return int(result[0]), str(result[1])

    async def ack(self, entry_ids: Sequence[str]) -> None:
        """Acknowledge handled entries and drop them from the stream (the hash keeps all)."""
        if not entry_ids:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.keys.ingest, PIPELINE_GROUP, *entry_ids)
            pipe.xdel(self.keys.ingest, *entry_ids)
            await pipe.execute()

    # -- queue and actions -------------------------------------------------
    async def queue(self, limit: int, offset: int = 0) -> tuple[int, list[dict[str, str]]]:
        """Return (open count, the open mentions by deadline)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcard(self.keys.queue)
            pipe.zrange(self.keys.queue, offset, offset + limit - 1)
            total, ids = await pipe.execute()
        return int(total), await self.mentions(ids)

    async def queue_size(self) -> int:
        return int(await self.redis.zcard(self.keys.queue))

    async def mentions(self, ids: Sequence[str]) -> list[dict[str, str]]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for mid in ids:
                pipe.hgetall(self.keys.mention(mid))
            return [row for row in await pipe.execute() if row]

    async def mention(self, mid: str) -> dict[str, str] | None:
        row = cast(dict[str, str], await self.redis.hgetall(self.keys.mention(mid)))
        return row or None

    async def events_of(self, mid: str) -> list[dict[str, Any]]:
        rows = await self.redis.lrange(self.keys.mention_events(mid), 0, -1)
        return [json.loads(row) for row in rows]

    async def followups_of(self, mid: str) -> list[dict[str, str]]:
        ids = cast(list[str], await self.redis.lrange(self.keys.followups(mid), 0, -1))
        return await self.mentions(ids)

    async def close(
        self, mid: str, state: State, actor: str, now: datetime, **extra: str
    ) -> Outcome:
        """Reply to or dismiss an open mention once, unless another agent claimed it."""
        kind = EventType.REPLIED if state is State.REPLIED else EventType.DISMISSED
        record = event(kind, now, actor, **extra)
        k = self.keys
        result = await self._close(
            keys=[
                k.mention(mid),
                k.queue,
                k.due("warn"),
                k.due("breach"),
                k.mention_events(mid),
                k.events,
                k.followups(mid),
            ],
            args=[
                mid,
                str(state),
                _dumps(record),
                k.root,
                *[item for pair in extra.items() for item in pair],
            ],
        )
        return Outcome(result=_RESULTS[int(result[0])], detail=str(result[1]))

    async def claim(self, mid: str, agent: str, now: datetime, ttl: timedelta) -> Outcome:
        """Lock an open mention for one agent until `now + ttl`; the same agent renews it."""
        until = now + ttl
        record = event(EventType.CLAIMED, now, agent, until=round(until.timestamp(), 3))
        k = self.keys
        result = await self._claim(
            keys=[k.mention(mid), k.mention_events(mid), k.events],
            args=[mid, agent, f"{now.timestamp():.3f}", f"{until.timestamp():.3f}", _dumps(record)],
        )
        return Outcome(result=_RESULTS[int(result[0])], detail=str(result[1]))

    async def correct(self, mid: str, label: str, agent: str, now: datetime) -> Outcome:
        """Record an agent's sentiment label for a mention, as training data too."""
        k = self.keys
        found = await self._correct(
            keys=[k.mention(mid), k.mention_events(mid), k.events, k.corrections],
            args=[mid, label, _dumps(event(EventType.CORRECTED, now, agent, label=label))],
        )
        return Outcome(result=Result.OK if int(found) == 1 else Result.UNKNOWN)

    async def corrections(self) -> list[dict[str, Any]]:
        """Every sentiment correction agents made, one per mention."""
        rows = cast(dict[str, str], await self.redis.hgetall(self.keys.corrections))
        return [json.loads(value) for value in rows.values()]

    async def sweep(
        self, stage: str, kind: EventType, now: datetime, limit: int
    ) -> list[tuple[str, datetime]]:
        """Fire alert `stage` for mentions due by `now`; return (id, due time) of each fired."""
        flat = await self._sweep(
            keys=[self.keys.due(stage), self.keys.events],
            args=[f"{now.timestamp():.3f}", limit, str(kind), self.keys.root],
        )
        return [(flat[i], from_epoch(float(flat[i + 1]))) for i in range(0, len(flat), 2)]

    async def set_health(self, source: str, fields: dict[str, str | int]) -> None:
        await self.redis.hset(self.keys.health(source), mapping=fields)  # type: ignore[arg-type]

    async def health(self, sources: Sequence[str]) -> dict[str, dict[str, str]]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for source in sources:
                pipe.hgetall(self.keys.health(source))
            rows = await pipe.execute()
        return dict(zip(sources, rows, strict=True))

    async def count(self, name: str, amount: int = 1) -> None:
        """Add to one of the counters in the stats hash."""
        await self.redis.hincrby(self.keys.stats, name, amount)

    async def stats(self) -> dict[str, int]:
        raw = cast(dict[str, str], await self.redis.hgetall(self.keys.stats))
        return {key: int(value) for key, value in raw.items()}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
