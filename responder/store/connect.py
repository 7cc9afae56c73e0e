"""Open the configured Redis (embedded or external) as a Store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from responder.config import RedisConfig, RetentionConfig
from responder.store.availability import Availability, watched
from responder.store.embedded import DataDir, EmbeddedRedis
from responder.store.keys import Keys
from responder.store.store import Store


@asynccontextmanager
async def open_redis(
    config: RedisConfig,
    *,
    data_dir: DataDir | None = None,
    share_running: bool = False,
    retention: RetentionConfig | None = None,
    availability: Availability | None = None,
) -> AsyncIterator[tuple[Store, EmbeddedRedis | None]]:
    """Connect to the configured Redis, starting the embedded one if there is no URL.

    Yields the store and the embedded server this call started (None for an external
    Redis or a shared one), so the caller can watch over it. A `data_dir` the caller has
    already locked is handed to the server, which keeps the lock while it runs.
    With `share_running`, an embedded Redis that a running `tiexin run` owns is used as is
    (for commands such as `tiexin sentiment train` next to a running service).
    With `availability`, every call reports whether Redis answered (the service's health).
    """
    url = config.resolved_url()
    embedded: EmbeddedRedis | None = None
    if url is None:
        server = EmbeddedRedis(data_dir or config.data_dir)
        if not (share_running and await asyncio.to_thread(server.answers)):
            await asyncio.to_thread(server.start)
            embedded = server
        address = server.url
    else:
        address = url.reveal()
    if availability is None:
        redis = Redis.from_url(address, decode_responses=True)
    else:
        redis = watched(address, availability)
    try:
        await redis.ping()
        store = Store(redis, Keys(config.prefix), retention)
        await store.ensure_group()
        yield store, embedded
    finally:
        await redis.aclose()
        if embedded is not None:
            await embedded.astop()


@asynccontextmanager
async def open_store(
    config: RedisConfig, *, share_running: bool = False, retention: RetentionConfig | None = None
) -> AsyncIterator[Store]:
    """Connect to the configured Redis as `open_redis` does; yield only the store."""
    async with open_redis(config, share_running=share_running, retention=retention) as (store, _):
        yield store
