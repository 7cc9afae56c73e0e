"""The effective config, read-only, for admins: what this process runs now, secrets
masked, with its version and when and by whom it was loaded (responder/reload)."""

from __future__ import annotations

from aiohttp import web

from responder.reload.masking import masked
from responder.services import LIVE_CONFIG
from responder.web.auth import Role, require
from responder.web.common import json_response

routes = web.RouteTableDef()


@routes.get("/api/admin/config")
async def effective_config(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    live = request.app[LIVE_CONFIG]
    body = masked(live.current)
    assert isinstance(body, dict)
    body.pop("source", None)
    body["redis"]["wait_replicas"] = live.current.redis.replicas_to_wait()  # unset: by URL
    return json_response(
        {
            "version": live.version,
            "loaded_at": live.loaded_at.isoformat() if live.loaded_at else None,
            "by": live.by,
            "source": live.current.source,
            "refused": live.refused,
            "config": body,
        }
    )
