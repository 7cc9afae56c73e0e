"""Health, computed from each part on every request: Redis, tasks, connectors, scoring."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from aiohttp import web
from redis.exceptions import RedisError

from responder.alerts.store import AlertStore
from responder.clock import from_epoch
from responder.roles import describe
from responder.services import CLOCK, LIVE_CONFIG, SERVICES, STORE, Services, config_of
from responder.store.drafts_llm import LlmStore
from responder.store.source_health import FAILURES, HEALTHY, TIMES, judged
from responder.store.store import Store

T = TypeVar("T")
REDIS_TIMEOUT = 0.5  # seconds; health must answer fast while Redis is away


async def report(app: web.Application) -> tuple[int, dict[str, Any]]:
    """Return (HTTP status, body): 200 when every part is ok (status "degraded" when Redis's
    replicas do not confirm writes), else 503 naming the failing."""
    services, store = app[SERVICES], app[STORE]
    names = [c.name for c in config_of(app).connectors if c.enabled]
    failing: list[str] = []
    body: dict[str, Any] = {}

    redis = await _redis(store, services)
    body["redis"] = redis
    if redis["state"] != "ok":
        failing.append("redis")
    # Replicas not confirming writes: webhooks and agents' writes answer 503 meanwhile, and
    # replies wait, but reads serve: degraded, not failing (no balancer takes it out).
    degraded: list[str] = []
    if services.durable is not None:
        body["replication"] = services.durable.to_json()
        if body["replication"]["state"] == "degraded":
            degraded.append("replication")

    tasks = services.supervisor.snapshot() if services.supervisor else {}
    body["tasks"] = tasks
    failing += [f"task:{name}" for name, status in tasks.items() if status["state"] != "ok"]

    scoring = _scoring(services)
    body["scoring"] = scoring
    if scoring["state"] != "ok":
        failing.append("scoring")

    connectors: dict[str, dict[str, Any]] = {name: {} for name in names}
    stored: dict[str, dict[str, str]] = {}
    if redis["state"] == "ok":
        try:
            stored = await _bounded(store.health(names))
            connectors.update({name: _readable(row) for name, row in stored.items()})
            body["stats"] = await _bounded(store.stats())
            body["queued"] = await _bounded(store.queue_size())
            body["outbox"] = await _bounded(_outbox(store))
            body["alerts"] = await _bounded(_alerts(app))
            if body["alerts"]["state"] == "failing":
                failing.append("alerts")
            if (llm := config_of(app).drafts.llm) is not None:
                # Optional: the template drafts stay whatever it does, so it never fails health.
                figures = await _bounded(LlmStore(store).figures())
                body["drafts_llm"] = {"model": llm.model, **figures}
        except (RedisError, OSError, TimeoutError) as exc:
            body["redis"] = {"state": "down", "error": _describe(exc)}
            failing.insert(0, "redis")
    now = app[CLOCK].now().timestamp()
    for poller in services.pollers:  # this process's view is the freshest, unless stalled
        row = connectors.setdefault(poller.name, {})
        grace, started = poller.timing.stall_grace, poller.started
        state = judged(stored.get(poller.name, {}), poller.health, now, grace, started)
        row["state"] = str(state)
        if state not in HEALTHY:
            row[FAILURES] = poller.failures
            failing.append(f"connector:{poller.name}")
    body["connectors"] = connectors
    live = app[LIVE_CONFIG]  # the config version this process runs (responder/reload)
    body["config"] = {"version": live.version, "refused": live.refused}

    status = "failing" if failing else "degraded" if degraded else "ok"
    body = {"status": status, "role": describe(services.roles), "failing": failing, **body}
    if degraded:
        body["degraded"] = degraded
    return (503 if failing else 200), body


async def _redis(store: Store, services: Services) -> dict[str, Any]:
    """Ask Redis once, through the client that records availability: its record says since
    when Redis has been away, counted from the first call that failed."""
    watchdog, availability = services.watchdog, services.redis
    try:
        await _bounded(store.redis.ping())
    except (RedisError, OSError, TimeoutError) as exc:
        if availability is None or availability.ok:
            # No answer within health's own bound: this answer says so; it is no outage.
            return {"state": "down", "error": _describe(exc)}
    if watchdog is not None and not watchdog.ok:
        return watchdog.to_json()
    return availability.to_json() if availability is not None else {"state": "ok"}


async def _outbox(store: Store) -> dict[str, int]:
    """Replies approved and not yet confirmed: to send, to try again, to post by hand."""
    keys = store.keys
    async with store.redis.pipeline(transaction=False) as pipe:
        pipe.xlen(keys.outbox)
        pipe.zcard(keys.outbox_later)
        pipe.zcard(keys.manual)
        to_send, retrying, manual = await pipe.execute()
    return {"to_send": int(to_send), "retrying": int(retrying), "manual": int(manual)}


async def _alerts(app: web.Application) -> dict[str, Any]:
    """Each alert channel's last success and failure (from every process) and the stages
    waiting to be paged. Failing when no channel's last attempt worked: nobody can be paged."""
    store, names = app[STORE], [c.name for c in config_of(app).alerts.channels]
    channels = await AlertStore(store).health(names)
    waiting = int(await store.redis.xlen(store.keys.alerts))
    if not names:
        return {"state": "off", "detail": "no [alerts.channels]: nobody is paged", "waiting": 0}
    tried = [c for c in channels if c.last_success or c.last_failure]
    state = (
        "failing"
        if tried and len(tried) == len(channels) and not any(c.ok for c in tried)
        else "ok"
    )
    return {"state": state, "channels": [c.as_dict() for c in channels], "waiting": waiting}


def _scoring(services: Services) -> dict[str, Any]:
    scorer = services.scorer
    if scorer is None:
        return {"state": "ok", "detail": "not used by this process"}
    state = getattr(scorer, "state", None)  # the scoring pool's own check, when it has one
    if state is None:
        return {"state": "ok"}
    now = str(state())
    if now == "warming":
        return {"state": now, "detail": "scoring processes are loading the model"}
    return {"state": now}


async def _bounded(call: Awaitable[T]) -> T:
    return await asyncio.wait_for(call, REDIS_TIMEOUT)


def _readable(row: dict[str, str]) -> dict[str, Any]:
    """Show a connector's stored health with ISO times and numbers, as people read them."""
    shown: dict[str, Any] = dict(row)
    for name in TIMES:
        if row.get(name):
            shown[name] = from_epoch(float(row[name])).isoformat()
    if row.get(FAILURES, "").isdigit():
        shown[FAILURES] = int(row[FAILURES])
    return shown


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:300]
