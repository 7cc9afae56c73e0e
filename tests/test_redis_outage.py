"""A Redis outage is judged by Redis calls: down at the first that fails, back at the first
that is answered, logged once each way with its real length (real Redis, fake clock)."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from redis.exceptions import ConnectionError as RedisConnectionError

from responder.config import RedisConfig, defaults
from responder.runtime import create_app
from responder.services import SERVICES
from responder.store.availability import Availability, watched
from responder.store.embedded import EmbeddedRedis
from tests.conftest import USERS, bearer
from tests.fakes import FakeClock
from tests.test_health import _kill

Client = TestClient[Any, Any]


@pytest.fixture
def server(tmp_path: Path) -> Any:
    server = EmbeddedRedis(tmp_path / "redis", appendonly=False)
    server.start()
    yield server
    server.stop()


def _events(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == name]


async def test_routes_that_never_touch_redis_do_not_end_an_outage(
    aiohttp_client: Any,
    tmp_path: Path,
    server: EmbeddedRedis,
    clock: FakeClock,
    scoring_pool: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = replace(
        defaults(),
        redis=RedisConfig(url=server.url, prefix="outage", data_dir=tmp_path / "data"),
        users=USERS,
    )
    app = create_app(config, clock=clock, scorer=scoring_pool, background=False)
    client: Client = await aiohttp_client(app, headers=bearer("amy"))
    assert (await client.get("/api/queue")).status == 200
    caplog.set_level(logging.DEBUG)
    _kill(server)
    for _ in range(10):  # requests that need Redis and requests that do not, interleaved
        assert (await client.get("/api/queue")).status == 503
        assert (await client.get("/api/no-such-route")).status == 404
        assert (await client.get("/login")).status == 200
        clock.advance(0.03)
    status = await client.get("/api/health")
    assert status.status == 503
    body = await status.json()
    assert body["redis"]["state"] == "down" and body["failing"][0] == "redis"
    assert body["redis"]["since"] == "2026-11-20T01:00:00+00:00"  # the first failing call
    server.restart()
    assert (await client.get("/api/queue")).status == 200
    assert (await client.get("/api/health")).status == 200
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [getattr(r, "event", None) for r in errors] == ["redis_down"], errors
    [back] = _events(caplog, "redis_recovered")
    assert back.__dict__["down_s"] == pytest.approx(0.3)
    availability = app[SERVICES].redis
    assert availability is not None and availability.ok


async def test_an_answer_to_a_call_sent_before_the_outage_does_not_end_it(
    server: EmbeddedRedis, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    availability = Availability(clock)
    client = watched(server.url, availability)
    try:
        assert await client.ping()
        before = availability.generation  # a call in flight when the outage begins
        _kill(server)
        with pytest.raises(RedisConnectionError):
            await client.get("x")
        assert not availability.ok
        availability.answered(before)  # its late answer proves nothing
        assert not availability.ok
        clock.advance(0.27)
        server.restart()
        during = availability.generation
        assert await client.ping()
        assert availability.ok and availability.down_for() == 0.0
        availability.failed(RuntimeError("late"), during)  # sent during the outage: stale
        assert availability.ok
        assert len(_events(caplog, "redis_down")) == 1
        [back] = _events(caplog, "redis_recovered")
        assert back.__dict__["down_s"] == pytest.approx(0.27)
    finally:
        await client.aclose()
