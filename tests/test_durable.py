"""The replicas' confirmation of a write (responder/store/durable.py) on the real servers:
nothing at all is sent when none is asked for, a healthy Sentinel replica confirms at once,
and on a cluster the barrier and its WAIT go to the master of the deployment's slot, whose
missing replica makes it time out: not confirmed, then refused at once for a while. In the
app, only an agent's writes answered 2xx wait, and unconfirmed they answer 503."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis as blocking
from redis.asyncio import Redis
from redis.crc import key_slot

from responder.config import RedisConfig
from responder.metrics import Metrics
from responder.pipeline.scoring import ScoringPool
from responder.services import SERVICES
from responder.store.connect import connected
from responder.store.durable import SKIP_AFTER, Durable
from responder.store.keys import Keys, mention_id
from responder.store.urls import parse_url
from tests.conftest import api_client
from tests.fakes import FakeClock, mention
from tests.workspace import app_of, feed

TIMEOUT = timedelta(milliseconds=150)


def _durable(client: Redis, clock: FakeClock, replicas: int, metrics: Metrics) -> Durable:
    keys = Keys("dur")
    return Durable(client, keys, clock, replicas=replicas, timeout=TIMEOUT, metrics=metrics)


def _calls(client: blocking.Redis, command: str) -> int:
    """How many times the server ran `command` (INFO commandstats)."""
    stats: dict[str, dict[str, int]] = client.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))


def _misses(metrics: Metrics, reason: str) -> float:
    value = metrics.registry.get_sample_value(
        "tiexin_redis_wait_misses_total", {"part": "api", "reason": reason}
    )
    return value or 0.0


async def test_with_no_replica_asked_for_nothing_is_sent(
    redis: Redis, redis_url: str, clock: FakeClock
) -> None:
    durable = _durable(redis, clock, 0, Metrics())
    server = blocking.Redis.from_url(redis_url, decode_responses=True)
    try:
        before = server.info("stats")["total_commands_processed"]
        for _ in range(5):
            assert await durable.confirm("api")
        after = server.info("stats")["total_commands_processed"]
    finally:
        server.close()
    assert after - before == 1  # the first INFO only: no barrier, no WAIT
    assert await redis.exists(Keys("dur").barrier) == 0
    assert durable.to_json() == {"state": "off", "replicas": 0}


@pytest.mark.layouts
async def test_a_healthy_sentinel_replica_confirms_at_once(
    sentinel_url: str, clock: FakeClock
) -> None:
    async with connected(sentinel_url) as client:
        durable = Durable(client, Keys("dur"), clock, replicas=1, timeout=timedelta(seconds=2))
        await client.set("dur-written", "1")  # on some connection of the pool
        assert await durable.confirm("api")  # True only with the replica's ack: a timeout is False
        assert durable.to_json() == {"state": "ok", "replicas": 1, "timeout_ms": 2000}
        assert int(await client.get(Keys("dur").barrier) or 0) >= 1


@pytest.mark.layouts
async def test_on_a_cluster_the_wait_goes_to_the_slots_master_and_times_out_there(
    cluster_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    nodes = [
        blocking.Redis(host=h, port=p, decode_responses=True)
        for h, p in parse_url(cluster_url).hosts
    ]
    metrics = Metrics()
    try:
        owner = [n for n in nodes if _owns(n, key_slot(Keys("dur").barrier.encode()))]
        assert len(owner) == 1
        waits = [_calls(n, "wait") for n in nodes]
        async with connected(cluster_url) as client:
            durable = _durable(client, clock, 1, metrics)  # LocalCluster has no replicas
            with caplog.at_level(logging.WARNING, logger="responder.store.durable"):
                started = time.monotonic()
                assert not await durable.confirm("api")
                assert time.monotonic() - started >= TIMEOUT.total_seconds()
                assert not await durable.confirm("api")  # within SKIP_AFTER: not even asked
        after = [_calls(n, "wait") for n in nodes]
        assert [b - a for a, b in zip(waits, after, strict=True)] == [
            1 if n is owner[0] else 0 for n in nodes
        ]
        assert _misses(metrics, "timeout") == 1 and _misses(metrics, "skipped") == 1
        shown = durable.to_json()
        assert shown["state"] == "degraded" and shown["refused"] == 2
        assert shown["reason"] == "0 of 1 replicas confirmed within 150 ms"
        events = [getattr(r, "event", None) for r in caplog.records]
        assert events == ["replication_degraded"]  # once, not per write

        clock.advance(SKIP_AFTER)  # then a write waits again (and misses again)
        async with connected(cluster_url) as client:
            durable.redis = client
            assert not await durable.confirm("api")
        assert _misses(metrics, "timeout") == 2
    finally:
        for node in nodes:
            node.close()


def _owns(node: blocking.Redis, slot: int) -> bool:
    ranges = node.execute_command("CLUSTER", "SLOTS")  # type: ignore[no-untyped-call]
    me = int(node.connection_pool.connection_kwargs["port"])
    return any(lo <= slot <= hi and int(master[1]) == me for lo, hi, master, *_ in ranges)


@pytest.mark.layouts
async def test_only_writes_answered_2xx_wait_and_unconfirmed_they_are_503(
    aiohttp_client: Any,
    cluster_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
) -> None:
    """A cluster without replicas, told to wait for one: every write misses."""
    redis = RedisConfig(url=cluster_url, prefix="dur-api", data_dir=data_dir, wait_replicas=1)
    client = await api_client(
        aiohttp_client, cluster_url, scoring_pool, clock, data_dir, "dur-api", redis=redis
    )
    durable = app_of(client)[SERVICES].durable
    assert durable is not None and durable.replicas == 1
    await feed(client, clock, mention("1"))
    mid = mention_id("weibo", "lanxing", "1")

    assert (await client.get("/api/queue")).status == 200  # a read: no wait
    bad = await client.post(f"/api/mentions/{mid}/claim", json={"nope": 1})
    assert bad.status == 400 and durable.refused == 0  # refused: nothing to confirm
    claim = await client.post(f"/api/mentions/{mid}/claim")
    assert claim.status == 503
    body = await claim.json()
    assert body["code"] == "not_saved" and "请稍后再做一次" in body["error"]
    assert durable.refused == 1
    health = await client.get("/api/health")
    assert health.status == 200 and (await health.json())["status"] == "degraded"
