"""The effective config, read-only, for admins: what this process runs now, secrets
masked, with its version and when and by whom it was loaded (responder/reload)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from responder.config import Config
from responder.reload.masking import masked
from responder.services import LIVE_CONFIG
from responder.web.auth import Role, require
from responder.web.common import json_response

routes = web.RouteTableDef()


def shown(config: Config) -> dict[str, Any]:
    """The config as an admin sees it: masked, values in effect (an unset wait_replicas
    as the URL makes it), without the file's path (shown apart)."""
    body = masked(config)
    assert isinstance(body, dict)
    body.pop("source", None)
    body["redis"]["wait_replicas"] = config.redis.replicas_to_wait()
    return body


@routes.get("/api/admin/config")
async def effective_config(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    live = request.app[LIVE_CONFIG]
    body = shown(live.current)
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
