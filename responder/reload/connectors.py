"""Apply a reload to the connectors: a new polled connector starts polling, a removed one
stops, a changed one restarts. Push connectors answer at routes fixed at start, so they
change with a restart only (settle keeps the running ones)."""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import web

from connectors.base import PushConnector
from connectors.registry import build
from responder.config import Config, ConnectorConfig
from responder.ingest.lease import Leases, owner_id
from responder.ingest.poller import Poller
from responder.roles import runs
from responder.services import CLOCK, CONNECTORS, SERVICES, STORE
from responder.supervisor import Supervisor

log = logging.getLogger(__name__)


def is_push(connector: ConnectorConfig) -> bool:
    """Whether a configured connector is pushed to at a URL path (a replay `path` is a
    file)."""
    return isinstance(getattr(connector.options, "path", None), str)


def add_poll_job(
    scheduler: object, supervisor: Supervisor, poller: Poller, seconds: float, first: datetime
) -> None:
    """Trigger `poller` every `seconds` from `first` (the runtime at start, a reload later)."""
    scheduler.add_job(  # type: ignore[attr-defined]  # APScheduler is untyped
        # A poll in hand is dropped at a stop: the cursor moves with its mentions only.
        supervisor.job(f"poll:{poller.name}", poller.run_once, interruptible=True),
        "interval",
        id=f"poll:{poller.name}",
        seconds=seconds,
        max_instances=1,
        coalesce=True,
        next_run_time=first,
    )


def _polled(config: Config) -> dict[str, ConnectorConfig]:
    return {c.name: c for c in config.connectors if c.enabled and not is_push(c)}


async def apply_connectors(app: web.Application, old: Config, new: Config) -> None:
    before, after = _polled(old), _polled(new)
    for name, connector in before.items():
        if after.get(name) != connector:
            await _stop(app, name)
    for name, connector in after.items():
        if before.get(name) != connector:
            await _start(app, new, connector)


async def _stop(app: web.Application, name: str) -> None:
    services, connectors = app[SERVICES], app[CONNECTORS]
    scheduler = services.scheduler
    if scheduler is not None and scheduler.get_job(f"poll:{name}") is not None:
        scheduler.remove_job(f"poll:{name}")
    for poller in [p for p in services.pollers if p.name == name]:
        services.pollers.remove(poller)
        await poller.release()
    for connector in [c for c in connectors.all if c.name == name]:
        connectors.all.remove(connector)
        await connector.stop()
    log.info("reload: connector %s stopped", name)


async def _start(app: web.Application, config: Config, entry: ConnectorConfig) -> None:
    services, connectors = app[SERVICES], app[CONNECTORS]
    assert connectors.context is not None
    connector = build(entry.type, entry.name, entry.options, connectors.context)
    assert not isinstance(connector, PushConnector)
    await connector.start()
    connectors.all.append(connector)  # every role: the outbox posts replies through it
    if not runs(services.roles, "poll"):
        log.info("reload: connector %s started (%s), polled elsewhere", entry.name, entry.type)
        return
    seconds = entry.poll_interval.total_seconds()
    leases = Leases(app[STORE], owner_id(config.redis.data_dir))
    poller = Poller(connector, app[STORE], app[CLOCK], leases=leases, interval=seconds)
    services.pollers.append(poller)
    if services.scheduler is not None and services.supervisor is not None:
        add_poll_job(services.scheduler, services.supervisor, poller, seconds, app[CLOCK].now())
    log.info("reload: connector %s started (%s)", entry.name, entry.type)
