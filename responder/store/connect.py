"""Open the configured Redis (embedded or external) as a Store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from responder.config import RedisConfig
from responder.store.embedded import EmbeddedRedis
from responder.store.keys import Keys
from responder.store.store import Store


@asynccontextmanager
async def open_store(config: RedisConfig, *, share_running: bool = False) -> AsyncIterator[Store]:
    """Connect to the configured Redis, starting the embedded one if there is no URL.

    With `share_running`, an embedded Redis that a running `tiexin run` owns is used as is
    (for commands such as `tiexin sentiment train` next to a running service).
    """
    url = config.resolved_url()
    embedded: EmbeddedRedis | None = None
    if url is None:
        server = EmbeddedRedis(config.data_dir)
        if not (share_running and await asyncio.to_thread(server.answers)):
            await asyncio.to_thread(server.start)
            embedded = server
        redis = Redis.from_url(server.url, decode_responses=True)
    else:
        redis = Redis.from_url(url.reveal(), decode_responses=True)
    try:
        await redis.ping()
        store = Store(redis, Keys(config.prefix))
        await store.ensure_group()
        yield store
    finally:
        await redis.aclose()
        if embedded is not None:
            await embedded.astop()
