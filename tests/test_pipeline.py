"""Pipeline: dedupe, follow-ups, crash between XREADGROUP and XACK, unusable entries."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, cast

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from connectors.model import Author
from responder.config import SlaConfig
from responder.drafts.suggest import sample_job, unsuggested
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline
from responder.sla.timer import timing
from responder.store.deadletters import list_letters
from responder.store.enqueue import Code, Ready
from responder.store.keys import mention_id
from responder.store.records import State, stream_event, stream_events
from responder.store.store import Result, Store
from tests.conftest import make_pipeline
from tests.fakes import ChokingScorer, FakeClock, entries, mention


async def _queued_ids(store: Store) -> list[str]:
    return cast(list[str], await store.redis.zrange(store.keys.queue, 0, -1))


async def test_mention_is_scored_timed_and_queued(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    clock.advance(30)  # ingested 30 s after it was written
    await store.ingest("demo", [mention("1")], "c1", clock.now())
    clock.advance(2)  # and queued 2 s later
    assert await pipeline.run_once() == 1
    row = await store.mention(mention_id("weibo", "lanxing", "1"))
    assert row is not None
    assert row["state"] == "queued"
    assert row["sentiment_label"] == "negative"
    assert float(row["lag_s"]) == 30.0
    assert float(row["deadline"]) == mention("1").created_at.timestamp() + 15 * 60
    types = [e["type"] for e in await store.events_of(row["id"])]
    assert types == ["ingested", "scored", "queued"]
    assert await store.redis.xlen(store.keys.ingest) == 0  # acknowledged and trimmed
    # The global stream keeps the pipeline's own steps of a mention as one entry, type,
    # time and actor of each (none: the pipeline); their details are in the mention's log.
    logged = {e["type"]: e for e in await store.events_of(row["id"])}
    [(_, fields)] = await entries(store.redis, store.keys.events)
    assert set(fields) == {"mention", "type", "at", "before"}
    assert stream_event(fields)["type"] == "queued"
    found = stream_events(fields)
    assert [e["type"] for e in found] == ["ingested", "scored", "queued"]
    for e in found:
        assert e["at"] == pytest.approx(logged[e["type"]]["at"], abs=0.001)
        assert e["actor"] == logged[e["type"]]["actor"]
    assert found[0]["actor"] == "demo" and found[1]["at"] - found[0]["at"] == pytest.approx(2)
    assert logged["scored"]["intent"] and logged["queued"]["deadline"]


async def test_same_mention_delivered_twice_is_queued_once(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1"), mention("1")], "c1", clock.now())
    await pipeline.run_once()
    await store.ingest("demo", [mention("1")], "c2", clock.now())  # redelivered later
    await pipeline.run_once()
    assert await _queued_ids(store) == [mention_id("weibo", "lanxing", "1")]
    assert (await store.stats())["duplicates"] == 2


async def test_same_id_on_another_account_is_another_mention(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1"), mention("1", account="other")], None, clock.now())
    await pipeline.run_once()
    assert len(await _queued_ids(store)) == 2


async def test_follow_ups_in_a_thread_join_one_conversation(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    first = mention("1", thread_id="t1", kind="comment")
    again = mention(
        "2",
        thread_id="t1",
        kind="comment",
        text="还在吗？",
        created_at=first.created_at.replace(minute=3),
    )
    other_author = mention("3", thread_id="t1", author=Author(id="u9", name="路人"))
    await store.ingest("demo", [first, again, other_author], None, clock.now())
    await pipeline.run_once()
    head = mention_id("weibo", "lanxing", "1")
    assert sorted(await _queued_ids(store)) == sorted([head, mention_id("weibo", "lanxing", "3")])
    row = await store.mention(head)
    assert row is not None and row["followups"] == "1"
    joined = await store.mention(mention_id("weibo", "lanxing", "2"))
    assert joined is not None and joined["state"] == "joined" and joined["head"] == head
    # The head keeps the earliest deadline: the person has waited since the first message.
    assert float(row["deadline"]) == first.created_at.timestamp() + 900


async def test_answered_conversation_lets_the_next_follow_up_start_a_new_one(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1", thread_id="t1")], None, clock.now())
    await pipeline.run_once()
    closed = await store.close(
        mention_id("weibo", "lanxing", "1"), State.APPROVED, "amy", clock.now(), reply_text="来啦"
    )
    assert closed.result is Result.OK
    await store.ingest("demo", [mention("2", thread_id="t1")], None, clock.now())
    await pipeline.run_once()
    assert await _queued_ids(store) == [mention_id("weibo", "lanxing", "2")]


async def test_worker_killed_between_read_and_ack_is_reclaimed_exactly_once(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention(str(i)) for i in range(5)], None, clock.now())
    dead = make_pipeline(store, scoring_pool, clock, consumer="dead")
    taken = await store.read_ingest(dead.consumer, 100, None)  # XREADGROUP, then the worker "dies"
    assert len(taken) == 5
    assert await _queued_ids(store) == []
    survivor = make_pipeline(store, scoring_pool, clock, consumer="alive", reclaim_after_ms=0)
    assert await survivor.run_once() == 5
    assert len(await _queued_ids(store)) == 5
    pending = await store.redis.xpending(store.keys.ingest, "pipeline")
    assert pending["pending"] == 0
    # The "dead" worker was only slow: it wakes up and handles its stale batch. Still once each.
    await dead.handle(taken)
    assert len(await _queued_ids(store)) == 5
    events = await entries(store.redis, store.keys.events)
    assert sum(e["type"] == "queued" for _, e in events) == 5


async def test_entries_of_a_live_worker_are_not_reclaimed_early(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    await store.read_ingest("busy", 100, None)
    other = make_pipeline(store, scoring_pool, clock, consumer="other", reclaim_after_ms=60_000)
    assert await other.run_once() == 0


async def test_unusable_entry_is_set_aside_with_its_reason_and_acknowledged(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.redis.xadd(
        store.keys.ingest, {"mention": "{not json", "source": "demo", "ingested_at": "1"}
    )
    await store.redis.xadd(store.keys.ingest, {"source": "demo"})
    good = replace(mention("7"), text="😀👍 4-byte emoji survive")
    await store.ingest("demo", [good], None, clock.now())
    assert await pipeline.run_once() == 3
    letters = await list_letters(store.redis, store.keys)
    assert [letter.fields.get("source") for letter in letters] == ["demo", "demo"]
    assert letters[1].reason.startswith("not valid JSON")
    assert letters[1].fields["mention"] == "{not json"
    assert letters[0].reason == "entry has no mention field"
    row = await store.mention(mention_id("weibo", "lanxing", "7"))
    assert row is not None and row["text"] == "😀👍 4-byte emoji survive"
    assert (await store.redis.xpending(store.keys.ingest, "pipeline"))["pending"] == 0


async def test_a_text_the_model_cannot_score_is_still_queued(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    worker = Pipeline(store, ChokingScorer(scoring_pool), clock, SlaConfig(), consumer="w")
    await store.ingest(
        "demo", [mention("1"), mention("2", text="💣💣"), mention("3")], None, clock.now()
    )
    assert await worker.run_once() == 3
    assert await store.queue_size() == 3
    bad = await store.mention(mention_id("weibo", "lanxing", "2"))
    assert bad is not None and bad["sentiment_label"] == "neutral"
    assert json.loads(bad["sentiment_cues"]) == ["(not scored)"]
    good = await store.mention(mention_id("weibo", "lanxing", "1"))
    assert good is not None and good["sentiment_label"] == "negative"


async def test_run_forever_leaves_other_redis_errors_to_its_supervisor(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async def refused(block_ms: int | None = None) -> int:
        raise ResponseError("OOM command not allowed when used memory > 'maxmemory'.")

    pipeline.run_once = refused  # type: ignore[method-assign]
    with pytest.raises(ResponseError, match="OOM"):  # not swallowed: the supervisor restarts it
        await pipeline.run_forever(block_ms=1)


async def test_a_vanished_stream_group_is_created_again(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.redis.flushdb()  # e.g. a Redis restarted without its data
    runs = 0

    async def once(block_ms: int | None = None) -> int:
        nonlocal runs
        runs += 1
        if runs == 2:
            pipeline.stop()
        return await Pipeline.run_once(pipeline, block_ms=None)

    pipeline.run_once = once  # type: ignore[method-assign]
    await pipeline.run_forever(block_ms=1)
    assert runs == 2 and clock.slept == []  # recreated at once, no backoff
    await store.ingest("demo", [mention("1")], None, clock.now())
    assert await Pipeline.run_once(pipeline) == 1


async def test_a_redelivered_entry_is_counted_apart_from_a_platform_duplicate(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1"), mention("2")], None, clock.now())
    crashed = make_pipeline(store, scoring_pool, clock, consumer="crashed")
    taken = await store.read_ingest(crashed.consumer, 100, None)
    survivor = make_pipeline(store, scoring_pool, clock, consumer="alive", reclaim_after_ms=0)
    assert await survivor.run_once() == 2  # queued and acknowledged by the survivor
    await crashed.handle(taken)  # the same two entries, read again: no platform duplicate
    await store.ingest("demo", [mention("1")], None, clock.now())  # the platform sends one again
    assert await survivor.run_once() == 1
    assert len(await _queued_ids(store)) == 2
    stats = await store.stats()
    assert stats.get("redelivered") == 2 and stats.get("duplicates") == 1


async def test_a_redelivery_racing_the_script_is_counted_as_such_there_too(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    first = make_pipeline(store, scoring_pool, clock, consumer="first")
    [entry] = await store.read_ingest(first.consumer, 100, None)
    await first.handle([entry])
    # A second reader that looked before the first queued it reaches the script itself.
    now, sla = clock.now(), SlaConfig()
    item = Ready(
        mention=mention("1"),
        suggestion=unsuggested(sample_job()),
        timing=timing(now, now, respond_within=sla.respond_within, warn_after=sla.warn_after),
        source="demo",
        ingested_at=now,
        entry=entry.entry_id,
    )
    assert await store.enqueue([item], now) == [Code.DUPLICATE]
    other = replace(item, entry="1-1")  # another entry with the same mention
    assert await store.enqueue([other], now) == [Code.DUPLICATE]
    assert await store.stats() == {"redelivered": 1, "duplicates": 1}


async def test_a_batch_cut_short_by_redis_is_taken_back_at_the_next_step(
    store: Store, pipeline: Pipeline, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store.enqueue
    calls = 0

    async def away_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:  # the outage: timing a real one inside a batch is not possible here
            raise RedisConnectionError("Connection closed by server.")
        return await real(*args, **kwargs)

    monkeypatch.setattr(store, "enqueue", away_once)
    await store.ingest("demo", [mention("1")], "c1", clock.now())
    with pytest.raises(RedisConnectionError):
        await pipeline.step()
    assert await _queued_ids(store) == []
    await pipeline.step()  # its own pending entry at once, not after `reclaim_after`
    assert await _queued_ids(store) == [mention_id("weibo", "lanxing", "1")]
