"""A fresh embedded Redis (AOF on) in a temporary folder, and a Store on it, for a bench."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from redis.asyncio import Redis

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
