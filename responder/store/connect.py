"""Open the configured Redis (embedded or external) as a Store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.sentinel import Sentinel

from responder.config import RedisConfig, RetentionConfig
from responder.store.availability import Availability, WatchedRedis, watched
from responder.store.cluster import WatchedCluster
from responder.store.embedded import DataDir, EmbeddedRedis
from responder.store.keys import Keys
from responder.store.store import Store
from responder.store.urls import parse_url


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
    try:
        async with connected(address, availability) as redis:
            await redis.ping()
            store = Store(redis, Keys(config.prefix), retention)
            await store.ensure_group()
            yield store, embedded
    finally:
        if embedded is not None:
            await embedded.astop()


@asynccontextmanager
async def connected(url: str, availability: Availability | None = None) -> AsyncIterator[Redis]:
    """A client (decoded responses) for any `[redis] url` form, closed on the way out.

    A Sentinel URL gives a client on the current master that finds the new one after a
    failover; a Cluster URL gives redis-py's cluster client, typed as `Redis` here: it has
    the commands Tiexin uses (every key shares the `{prefix}` hash tag, so one node serves
    each script, transaction and multi-key call). With `availability`, every call reports
    whether Redis answered.
    """
    found = parse_url(url)
    if found.kind == "plain":
        if availability is None:
            client = Redis.from_url(url, decode_responses=True)
        else:
            client = watched(url, availability)
        try:
            yield client
        finally:
            await client.aclose()
        return
    user, password = found.username, found.password
    if found.kind == "cluster":
        nodes = [ClusterNode(host, port) for host, port in found.hosts]
        cluster = WatchedCluster(
            startup_nodes=nodes, decode_responses=True, username=user, password=password
        )
        cluster.availability = availability
        try:
            yield cast(Redis, cluster)
        finally:
            await cluster.aclose()
        return
    sentinel = Sentinel(list(found.hosts), decode_responses=True)
    master = sentinel.master_for(
        found.master,
        redis_class=WatchedRedis,
        db=found.db,
        decode_responses=True,
        username=user,
        password=password,
    )
    master.availability = availability
    try:
        yield master
    finally:
        await master.aclose()
        for each in sentinel.sentinels:
            await each.aclose()


@asynccontextmanager
async def open_store(
    config: RedisConfig, *, share_running: bool = False, retention: RetentionConfig | None = None
) -> AsyncIterator[Store]:
    """Connect to the configured Redis as `open_redis` does; yield only the store."""
    async with open_redis(config, share_running=share_running, retention=retention) as (store, _):
        yield store
