"""One WeChat connector wired as in production, for the WeChat tests: its push handler
served over loopback and driven by the Pusher, its replies going to the fake API, its
shared state in the real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from connectors.base import Deliver
from connectors.http import Http
from connectors.model import Mention
from connectors.secret import Secret
from connectors.wechat import WechatConfig, WechatConnector
from responder.store.keys import Keys
from responder.store.shared import RedisShared
from tests.fake_wechat import AES_KEY, APP_ID, APP_SECRET, TOKEN, FakeApi, Mode, Pusher, text_xml
from tests.fakes import FakeClock

PATH = "/hooks/wechat/lanxing"


@dataclass
class Deliveries:
    """A deliver that collects; `trouble` queues an exception to raise or seconds to hang."""

    mentions: list[Mention] = field(default_factory=list)
    trouble: list[BaseException | float] = field(default_factory=list)
    calls: int = 0

    async def __call__(self, mentions: Sequence[Mention]) -> None:
        self.calls += 1
        if self.trouble:
            what = self.trouble.pop(0)
            if isinstance(what, BaseException):
                raise what
            await asyncio.sleep(what)  # Redis hanging: the handler's deadline must cut it
        self.mentions.extend(mentions)


@dataclass
class Rig:
    connector: WechatConnector
    config: WechatConfig
    api: FakeApi
    pusher: Pusher
    delivered: Deliveries
    clock: FakeClock
    http: Http
    redis: Redis

    def another(self) -> WechatConnector:
        """The same connector in a second process: same config, same Redis."""
        return WechatConnector(
            "lanxing",
            self.config,
            http=self.http,
            shared=RedisShared(self.redis, Keys("t"), "lanxing"),
            now=self.clock.now,
        )

    async def user_writes(
        self, openid: str, content: str, *, msg_id: int, at: datetime, mode: Mode = "plain"
    ) -> Mention:
        """The user messages the account: WeChat records it and pushes it to us."""
        self.api.user_wrote(openid, at)
        xml = text_xml(openid, content, msg_id=msg_id, create_time=int(at.timestamp()))
        answer = await self.pusher.push(xml, mode)
        assert answer.status == 200 and self.pusher.accepts(answer)
        return self.delivered.mentions[-1]


@asynccontextmanager
async def rig(
    redis: Redis,
    clock: FakeClock,
    *,
    aes: bool = False,
    deadline: float = 3.0,
    http_total: float = 20.0,
    pusher_timeout: float = 5.0,
    deliver: Deliver | None = None,
) -> AsyncIterator[Rig]:
    api = FakeApi(now=clock.now)
    api_server = TestServer(api.app(), host="127.0.0.1", port=0)
    await api_server.start_server()
    config = WechatConfig(
        path=PATH,
        app_id=APP_ID,
        token=Secret(TOKEN),
        app_secret=Secret(APP_SECRET),
        encoding_aes_key=Secret(AES_KEY) if aes else None,
        api_base=str(api_server.make_url("")).rstrip("/"),
    )
    http = Http(total=http_total)
    await http.start()
    connector = WechatConnector(
        "lanxing",
        config,
        http=http,
        shared=RedisShared(redis, Keys("t"), "lanxing"),
        now=clock.now,
        deadline=deadline,
    )
    delivered = Deliveries()

    async def handle(request: web.Request) -> web.StreamResponse:
        return await connector.handle(request, deliver or delivered)

    app = web.Application()
    app.router.add_route("*", PATH, handle)
    hook_server = TestServer(app, host="127.0.0.1", port=0)
    await hook_server.start_server()
    pusher = Pusher(str(hook_server.make_url(PATH)), timeout=pusher_timeout)
    try:
        yield Rig(connector, config, api, pusher, delivered, clock, http, redis)
    finally:
        await hook_server.close()
        await http.stop()
        await api_server.close()
