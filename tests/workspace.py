"""Helpers for the workspace API tests: feed mentions through the real pipeline, and an
app whose requests can name their user (a test-only stand-in for the login middleware)."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from aiohttp import web
from aiohttp.test_utils import TestClient

from connectors.model import Mention
from responder.config import Config, RedisConfig, defaults
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.services import SERVICES
from responder.store.keys import mention_id
from responder.web.auth import USER, Role, User
from tests.fakes import FakeClock

Client = TestClient[Any, Any]
TEST_USER = "X-Test-User"  # "name:role", read only by the test middleware below


def app_of(client: Client) -> web.Application:
    app = client.app
    assert isinstance(app, web.Application)
    return app


async def feed(client: Client, clock: FakeClock, *mentions: Mention) -> None:
    """Take `mentions` in and queue them, as the pollers and pipeline would."""
    pipeline = app_of(client)[SERVICES].pipeline
    assert pipeline is not None
    await pipeline.store.ingest("demo", list(mentions), None, clock.now())
    while await pipeline.run_once():
        pass


def mid(pid: str, platform: str = "weibo", account: str = "lanxing") -> str:
    return mention_id(platform, account, pid)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def test_user(request: web.Request, handler: Handler) -> web.StreamResponse:
    """IN TESTS ONLY: take the request's user from the X-Test-User header."""
    named = request.headers.get(TEST_USER)
    if named:
        name, role = named.split(":")
        with warnings.catch_warnings():
            # auth.USER is a plain string key until the login work makes it a RequestKey.
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request[USER] = User(name=name, role=Role[role.upper()])
    return await handler(request)


async def user_client(
    aiohttp_client: Any, redis_url: str, scorer: ScoringPool, clock: FakeClock, data_dir: Path
) -> Client:
    """The app over the session's Redis, with the test-only user middleware."""
    config: Config = replace(
        defaults(), connectors=(), redis=RedisConfig(url=redis_url, prefix="ws", data_dir=data_dir)
    )
    app = create_app(config, clock=clock, scorer=scorer, background=False)
    app.middlewares.append(test_user)
    return cast(Client, await aiohttp_client(app))
