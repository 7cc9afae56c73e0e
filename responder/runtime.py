"""Wiring: lock the data dir, start Redis, workers and supervised tasks with the app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC
from typing import Protocol

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from connectors.base import Connector, PushConnector
from connectors.http import Http
from connectors.registry import Context, build
from connectors.shared import Shared
from responder.alerts.monitor import Monitor
from responder.alerts.wiring import build_notifier, trimmer
from responder.clock import Clock, SystemClock
from responder.config import Config
from responder.drafts.drafter import default_directory
from responder.drafts.llm.brief import Kit
from responder.ingest.lease import Leases, LeaseTiming, owner_id
from responder.ingest.poller import Poller, keep_leases
from responder.live.broadcaster import LIVE, Broadcaster
from responder.metrics import Metrics
from responder.outbox.sender import Sender
from responder.outbox.store import OutboxStore
from responder.pipeline.generate import Generator
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline, Scorer, consumer_name
from responder.reload.connectors import add_poll_job
from responder.reload.follower import Follower, config_file
from responder.reload.triggers import file_watch
from responder.reports.rollup import Rollup
from responder.roles import ALL, Role, monitoring_only, runs
from responder.services import (
    CLOCK,
    CONFIG,
    CONNECTORS,
    LIVE_CONFIG,
    METRICS,
    SCORER,
    SERVICES,
    STORE,
    Connectors,
    LiveConfig,
    Services,
)
from responder.sla.sweeper import Sweeper
from responder.store.availability import Availability
from responder.store.connect import open_redis
from responder.store.durable import Durable
from responder.store.embedded import DataDir
from responder.store.packing import PACKER, dictionary_of
from responder.store.shared import RedisShared
from responder.supervisor import Step, Supervisor
from responder.voice.watch import VoiceWatch
from responder.watchdog import RedisWatchdog
from responder.web import live, push, scrape
from responder.web.api import MAX_BODY, add_routes
from responder.web.approving import Committer
from responder.web.replies import RULES, ReplyRules
from responder.web.session_key import SESSIONS, from_file, from_redis

log = logging.getLogger(__name__)
# The blocking reads of the pipeline, outbox and notifier; short, so a stop finds the
# outbox and the notifier (which it does not interrupt) between reads well within a second.
PIPELINE_BLOCK_MS = 100


def create_app(
    config: Config,
    *,
    clock: Clock | None = None,
    scorer: Scorer | None = None,
    background: bool = True,
    roles: frozenset[Role] = ALL,
) -> web.Application:
    """Build the app; with background=False nothing runs by itself (tests call run_once).
    `roles` say which loops run and which parts are built (responder/roles.py)."""
    app = web.Application(client_max_size=MAX_BODY)
    app[CONFIG] = config
    app[LIVE_CONFIG] = LiveConfig(config)
    app[CLOCK] = clock or SystemClock()
    app[METRICS] = Metrics()
    supervisor = Supervisor(app[CLOCK])
    app[SERVICES] = Services(roles=roles, supervisor=supervisor, redis=Availability(app[CLOCK]))
    if Role.WEB not in roles:
        app.middlewares.append(monitoring_only(roles))
    if scorer is not None:
        app[SCORER] = scorer
    http = Http()
    ctx = Context(http=http, shared=lambda name: _AppShared(app, name), now=app[CLOCK].now)
    connectors = [build(c.type, c.name, c.options, ctx) for c in config.connectors if c.enabled]
    app[CONNECTORS] = Connectors(http=http, all=connectors, context=ctx)
    app.cleanup_ctx.append(_redis_ctx)
    app.cleanup_ctx.append(_workers_ctx)
    if background:
        app.cleanup_ctx.append(_background_ctx)
    add_routes(app)
    scrape.install(app)
    live.add_routes(app)
    for connector in connectors:
        if isinstance(connector, PushConnector):
            push.mount(app, connector)
    templates = config.drafts.templates or default_directory()
    app[RULES] = ReplyRules.load(templates)
    PACKER.use(dictionary_of(templates, default_directory()))  # drafts stored compactly
    return app


async def _redis_ctx(app: web.Application) -> AsyncIterator[None]:
    """Take the data-dir lock (also with an external Redis), then open Redis."""
    config, services = app[CONFIG], app[SERVICES]
    data_dir = DataDir(config.redis.data_dir)
    await asyncio.to_thread(data_dir.lock)
    try:
        opened = open_redis(
            config.redis,
            data_dir=data_dir,
            retention=config.retention,
            availability=services.redis,
        )
        async with opened as (store, embedded):
            app[STORE] = store
            services.durable = Durable(
                store.redis,
                store.keys,
                app[CLOCK],
                replicas=config.redis.replicas_to_wait(),
                timeout=config.redis.wait_timeout,
                metrics=app[METRICS],
            )
            sessions = app[SESSIONS]
            if not sessions.keyed:  # no configured secret: the kept key
                embedded_here = config.redis.resolved_url() is None
                kept = from_file(data_dir.path) if embedded_here else await from_redis(store)
                sessions.use(kept)
            if embedded is not None:
                assert services.supervisor is not None and services.redis is not None
                services.watchdog = RedisWatchdog(
                    embedded, services.supervisor, services.redis, ping=store.redis.ping
                )
            yield
    finally:
        data_dir.unlock()


async def _workers_ctx(app: web.Application) -> AsyncIterator[None]:
    """Build the parts this process's roles run (the loops' table: responder/roles.py)."""
    config, clock, services, store = app[CONFIG], app[CLOCK], app[SERVICES], app[STORE]
    roles = services.roles
    pool: ScoringPool | None = None
    if SCORER not in app and runs(roles, "pipeline"):
        pool = ScoringPool(
            config.pipeline.scoring_processes,
            templates=config.drafts.templates,
            zone=config.drafts.timezone,
        )
        pool.start()
    services.scorer = app.get(SCORER, pool)
    http, connectors = app[CONNECTORS].http, app[CONNECTORS].all
    started: list[Connector | PushConnector] = []
    try:
        for connector in connectors:
            await connector.start()
            started.append(connector)
        intervals = {c.name: c.poll_interval.total_seconds() for c in config.connectors}
        polled = [c for c in connectors if not isinstance(c, PushConnector)]
        if runs(roles, "poll"):
            # Named by host and data dir (under the data-dir lock taken above): a restart
            # takes back at once the leases its dead predecessor held.
            leases = Leases(store, owner_id(config.redis.data_dir))
            services.pollers = [
                Poller(c, store, clock, leases=leases, interval=intervals[c.name]) for c in polled
            ]
        base = consumer_name(config.redis.data_dir)
        if runs(roles, "pipeline"):
            await _build_pipelines(app, base)
        if runs(roles, "sweeper"):
            services.sweeper = Sweeper(
                store,
                clock,
                max_wait=config.sweeper.interval.total_seconds(),
                escalations=config.sla.escalations(),
                metrics=app[METRICS],
            )
        outbox = OutboxStore(store)
        await outbox.ensure_group()
        if runs(roles, "outbox"):
            named = app[CONNECTORS].named
            services.sender = Sender(
                outbox,
                named,
                clock,
                consumer=base,
                metrics=app[METRICS],
                durable=services.durable,
            )
        if runs(roles, "notifier"):
            services.notifier = await build_notifier(
                config, store, http, clock, consumer=base, metrics=app[METRICS]
            )
        if runs(roles, "monitor"):  # the pollers' grace, whichever process polls
            grace = {c.name: LeaseTiming(interval=intervals[c.name]).stall_grace for c in polled}
            services.monitor = Monitor(store, config, clock, stall_grace=grace)
        app[LIVE] = Broadcaster(store, clock)  # the live routes use it; it runs in web
        if runs(roles, "reports"):
            services.rollup = Rollup(store, config.reports, config.drafts.timezone)
        if runs(roles, "voice"):
            services.voice = VoiceWatch(store, config, clock)
        yield
    finally:
        for poller in services.pollers:
            await poller.release()
        for connector in reversed(started):
            await connector.stop()
        await http.stop()
        if services.generator is not None:
            await services.generator.stop()
        if pool is not None:
            await asyncio.to_thread(pool.stop)


async def _build_pipelines(app: web.Application, base: str) -> None:
    """The pipeline workers (and the generated drafts' worker, when configured)."""
    config, clock, services, store = app[CONFIG], app[CLOCK], app[SERVICES], app[STORE]
    scorer = services.scorer
    assert scorer is not None
    if config.drafts.llm is not None:
        kit = await asyncio.to_thread(Kit.load, config.drafts.templates)
        services.generator = Generator(config.drafts.llm, kit, store, clock)
    # Several workers in one process overlap one batch's Redis work with another's
    # scoring; each is its own consumer, so a restart takes back what each had read.
    services.pipelines = [
        Pipeline(
            store,
            scorer,
            clock,
            config.sla,
            consumer=base if i == 0 else f"{base}-{i + 1}",
            batch_size=config.pipeline.batch_size,
            reclaim_after_ms=int(config.pipeline.reclaim_after.total_seconds() * 1000),
            max_deliveries=config.pipeline.max_deliveries,
            incidents=config.incidents,
            drafting=services.generator,
            library=config.drafts.library,
            metrics=app[METRICS],
        )
        for i in range(config.pipeline.workers)
    ]
    services.pipeline = services.pipelines[0]


class _AppShared:
    """A connector's Shared, over the app's Redis once it is open (connectors are built
    with the app, before Redis)."""

    def __init__(self, app: web.Application, name: str) -> None:
        self._app, self._name = app, name
        self._shared: RedisShared | None = None

    def _target(self) -> Shared:
        if self._shared is None:
            store = self._app[STORE]
            self._shared = RedisShared(store.redis, store.keys, self._name)
        return self._shared

    async def get(self, key: str) -> str | None:
        return await self._target().get(key)

    async def put(self, key: str, value: str, ttl: float) -> None:
        await self._target().put(key, value, ttl)

    async def put_new(self, key: str, value: str, ttl: float) -> bool:
        return await self._target().put_new(key, value, ttl)

    async def delete(self, key: str, value: str | None = None) -> None:
        await self._target().delete(key, value)


def _stepper(pipeline: Pipeline) -> Callable[[], Awaitable[float]]:
    async def step() -> float:
        await pipeline.step(block_ms=PIPELINE_BLOCK_MS)
        return 0.0

    return step


async def _background_ctx(app: web.Application) -> AsyncIterator[None]:
    """Supervise the loops of this process's roles; APScheduler triggers polls."""
    config, services = app[CONFIG], app[SERVICES]
    supervisor = services.supervisor
    assert supervisor is not None

    def loop(name: str, step: Step, *, interruptible: bool = False) -> None:
        if runs(services.roles, name):  # every name must be in roles.LOOPS
            supervisor.loop(name, step, interruptible=interruptible)

    scheduler = services.scheduler = AsyncIOScheduler(timezone=UTC)
    intervals = {c.name: c.poll_interval for c in config.connectors}
    for poller in services.pollers:  # only a poller's process has any
        seconds = intervals[poller.name].total_seconds()
        add_poll_job(scheduler, supervisor, poller, seconds, app[CLOCK].now())
    # Renewed apart from polls, so a slow poll keeps its lease; the list a reload changes.
    loop("leases", lambda: keep_leases(services.pollers))
    _follow_config(app, supervisor)
    if services.watchdog is not None:
        loop("redis", services.watchdog.step)
    # Interruptible: a step of these is atomic in Redis, or a read; what a pipeline worker
    # has read and not acknowledged is read again at the next start. The outbox and the
    # notifier get the grace, as a reply or a page may be in flight.
    for i, worker in enumerate(services.pipelines):
        name = "pipeline" if i == 0 else f"pipeline-{i + 1}"
        loop(name, _stepper(worker), interruptible=True)
    if services.generator is not None and config.drafts.llm is not None:
        # Interruptible: a request cut short leaves the template drafts as they are.
        for i in range(config.drafts.llm.workers):
            loop(f"drafts-llm-{i + 1}", services.generator.step, interruptible=True)
    if services.sweeper is not None:
        loop("sweeper", services.sweeper.step, interruptible=True)
    loop("live", app[LIVE].step, interruptible=True)
    loop("holds", Committer(app).step, interruptible=True)
    if services.sender is not None:
        sender = services.sender
        loop("outbox", lambda: sender.step(block_ms=PIPELINE_BLOCK_MS))
    # Each step takes the part a reload may have replaced (services.*) anew.
    loop("notifier", _notify_step(app))
    if services.rollup is not None:
        # Interruptible: a step applies its batch in one script, or nothing.
        loop("reports", lambda: _step(services.rollup), interruptible=True)
    if services.monitor is not None:
        loop("monitor", lambda: _step(services.monitor), interruptible=True)
    if services.voice is not None:
        # Interruptible: a page or the digest goes out in one script, or not at all.
        loop("voice", lambda: _step(services.voice), interruptible=True)
    scheduler.start()
    try:
        yield
    finally:
        for worker in services.pipelines:
            worker.stop()
        await supervisor.stop()  # jobs started from now on return at once
        scheduler.shutdown(wait=False)  # after: it cancels the jobs still running


class _Stepping(Protocol):
    def step(self) -> Awaitable[float]: ...


async def _step(part: _Stepping | None) -> float:
    assert part is not None
    return await part.step()


def _notify_step(app: web.Application) -> Callable[[], Awaitable[float]]:
    """Page with the notifier of the config in effect; with none (no channel), keep the
    alerts stream trimmed instead."""
    services, trim = app[SERVICES], trimmer(app[STORE], app[CLOCK])

    async def step() -> float:
        if services.notifier is None:
            return await trim()
        return await services.notifier.step(block_ms=PIPELINE_BLOCK_MS)

    return step


def _follow_config(app: web.Application, supervisor: Supervisor) -> None:
    """Follow the config version in Redis (responder/reload); watch the file if asked."""
    supervisor.loop("config", Follower(app).step, interruptible=True)
    path = config_file(app[CONFIG])
    if app[CONFIG].server.watch_config and path is not None:
        supervisor.loop("config-watch", file_watch(app, path), interruptible=True)
