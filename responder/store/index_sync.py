"""Keeping a QueueIndex true: built once from the queue, then read forward in the global
event stream.

Every script that changes a mention appends an entry naming it to the global event
stream, in the same atomic step (store/lua.py LOG; an incident's moves of queue rows and
a renewed claim too). Before answering, `fresh` reads the entries after the last one it
applied and reads those mentions again: a query sees every change made before it
arrived, from any process. When the stream no longer holds the entry it stopped at (it
was trimmed past it, or Redis lost it), the index is built again.

Redis does only short reads for it, none longer than the workspace's page read: XRANGE
pages, and per changed mention its fields and its two scores, 200 mentions a call at most.
Building scans the queue (ZSCAN: a member there all along is met at least once; one added
or removed meanwhile has its entry after the build's start, read on afterwards).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from responder.store.index import SHOWN, QueueFilter, QueueIndex, Row, fold
from responder.store.store import Store, rows_of

CHUNK = 500  # stream entries per XRANGE
READ = 200  # mentions read per script call: no longer than the workspace's page read
SCAN = 500  # queue members per ZSCAN while building
FIELDS = (
    "id",
    *dict.fromkeys(f for pair in SHOWN.values() for f in pair if f),
    "claimed_by",
    "claim_until",
    "author_id",
    "author_name",
    "text",
    "followups",
)


class LiveIndex:
    """A QueueIndex over the store's queue, brought up to date before each query."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = QueueIndex()
        self.last = ""  # the last stream entry applied; "" until built
        self._lock = asyncio.Lock()
        self._begun = 0  # catch-ups begun: a query waits for one begun after it arrived
        self._fresh_as_of = 0  # the number of the last catch-up that ended well

    async def find(
        self, want: QueueFilter, limit: int, offset: int, *, by: str, now: datetime
    ) -> tuple[int, list[str]]:
        await self.fresh()
        return self.index.find(want, limit, offset, by=by, now=now)

    async def open_of(self, accounts: Iterable[tuple[str, str]]) -> list[str]:
        """The open conversations of one person's accounts (platform, author id), each
        account's by deadline; one catch-up for all."""
        await self.fresh()
        return [mid for p, a in accounts for mid in self.index.by_author(f"{p}\n{a}")]

    async def fresh(self) -> None:
        """Apply every change made before this call (one catch-up at a time; a call that
        arrives while one runs waits for the next, which starts after it arrived)."""
        ticket = self._begun
        async with self._lock:
            if self._fresh_as_of > ticket:  # one begun after this call came has ended well
                return
            self._begun += 1
            begun = self._begun
            await self._catch_up()
            self._fresh_as_of = begun

    async def _catch_up(self) -> None:
        if not self.last:
            await self._build()
        redis, key = self.store.redis, self.store.keys.events
        while True:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.xrange(key, min=f"({self.last}", max="+", count=CHUNK)
                pipe.xrange(key, min="-", max="+", count=1)
                pipe.xrevrange(key, max="+", min="-", count=1)
                entries, oldest, newest = await pipe.execute()
            if _lost(self.last, oldest, newest):
                await self._build()
                continue
            if not entries:
                return
            ids = {fields["mention"] for _, fields in entries if fields.get("mention")}
            await self._read(sorted(ids))
            self.last = entries[-1][0]
            if len(entries) < CHUNK:
                return

    async def _build(self) -> None:
        redis, keys = self.store.redis, self.store.keys
        newest = await redis.xrevrange(keys.events, max="+", min="-", count=1)
        last = str(newest[0][0]) if newest else "0-0"
        self.last = ""  # built again next time unless this ends well
        self.index.clear()
        seen: set[str] = set()
        async for mid, _score in redis.zscan_iter(keys.queue, count=SCAN):
            seen.add(str(mid))
            if len(seen) >= READ:
                await self._read(sorted(seen))
                seen.clear()
        await self._read(sorted(seen))
        self.last = last

    async def _read(self, ids: Sequence[str]) -> None:
        """Read `ids` again from Redis and put what is there in the index."""
        if not ids:
            return
        redis, keys = self.store.redis, self.store.keys
        for start in range(0, len(ids), READ):
            part = list(ids[start : start + READ])
            async with redis.pipeline(transaction=False) as pipe:
                pipe.zmscore(keys.queue, part)
                pipe.zmscore(keys.priority, part)
                await self.store.read_in(pipe, part, FIELDS)
                by_deadline, by_priority, read = await pipe.execute()
            rows = {row["id"]: row for row in rows_of(read, FIELDS)}
            said = await self._followups([r for r in rows.values() if _int(r.get("followups"))])
            for mid, first, second in zip(part, by_deadline, by_priority, strict=True):
                row = rows.get(mid)
                if first is None or row is None:
                    self.index.put(mid, None)
                    continue
                scores = (float(first), float(first if second is None else second))
                self.index.put(mid, _row(row, scores, said.get(mid, ())))

    async def _followups(self, heads: list[dict[str, str]]) -> dict[str, list[str]]:
        """What each head's follow-ups said (a keyword finds a conversation by them)."""
        if not heads:
            return {}
        redis, keys = self.store.redis, self.store.keys
        async with redis.pipeline(transaction=False) as pipe:
            for head in heads:
                pipe.lrange(keys.followups(head["id"]), 0, -1)
            lists = await pipe.execute()
        every = [fid for found in lists for fid in found]
        texts = {
            r["id"]: r.get("text", "") for r in await self.store.mentions(every, ("id", "text"))
        }
        return {
            head["id"]: [texts.get(fid, "") for fid in found]
            for head, found in zip(heads, lists, strict=True)
        }


def _row(fields: dict[str, str], scores: tuple[float, float], said: Sequence[str]) -> Row:
    facets = tuple(
        fields.get(first) or (fields.get(fallback, "") if fallback else "")
        for first, fallback in SHOWN.values()
    )
    words = "\n".join((fields.get("text", ""), fields.get("author_name", ""), *said))
    return Row(
        facets=facets,
        claimed_by=fields.get("claimed_by", ""),
        claim_until=float(fields.get("claim_until") or 0),
        author=f"{facets[0]}\n{fields.get('author_id', '')}",
        words=fold(words),
        scores=scores,
    )


def _int(value: str | None) -> int:
    return int(value or 0)


def _lost(last: str, oldest: list[Any], newest: list[Any]) -> bool:
    """Whether entries after `last` may be gone: the stream was trimmed past it, or it is
    behind `last` (Redis lost data)."""
    if last == "0-0":
        return False
    if not newest:
        return True
    return _order(oldest[0][0]) > _order(last) or _order(newest[0][0]) < _order(last)


def _order(entry: str) -> tuple[int, int]:
    ms, _, seq = entry.partition("-")
    return int(ms), int(seq or 0)
