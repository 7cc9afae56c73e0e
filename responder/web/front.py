"""The front door: security headers on every answer, time limits for slow clients, and
JSON for the requests aiohttp's own parser refuses before any handler runs."""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Any

import orjson
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse
from aiohttp.web_server import Server

from responder.web.errors import Handler

log = logging.getLogger(__name__)

# No inline script or style anywhere: a page runs and styles only what /static/ serves.
# frame-ancestors 'none' (and X-Frame-Options for older browsers): no page, least of all
# the one-key approve page, can be framed by another site to trick a click.
POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # an ack link's token never leaves in a Referer
    "X-Content-Type-Options": "nosniff",
}


READ_TIMEOUT = web.AppKey("read_timeout", float)


async def _secure(request: web.Request, response: StreamResponse) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)


@web.middleware
async def body_in_time(request: web.Request, handler: Handler) -> StreamResponse:
    """Close the connection of a body still not all in after the read timeout: a client
    trickling bytes holds no connection (nor a handler waiting on them) for long. Once the
    body is in, the handler takes as long as it takes (a live stream, a slow Redis)."""
    if not request.can_read_body or request.content.is_eof():
        return await handler(request)
    cut = False

    def too_slow() -> None:
        nonlocal cut
        if not request.content.is_eof() and request.transport is not None:
            cut = True
            log.info("closed %s %s: its body was not in after %g s", *_what(request))
            request.transport.close()

    timer = asyncio.get_running_loop().call_later(request.app[READ_TIMEOUT], too_slow)
    try:
        return await handler(request)
    except Exception:
        if cut:  # the read failed because we closed it: nobody is left to answer
            raise web.HTTPRequestTimeout(text="请求体传得太慢，连接已关闭") from None
        raise
    finally:
        timer.cancel()


def _what(request: web.Request) -> tuple[str, str, float]:
    return request.method, request.path, request.app[READ_TIMEOUT]


def install(app: web.Application, read_timeout: float) -> None:
    """Security headers on every answer (errors and static files too), and body reads
    bounded by `read_timeout` seconds."""
    app[READ_TIMEOUT] = read_timeout
    app.on_response_prepare.append(_secure)
    app.middlewares.append(body_in_time)


class _Handler(RequestHandler):
    """aiohttp's connection handler, answering what its parser refuses (a broken request
    line, a bad header, a header too long) as JSON like every other API error. The request
    is unknown at that point, so there is no path to tell API from page by."""

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> StreamResponse:
        if status >= 500:  # not the client's fault: aiohttp's own log, with the traceback
            super().handle_error(request, status, exc, message)
        else:  # garbage from the network is no error of ours: one line
            log.info("refused a malformed request from %s: %s", request.remote, message or exc)
        text = (message or "").strip() or HTTPStatus(status).phrase
        body = orjson.dumps({"error": text})
        response = web.Response(body=body, status=status, content_type="application/json")
        for name, value in HEADERS.items():
            response.headers[name] = value
        response.force_close()
        return response


class _Server(Server):
    def __call__(self) -> RequestHandler:
        kwargs: dict[str, Any] = self._kwargs
        return _Handler(self, loop=self._loop, **kwargs)


class Runner(web.AppRunner):
    """An AppRunner whose connections close when no whole request arrives within the read
    timeout of opening or of the last answer (aiohttp's keep-alive timer, which also runs
    from the moment a connection opens), and whose parser errors are JSON."""

    def __init__(self, app: web.Application, **kwargs: Any) -> None:
        super().__init__(app, keepalive_timeout=app[READ_TIMEOUT], **kwargs)

    async def _make_server(self) -> Server:
        server = await super()._make_server()
        # The application builds its Server itself (Application._make_handler), with no
        # way to pass a class: the same object, with the connection handler above.
        server.__class__ = _Server
        return server
