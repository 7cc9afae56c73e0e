"""Serving the fake on a loopback port, and a connector config pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp.test_utils import TestServer

from connectors.secret import Secret
from connectors.weibo import WeiboConfig
from tests.fake_weibo.server import FakeWeibo
from tests.fake_weibo.state import BRAND_UID

TOKEN = "good-token"
RIP = "211.156.0.1"


@asynccontextmanager
async def serve(fake: FakeWeibo) -> AsyncIterator[str]:
    """Run the fake on 127.0.0.1, port 0; yield its api_base (".../2")."""
    server = TestServer(fake.app(), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield str(server.make_url("/2"))
    finally:
        await server.close()


def config(api_base: str, **changes: Any) -> WeiboConfig:
    """The brand account's connector options, pointed at the fake."""
    options: dict[str, Any] = {
        "access_token": Secret(TOKEN),
        "uid": str(BRAND_UID),
        "rip": RIP,
        "api_base": api_base,
    }
    return WeiboConfig(**(options | changes))
