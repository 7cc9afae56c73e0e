"""GET /api/live over real HTTP with the real Redis: events reach every page with the
mention as it is now; resume, reset, slow pages, a Redis restart and shutdown."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from connectors.model import Author
from responder.config import Config, RedisConfig
from responder.live.broadcaster import LIVE, Broadcaster
from responder.outbox.sender import Sender
from responder.outbox.store import OutboxStore
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.services import CLOCK, SERVICES, STORE
from responder.web.api import CLAIM_TTL
from tests.conftest import USERS, ClientAs, MakeClient, bearer
from tests.fakes import FakeClock, ScriptedConnector, mention
from tests.live_stream import BOUND, Stream
from tests.workspace import app_of, feed, mid

Client = TestClient[Any, Any]


async def _until(check: Any) -> None:
    """Wait (bounded) for a condition a real event makes true."""
    limit = time.monotonic() + BOUND
    while not check():
        assert time.monotonic() < limit, "timed out"
        await asyncio.sleep(0.005)


async def _start(client: Client) -> Broadcaster:
    """Run the broadcaster the way the runtime does, and wait until it has its place."""
    app = app_of(client)
    supervisor = app[SERVICES].supervisor
    assert supervisor is not None
    supervisor.loop("live", app[LIVE].step)
    await _until(lambda: app[LIVE].last_id is not None)
    return app[LIVE]


@pytest.fixture
async def client(make_client: MakeClient) -> AsyncIterator[Client]:
    client = await make_client("live")
    await _start(client)
    yield client
    supervisor = app_of(client)[SERVICES].supervisor
    assert supervisor is not None
    await supervisor.stop()


async def _open(client: Client, since: str | None = None) -> Stream:
    headers = {"Last-Event-ID": since} if since else {}
    resp = await client.get("/api/live", headers=headers)
    assert resp.status == 200 and resp.content_type == "text/event-stream"
    stream = Stream(resp)
    hello = await stream.block()  # sent at once: the page knows it is connected
    assert hello is not None and hello.comments == ["connected"]
    return stream


async def _claim(client: Client, mid: str) -> None:
    """Claim as the client's signed-in user."""
    resp = await client.post(f"/api/mentions/{mid}/claim")
    assert resp.status == 200, await resp.text()


async def _claim_again(client: Client, clock: FakeClock, mid: str) -> None:
    """Claim once the last claim expired (renewing an unexpired claim logs no event)."""
    clock.advance(CLAIM_TTL.total_seconds() + 1)
    await _claim(client, mid)


async def test_a_page_sees_a_mention_queued_claimed_approved_and_sent(
    client: Client, clock: FakeClock
) -> None:
    stream = await _open(client)
    await feed(client, clock, mention("1", text="X7 又卡了😀𠮷，烦死了！"))
    key = mid("1")
    queued = await stream.until("queued", key)
    body = queued.json()
    assert queued.id and queued.id.count("-") == 1
    assert body["item"]["state"] == "queued" and body["item"]["text"] == "X7 又卡了😀𠮷，烦死了！"
    assert body["at"] == clock.now().isoformat()

    await _claim(client, key)
    body = (await stream.until("claimed", key)).json()
    assert body["actor"] == "amy" and body["item"]["claimed_by"] == "amy"

    approved = await client.post(f"/api/mentions/{key}/approve", json={"text": "马上处理～"})
    assert approved.status == 200, await approved.text()
    body = (await stream.until("approved", key)).json()
    assert body["item"]["state"] == "approved" and body["item"]["reply_text"] == "马上处理～"

    connector = ScriptedConnector("demo")
    connector.replies = [None]
    outbox = OutboxStore(app_of(client)[STORE])
    sender = Sender(outbox, {"demo": connector}.get, clock, consumer="t")
    for _ in range(2):  # its own unfinished entries first, then new ones
        await sender.step()
    sent = await stream.until("sent", key)
    assert sent.json()["item"]["state"] == "sent"
    assert connector.posted == [("1", "马上处理～")]


