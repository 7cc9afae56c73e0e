"""Health is computed per request, answers JSON while Redis is down; the watchdog heals it."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from connectors.model import Author
from connectors.replay import ReplayConfig
from responder.config import Config, ConnectorConfig, RedisConfig
from responder.drafts.suggest import Job
from responder.ingest.poller import Health
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.services import SERVICES, Services
from responder.store.availability import Availability, watched
from responder.store.embedded import EmbeddedRedis, EmbeddedRedisError
from responder.supervisor import State as SupervisedState
from responder.supervisor import Supervisor
from responder.watchdog import RedisWatchdog
from tests.conftest import USERS, bearer
from tests.fakes import FakeClock, mention

Client = TestClient[Any, Any]
BOUND = 10.0  # seconds a real redis-server may take to die after SIGKILL (a bound, not a timer)
READY = 60.0  # seconds scoring workers may take to start and load (a bound, not a timer)


@pytest.fixture
async def client(
    aiohttp_client: Any, tmp_path: Path, scoring_pool: ScoringPool, clock: FakeClock
) -> Client:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(mention("1").to_json() + "\n", "utf-8")
    source = ConnectorConfig(name="feed", type="replay", options=ReplayConfig(path=feed))
    config = Config(
        redis=RedisConfig(data_dir=tmp_path / "data"), connectors=(source,), users=USERS
    )
    app = create_app(config, clock=clock, scorer=scoring_pool, background=False)
    # The details need a login: a lead's API token, as monitoring would send.
    return await aiohttp_client(app, headers=bearer("lee"))  # type: ignore[no-any-return]


def _services(client: Client) -> Services:
    app = client.app
    assert isinstance(app, web.Application)
    return app[SERVICES]


def _kill(server: EmbeddedRedis) -> None:
    """SIGKILL the real redis-server and wait until it is gone."""
    assert server.pid is not None
    os.kill(server.pid, signal.SIGKILL)
    limit = time.monotonic() + BOUND
    while server.alive() and time.monotonic() < limit:
        time.sleep(0.01)  # waiting on a real process
    assert not server.alive()


async def _get(client: Client) -> tuple[int, dict[str, Any]]:
    resp = await client.get("/api/health")
    assert resp.content_type == "application/json"
    return resp.status, await resp.json()


async def test_all_parts_ok_is_200_with_the_usual_fields(client: Client) -> None:
    await _services(client).pollers[0].run_once()
    status, body = await _get(client)
    assert status == 200 and body["status"] == "ok" and body["failing"] == []
    assert body["redis"] == {"state": "ok"} and body["scoring"]["state"] == "ok"
    assert body["connectors"]["feed"]["state"] == "ok" and body["queued"] == 0
    assert "stats" in body


async def test_redis_down_is_503_json_naming_it(client: Client) -> None:
    services = _services(client)
    assert services.watchdog is not None
    _kill(services.watchdog.server)
    started = time.monotonic()
    status, body = await _get(client)
    assert time.monotonic() - started < 2  # answers fast although Redis is away
    assert status == 503 and body["status"] == "failing" and body["failing"][0] == "redis"
    assert body["redis"]["state"] == "down"
    assert body["connectors"] == {"feed": {"state": "ok"}}  # this process's view still shows


async def test_a_failing_task_and_a_failing_connector_are_named(client: Client) -> None:
    services = _services(client)
    assert services.supervisor is not None
    services.supervisor.failed("pipeline", RuntimeError("READONLY"))
    services.pollers[0].health = Health.AUTH_FAILED
    status, body = await _get(client)
    assert status == 503 and body["failing"] == ["task:pipeline", "connector:feed"]
    assert body["tasks"]["pipeline"]["last_error"] == "RuntimeError: READONLY"
    assert body["connectors"]["feed"]["state"] == "auth_failed"
    store = services.pollers[0].store
    await store.set_health("feed", {"state": "down", "last_error_at": "1764550800.000"})
    feed = (await _get(client))[1]["connectors"]["feed"]
    assert feed["failing_since"] == "2025-12-01T01:00:00+00:00"  # as people read times
    services.supervisor.ok("pipeline")
    services.pollers[0].health = Health.OK
    assert (await _get(client))[0] == 200


async def test_watchdog_restarts_a_killed_server_from_its_aof(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = EmbeddedRedis(tmp_path / "data")
    server.start()
    try:
        clock = FakeClock()
        availability = Availability(clock)
        client = watched(server.url, availability)
        watchdog = RedisWatchdog(server, Supervisor(clock), availability, ping=client.ping)
        caplog.set_level(logging.INFO)
        assert await watchdog.step() == 0.25 and watchdog.ok
        _kill(server)
        with pytest.raises(RedisConnectionError):
            await client.get("k")  # the outage begins with the first call that fails
        clock.advance(0.2)  # the watchdog sees the dead server a while later
        await watchdog.step()
        assert watchdog.ok and server.alive() and server.answers() and availability.ok
        await watchdog.step()
        events = [getattr(r, "event", None) for r in caplog.records]
        assert events.count("redis_down") == 1 and events.count("redis_recovered") == 1
        [restarted] = [r for r in caplog.records if getattr(r, "event", None) == "redis_restarted"]
        assert restarted.__dict__["down_s"] == pytest.approx(0.2)  # from the first failing call
        await client.aclose()
    finally:
        server.stop()


async def test_watchdog_gives_up_after_a_few_tries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = EmbeddedRedis(tmp_path / "data", appendonly=False)
    server.start()
    try:
        clock = FakeClock()
        supervisor = Supervisor(clock)
        watchdog = RedisWatchdog(server, supervisor, Availability(clock), tries=3)
        attempts: list[int] = []

        def refuse(timeout: float = 10.0) -> None:
            attempts.append(1)
            raise EmbeddedRedisError("redis-server exited with status 1")

        monkeypatch.setattr(server, "restart", refuse)
        _kill(server)
        await watchdog.step()
        assert len(attempts) == 3 and len(clock.slept) == 2  # backoff between tries only
        assert supervisor.stopping.is_set() and supervisor.fatal_error is not None
        assert "could not be restarted" in supervisor.fatal_error
        assert "status 1" in supervisor.fatal_error
        assert watchdog.to_json()["state"] == "restarting"
    finally:
        server.stop()


async def test_a_pipeline_dying_of_a_redis_error_shows_in_health_and_logs_once(
    aiohttp_client: Any,
    tmp_path: Path,
    scoring_pool: ScoringPool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(blocking=True)  # restart backoff passes only when the test says so
    config = Config(redis=RedisConfig(data_dir=tmp_path / "data"), users=USERS)
    app = create_app(config, clock=clock, scorer=scoring_pool)  # background tasks running
    client: Client = await aiohttp_client(app, headers=bearer("lee"))
    pipeline, supervisor = app[SERVICES].pipeline, app[SERVICES].supervisor
    assert pipeline is not None and supervisor is not None
    calls = 0

    async def readonly(block_ms: int | None = None) -> int:
        nonlocal calls
        calls += 1
        raise ResponseError("READONLY You can't write against a read only replica.")

    def backing_off() -> bool:
        return supervisor.statuses["pipeline"].state is SupervisedState.FAILING

    caplog.set_level(logging.INFO, logger="responder.supervisor")
    pipeline.run_once = readonly  # type: ignore[method-assign]
    await _settle(lambda: calls == 1)  # once the read in hand (real I/O, <= 250 ms) ends
    for expected in (2, 3):
        await _settle(backing_off)  # not dead: waiting out its backoff on the clock
        assert calls == expected - 1
        # Past the capped restart backoff (5 s). The restart timer may not be asleep on the
        # clock yet when the state already says failing: move the clock again until it is.
        # One move wakes at most one backoff, as the next one starts after it.
        for _ in range(int(BOUND / 0.005)):
            clock.advance(10)
            await asyncio.sleep(0.005)  # turns the loop for real I/O; no timer is tested
            if calls >= expected:
                break
        assert calls == expected
    status, body = await _get(client)
    assert status == 503 and "task:pipeline" in body["failing"]
    assert "READONLY" in body["tasks"]["pipeline"]["last_error"]
    failed = [r for r in caplog.records if getattr(r, "event", None) == "task_failed"]
    assert len(failed) == 1 and failed[0].exc_info is not None


async def _settle(check: Callable[[], bool]) -> None:
    """Let the app's real tasks and I/O run until `check` holds, within BOUND."""
    limit = time.monotonic() + BOUND
    for _ in range(int(BOUND / 0.005)):
        if check() or time.monotonic() > limit:
            break
        await asyncio.sleep(0.005)  # turns the loop for real I/O; no timer is tested
    assert check()


