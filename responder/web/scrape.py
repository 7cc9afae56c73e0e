"""GET /metrics for Prometheus, behind its own token, and the timing of every request
(docs/metrics.md). The system's state is read from Redis here, for each scrape."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from responder.metrics import State
from responder.services import CLOCK, METRICS, STORE, config_of
from responder.store.store import Store
from responder.web.auth import Handler, same
from responder.web.common import json_response

log = logging.getLogger(__name__)
PATH = "/metrics"
TIMEOUT = 0.5  # seconds for the state's reads: a scrape must answer while Redis is away
HEAD = 50  # the most urgent rows read for the oldest waiting (docs/metrics.md says why)
OFF = (
    '指标接口未开启：在 config.toml 的 [metrics] 里写 token_env = "变量名"，'
    "把抓取令牌放进这个环境变量，Prometheus 抓取时带上 Authorization: Bearer <令牌>"
)
WRONG = "指标令牌不对：请带上 Authorization: Bearer <[metrics] token_env 里的令牌>"


async def metrics(request: web.Request) -> web.Response:
    """Answer the text exposition to the right Bearer token; 404 while no token is set."""
    token = config_of(request.app).metrics.token
    if token is None:
        return json_response({"error": OFF}, status=404)
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not same(sent.strip(), token.reveal()):
        refused = json_response({"error": WRONG}, status=401)
        refused.headers["WWW-Authenticate"] = 'Bearer realm="tiexin-metrics"'
        return refused
    state = await _state(request.app)
    body, content_type = request.app[METRICS].render(state, request.headers.get("Accept", ""))
    return web.Response(body=body, headers={"Content-Type": content_type})


async def _state(app: web.Application) -> State | None:
    """The system's state, or None when Redis does not answer in time (its outage is
    logged once by the store's availability, not once per scrape)."""
    try:
        return await asyncio.wait_for(read_state(app[STORE], app[CLOCK].now().timestamp()), TIMEOUT)
    except (RedisError, OSError, TimeoutError):
        return None


async def read_state(store: Store, now: float) -> State:
    """Queue depth, oldest waiting and pipeline lag, in two short round trips."""
    keys = store.keys
    async with store.redis.pipeline(transaction=False) as pipe:
        pipe.zcard(keys.queue)
        pipe.zrange(keys.queue, 0, HEAD - 1)
        pipe.xrange(keys.ingest, "-", "+", count=1)
        depth, head, first = await pipe.execute()
    rows = await store.mentions(head, ("clock_start",))
    starts = [float(row["clock_start"]) for row in rows if row.get("clock_start")]
    return State(
        queue_depth=int(depth),
        oldest_waiting_s=max(0.0, now - min(starts)) if starts else 0.0,
        pipeline_lag_s=_lag(first, now),
    )


def _lag(first: list[tuple[str, dict[str, str]]], now: float) -> float:
    """Age of the ingest stream's oldest entry (the pipeline deletes each entry as it
    acknowledges it), as the monitor's lag check reads it (alerts/monitor_lua.py)."""
    if not first:
        return 0.0
    entry_id, fields = first[0]
    try:
        at = float(fields.get("ingested_at", ""))
    except ValueError:
        at = int(entry_id.split("-")[0]) / 1000
    return max(0.0, now - at)


@web.middleware
async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Time every request by its route's pattern; a live stream (SSE) is left out, as its
    length is the page's stay, not an answer's time. Real time, not the injected clock."""
    start, response = time.perf_counter(), None
    try:
        response = await handler(request)
        return response
    finally:
        if response is None or response.content_type != "text/event-stream":
            seconds = time.perf_counter() - start
            request.app[METRICS].request(_route(request), request.method, seconds)


def _route(request: web.Request) -> str:
    resource: Any = request.match_info.route.resource
    return str(resource.canonical) if resource is not None else "unmatched"


def install(app: web.Application) -> None:
    """Add GET /metrics and the timing (outermost, so it times everything else too)."""
    app.router.add_get(PATH, metrics)
    app.middlewares.insert(0, timed)
    if config_of(app).metrics.token is None:
        log.info("/metrics is off: set [metrics] token_env to turn it on (docs/metrics.md)")
