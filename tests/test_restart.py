"""Stopping and starting again loses nothing and duplicates nothing (own embedded Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from connectors.replay import ReplayConfig
from responder.config import Config, ConnectorConfig, PipelineConfig, RedisConfig
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.services import SERVICES, STORE
from responder.sla.sweeper import Sweeper
from responder.store.embedded import EmbeddedRedis, EmbeddedRedisError
from responder.store.records import State
from tests.fakes import FakeClock, mention


@asynccontextmanager
async def running(
    config: Config, clock: FakeClock, scorer: ScoringPool
) -> AsyncIterator[web.Application]:
    app = create_app(config, clock=clock, scorer=scorer, background=False)
    runner = web.AppRunner(app)
    await runner.setup()  # starts the embedded Redis, connectors, pollers, pipeline
    try:
        yield app
    finally:
        await runner.cleanup()  # stops them all, Redis last


async def _queue(app: web.Application) -> list[tuple[str, str]]:
    _, rows = await app[STORE].queue(100)
    return [(row["id"], row["deadline"]) for row in rows]


async def test_restart_keeps_queue_timers_cursor_and_in_flight_work(
    tmp_path: Path, scoring_pool: ScoringPool
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(mention(str(i)).to_json() + "\n" for i in range(8)), encoding="utf-8")
    source = ConnectorConfig(
        name="feed", type="replay", options=ReplayConfig(path=feed, batch_size=2)
    )
    config = Config(
        redis=RedisConfig(data_dir=tmp_path / "data"),
        pipeline=PipelineConfig(reclaim_after=timedelta(milliseconds=1)),
        connectors=(source,),
    )
    clock = FakeClock()

    async with running(config, clock, scoring_pool) as app:
        services = app[SERVICES]
        assert services.pipeline is not None
        for _ in range(2):
            await services.pollers[0].run_once()
        await services.pipeline.run_once()  # 4 queued
        _, rows = await app[STORE].queue(1)
        await app[STORE].close(
            rows[0]["id"], State.APPROVED, "amy", clock.now(), reply_text="在的～"
        )
        await services.pollers[0].run_once()  # 2 more waiting in the stream, not yet read
        await services.pollers[0].run_once()  # 2 more, which a worker reads and then "dies"
        in_flight = await app[STORE].read_ingest("crashed-worker", 100, None)
        assert len(in_flight) == 4
        before = await _queue(app)
        assert len(before) == 3

    async with running(config, clock, scoring_pool) as app:
        services = app[SERVICES]
        assert services.pipeline is not None
        assert await _queue(app) == before  # same mentions, same deadlines
        assert await services.pipeline.run_once() == 4  # the crashed worker's batch is reclaimed
        assert len(await _queue(app)) == 7
        assert await services.pollers[0].run_once() == 0  # the cursor survived: nothing re-read
        await app[STORE].redis.delete(app[STORE].keys.cursor("feed"))  # the platform re-sends all
        for _ in range(4):
            await services.pollers[0].run_once()
        await services.pipeline.run_once()
        assert len(await _queue(app)) == 7
        assert (await app[STORE].stats())["duplicates"] == 8
        clock.advance(10 * 60)
        fired = await Sweeper(app[STORE], clock).sweep()
        assert len(fired) == 7  # the answered one never warns


async def test_second_process_on_the_same_data_dir_is_refused(
    tmp_path: Path, scoring_pool: ScoringPool
) -> None:
    config = Config(redis=RedisConfig(data_dir=tmp_path / "data"))
    async with running(config, FakeClock(), scoring_pool):
        with pytest.raises(EmbeddedRedisError, match="in use by another Tiexin process"):
            EmbeddedRedis(tmp_path / "data").start()
