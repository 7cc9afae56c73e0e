"""A consumer group on one stream: what the outbox and the notifier share to read their
work at least once, take back their own after a restart, and take over a dead process's."""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

Entry = tuple[str, dict[str, str]]  # (stream id, fields)


class StreamGroup:
    """Reads of `group` on `stream`; entries are acknowledged and deleted once done."""

    def __init__(self, redis: Redis, stream: str, group: str) -> None:
        self.redis, self.stream, self.group = redis, stream, group

    async def ensure(self, start: str = "0") -> None:
        """Create the group if missing, reading from `start` ("0": all, "$": new only)."""
        try:
            await self.redis.xgroup_create(self.stream, self.group, id=start, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read(
        self, consumer: str, count: int, block_ms: int | None, *, own: bool
    ) -> list[Entry]:
        """New entries (or, with `own`, this consumer's unacknowledged ones)."""
        reply = await self.redis.xreadgroup(
            self.group,
            consumer,
            {self.stream: "0" if own else ">"},
            count=count,
            block=None if own else block_ms,
        )
        return [(i, f) for _, items in cast(list[Any], reply) or [] for i, f in items if f]

    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[Entry]:
        """Take over entries a stopped process read and never finished."""
        reply = await self.redis.xautoclaim(
            self.stream, self.group, consumer, min_idle_time=min_idle_ms, count=count
        )
        return [(i, f) for i, f in reply[1] if f]

    async def done(self, *entry_ids: str) -> None:
        """Acknowledge and delete, in one step."""
        if not entry_ids:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, self.group, *entry_ids)
            pipe.xdel(self.stream, *entry_ids)
            await pipe.execute()
