"""Shared fixtures: one real embedded Redis per session, a clean database per test; the app
behind aiohttp's test client; the shared HTTP session and a module's fake platform served on
loopback."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, cast

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher
from redis.asyncio import Redis

from connectors.http import Http
from responder.accounts import UserConfig
from responder.config import (
    Config,
    ConnectorConfig,
    OutboxConfig,
    PipelineConfig,
    RedisConfig,
    SlaConfig,
    defaults,
)
from responder.outbox.sender import Sender
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline
from responder.runtime import create_app
from responder.store.connect import connected
from responder.store.embedded import EmbeddedRedis
from responder.store.keys import Keys
from responder.store.layouts import LocalCluster, LocalSentinel
from responder.store.store import Store
from responder.web.auth import token_hash
from tests.fake_forum import TOKEN, Forum, running
from tests.fake_robots import FakeRobots
from tests.fake_weibo import FakeWeibo
from tests.fake_weibo.running import serve
from tests.fakes import FakeClock
from tests.forum_outbox import forum_sender


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), appendonly=False)
    server.start()
    yield server.url
    server.stop()


# Tests marked `layouts` run once more on a real Redis Cluster (three masters) and once
# more on a Sentinel-watched master, both started once per test worker when first asked
# for; the `redis` fixture and `make_client` follow `store_url`, the test's layout.
LAYOUTS = ("embedded", "cluster", "sentinel")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "layouts: run on the embedded, cluster and sentinel Redis")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "layout" in metafunc.fixturenames and metafunc.definition.get_closest_marker("layouts"):
        metafunc.parametrize("layout", LAYOUTS, indirect=True)


@pytest.fixture(scope="session")
def cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cluster = LocalCluster(tmp_path_factory.mktemp("cluster"))
    cluster.start()
    yield cluster.url
    cluster.stop()


@pytest.fixture(scope="session")
def sentinel_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    setup = LocalSentinel(tmp_path_factory.mktemp("sentinel"))
    setup.start()
    yield setup.url
    setup.stop()


@pytest.fixture
def layout(request: pytest.FixtureRequest) -> str:
    """`embedded` unless the test is marked `layouts`; TIEXIN_TEST_REDIS=cluster (or
    sentinel) runs every test on that layout instead, to look for what does not work."""
    return str(getattr(request, "param", os.environ.get("TIEXIN_TEST_REDIS", "embedded")))


@pytest.fixture
def store_url(layout: str, redis_url: str, request: pytest.FixtureRequest) -> str:
    """The URL of this test's Redis: the embedded one unless the test runs on a layout."""
    return redis_url if layout == "embedded" else str(request.getfixturevalue(f"{layout}_url"))


@pytest.fixture(scope="session")
def scoring_pool() -> Iterator[ScoringPool]:
    pool = ScoringPool(1)
    pool.start()
    assert pool.wait_ready(), "the scoring worker never came up"  # health says ok from now
    yield pool
    pool.stop()


@pytest.fixture
async def redis(store_url: str) -> AsyncIterator[Redis]:
    async with connected(store_url) as client:
        await client.flushdb()  # on a cluster: on every master
        yield client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(redis: Redis) -> Store:
    store = Store(redis, Keys("test"))
    await store.ensure_group()
    return store


@pytest.fixture
def pipeline(store: Store, scoring_pool: ScoringPool, clock: FakeClock) -> Pipeline:
    return make_pipeline(store, scoring_pool, clock)


