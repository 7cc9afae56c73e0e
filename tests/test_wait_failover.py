"""What Tiexin answered 2xx is still there after a Sentinel failover ([redis] wait_replicas).

The replica replicates through a valve (tests/valve.py) the test shuts, so replication
stalls on cue: the master goes on taking writes its replica never gets. A webhook and an
agent's approval made then are answered 503 (the replicas did not confirm them), the
master is SIGKILLed, and the sentinels promote the stalled replica: every request that was
answered 2xx is there, the ones answered 503 are gone, and sent again they are taken. With
`wait_replicas = 0` the same steps answer 200 to writes the failover then takes back.

And the outbox: while the replica stalls, an approved reply is not posted (its in-flight
mark is not confirmed); once the replica catches up it is posted once, and the agent's
approval sent again after its 503 is answered as the first, not approved twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from connectors.http import Http
from connectors.secret import Secret
from responder.config import ConnectorConfig, MetricsConfig, RedisConfig
from responder.outbox.sender import HOLD_BACK, UNMARKED
from responder.pipeline.scoring import ScoringPool
from responder.services import SERVICES, STORE
from responder.store.connect import connected
from responder.store.durable import SKIP_AFTER
from responder.store.keys import Keys, mention_id
from responder.store.layouts import LocalSentinel
from responder.store.store import Store
from tests.conftest import api_client
from tests.fake_forum import TOKEN as FORUM_TOKEN
from tests.fake_forum import Forum
from tests.fake_weibo_dm import Pusher, json_push
from tests.fakes import FakeClock, entries, mention
from tests.forum_outbox import background, forum_sender, posts
from tests.test_metrics import TOKEN, scrape, value
from tests.valve import Valve
from tests.weibo_dm_rig import PATH, options
from tests.workspace import app_of, feed

Client = TestClient[Any, Any]
WAIT = timedelta(milliseconds=200)  # WAIT's own timeout: real server time, kept short
REPLY = "抱歉让你久等了，我们马上帮你看看"


@pytest.fixture
def stalled(tmp_path: Path) -> Iterator[tuple[LocalSentinel, Valve]]:
    """Its own Sentinel setup (the test kills its master), the replica behind a valve."""
    valves: list[Valve] = []

    def relay(port: int) -> int:
        valves.append(Valve(port))
        return valves[0].port

    setup = LocalSentinel(tmp_path / "sentinel", relay=relay)
    try:
        setup.start()
        yield setup, valves[0]
    finally:
        setup.stop()
        for valve in valves:
            valve.stop()


async def _app(
    aiohttp_client: Any,
    setup: LocalSentinel,
    pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
    prefix: str,
    *connectors: ConnectorConfig,
    **changes: Any,
) -> Client:
    """The app on the Sentinel URL, which asks one replica by default (check that)."""
    redis = RedisConfig(url=setup.url, prefix=prefix, data_dir=data_dir, wait_timeout=WAIT)
    assert redis.replicas_to_wait() == 1
    return await api_client(
        aiohttp_client, setup.url, pool, clock, data_dir, prefix, connectors, redis=redis, **changes
    )


@pytest.mark.layouts
async def test_what_was_answered_2xx_is_there_after_a_failover(
    stalled: tuple[LocalSentinel, Valve],
    aiohttp_client: Any,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
) -> None:
    setup, valve = stalled
    dm = ConnectorConfig(name="lanxing-dm", type="weibo_dm", options=options("http://127.0.0.1:9"))
    client = await _app(aiohttp_client, setup, scoring_pool, clock, data_dir, "wf", dm)
    pusher = Pusher(str(client.make_url(PATH)), attempts=1)  # each push once: we see its answer
    pushed_ok: list[str] = []
    approved_ok: list[str] = []

    async def push(text: str, fan: str) -> int:
        [attempt] = await pusher.push(json_push("text", text, clock.now(), fan=fan))
        assert attempt.status is not None
        if attempt.status == 200:
            pushed_ok.append(text)
        return attempt.status

    async def approve(mid: str) -> tuple[int, dict[str, Any]]:
        answer = await client.post(f"/api/mentions/{mid}/approve", json={"text": REPLY})
        if answer.status == 200:
            approved_ok.append(mid)
        return answer.status, await answer.json()

    # Replication flows: both pushes and an approval are confirmed.
    assert await push("耳机左边没声音了", "2001") == 200
    assert await push("充电口松了怎么办", "2002") == 200
    ids = await _queued(client)
    first, second = ids["耳机左边没声音了"], ids["充电口松了怎么办"]
    assert (await approve(first))[0] == 200

    # The replica stalls: what the master takes now, the replica never gets.
    valve.shut()
    assert await push("屏幕突然花了", "2003") == 503  # not confirmed: Weibo pushes it again
    clock.advance(SKIP_AFTER)  # the approval waits for the replica too (and in vain)
    status, body = await approve(second)
    assert status == 503 and body["code"] == "not_saved" and "可能没有保存" in body["error"]

    old = setup.master()
    await asyncio.to_thread(setup.kill_master)  # the sentinels promote the stalled replica

    # Everything answered 2xx is there (without the WAIT, the two made while the replica
    # stalled were answered 200 too, and are not).
    present = await _texts(setup.url, "wf")
    assert set(pushed_ok) <= present
    assert await _states(setup.url, "wf", *approved_ok) == ["approved"] * len(approved_ok)
    # What was answered 503 is gone: the stall was real. It is sent again below.
    assert present == {"耳机左边没声音了", "充电口松了怎么办"} and approved_ok == [first]
    assert await _states(setup.url, "wf", second) == ["queued"]

    # A replica again (the old master, rejoining): the platform and the agent try again.
    await asyncio.to_thread(setup.restart, old)
    clock.advance(SKIP_AFTER)
    assert await push("屏幕突然花了", "2003") == 200
    status, body = await approve(second)
    assert status == 200 and body["state"] == "approved" and "again" not in body
    assert await _texts(setup.url, "wf") == {"耳机左边没声音了", "充电口松了怎么办", "屏幕突然花了"}
    assert await _states(setup.url, "wf", first, second) == ["approved", "approved"]


@pytest.mark.layouts
async def test_a_reply_waits_while_the_replica_stalls_and_is_posted_once_after(
    stalled: tuple[LocalSentinel, Valve],
    aiohttp_client: Any,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
    forum: tuple[Forum, str],
    http: Http,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    setup, valve = stalled
    metrics = MetricsConfig(token=Secret(TOKEN))
    client = await _app(aiohttp_client, setup, scoring_pool, clock, data_dir, "wo", metrics=metrics)
    monkeypatch.setenv("FORUM_TOKEN", FORUM_TOKEN)
    sender = await forum_sender(client, clock, forum[1], http, tmp_path)
    assert sender.durable is app_of(client)[SERVICES].durable
    post = mention("101", platform="forum", kind="comment", thread_id="7", text="@澜星 充电好慢")
    mid = mention_id("forum", "lanxing", "101")
    await feed(client, clock, post)
    approve = f"/api/mentions/{mid}/approve"

    valve.shut()
    with caplog.at_level(logging.INFO, logger="responder.store.durable"):
        first = await client.post(approve, json={"text": REPLY})
        assert first.status == 503 and (await first.json())["code"] == "not_saved"
        health = await (await client.get("/api/health")).json()
        assert health["status"] == "degraded" and health["degraded"] == ["replication"]
        assert health["replication"]["state"] == "degraded"
        assert health["replication"]["reason"] == "0 of 1 replicas confirmed within 200 ms"

        # The approval is on the master; its send is marked, not confirmed: not posted.
        await background(client, sender)
        assert posts(forum[0]) == 0
        events = await app_of(client)[STORE].events_of(mid)
        assert [e["type"] for e in events][-3:] == ["approved", "sending", "send_retry"]
        assert events[-1]["error"] == UNMARKED

        valve.open()  # the replica catches up
        clock.advance(SKIP_AFTER)
        again = await client.post(approve, json={"text": REPLY})  # the agent tries again
        assert again.status == 200
        body = await again.json()
        assert body["state"] == "approved" and body["again"] is True  # not approved twice

        clock.advance(HOLD_BACK)
        for _ in range(2):
            await background(client, sender)
        assert posts(forum[0]) == 1
        assert [e["type"] for e in await app_of(client)[STORE].events_of(mid)].count(
            "approved"
        ) == 1
        health = await (await client.get("/api/health")).json()
        assert health["status"] == "ok" and health["replication"]["state"] == "ok"
    said = [getattr(r, "event", None) for r in caplog.records if r.name.endswith(".durable")]
    assert said == ["replication_degraded", "replication_recovered"]  # once each

    samples = await scrape(client)
    misses = "tiexin_redis_wait_misses_total"
    assert value(samples, misses, part="api", reason="timeout") == 1
    assert value(samples, misses, part="outbox", reason="skipped") == 1  # refused at once
    assert value(samples, "tiexin_outbox_results_total", result="sent") == 1


async def _queued(client: Client) -> dict[str, str]:
    """Queue what was pushed (the pipeline's step); return mention ids by text."""
    pipeline = app_of(client)[SERVICES].pipeline
    assert pipeline is not None
    while await pipeline.run_once():
        pass
    queue = await (await client.get("/api/queue")).json()
    return {item["text"]: item["id"] for item in queue["items"]}


async def _texts(url: str, prefix: str) -> set[str]:
    """The text of every mention Tiexin has, read afresh from the master: those queued (or
    past it) and those still in the ingest stream."""
    keys = Keys(prefix)
    async with connected(url) as redis:
        store = Store(redis, keys)
        found = [k.rsplit(":", 1)[1] async for k in redis.scan_iter(match=keys.mention("*"))]
        rows = await store.mentions([mid for mid in found if len(mid) == 16], ["text"])
        taken = await entries(redis, keys.ingest)
    return {row["text"] for row in rows} | {
        json.loads(fields["mention"])["text"] for _, fields in taken
    }


async def _states(url: str, prefix: str, *mids: str) -> list[str]:
    async with connected(url) as redis:
        return [str(await redis.hget(Keys(prefix).mention(mid), "state")) for mid in mids]
