"""The outbox's reads and writes: the stream of approved replies and each send's steps."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from responder.clock import from_epoch
from responder.library.store import Library
from responder.outbox import lua
from responder.store.consumer import StreamGroup
from responder.store.keys import OUTBOX_GROUP
from responder.store.records import EventType, event
from responder.store.store import Store
from responder.store.stream import seconds

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Send:
    """One outbox entry: reply to `mention` under `key` (one approval)."""

    entry_id: str
    mention: str
    key: str


class OutboxStore:
    """Outbox operations over the Store's Redis and keys."""

    def __init__(self, store: Store) -> None:
        self.store, self.redis, self.keys = store, store.redis, store.keys
        self._begin = self.redis.register_script(lua.BEGIN)
        self._end = self.redis.register_script(lua.END)
        self._due = self.redis.register_script(lua.DUE)
        self._mark = self.redis.register_script(lua.MARK_SENT)
        self._group = StreamGroup(self.redis, self.keys.outbox, OUTBOX_GROUP)
        self.library = Library(self.redis, self.keys, events_maxlen=store.retention.events)

    async def ensure_group(self) -> None:
        await self._group.ensure()

    async def read(
        self, consumer: str, count: int, block_ms: int | None, *, own: bool
    ) -> list[Send]:
        """New entries (or, with `own`, this consumer's unacknowledged ones)."""
        return [_send(*e) for e in await self._group.read(consumer, count, block_ms, own=own)]

    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[Send]:
        """Take over entries a stopped process read and never finished."""
        return [_send(*e) for e in await self._group.reclaim(consumer, min_idle_ms, count)]

    async def ack(self, send: Send) -> None:
        await self._group.done(send.entry_id)

    async def due(self, now: datetime, limit: int = 100) -> int:
        """Move retries due by `now` back into the stream."""
        keys = [self.keys.outbox_later, self.keys.outbox]
        return int(await self._due(keys=keys, args=[f"{now.timestamp():.3f}", limit]))

    async def next_retry(self) -> float | None:
        """When the earliest retry is due (POSIX seconds), or None."""
        rows = await self.redis.zrange(self.keys.outbox_later, 0, 0, withscores=True)
        return float(rows[0][1]) if rows else None

    async def begin(
        self, send: Send, consumer: str, now: datetime, stale_after: float
    ) -> tuple[str, str]:
        """Mark the send in flight; return what to do ("go", "unsure", "busy", "done",
        "gone") and, for "done", the mention's state."""
        k, mid = self.keys, send.mention
        record = event(EventType.SENDING, now, consumer, key=send.key)
        reply = await self._begin(
            keys=[k.mention(mid), k.mention_events(mid), k.events],
            args=[
                self.store.retention.events,
                mid,
                send.key,
                consumer,
                f"{now.timestamp():.3f}",
                stale_after,
                _dumps(record),
            ],
        )
        values = [str(v) for v in reply]
        return values[0], values[1] if len(values) > 1 else ""

    async def end(
        self,
        send: Send,
        outcome: str,
        record: dict[str, Any],
        *,
        retry_at: float = 0.0,
        scores: tuple[float, float] = (0.0, 0.0),
        **fields: str,
    ) -> bool:
        """Record how the send ended (sent, manual, failed, retry); False if the mention
        had moved on (nothing changed but, for a late "sent", its event in the log)."""
        k, mid = self.keys, send.mention
        keys = [k.mention(mid), k.mention_events(mid), k.events, k.queue, k.priority]
        done = await self._end(
            keys=[*keys, k.outbox_later, k.manual],
            args=[
                self.store.retention.events,
                mid,
                send.key,
                outcome,
                _dumps(record),
                f"{retry_at:.3f}",
                f"{scores[0]:.3f}",
                f"{scores[1]:.3f}",
                seconds(self.store.retention.closed),
                *[item for pair in fields.items() for item in pair],
            ],
        )
        if outcome == "sent" and int(done) == 1:
            await self._candidate(mid, float(fields.get("sent_at") or record["at"]))
        return int(done) == 1

    async def _candidate(self, mid: str, at: float) -> None:
        """An agent's own reply was sent: a library candidate now (responder/library/)."""
        try:
            await self.library.sent(mid, from_epoch(at))
        except Exception:  # the send is recorded; only the candidate is lost
            log.exception("could not record the reply to %s as a library candidate", mid)

    async def manual(self, limit: int, offset: int = 0) -> tuple[int, list[str]]:
        """Replies waiting to be posted by a person, oldest first: (count, mention ids)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcard(self.keys.manual)
            pipe.zrange(self.keys.manual, offset, offset + limit - 1)
            total, ids = await pipe.execute()
        return int(total), [str(i) for i in ids]

    async def mark_sent(
        self, mid: str, agent: str, now: datetime, **fields: str
    ) -> tuple[int, str]:
        """A person posted a manual reply: it is sent. Returns (1, "sent"), (0, state) if
        the mention is not waiting for that, or (-1, "") if unknown."""
        k = self.keys
        record = event(EventType.MARKED_SENT, now, agent, **fields)
        fields = {"sent_at": f"{now.timestamp():.3f}", "sent_by": agent, **fields}
        reply = await self._mark(
            keys=[k.mention(mid), k.mention_events(mid), k.events, k.manual],
            args=[
                self.store.retention.events,
                mid,
                _dumps(record),
                *[item for pair in fields.items() for item in pair],
            ],
        )
        if int(reply[0]) == 1:
            await self._candidate(mid, now.timestamp())
        return int(reply[0]), str(reply[1])


def _send(entry_id: str, fields: dict[str, str]) -> Send:
    return Send(entry_id=entry_id, mention=fields.get("mention", ""), key=fields.get("key", ""))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