async def test_two_pages_both_receive_the_same_message(client: Client, clock: FakeClock) -> None:
    first, second = await _open(client), await _open(client)
    await feed(client, clock, mention("1"))
    await _claim(client, mid("1"))
    one = await first.until("claimed", mid("1"))
    two = await second.until("claimed", mid("1"))
    assert (one.id, one.data) == (two.id, two.data)
    assert one.json()["actor"] == "amy"


async def test_resume_replays_exactly_what_was_missed_then_goes_live(
    client: Client, clock: FakeClock
) -> None:
    stream = await _open(client)
    await feed(
        client, clock, mention("1"), mention("2", author=Author(id="u2", name="小李", followers=3))
    )
    seen = await stream.until("queued", mid("2"))
    stream.resp.close()  # the page goes away ...
    await _claim(client, mid("1"))
    dismissed = await client.post(f"/api/mentions/{mid('2')}/dismiss", json={"reason": "广告"})
    assert dismissed.status == 200
    assert seen.id is not None
    resumed = await _open(client, since=seen.id)  # ... and comes back
    missed = [await resumed.message(), await resumed.message()]
    assert [(m.json()["type"], m.json()["id"]) for m in missed] == [
        ("claimed", mid("1")),
        ("dismissed", mid("2")),
    ]
    assert missed[1].json()["item"]["state"] == "dismissed"
    await _claim_again(client, clock, mid("1"))  # live again, nothing replayed twice
    live = await resumed.message()
    assert (live.json()["type"], live.json()["actor"]) == ("claimed", "amy")
    assert live.id is not None and live.id > (missed[1].id or "")


async def test_a_mention_that_expired_comes_with_a_null_item(
    client: Client, clock: FakeClock
) -> None:
    stream = await _open(client)
    await feed(client, clock, mention("1"))
    seen = await stream.until("queued", mid("1"))
    assert seen.id is not None
    dismissed = await client.post(f"/api/mentions/{mid('1')}/dismiss", json={"reason": "广告"})
    assert dismissed.status == 200
    store = app_of(client)[STORE]
    await store.redis.delete(store.keys.mention(mid("1")))  # what retention does later
    resumed = await _open(client, since=seen.id)
    replayed = (await resumed.message()).json()
    assert (replayed["type"], replayed["id"], replayed["item"]) == ("dismissed", mid("1"), None)


async def test_an_id_older_than_the_stream_keeps_gets_a_reset(
    client: Client, clock: FakeClock
) -> None:
    stream = await _open(client)
    await feed(client, clock, mention("1"))
    seen = await stream.until("queued", mid("1"))
    await _claim(client, mid("1"))
    await stream.until("claimed", mid("1"))
    store = app_of(client)[STORE]
    await store.redis.xtrim(store.keys.events, maxlen=1, approximate=False)  # the cap at work
    assert seen.id is not None
    for since in (seen.id, "not-an-id"):
        resumed = await _open(client, since=since)
        reset = await resumed.message()
        assert reset.event == "reset" and reset.id == app_of(client)[LIVE].last_id
        await _claim_again(client, clock, mid("1"))
        assert (await resumed.message()).json()["type"] == "claimed"


