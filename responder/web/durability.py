"""An agent's write is answered 2xx only once Redis's replicas have it ([redis]
wait_replicas): a 2xx a failover could take back would tell the agent a thing was done that
is gone after it. Not confirmed in time, the action answers 503 and the agent does it again
(an approval sent again is answered as the first, never sent twice: web/approving.py)."""

from __future__ import annotations

from aiohttp import web

from responder.services import SERVICES
from responder.web.errors import Handler
from responder.web.validate import ApiError

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PATHS = ("/api/", "/ack/")  # agents' actions, and the on-call's ack from a page's link
NOT_SAVED = "这次操作可能没有保存成功（Redis 备份没有及时确认），请稍后再做一次"


@web.middleware
async def confirmed(request: web.Request, handler: Handler) -> web.StreamResponse:
    """After a write answered 2xx, wait for the replicas; 503 if they do not confirm."""
    response = await handler(request)
    if (
        request.method not in WRITES
        or not request.path.startswith(PATHS)
        or not 200 <= response.status < 300
        or response.prepared
    ):
        return response
    durable = request.app[SERVICES].durable
    if durable is None or await durable.confirm("api"):
        return response
    if request.path.startswith("/api/"):
        raise ApiError(NOT_SAVED, status=503, details={"code": "not_saved"})
    return web.Response(status=503, text=NOT_SAVED)


def install(app: web.Application) -> None:
    """Add the middleware, inside the JSON errors (they answer its 503 and Redis errors)."""
    app.middlewares.append(confirmed)
