"""Every error under /api/ is `{"error": ...}` JSON, whoever raised it; Redis outages are 503."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from redis import exceptions as redis_errors

from responder.store.availability import UNREACHABLE
from responder.web.common import json_response
from responder.web.validate import ApiError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Redis cannot serve right now (down, restarting, failing over, full): try again later.
# Other RedisErrors (a bad command or script) are our bugs and answered as such.
UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
    redis_errors.ClusterDownError,
    redis_errors.TryAgainError,
)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer API errors as JSON with the right status; log what is not the client's fault."""
    api = request.path.startswith("/api/")
    try:
        response = await handler(request)
    except ApiError as exc:
        return json_response(exc.body(), status=exc.status)
    except web.HTTPException as exc:
        if not api or exc.status < 400:
            raise
        return json_response({"error": _message(exc)}, status=exc.status)
    except HttpProcessingError as exc:  # a body aiohttp could not decode (a bad chunk)
        return _answer(api, exc.code or 400, f"malformed request: {exc.message}")
    except UNAVAILABLE as exc:
        # An unreachable Redis is logged once per outage by store.availability, from the
        # call that failed; a refusal (read-only, out of memory) is said here.
        if not isinstance(exc, UNREACHABLE):
            log.warning("Redis refused %s %s: %s", request.method, request.path, exc)
        return _answer(api, 503, "Redis is unavailable; try again in a few seconds")
    except Exception:
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return _answer(api, 500, "internal error")
    return response


def _message(exc: web.HTTPException) -> str:
    text = exc.text or exc.reason
    return text.removeprefix(f"{exc.status}: ")


def _answer(api: bool, status: int, message: str) -> web.Response:
    if api:
        return json_response({"error": message}, status=status)
    return web.Response(text=message, status=status)


def install(app: web.Application) -> None:
    """Add the error middleware to `app`."""
    app.middlewares.append(json_errors)
