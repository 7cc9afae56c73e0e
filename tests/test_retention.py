"""Nothing grows for ever: closed mentions expire, streams are capped, consumers are reused."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from connectors.model import Author
from responder.config import RetentionConfig
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline
from responder.store.keys import mention_id
from responder.store.records import State, raw_payload
from responder.store.store import Store
from tests.conftest import make_pipeline
from tests.fakes import FakeClock, mention

DAY = 86400


def _id(pid: str) -> str:
    return mention_id("weibo", "lanxing", pid)


async def _ttl(store: Store, key: str) -> int:
    return int(await store.redis.ttl(key))


async def test_a_closed_conversation_expires_with_its_follow_ups(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    first = mention("1", thread_id="t1", kind="comment")
    again = mention("2", thread_id="t1", kind="comment", text="人呢？")
    await store.ingest("demo", [first, again], None, clock.now())
    await pipeline.run_once()
    k = store.keys
    assert await _ttl(store, k.mention(_id("1"))) == -1  # open: kept
    await store.close(_id("1"), State.APPROVED, "amy", clock.now(), reply_text="来了来了")
    # Their events are in their hashes (tests/test_event_log.py: lists written before too).
    for key in (k.mention(_id("1")), k.followups(_id("1")), k.mention(_id("2"))):
        assert 30 * DAY - 5 <= await _ttl(store, key) <= 30 * DAY, key
    for key in (k.seen(_id("1")), k.seen(_id("2"))):
        assert 90 * DAY - 5 <= await _ttl(store, key) <= 90 * DAY, key
    conv = k.conversation("weibo", "lanxing", "t1", "u1")
    assert await store.redis.exists(conv) == 0  # a new message opens a new conversation
    follower = await store.mention(_id("2"))
    assert follower is not None and follower["state"] == "approved"


async def test_a_mention_stays_deduplicated_after_it_expired(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    await pipeline.run_once()
    k = store.keys
    assert await store.redis.exists(k.seen(_id("1"))) == 0  # open: its hash dedupes it
    await store.close(_id("1"), State.DISMISSED, "amy", clock.now())
    assert 90 * DAY - 5 <= await _ttl(store, k.seen(_id("1"))) <= 90 * DAY
    await store.redis.delete(k.mention(_id("1")), k.mention_events(_id("1")))  # as expiry would
    await store.ingest("demo", [mention("1")], None, clock.now())  # the platform sends it again
    await pipeline.run_once()
    assert await store.mention(_id("1")) is None and await store.queue_size() == 0
    assert (await store.stats())["duplicates"] == 1


async def test_streams_are_capped(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    small = RetentionConfig(events=100, rejected=100, dead_letters=100)
    capped = Store(store.redis, store.keys, small)
    worker = make_pipeline(capped, scoring_pool, clock)
    await capped.ingest("demo", [mention(str(i)) for i in range(200)], None, clock.now())
    while await worker.run_once():
        pass
    assert await store.queue_size() == 200
    # Trimming is approximate (whole stream nodes of 100 entries), so a cap of 100 keeps < 200
    # of the 600 events written.
    assert await store.redis.xlen(store.keys.events) < 200
    for i in range(300):
        await capped.reject("demo", "bad", "{", clock.now())
        await store.redis.xadd(store.keys.ingest, {"source": "demo", "n": str(i)})
    while await worker.run_once():
        pass
    assert await store.redis.xlen(store.keys.rejected) < 200
    assert await store.redis.xlen(store.keys.dead) < 200
    assert (await store.stats())["dead_letters"] == 300


async def test_the_platform_payload_is_kept_compressed(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    payload = {
        "idstr": "5102938475610234",
        "user": {"screen_name": "小王"},
        "source": "微博 weibo.com",
    }
    await store.ingest("demo", [replace(mention("1"), raw=payload)], None, clock.now())
    await store.ingest("demo", [mention("2")], None, clock.now())
    await pipeline.run_once()
    row = await store.mention(_id("1"))
    assert row is not None and "raw" not in row and raw_payload(row) == payload
    bare = await store.mention(_id("2"))
    assert bare is not None and "raw_z" not in bare and raw_payload(bare) == {}


async def test_a_restarted_worker_takes_back_its_own_entries_at_once(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1"), mention("2")], None, clock.now())
    await store.read_ingest("host-a1b2", 10, None)  # read, then the process was killed
    again = make_pipeline(store, scoring_pool, clock, consumer="host-a1b2")  # same name
    assert await again.run_once() == 2  # no waiting for reclaim_after (60 s)
    assert await store.queue_size() == 2
    assert (await store.redis.xpending(store.keys.ingest, "pipeline"))["pending"] == 0


async def test_idle_consumers_with_nothing_pending_are_removed(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    await store.read_ingest("old-with-work", 10, None)
    await store.read_ingest("old-idle", 10, None)
    worker = Pipeline(
        store,
        scoring_pool,
        clock,
        make_pipeline(store, scoring_pool, clock).sla,
        consumer="me",
        idle_consumer_ms=0,
    )
    await worker.run_once(block_ms=None)
    rows = await store.redis.xinfo_consumers(store.keys.ingest, "pipeline")
    names = sorted(str(row["name"]) for row in cast(list[dict[str, object]], rows))
    assert names == ["me", "old-with-work"]  # its pending entry keeps it until reclaimed


async def test_follow_ups_by_others_do_not_join(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    first = mention("1", thread_id="t1")
    other = mention("2", thread_id="t1", author=Author(id="u2", name="路人"))
    same = mention("3", thread_id="t1")
    await store.ingest("demo", [first, other, same], None, clock.now())  # one batch
    await pipeline.run_once()
    assert await store.queue_size() == 2
    joined = await store.mention(_id("3"))
    assert joined is not None and joined["head"] == _id("1")
