"""The session key when config names none: kept in the data dir beside an embedded Redis,
in Redis (shared) with an external one; so a restart, or another process on the same
Redis, signs nobody out."""

from __future__ import annotations

import logging
import re
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from responder.config import RedisConfig, defaults
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.store.keys import Keys
from responder.web.auth import COOKIE
from responder.web.session_key import FILE
from tests.conftest import USERS
from tests.fakes import FakeClock

Client = TestClient[Any, Any]


async def _app(
    aiohttp_client: Any, scorer: ScoringPool, clock: FakeClock, redis: RedisConfig
) -> Client:
    config = replace(defaults(), redis=redis, users=USERS)
    app = create_app(config, clock=clock, scorer=scorer, background=False)
    return await aiohttp_client(app)  # type: ignore[no-any-return]


async def _sign_in(c: Client) -> str:
    """Sign amy in; return the session cookie's value."""
    page = await c.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found is not None
    form = {"name": "amy", "password": "amy-password", "next": "/", "csrf": found[1]}
    resp = await c.post("/login", data=form, allow_redirects=False)
    assert resp.status == 302, await resp.text()
    return resp.cookies[COOKIE].value


async def _who(c: Client, cookie: str) -> int:
    resp = await c.get("/api/me", headers={"Cookie": f"{COOKIE}={cookie}"})
    return resp.status


async def test_processes_on_one_redis_accept_each_others_cookies_and_restarts_keep_them(
    aiohttp_client: Any, redis: Redis, redis_url: str, scoring_pool: ScoringPool, tmp_path: Path
) -> None:
    clock = FakeClock()
    one = RedisConfig(url=redis_url, prefix="sk", data_dir=tmp_path / "one")
    two = replace(one, data_dir=tmp_path / "two")
    first = await _app(aiohttp_client, scoring_pool, clock, one)
    second = await _app(aiohttp_client, scoring_pool, clock, two)
    cookie = await _sign_in(first)
    assert await _who(first, cookie) == 200
    assert await _who(second, cookie) == 200  # another process on the same Redis
    await first.close()
    again = await _app(aiohttp_client, scoring_pool, clock, one)  # a restart
    assert await _who(again, cookie) == 200
    assert await redis.exists(Keys("sk").session_secret)
    # Another deployment (its own prefix) on the same Redis has its own key.
    other = await _app(
        aiohttp_client, scoring_pool, clock, replace(two, prefix="sk2", data_dir=tmp_path / "three")
    )
    assert await _who(other, cookie) == 401
    assert not (tmp_path / "one" / FILE).exists()  # an external Redis keeps it


async def test_an_embedded_redis_keeps_the_key_in_a_private_file(
    aiohttp_client: Any,
    scoring_pool: ScoringPool,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    embedded = RedisConfig(url=None, prefix="sk", data_dir=tmp_path / "data")
    first = await _app(aiohttp_client, scoring_pool, clock, embedded)
    cookie = await _sign_in(first)
    await first.close()
    kept = tmp_path / "data" / FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    secret = kept.read_text("ascii")
    again = await _app(aiohttp_client, scoring_pool, clock, embedded)
    assert await _who(again, cookie) == 200
    await again.close()
    assert kept.read_text("ascii") == secret
    assert secret not in caplog.text
    # A fresh data dir is a fresh key: the old cookie is nobody's there.
    kept.unlink()
    fresh = await _app(aiohttp_client, scoring_pool, clock, embedded)
    assert await _who(fresh, cookie) == 401