def make_pipeline(
    store: Store,
    scorer: ScoringPool,
    clock: FakeClock,
    consumer: str = "w1",
    reclaim_after_ms: int = 60_000,
) -> Pipeline:
    return Pipeline(
        store,
        scorer,
        clock,
        SlaConfig(),
        consumer=consumer,
        batch_size=PipelineConfig().batch_size,
        reclaim_after_ms=reclaim_after_ms,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


# Test logins: amy and bo are agents, lee a lead, ada an admin. Each signs in with
# "<name>-password" or sends "Bearer <name>-token". Cheap argon2 parameters keep tests fast
# (verifying reads the parameters from the hash).
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
ROLES = {"amy": "agent", "bo": "agent", "lee": "lead", "ada": "admin"}
USERS = tuple(
    UserConfig(
        name=name,
        role=role,  # type: ignore[arg-type]  # a Literal, checked by the config binder
        password_hash=CHEAP.hash(f"{name}-password"),
        token_hash=token_hash(f"{name}-token"),
    )
    for name, role in ROLES.items()
)


def bearer(name: str) -> dict[str, str]:
    """The Authorization header of a test user's API token."""
    return {"Authorization": f"Bearer {name}-token"}


async def api_client(
    aiohttp_client: Any,
    redis_url: str,
    scorer: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
    prefix: str,
    connectors: tuple[ConnectorConfig, ...] = (),
    user: str | None = "amy",
    **changes: Any,
) -> TestClient[Any, Any]:
    """The app over the session's Redis and scoring pool, nothing running by itself; the
    client sends `user`'s API token (None: nobody's). Approvals count at once (tests of
    other things need not wait out a send delay) unless `changes`, other Config fields,
    say otherwise (`outbox=OutboxConfig(undo_seconds=10)`)."""
    config: Config = replace(
        defaults(),
        connectors=connectors,
        redis=RedisConfig(url=redis_url, prefix=prefix, data_dir=data_dir),
        users=USERS,
        outbox=OutboxConfig(undo_seconds=0),
    )
    config = replace(config, **changes)
    app = create_app(config, clock=clock, scorer=scorer, background=False)
    headers = bearer(user) if user else {}
    return cast(TestClient[Any, Any], await aiohttp_client(app, headers=headers))


class ClientAs(Protocol):
    async def __call__(
        self, client: TestClient[Any, Any], user: str | None
    ) -> TestClient[Any, Any]: ...


@pytest.fixture
def client_as(aiohttp_client: Any) -> ClientAs:
    """Another client of the same running app, as `user` (a colleague) or as nobody."""

    async def make(client: TestClient[Any, Any], user: str | None) -> TestClient[Any, Any]:
        headers = bearer(user) if user else {}
        return cast(TestClient[Any, Any], await aiohttp_client(client.server, headers=headers))

    return make


class MakeClient(Protocol):
    async def __call__(
        self, prefix: str, *connectors: ConnectorConfig, **changes: Any
    ) -> TestClient[Any, Any]: ...


@pytest.fixture
def make_client(
    aiohttp_client: Any,
    redis: Redis,
    store_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
) -> MakeClient:
    """`api_client` over a clean database; each module names its own key prefix, so the
    keys a test looks at in Redis say which module wrote them."""

    async def make(
        prefix: str, *connectors: ConnectorConfig, **changes: Any
    ) -> TestClient[Any, Any]:
        return await api_client(
            aiohttp_client, store_url, scoring_pool, clock, data_dir, prefix, connectors, **changes
        )

    return make


@pytest.fixture
async def http() -> AsyncIterator[Http]:
    """The one shared session, with timeouts short enough that a fake that hangs fails the
    test quickly."""
    client = Http(total=0.3, connect=0.3)
    await client.start()
    yield client
    await client.stop()


class Fake(Protocol):
    def app(self) -> web.Application: ...


@pytest.fixture
async def server(fake: Fake) -> AsyncIterator[TestServer]:
    """The module's `fake` platform (each module seeds its own) on 127.0.0.1, port 0."""
    running = TestServer(fake.app(), host="127.0.0.1", port=0)
    await running.start_server()
    yield running
    await running.close()


@pytest.fixture
async def api_base(fake: FakeWeibo) -> AsyncIterator[str]:
    """The module's `fake` Weibo served on loopback, as the api_base a connector points at."""
    async with serve(fake) as base:
        yield base


@pytest.fixture
def robots(clock: FakeClock) -> FakeRobots:
    """Fake DingTalk, WeCom and Feishu robots and a webhook receiver (see `base`); a test
    module may override it (the CLI pages on the real clock)."""
    return FakeRobots(now=clock.now)


@pytest.fixture
async def base(robots: FakeRobots) -> AsyncIterator[str]:
    """`robots` served on loopback: the base URL channels point at."""
    server = TestServer(robots.app(), host="127.0.0.1", port=0)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
async def forum() -> AsyncIterator[tuple[Forum, str]]:
    """The fake forum on loopback, and its base URL."""
    fake = Forum()
    async with running(fake) as base:
        yield fake, base


@pytest.fixture
async def sender(
    client: TestClient[Any, Any],
    clock: FakeClock,
    forum: tuple[Forum, str],
    http: Http,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Sender:
    """The outbox of the module's `client` over the fake forum (tests/forum_outbox.py)."""
    monkeypatch.setenv("FORUM_TOKEN", TOKEN)
    return await forum_sender(client, clock, forum[1], http, tmp_path)
