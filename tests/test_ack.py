"""Acknowledging pages in the real Redis: once per mention, it stops the escalation the
real Sweeper would fire, and a group page acks its mentions together."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import cast

from responder.alerts.acking import Acks
from responder.live.broadcaster import Broadcaster
from responder.pipeline.worker import Pipeline
from responder.sla.sweeper import Sweeper
from responder.store.keys import mention_id
from responder.store.records import State
from responder.store.stages import Stage
from responder.store.store import Store
from responder.store.views import to_api
from tests.fakes import FakeClock, mention

A, B, C = (mention_id("weibo", "lanxing", p) for p in ("1", "2", "3"))


async def _queue(store: Store, pipeline: Pipeline, clock: FakeClock, *pids: str) -> None:
    await store.ingest("demo", [mention(p) for p in pids], None, clock.now())
    await pipeline.run_once()


async def _stages(sweeper: Sweeper) -> list[tuple[str, str]]:
    return [(f.mention_id, str(f.stage)) for f in await sweeper.sweep()]


async def test_an_ack_is_recorded_once_and_says_who_was_first(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1")
    acks = Acks(store)
    first = await acks.mention(A, "amy", clock.now(), "ui")
    assert first is not None and (first.by, first.at, first.now) == ("amy", clock.now(), True)
    clock.advance(30)
    again = await acks.mention(A, "bo", clock.now(), "link")
    assert again is not None and (again.by, again.at, again.now) == ("amy", first.at, False)
    row = await store.mention(A)
    assert row is not None and row["acked_by"] == "amy"
    acked = [e for e in await store.events_of(A) if e["type"] == "acked"]
    assert acked == [{"type": "acked", "at": first.at.timestamp(), "actor": "amy", "via": "ui"}]
    stream = cast(list[tuple[str, dict[str, str]]], await store.redis.xrange(store.keys.events))
    assert [f["type"] for _, f in stream].count("acked") == 1
    assert (
        await acks.mention(mention_id("weibo", "lanxing", "nope"), "amy", clock.now(), "ui") is None
    )


async def test_an_ack_before_the_breach_means_no_escalation_is_scheduled(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1", "2")
    sweeper = Sweeper(store, clock)
    clock.advance(10 * 60)
    assert sorted(await _stages(sweeper)) == [(A, "warned"), (B, "warned")]
    await Acks(store).mention(A, "lee", clock.now(), "link")  # the warning page was acked
    clock.advance(5 * 60)
    assert sorted(await _stages(sweeper)) == [(A, "breached"), (B, "breached")]
    escalating = await store.redis.zrange(store.keys.due(Stage.ESCALATED), 0, -1)
    assert escalating == [B]
    clock.advance(5 * 60)
    assert await _stages(sweeper) == [(B, "escalated")]  # only the one nobody acked


async def test_an_ack_after_the_breach_takes_the_scheduled_escalation_back(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1")
    sweeper = Sweeper(store, clock)
    clock.advance(15 * 60)
    assert await _stages(sweeper) == [(A, "warned"), (A, "breached")]
    assert await store.redis.zscore(store.keys.due(Stage.ESCALATED), A) is not None
    clock.advance(4 * 60)
    await Acks(store).mention(A, "amy", clock.now(), "ui")
    assert await store.redis.zcard(store.keys.due(Stage.ESCALATED)) == 0
    clock.advance(3600)
    assert await _stages(sweeper) == []
    types = [e["type"] for e in await store.events_of(A)]
    assert "escalated" not in types and types[-1] == "acked"


async def test_an_answered_mention_can_still_be_acked(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1")
    await store.close(A, State.APPROVED, "amy", clock.now(), reply_text="来了")
    acked = await Acks(store).mention(A, "lee", clock.now(), "link")
    assert acked is not None and acked.now  # the page is acknowledged all the same


async def _group(store: Store, gid: str, *mids: str) -> None:
    k = store.keys
    await store.redis.hset(k.alert_group(gid), mapping={"stage": "warn", "count": len(mids)})
    await store.redis.sadd(k.alert_group_members(gid), *mids)


async def test_a_group_ack_acks_each_member_once(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1", "2", "3")
    gone = mention_id("weibo", "lanxing", "expired")
    await _group(store, "g1", A, B, C, gone)
    acks = Acks(store)
    await acks.mention(C, "bo", clock.now(), "ui")  # one was acked on its own before
    clock.advance(15 * 60)
    sweeper = Sweeper(store, clock)
    await sweeper.sweep()
    assert await store.redis.zcard(store.keys.due(Stage.ESCALATED)) == 2  # A and B
    group = await acks.group("g1", "lee", clock.now(), "link")
    assert group is not None
    assert (group.ack.by, group.ack.now, group.members, group.acked) == ("lee", True, 3, 2)
    assert await store.redis.hget(store.keys.alert_group("g1"), "acked_by") == "lee"
    assert await store.redis.zcard(store.keys.due(Stage.ESCALATED)) == 0
    for mid, who in ((A, "lee"), (B, "lee"), (C, "bo")):
        assert await store.redis.hget(store.keys.mention(mid), "acked_by") == who
    event = next(e for e in await store.events_of(A) if e["type"] == "acked")
    assert (event["via"], event["group"]) == ("link", "g1")
    later = await acks.group("g1", "ada", clock.now() + timedelta(minutes=1), "link")
    assert later is not None and (later.ack.by, later.ack.now, later.acked) == ("lee", False, 0)
    assert await acks.group("nope", "ada", clock.now(), "link") is None
    clock.advance(3600)
    assert await sweeper.sweep() == []


async def test_the_live_stream_carries_the_ack_with_who_acked(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1")
    hub = Broadcaster(store, clock)
    since = await hub.tail()
    await Acks(store).mention(A, "amy", clock.now(), "ui")
    messages = await hub.missed(since)
    assert messages is not None and len(messages) == 1
    body = json.loads(messages[0].data)
    assert (body["type"], body["id"], body["actor"]) == ("acked", A, "amy")
    item = cast(dict[str, str], body["item"])
    assert (item["acked_by"], item["acked_at"]) == ("amy", clock.now().isoformat())
    row = await store.mentions([A])
    assert to_api(row[0], clock.now())["acked_by"] == "amy"  # queue rows carry it too
