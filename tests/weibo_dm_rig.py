"""Our side of the Weibo private-message tests: the connector built through the registry,
mounted in a real web server, with a Shared over the real Redis and a fake reply API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from connectors.http import Http
from connectors.model import Mention
from connectors.registry import Context, build
from connectors.secret import Secret
from connectors.weibo_dm import WeiboDmConfig, WeiboDmConnector
from responder.store.keys import Keys
from responder.store.shared import RedisShared
from tests.fake_weibo_dm import BRAND, SECRET, TOKEN, Pusher, ReplyApi
from tests.fakes import FakeClock

PATH = "/hooks/weibo-dm/lanxing"


@dataclass
class Inbox:
    """A `deliver` that stores, fails or stalls as told."""

    mentions: list[Mention] = field(default_factory=list)
    calls: list[list[Mention]] = field(default_factory=list)
    fail: list[BaseException] = field(default_factory=list)
    stall: float = 0.0

    async def deliver(self, mentions: Sequence[Mention]) -> None:
        self.calls.append(list(mentions))
        if self.stall:
            await asyncio.sleep(self.stall)  # the store is slow: longer than ack_timeout
        if self.fail:
            raise self.fail.pop(0)
        self.mentions.extend(mentions)


@dataclass
class Rig:
    connector: WeiboDmConnector
    pusher: Pusher
    api: ReplyApi
    inbox: Inbox
    clock: FakeClock


def options(api_base: str, **overrides: Any) -> WeiboDmConfig:
    values: dict[str, Any] = {
        "path": PATH,
        "app_secret": Secret(SECRET),
        "access_token": Secret(TOKEN),
        "uid": BRAND,
        "api_base": api_base,
    }
    return WeiboDmConfig(**{**values, **overrides})


@asynccontextmanager
async def rig(
    redis: Redis, clock: FakeClock, *, name: str = "dm", api: ReplyApi | None = None, **opts: Any
) -> AsyncIterator[Rig]:
    """Start the fake reply API and our push endpoint; yield both ends."""
    api = api or ReplyApi(now=clock.now)
    api_server = TestServer(api.app(), host="127.0.0.1", port=0)
    await api_server.start_server()
    http = Http(total=0.5)
    ctx = Context(http=http, shared=lambda n: RedisShared(redis, Keys("t"), n), now=clock.now)
    connector = build("weibo_dm", name, options(str(api_server.make_url("")), **opts), ctx)
    assert isinstance(connector, WeiboDmConnector)
    inbox = Inbox()

    async def handle(request: web.Request) -> web.StreamResponse:
        return await connector.handle(request, inbox.deliver)

    app = web.Application()
    app.router.add_route("*", connector.path, handle)
    ours = TestServer(app, host="127.0.0.1", port=0)
    await ours.start_server()
    try:
        pusher = Pusher(str(ours.make_url(PATH)), timeout=2.0)
        yield Rig(connector, pusher, api, inbox, clock)
    finally:
        await http.stop()
        await ours.close()
        await api_server.close()
