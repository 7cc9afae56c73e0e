"""What several benches share: a fresh embedded Redis (AOF on) in a temporary folder with a
Store on it, and plain mentions to fill it with."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from redis.asyncio import Redis

from connectors.model import Author, Mention
from responder.store.embedded import EmbeddedRedis
from responder.store.keys import Keys
from responder.store.store import Store


@asynccontextmanager
async def fresh_store(prefix: str = "bench") -> AsyncIterator[Store]:
    """Start a new embedded Redis, yield a Store over it, stop and remove it after."""
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        server.start()
        redis = Redis.from_url(server.url, decode_responses=True)
        try:
            yield Store(redis, Keys(prefix))
        finally:
            await redis.aclose()
            server.stop()


def bench_mention(n: int, created_at: datetime) -> Mention:
    """Mention number `n` of a bench: the same short complaint from author u<n>."""
    return Mention(
        platform="weibo",
        account="bench",
        platform_id=str(n),
        author=Author(id=f"u{n}", name="小王"),
        text="X7 又卡了，烦死了",
        created_at=created_at,
    )