async def test_a_dead_scoring_worker_shows_in_health_and_scoring_heals(
    aiohttp_client: Any, tmp_path: Path, clock: FakeClock
) -> None:
    others = set(await asyncio.to_thread(_workers, os.getpid()))  # the session's pool
    pool = ScoringPool(1)  # its own pool: this test kills a worker
    pool.start()
    try:
        config = Config(redis=RedisConfig(data_dir=tmp_path / "data"), users=USERS)
        client = await aiohttp_client(
            create_app(config, clock=clock, scorer=pool, background=False), headers=bearer("lee")
        )
        assert await asyncio.to_thread(pool.wait_ready, READY)
        assert (await client.get("/api/health")).status == 200
        [worker] = set(await asyncio.to_thread(_workers, os.getpid())) - others
        os.kill(worker, signal.SIGKILL)
        await asyncio.to_thread(_until, lambda: not pool.alive())
        resp = await client.get("/api/health")
        assert resp.status == 503 and (await resp.json())["failing"] == ["scoring"]
        job = Job(
            id="1",
            text="太好用了",
            platform="weibo",
            kind="comment",
            author=Author(id="a", name="a"),
            at=clock.now(),
        )
        assert [s.sentiment.label for s in await pool.suggest([job])]  # a new pool takes over
        assert await asyncio.to_thread(pool.wait_ready, READY)
        assert (await client.get("/api/health")).status == 200
    finally:
        pool.stop()


