"""The ingest side of the store: the stream pollers write and pipeline workers read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import orjson
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from connectors.model import Mention
from responder.config import RetentionConfig
from responder.store import lua
from responder.store.deadletters import DeadLetter
from responder.store.enqueue import Code, Ready, context_key, pack, said_key
from responder.store.keys import PIPELINE_GROUP, Keys
from responder.store.lua_enqueue import ENQUEUE
from responder.store.packing import PACKER
from responder.store.source_health import ok_fields, queue_write
from responder.store.stages import Stage


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One ingest stream entry as a pipeline worker sees it."""

    entry_id: str
    fields: dict[str, str]


class StreamStore:
    """Ingest stream, cursors, dedupe, batch enqueue, dead letters and counters."""

    def __init__(self, redis: Redis, keys: Keys, retention: RetentionConfig | None = None) -> None:
        self.redis = redis
        self.keys = keys
        self.retention = retention or RetentionConfig()
        self._enqueue = redis.register_script(ENQUEUE)
        self._lookup = redis.register_script(lua.LOOKUP)
        self._published = ""  # the drafts dictionary this process has stored in Redis

    async def ensure_group(self) -> None:
        """Create the ingest stream's consumer group if it is not there yet."""
        try:
            await self.redis.xgroup_create(self.keys.ingest, PIPELINE_GROUP, id="0", mkstream=True)
        except Exception as exc:  # redis raises ResponseError BUSYGROUP when it exists
            if "BUSYGROUP" not in str(exc):
                raise

    # -- ingest (pollers) --------------------------------------------------
    async def ingest(
        self,
        source: str,
        mentions: Sequence[Mention],
        cursor: str | None,
        now: datetime,
        *,
        mark_healthy: bool = False,
    ) -> None:
        """Add mentions to the ingest stream and advance the cursor, atomically; with
        `mark_healthy`, also record the source as ok as of `now` (a push arrived)."""
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
            if mark_healthy:
                queue_write(pipe, self.keys.health(source), ok_fields(now))
            await pipe.execute()

    async def cursor(self, source: str) -> str | None:
        return cast(str | None, await self.redis.get(self.keys.cursor(source)))

    async def reject(self, source: str, reason: str, raw: str, now: datetime) -> None:
        """Keep an unusable input with the reason, so nothing is silently lost."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(
                self.keys.rejected,
                {
                    "source": source,
                    "reason": reason[:1000],
                    "raw": raw[:10000],
                    "at": f"{now.timestamp():.3f}",
                },
                maxlen=self.retention.rejected,
                approximate=True,
            )
            pipe.hincrby(self.keys.stats, "rejected", 1)
            await pipe.execute()

    # -- pipeline ----------------------------------------------------------
    async def read_ingest(
        self, consumer: str, count: int, block_ms: int | None, *, own_pending: bool = False
    ) -> list[Entry]:
        """Read new entries for this consumer (XREADGROUP), or with `own_pending` the
        entries it read before a restart and never acknowledged."""
        raw = await self.redis.xreadgroup(
            PIPELINE_GROUP,
            consumer,
            {self.keys.ingest: "0" if own_pending else ">"},
            count=count,
            block=None if own_pending else block_ms,
        )
        reply = cast(list[Any], raw)
        return [Entry(entry_id=i, fields=f) for _, items in reply or [] for i, f in items if f]

    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[Entry]:
        """Take over entries another worker read but never acknowledged (XAUTOCLAIM)."""
        reply = await self.redis.xautoclaim(
            self.keys.ingest, PIPELINE_GROUP, consumer, min_idle_time=min_idle_ms, count=count
        )
        return [Entry(entry_id=i, fields=f) for i, f in reply[1] if f]

    async def deliveries(self, consumer: str, entry_ids: Sequence[str]) -> dict[str, int]:
        """Return how many times each of this consumer's pending entries was delivered."""
        if not entry_ids:
            return {}
        rows = await self.redis.xpending_range(
            self.keys.ingest,
            PIPELINE_GROUP,
            min=min(entry_ids, key=_stream_order),
            max=max(entry_ids, key=_stream_order),
            count=len(entry_ids) + 100,
            consumername=consumer,
        )
        return {str(row["message_id"]): int(row["times_delivered"]) for row in rows}

    async def drop_idle_consumers(self, keep: str, idle_ms: int) -> list[str]:
        """Remove consumers with nothing pending that have been idle `idle_ms`."""
        gone: list[str] = []
        try:
            rows = await self.redis.xinfo_consumers(self.keys.ingest, PIPELINE_GROUP)
        except ResponseError as exc:  # no stream or group yet: nobody to remove
            if "no such key" in str(exc) or "NOGROUP" in str(exc):
                return gone
            raise
        for row in rows:
            name = str(row["name"])
            if name != keep and int(row["pending"]) == 0 and int(row["idle"]) >= idle_ms:
                await self.redis.xgroup_delconsumer(self.keys.ingest, PIPELINE_GROUP, name)
                gone.append(name)
        return gone

    async def lookup(
        self, ids: Sequence[str], said: Sequence[str], contexts: Sequence[str] = ()
    ) -> tuple[list[str | None], list[set[str]], list[list[tuple[str, str]]]]:
        """Say which mention ids were already taken in (kept `retention.dedupe`): None for
        a new one, else the ingest entry that queued it ("" when that is no longer known);
        return what each thread in `said` (said_key) was already told or drafted, and the
        last messages of each thread in `contexts` (context_key), oldest first."""
        keys = [key for mid in ids for key in (self.keys.seen(mid), self.keys.mention(mid))]
        known, sets, lists = await self._lookup(
            keys=[*keys, *said, *contexts], args=[len(ids), len(said)]
        )
        queued_by = [None if by == 0 else str(by) for by in known]
        return queued_by, [set(members) for members in sets], [_said(got) for got in lists]

    async def enqueue(self, items: Sequence[Ready], now: datetime) -> list[Code]:
        """Queue scored mentions with one script call per round; return a code for each.

        A mention whose conversation changed between our read and the script (another
        worker opened or closed it) is read and sent again, so the result is as if the
        batch had been queued one mention at a time.
        """
        await self._publish_dictionary()
        codes: list[Code] = [Code.RETRY] * len(items)
        todo = list(range(len(items)))
        for _ in range(ROUNDS):
            if not todo:
                break
            heads = await self._heads([items[i] for i in todo])
            keys = [self.keys.queue, self.keys.due(Stage.WARNED), self.keys.due(Stage.BREACHED)]
            keys += [self.keys.events, self.keys.stats, self.keys.priority, self.keys.alerts]
            keys.append(self.keys.no_reply)
            args: list[str | int] = [self.retention.events]
            said_ttl = seconds(self.retention.closed)
            opened: dict[str, str] = {}  # conversations this round opens, in batch order
            for i in todo:
                conv = items[i].conversation(self.keys)
                head = heads.get(conv) if conv else None
                if conv and head is None and conv in opened:
                    head = opened[conv]  # an earlier mention of this batch opens it
                elif conv and head is None:
                    opened[conv] = items[i].id
                item_keys, packed = pack(items[i], self.keys, head, now, said_ttl)
                keys += item_keys
                args.append(packed)
            flat = await self._enqueue(keys=keys, args=args)
            codes_now = [Code(int(flat[j])) for j in range(0, len(flat), 2)]
            for i, code in zip(todo, codes_now, strict=True):
                codes[i] = code
            todo = [i for i in todo if codes[i] is Code.RETRY]
        if todo:
            raise RuntimeError(f"conversations kept changing; {len(todo)} mentions not queued")
        return codes

    async def _publish_dictionary(self) -> None:
        """Store the dictionary drafts are packed with before the first value using it."""
        ident, dictionary = PACKER.current
        if ident != self._published:
            await self.redis.set(self.keys.drafts_dictionary(ident), dictionary.decode(), nx=True)
            self._published = ident

    async def _heads(self, items: Sequence[Ready]) -> dict[str, str | None]:
        convs = sorted({c for item in items if (c := item.conversation(self.keys))})
        if not convs:
            return {}
        values = cast(list[str | None], await self.redis.mget(convs))
        return dict(zip(convs, values, strict=True))

    def said_key(self, mention: Mention) -> str | None:
        """Return the key of what the mention's author was told in its thread, if any."""
        return said_key(mention, self.keys)

    def context_key(self, mention: Mention) -> str | None:
        """Return the key of the last messages of the mention's thread, if any."""
        return context_key(mention, self.keys)

    async def ack(self, entry_ids: Sequence[str], dead: Sequence[DeadLetter] = ()) -> None:
        """Acknowledge handled entries and drop them from the stream (the hash keeps all);
        set aside `dead` ones in the dead-letter stream in the same transaction."""
        if not entry_ids:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            for letter in dead:
                fields: dict[Any, Any] = letter.to_fields()
                pipe.xadd(
                    self.keys.dead,
                    fields,
                    maxlen=self.retention.dead_letters,
                    approximate=True,
                )
            if dead:
                pipe.hincrby(self.keys.stats, "dead_letters", len(dead))
            pipe.xack(self.keys.ingest, PIPELINE_GROUP, *entry_ids)
            pipe.xdel(self.keys.ingest, *entry_ids)
            await pipe.execute()

    async def count(self, name: str, amount: int = 1) -> None:
        """Add to one of the counters in the stats hash."""
        await self.redis.hincrby(self.keys.stats, name, amount)

    async def count_all(self, amounts: dict[str, int]) -> None:
        """Add to several counters in one round trip; zeros are left out."""
        counted = {name: n for name, n in amounts.items() if n}
        if len(counted) == 1:
            [(name, n)] = counted.items()
            await self.count(name, n)
        elif counted:
            async with self.redis.pipeline(transaction=False) as pipe:
                for name, n in counted.items():
                    pipe.hincrby(self.keys.stats, name, n)
                await pipe.execute()

    async def stats(self) -> dict[str, int]:
        raw = cast(dict[str, str], await self.redis.hgetall(self.keys.stats))
        return {key: int(value) for key, value in raw.items()}


ROUNDS = 5  # reads and script calls before giving up on a mention that keeps changing


def seconds(span: timedelta) -> int:
    return max(1, int(span.total_seconds()))


def _said(entries: Sequence[str]) -> list[tuple[str, str]]:
    """Read a context list's entries (JSON [who, text]); one that does not read is left out."""
    out = []
    for entry in entries:
        try:
            who, text = orjson.loads(entry)
        except (orjson.JSONDecodeError, ValueError, TypeError):
            continue
        if isinstance(who, str) and isinstance(text, str):
            out.append((who, text))
    return out


def _stream_order(entry_id: str) -> tuple[int, int]:
    millis, _, seq = entry_id.partition("-")
    return int(millis), int(seq or 0)
