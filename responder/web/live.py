"""GET /api/live: Server-Sent Events of every mention event, for the agents' page."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp_sse import EventSourceResponse

from responder.live.broadcaster import LIVE, Message, Subscriber, parse_id

routes = web.RouteTableDef()
# Sent at once, so the headers leave with it and the page knows it is connected.
HELLO = b": connected\r\n\r\n"


@routes.get("/api/live")
async def live(request: web.Request) -> web.StreamResponse:
    hub = request.app[LIVE]
    # Before any replay: what arrives meanwhile waits in line.
    subscriber = hub.subscribe(lambda: _abort(request))
    try:
        resp = EventSourceResponse(ping_interval=hub.ping_interval)
        await resp.prepare(request)
        await resp.write(HELLO)
        since = request.headers.get("Last-Event-ID")
        pump = asyncio.create_task(_pump(request, resp, subscriber, since))
        try:
            await resp.wait()  # ends when the page goes, or the pump stops streaming
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await pump
        if subscriber.dropped:
            _abort(request)  # it is not reading: do not wait to flush the rest
        return resp
    finally:
        hub.unsubscribe(subscriber)


async def _pump(
    request: web.Request, resp: EventSourceResponse, subscriber: Subscriber, since: str | None
) -> None:
    """Replay what the page missed (or tell it to reload), then send live messages."""
    hub = request.app[LIVE]
    last: tuple[int, int] | None = None
    try:
        if since:
            missed = await hub.missed(since)
            if missed is None:
                reset = await hub.reset()
                await _send(resp, reset)
                last = parse_id(reset.id)
            else:
                for message in missed:
                    await _send(resp, message)
                last = parse_id(missed[-1].id) if missed else parse_id(since)
        while batch := await _next(subscriber):
            if last is not None:  # skip what the replay sent already
                batch = [m for m in batch if (parse_id(m.id) or (0, 0)) > last]
            if batch:
                await resp.write(b"".join(m.frame for m in batch))
    finally:
        resp.stop_streaming()


def _abort(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.abort()


async def _send(resp: EventSourceResponse, message: Message) -> None:
    await resp.write(message.frame)


async def _next(subscriber: Subscriber) -> list[Message]:
    """Wait for the next message and take whatever else is waiting with it, to write them
    in one go; [] when the stream must end."""
    first = await subscriber.queue.get()
    batch: list[Message] = []
    while first is not None:
        batch.append(first)
        if subscriber.queue.empty():
            return batch
        first = subscriber.queue.get_nowait()
    return []


async def _close_streams(app: web.Application) -> None:
    """On shutdown, end every open stream so the server need not wait them out."""
    if LIVE in app:
        app[LIVE].close()


def add_routes(app: web.Application) -> None:
    app.add_routes(routes)
    app.on_shutdown.append(_close_streams)
