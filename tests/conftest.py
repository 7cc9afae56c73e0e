"""Shared fixtures: one real embedded Redis per session, a clean database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from responder.config import Config, PipelineConfig, RedisConfig, SlaConfig, defaults
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline
from responder.runtime import create_app
from responder.store.embedded import EmbeddedRedis
from responder.store.keys import Keys
from responder.store.store import Store
from tests.fakes import FakeClock


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), appendonly=False)
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def scoring_pool() -> Iterator[ScoringPool]:
    pool = ScoringPool(1)
    pool.start()
    yield pool
    pool.stop()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(redis: Redis) -> Store:
    store = Store(redis, Keys("test"))
    await store.ensure_group()
    return store


@pytest.fixture
def pipeline(store: Store, scoring_pool: ScoringPool, clock: FakeClock) -> Pipeline:
    return make_pipeline(store, scoring_pool, clock)


def make_pipeline(
    store: Store,
    scorer: ScoringPool,
    clock: FakeClock,
    consumer: str = "w1",
    reclaim_after_ms: int = 60_000,
) -> Pipeline:
    return Pipeline(
        store,
        scorer,
        clock,
        SlaConfig(),
        consumer=consumer,
        batch_size=PipelineConfig().batch_size,
        reclaim_after_ms=reclaim_after_ms,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


async def api_client(
    aiohttp_client: Any,
    redis_url: str,
    scorer: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
    prefix: str,
) -> TestClient[Any, Any]:
    """The app over the session's Redis and scoring pool, nothing running by itself."""
    config: Config = replace(
        defaults(),
        connectors=(),
        redis=RedisConfig(url=redis_url, prefix=prefix, data_dir=data_dir),
    )
    app = create_app(config, clock=clock, scorer=scorer, background=False)
    return cast(TestClient[Any, Any], await aiohttp_client(app))
