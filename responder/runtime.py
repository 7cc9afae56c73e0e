"""Wiring: start Redis, the scoring pool, connectors, pollers, pipeline and sweeper with the app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from connectors.base import Connector
from connectors.replay import ReplayConnector
from responder.clock import Clock, SystemClock
from responder.config import Config, ConnectorConfig
from responder.ingest.poller import Poller
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline, Scorer, consumer_name
from responder.services import CLOCK, CONFIG, SCORER, SERVICES, STORE, Services
from responder.sla.sweeper import Sweeper
from responder.store.connect import open_store
from responder.web.api import MAX_BODY, add_routes

log = logging.getLogger(__name__)


def create_app(
    config: Config,
    *,
    clock: Clock | None = None,
    scorer: Scorer | None = None,
    background: bool = True,
) -> web.Application:
    """Build the app; with background=False nothing runs by itself (tests call run_once)."""
    app = web.Application(client_max_size=MAX_BODY)
    app[CONFIG] = config
    app[CLOCK] = clock or SystemClock()
    app[SERVICES] = Services()
    if scorer is not None:
        app[SCORER] = scorer
    app.cleanup_ctx.append(_redis_ctx)
    app.cleanup_ctx.append(_workers_ctx)
    if background:
        app.cleanup_ctx.append(_background_ctx)
    add_routes(app)
    return app


def build_connector(spec: ConnectorConfig, clock: Clock) -> Connector:
    """Instantiate the connector a config entry describes."""
    if spec.type == "replay":
        return ReplayConnector(spec.name, spec.options, now=clock.now)
    raise ValueError(f"unknown connector type {spec.type!r}")


async def _redis_ctx(app: web.Application) -> AsyncIterator[None]:
    async with open_store(app[CONFIG].redis) as store:
        app[STORE] = store
        yield


async def _workers_ctx(app: web.Application) -> AsyncIterator[None]:
    config, clock, services, store = app[CONFIG], app[CLOCK], app[SERVICES], app[STORE]
    pool: ScoringPool | None = None
    if SCORER not in app:
        pool = ScoringPool(config.pipeline.scoring_processes)
        pool.start()
    scorer = app.get(SCORER, pool)
    assert scorer is not None
    connectors = [build_connector(c, clock) for c in config.connectors if c.enabled]
    started: list[Connector] = []
    try:
        for connector in connectors:
            await connector.start()
            started.append(connector)
        services.pollers = [Poller(c, store, clock) for c in connectors]
        services.pipeline = Pipeline(
            store,
            scorer,
            clock,
            config.sla,
            consumer=consumer_name(),
            batch_size=config.pipeline.batch_size,
            reclaim_after_ms=int(config.pipeline.reclaim_after.total_seconds() * 1000),
        )
        services.sweeper = Sweeper(store, clock)
        yield
    finally:
        for connector in reversed(started):
            await connector.stop()
        if pool is not None:
            await asyncio.to_thread(pool.stop)


async def _background_ctx(app: web.Application) -> AsyncIterator[None]:
    """APScheduler triggers polls and sweeps; the pipeline runs as one long task."""
    config, services = app[CONFIG], app[SERVICES]
    scheduler = AsyncIOScheduler(timezone=UTC)
    running: set[asyncio.Task[object]] = set()

    def job(step: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            running.add(task)
            try:
                await step()
            except Exception:
                log.exception("scheduled step %s failed", getattr(step, "__qualname__", step))
            finally:
                running.discard(task)

        return run

    intervals = {c.name: c.poll_interval for c in config.connectors}
    for poller in services.pollers:
        scheduler.add_job(
            job(poller.run_once),
            "interval",
            id=f"poll:{poller.name}",
            seconds=intervals[poller.name].total_seconds(),
            max_instances=1,
            coalesce=True,
            next_run_time=app[CLOCK].now(),
        )
    assert services.sweeper is not None and services.pipeline is not None
    pipeline = services.pipeline
    scheduler.add_job(
        job(services.sweeper.sweep),
        "interval",
        id="sla:sweep",
        seconds=config.sweeper.interval.total_seconds(),
        max_instances=1,
        coalesce=True,
    )
    pipeline_task = asyncio.create_task(pipeline.run_forever(), name="pipeline")
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)  # no new polls or sweeps
        pipeline.stop()  # finish the batch in hand, then return
        done, _ = await asyncio.wait([pipeline_task, *running], timeout=10)
        for task in (pipeline_task, *running):
            if task not in done:
                task.cancel()  # an unacknowledged batch is read again after a restart
        await asyncio.gather(pipeline_task, *running, return_exceptions=True)