async def test_more_missed_than_a_replay_holds_gets_a_reset(
    client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    hub = app_of(client)[LIVE]
    hub.replay_limit = 2
    stream = await _open(client)
    await feed(client, clock, mention("1"))
    seen = await stream.until("queued", mid("1"))
    assert seen.id is not None
    for agent in (client, await client_as(client, "bo")):  # two missed: replayed
        await _claim_again(agent, clock, mid("1"))
    await stream.until("claimed", mid("1"))
    await stream.until("claimed", mid("1"))
    replayed = await _open(client, since=seen.id)
    assert [(await replayed.message()).json()["actor"] for _ in range(2)] == ["amy", "bo"]
    await _claim_again(await client_as(client, "lee"), clock, mid("1"))  # three: too many
    await stream.until("claimed", mid("1"))
    assert (await (await _open(client, since=seen.id)).message()).event == "reset"


async def test_pings_keep_the_stream_open(client: Client) -> None:
    app_of(client)[LIVE].ping_interval = 0.05
    stream = await _open(client)
    block = await stream.block()
    assert block is not None and block.comments == ["ping"] and block.event is None


async def test_a_slow_page_is_dropped_and_a_fast_one_keeps_up(
    client: Client, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    hub = app_of(client)[LIVE]
    hub.queue_size = 16
    fast = await _open(client)
    # A page that never reads, with a tiny receive window: the server's writes back up.
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    slow.setblocking(False)
    assert client.port is not None
    await asyncio.get_running_loop().sock_connect(slow, ("127.0.0.1", client.port))
    request = (
        b"GET /api/live HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n"
        b"Authorization: Bearer amy-token\r\n\r\n"
    )
    await asyncio.get_running_loop().sock_sendall(slow, request)
    await _until(lambda: len(hub.subscribers) == 2)
    await feed(client, clock, mention("1", text="很长的一条微博，" * 400))
    await fast.until("queued", mid("1"))
    caplog.set_level(logging.WARNING)
    claims = 0
    try:
        while len(hub.subscribers) == 2:
            assert claims < 3000, "the slow page was never dropped"
            await _claim_again(client, clock, mid("1"))
            claims += 1
            await fast.until("claimed", mid("1"))  # the fast page got every one of them
        await _claim_again(client, clock, mid("1"))
        assert (await fast.until("claimed", mid("1"))).json()["actor"] == "amy"
        assert any(getattr(r, "event", None) == "live_client_dropped" for r in caplog.records)
        # The slow page's connection was cut, not left hanging.
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(BOUND):
            while await loop.sock_recv(slow, 1 << 20):
                pass
    finally:
        slow.close()


async def test_shutdown_ends_open_streams_at_once(
    tmp_path: Path, redis_url: str, scoring_pool: ScoringPool, aiohttp_client: Any
) -> None:
    redis = RedisConfig(url=redis_url, prefix="live", data_dir=tmp_path / "d")
    config = Config(redis=redis, users=USERS)
    app = create_app(config, scorer=scoring_pool)  # the runtime runs the broadcaster
    client: Client = await aiohttp_client(app, headers=bearer("amy"))
    await _until(lambda: app[LIVE].last_id is not None)
    async with aiohttp.ClientSession(headers=bearer("amy")) as session:
        resp = await session.get(client.make_url("/api/live"))
        stream = Stream(resp)
        assert (await stream.block()) is not None
        now = app[CLOCK].now()  # the app runs on the real clock: a fresh mention, no SLA stage
        await app[STORE].ingest("demo", [mention("9", created_at=now)], None, now)
        assert (await stream.until("queued", mid("9"))).json()["item"]["id"] == mid("9")
        started = time.monotonic()
        await client.close()
        assert time.monotonic() - started < 3.0
        assert await stream.block() is None  # ended, not cut mid-message


async def test_events_flow_again_after_redis_restarts(
    tmp_path: Path, scoring_pool: ScoringPool, aiohttp_client: Any, clock: FakeClock
) -> None:
    config = Config(redis=RedisConfig(data_dir=tmp_path / "data"), users=USERS)
    app = create_app(config, clock=clock, scorer=scoring_pool, background=False)
    client: Client = await aiohttp_client(app, headers=bearer("amy"))
    await _start(client)
    try:
        stream = await _open(client)
        await feed(client, clock, mention("1"))
        await stream.until("queued", mid("1"))
        watchdog = app[SERVICES].watchdog
        assert watchdog is not None and watchdog.server.pid is not None
        os.kill(watchdog.server.pid, signal.SIGKILL)
        await _until(lambda: not watchdog.server.alive())
        await _until(lambda: app[SERVICES].supervisor.statuses["live"].failures > 0)  # type: ignore[union-attr]
        await watchdog.step()  # restarts it from its AOF
        assert watchdog.server.answers()
        await _claim(client, mid("1"))
        claimed = await stream.until("claimed", mid("1"))
        assert claimed.json()["item"]["claimed_by"] == "amy"
    finally:
        supervisor = app[SERVICES].supervisor
        assert supervisor is not None
        await supervisor.stop()
