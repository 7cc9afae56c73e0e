"""Push connectors' paths: what a platform pushes goes to the ingest stream like a poll's,
and the platform hears "stored" only once Redis's replicas have it ([redis] wait_replicas)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web
from redis.exceptions import RedisError

from connectors.base import PushConnector
from connectors.model import Mention
from responder.services import CLOCK, SERVICES, STORE

log = logging.getLogger(__name__)
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})  # a platform's checks of the URL: nothing stored


def mount(app: web.Application, connector: PushConnector) -> None:
    """Answer the platform at the connector's path, for every method."""

    async def deliver(mentions: Sequence[Mention]) -> None:
        # Health of a push source: when the platform last reached us, in the same step.
        await app[STORE].ingest(connector.name, mentions, None, app[CLOCK].now(), mark_healthy=True)

    async def handle(request: web.Request) -> web.StreamResponse:
        answer = await connector.handle(request, deliver)
        if request.method in SAFE or not 200 <= answer.status < 300:
            return answer
        # Not confirmed: the platform pushes it again (ingest drops a copy it already has by
        # the mention's identity), which beats a 200 a failover could take back.
        durable = app[SERVICES].durable
        try:
            if durable is None or await durable.confirm("push"):
                return answer
        except (RedisError, OSError) as exc:
            log.warning("%s: push not confirmed (%s); answering 503", connector.name, exc)
        return web.Response(status=503, text="not stored, push again\n")

    app.router.add_route("*", connector.path, handle)