async def test_scoring_is_not_ready_until_its_workers_have_loaded(
    aiohttp_client: Any, tmp_path: Path, clock: FakeClock
) -> None:
    others = set(await asyncio.to_thread(_workers, os.getpid()))
    pool = ScoringPool(1)
    pool.start()
    [worker] = set(await asyncio.to_thread(_workers, os.getpid())) - others
    os.kill(worker, signal.SIGSTOP)  # held before it can load the model: a slow first start
    try:
        config = Config(redis=RedisConfig(data_dir=tmp_path / "data"), users=USERS)
        client = await aiohttp_client(
            create_app(config, clock=clock, scorer=pool, background=False), headers=bearer("lee")
        )
        resp = await client.get("/api/health")
        body = await resp.json()
        assert resp.status == 503 and body["failing"] == ["scoring"]
        assert body["scoring"]["state"] == "warming"
        os.kill(worker, signal.SIGCONT)
        assert await asyncio.to_thread(pool.wait_ready, READY)
        resp = await client.get("/api/health")
        assert resp.status == 200 and (await resp.json())["scoring"] == {"state": "ok"}
    finally:
        os.kill(worker, signal.SIGCONT)
        pool.stop()


def _until(check: Callable[[], bool]) -> None:
    """Wait (on a real process, not a timer) until `check` holds, within BOUND."""
    limit = time.monotonic() + BOUND
    while not check() and time.monotonic() < limit:
        time.sleep(0.01)
    assert check()


def _workers(parent: int) -> list[int]:
    """Return the pids of `parent`'s children that are multiprocessing spawn workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


async def test_stopping_the_pool_does_not_wait_for_the_work_its_workers_hold(
    clock: FakeClock,
) -> None:
    others = set(await asyncio.to_thread(_workers, os.getpid()))
    pool = ScoringPool(1)
    pool.start()
    await asyncio.wait_for(pool.ready(), READY)
    [worker] = set(await asyncio.to_thread(_workers, os.getpid())) - others
    job = Job(
        id="1",
        text="好",
        platform="weibo",
        kind="comment",
        author=Author(id="a", name="a"),
        at=clock.now(),
    )
    os.kill(worker, signal.SIGSTOP)  # it holds the batch below and will never finish it
    held = asyncio.ensure_future(pool.suggest([job]))
    try:
        executor = pool._pool
        for _ in range(500):  # the batch reaching the pool is real I/O, not a timer
            if getattr(executor, "_pending_work_items", None):
                break
            await asyncio.sleep(0.01)
        assert getattr(executor, "_pending_work_items", None), "the batch never reached the pool"
        stopping = asyncio.to_thread(pool.stop)
        await asyncio.wait_for(stopping, BOUND)  # before: waited for the batch, for ever
        assert pool.state() == "down" and not _alive(worker)
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)
        held.cancel()
        await asyncio.gather(held, return_exceptions=True)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"
