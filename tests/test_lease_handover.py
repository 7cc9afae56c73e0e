"""A poll lease follows the process: a dead holder's source is polled again within two
intervals, by its restart at once, and a holder that stopped polling shows as stalled."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from connectors.base import Batch
from connectors.replay import ReplayConfig
from responder.config import ConnectorConfig
from responder.ingest.lease import Leases
from responder.ingest.poller import Health, Poller
from responder.pipeline.scoring import ScoringPool
from responder.services import SERVICES, STORE
from tests.conftest import api_client
from tests.fakes import FakeClock, ScriptedConnector, mention
from tests.running import (
    OPS_TOKEN,
    USERS_TOML,
    free_port,
    get_json,
    health_of,
    start_tiexin,
    stop_tiexin,
    wait_for,
)

Client = TestClient[Any, Any]
WEIBO = timedelta(minutes=5)  # Weibo's poll interval


def _app(client: Client) -> web.Application:
    app = client.app
    assert isinstance(app, web.Application)
    return app


def _poller(client: Client) -> Poller:
    (poller,) = _app(client)[SERVICES].pollers
    return poller


async def _process(
    aiohttp_client: Any,
    redis_url: str,
    pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
    feed: Path,
) -> Client:
    """One Tiexin process (an app on its own data dir) over the shared Redis."""
    source = ConnectorConfig(
        name="feed", type="replay", options=ReplayConfig(path=feed), poll_interval=WEIBO
    )
    return await api_client(
        aiohttp_client, redis_url, pool, clock, data_dir, "handover", (source,), user="lee"
    )


async def test_a_dead_holders_source_is_polled_by_another_within_two_intervals(
    aiohttp_client: Any,
    redis: Redis,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(mention("1").to_json() + "\n", "utf-8")
    one = await _process(aiohttp_client, redis_url, scoring_pool, clock, tmp_path / "a", feed)
    two = await _process(aiohttp_client, redis_url, scoring_pool, clock, tmp_path / "b", feed)
    a, b = _poller(one), _poller(two)
    assert a.leases is not None and b.leases is not None
    assert a.leases.owner != b.leases.owner  # two data dirs on one host: two owners
    assert await a.run_once() == 1
    assert await b.run_once() == 0 and b.health is Health.STANDBY

    # a is killed (nothing released); a mention arrives; b polls on its own schedule.
    with feed.open("a", encoding="utf-8") as handle:
        handle.write(mention("2").to_json() + "\n")
    polled = 0
    for _ in range(2):
        clock.advance(WEIBO.total_seconds())
        polled += await b.run_once()
    assert (polled, b.health) == (1, Health.OK)
    assert await b.leases.holder("feed") == b.leases.owner


class Stuck(ScriptedConnector):
    """A connector whose second fetch never answers (a hung page-through)."""

    def __init__(self) -> None:
        super().__init__(name="feed")
        self.script = [Batch(mentions=(mention("1"),), cursor="c1")]
        self.asked = asyncio.Event()

    async def fetch(self, cursor: str | None) -> Batch:
        if not self.script:
            self.asked.set()
            await asyncio.Event().wait()
        return await super().fetch(cursor)


async def test_a_source_whose_holder_stopped_polling_is_stalled_and_fails_health(
    aiohttp_client: Any,
    redis: Redis,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("", "utf-8")
    standby = await _process(aiohttp_client, redis_url, scoring_pool, clock, tmp_path / "b", feed)
    b, store = _poller(standby), _app(standby)[STORE]
    # The holder, another process: it polls once, then its poll hangs while it lives on and
    # renews its lease.
    stuck = Stuck()
    holder = Poller(
        stuck, store, clock, leases=Leases(store, "elsewhere:1"), interval=WEIBO.total_seconds()
    )
    assert await holder.run_once() == 1
    assert await b.run_once() == 0
    resp = await standby.get("/api/health")
    body = await resp.json()
    assert resp.status == 200 and body["connectors"]["feed"]["state"] == "standby"
    assert body["connectors"]["feed"]["polled_by"] == "elsewhere:1"

    hung = asyncio.create_task(holder.run_once())
    clock.advance(WEIBO.total_seconds())
    await stuck.asked.wait()
    stall = WEIBO.total_seconds() + b.timing.stall_grace  # past the planned next poll
    while stall > 0:
        step = min(holder.timing.renew_every, stall)
        clock.advance(step)
        stall -= step
        await holder.keep()
        await b.run_once()
        assert b.health is Health.STANDBY  # the lease is renewed: no takeover
    clock.advance(1)

    resp = await standby.get("/api/health")
    body = await resp.json()
    assert resp.status == 503 and "connector:feed" in body["failing"]
    assert body["connectors"]["feed"]["state"] == "stalled"
    hung.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await hung


def test_a_killed_holder_restarted_on_its_data_dir_polls_again_at_once(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    now = datetime.now(UTC)  # fresh mentions: no SLA stage fires during the test
    feed.write_text("".join(mention(str(i), created_at=now).to_json() + "\n" for i in (1, 2)))
    port = free_port()
    config = tmp_path / "config.toml"
    # A one-minute interval: the lease lasts 60 s unrenewed (it was 180 s), longer than
    # the test waits for the restart's first poll.
    config.write_text(
        f'[server]\nport = {port}\n[redis]\ndata_dir = "data"\n'
        '[connectors.feed]\ntype = "replay"\npath = "feed.jsonl"\nbatch_size = 10\n'
        'poll_interval = "1m"\n' + USERS_TOML,
        "utf-8",
    )
    first = start_tiexin(config)
    wait_for(lambda: _queued(port) == 2, "2 queued mentions", first)
    _, body = health_of(port)  # 503 while a scoring worker still warms up is fine here
    owner = body["connectors"]["feed"].get("polled_by")
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)

    with feed.open("a", encoding="utf-8") as handle:
        handle.write(mention("3", created_at=now).to_json() + "\n")
    second = start_tiexin(config)
    wait_for(lambda: _queued(port) == 3, "the restart's first poll", second)
    _, body = health_of(port)
    assert body["connectors"]["feed"]["polled_by"] == owner, body
    assert body["connectors"]["feed"]["state"] == "ok"
    stop_tiexin(second)


def _queued(port: int) -> int:
    return int(get_json(port, "/api/queue", OPS_TOKEN)["total"])


# Real processes: one such module at a time (pyproject.toml, [tool.pytest], says why).
pytestmark = pytest.mark.xdist_group("processes")
