"""Helpers for the workspace API tests: feed mentions through the real pipeline, and an
app whose requests sign in as any of the test users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from connectors.model import Mention
from responder.pipeline.scoring import ScoringPool
from responder.reports.rollup import IDLE, Rollup
from responder.services import SERVICES
from responder.store.keys import mention_id
from tests.conftest import api_client, bearer
from tests.fakes import FakeClock

Client = TestClient[Any, Any]


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


async def user_client(
    aiohttp_client: Any, redis_url: str, scorer: ScoringPool, clock: FakeClock, data_dir: Path
) -> Client:
    """The app over the session's Redis; the client is amy (an agent) unless a request
    sends another test user's token (`as_user`)."""
    return await api_client(aiohttp_client, redis_url, scorer, clock, data_dir, "ws")


def as_user(name: str) -> dict[str, str]:
    """Headers that sign a request in as test user `name` (amy, bo, lee: lead, ada: admin)."""
    return bearer(name)


def rollup_of(client: Client) -> Rollup:
    """The app's rollup step (the reports' counters)."""
    rollup = app_of(client)[SERVICES].rollup
    assert rollup is not None
    return rollup


async def catch_up(client: Client) -> None:
    """Run the rollup step until it has nothing left to count."""
    for _ in range(100):
        if await rollup_of(client).step() == IDLE:
            return
    raise AssertionError("the rollup never caught up")
