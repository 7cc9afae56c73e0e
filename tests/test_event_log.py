"""A mention's event log lives in its own hash (`e:1`... `e:n`); the list key of its own
that data written before kept is still read first and still expires with its mention."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import cast

from responder.pipeline.worker import Pipeline
from responder.store import steps
from responder.store.keys import mention_id
from responder.store.noreply import NoReply
from responder.store.records import State
from responder.store.store import Store
from responder.store.views import to_api
from tests.fakes import FakeClock, mention

DAY = 86400
PIPELINE = ["ingested", "scored", "queued"]


def _id(pid: str) -> str:
    return mention_id("weibo", "lanxing", pid)


async def _types(store: Store, mid: str) -> list[str]:
    return [str(e["type"]) for e in await store.events_of(mid)]


async def _as_written_before(store: Store, mid: str) -> None:
    """Turn a mention's log into what the previous version wrote: a list of its own."""
    key = store.keys.mention(mid)
    count = int(await store.redis.hget(key, "e:n") or 0)
    names = [f"e:{i}" for i in range(1, count + 1)]
    events: list[str] = []
    for value in cast(list[str], await store.redis.hmget(key, names)):
        found = json.loads(value)  # the pipeline's steps are kept together: one each
        events += [json.dumps(e) for e in found] if isinstance(found, list) else [value]
    await store.redis.rpush(store.keys.mention_events(mid), *events)
    await store.redis.hdel(key, "e:n", *names)


async def test_the_log_is_in_the_mention_hash_in_order(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    await pipeline.run_once()
    mid, k = _id("1"), store.keys
    await store.claim(mid, "amy", clock.now(), timedelta(minutes=5))
    await store.close(mid, State.DISMISSED, "amy", clock.now())
    assert await _types(store, mid) == [*PIPELINE, "claimed", "dismissed"]
    assert await store.redis.exists(k.mention_events(mid)) == 0  # no key of its own
    assert await store.redis.hget(k.mention(mid), "e:n") == "3"  # the steps share e:1
    assert await store.redis.object("encoding", k.mention(mid)) in ("ziplist", "listpack")
    row = await store.mention(mid)  # the whole hash, as a view reads it: no events in it
    assert row is not None and row["state"] == "dismissed"
    assert not [name for name in row if name.startswith("e:")]


async def test_an_old_event_list_is_read_first_and_expires_with_its_conversation(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    first = mention("1", thread_id="t1", kind="comment")
    again = mention("2", thread_id="t1", kind="comment", text="人呢？")
    await store.ingest("demo", [first, again], None, clock.now())
    await pipeline.run_once()
    head, follower, k = _id("1"), _id("2"), store.keys
    await _as_written_before(store, head)
    await _as_written_before(store, follower)
    before = await _types(store, head)
    assert before == [*PIPELINE, "joined"]  # the follow-up joined: on the head's old list
    clock.advance(30)
    await store.claim(head, "amy", clock.now(), timedelta(minutes=5))
    await store.close(head, State.APPROVED, "amy", clock.now(), reply_text="来了来了")
    assert await _types(store, head) == [*before, "claimed", "approved"]
    assert await store.redis.llen(k.mention_events(head)) == len(before)  # never appended
    for key in (k.mention_events(head), k.mention_events(follower)):
        assert 30 * DAY - 5 <= int(await store.redis.ttl(key)) <= 30 * DAY, key


async def test_an_old_event_list_follows_its_mention_in_and_out_of_the_queue(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    await pipeline.run_once()
    mid, k = _id("1"), store.keys
    await _as_written_before(store, mid)
    moves = NoReply(store)
    done = await moves.set_aside(mid, "amy", clock.now(), "chatter")
    assert done.result == "ok"
    assert 30 * DAY - 5 <= int(await store.redis.ttl(k.mention_events(mid))) <= 30 * DAY
    assert await _types(store, mid) == [*PIPELINE, "marked_no_reply"]


async def test_what_a_mention_lacks_takes_no_field_and_reads_as_before(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    threaded = mention("2", thread_id="t1", kind="comment", url="https://weibo.com/u1/2")
    await store.ingest("demo", [mention("1"), threaded], None, clock.now())
    await pipeline.run_once()
    k, lone, other = store.keys, _id("1"), _id("2")
    lacking = ("thread_id", "parent_id", "url", "conversation")
    assert await store.redis.hmget(k.mention(lone), lacking) == [None] * 4
    found = await store.mention(other, lacking)  # kept with what is written once
    assert found is not None and "parent_id" not in found
    assert (found["thread_id"], found["url"]) == ("t1", "https://weibo.com/u1/2")
    _, rows = await store.queue(10)
    shown = {row["id"]: to_api(row, clock.now()) for row in rows}
    assert (shown[lone]["thread_id"], shown[lone]["url"]) == (None, None)
    assert (shown[other]["thread_id"], shown[other]["url"]) == ("t1", "https://weibo.com/u1/2")
    # A hash written before holds them empty: it reads and closes the same.
    await store.redis.hset(k.mention(lone), mapping={name: "" for name in lacking})
    _, rows = await store.queue(10)
    again = {row["id"]: to_api(row, clock.now()) for row in rows}
    assert again[lone] == shown[lone]
    done = await store.close(lone, State.DISMISSED, "amy", clock.now())
    assert done.result == "ok"


async def test_the_pipeline_steps_are_kept_without_what_the_hash_holds(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    clock.advance(2)
    await pipeline.run_once()
    mid, k = _id("1"), store.keys
    raw = await store.redis.hmget(k.mention(mid), ["e:n", "e:1", "e:2"])
    assert raw[0] == "1" and raw[2] is None  # the three steps, kept together
    assert str(raw[1]).startswith('[{"type":"ingested"},{"type":"scored",')
    assert '"at"' not in str(raw[1]) and '"actor"' not in str(raw[1])
    row = await store.mention(mid)
    assert row is not None
    taken, scored, queued = await store.events_of(mid)
    assert list(taken) == ["type", "at", "actor", "lag_s"]
    assert (taken["at"], taken["actor"]) == (float(row["ingested_at"]), "demo")
    assert taken["lag_s"] == float(row["lag_s"])
    for step in (scored, queued):
        assert list(step)[:3] == ["type", "at", "actor"]
        assert (step["at"], step["actor"]) == (clock.now().timestamp(), "pipeline")
    assert scored["intent"] and queued["deadline"] == float(row["deadline"])
    assert list(scored)[3:6] == ["label", "score", "model_score"]
    assert queued["at_risk"] is False and '"at_risk"' not in str(raw[2])


SCORED = {"type": "scored", "at": 101.25, "actor": "pipeline"}


def test_a_step_keeps_what_its_hash_does_not_hold_and_reads_back_whole() -> None:
    fields = {"ingested_at": "100.000", "source": "demo", "lag_s": "0.500", "queued_at": "101.250"}
    written = [
        {"type": "ingested", "at": 100.0, "actor": "demo", "lag_s": 0.5},
        {"type": "scored", "at": 101.25, "actor": "pipeline", "label": "negative"},
        {"type": "queued", "at": 101.5, "actor": "pipeline", "deadline": 1000.0, "at_risk": False},
        {"type": "no_reply", "at": 101.25, "actor": "amy", "reason": "chatter"},  # nor this
        # What a step tells of itself: the model's score when it is the score, no risk.
        {**SCORED, "score": 0.2, "model_score": 0.2, "intent": "refund"},
        {**SCORED, "score": 0.2, "model_score": 0.25, "intent": "refund"},
        {"type": "queued", "at": 101.25, "actor": "pipeline", "deadline": 9.0, "at_risk": True},
        {"type": "queued", "at": 101.25, "actor": "pipeline", "deadline": 9.0, "at_risk": 0},
    ]
    assert [steps.kept(e, fields) for e in written] == [
        {"type": "ingested"},
        {"type": "scored", "label": "negative"},
        {"type": "queued", "at": 101.5, "deadline": 1000.0},
        {"type": "no_reply", "actor": "amy", "reason": "chatter"},
        {"type": "scored", "score": 0.2, "intent": "refund"},
        {"type": "scored", "score": 0.2, "model_score": 0.25, "intent": "refund"},
        {"type": "queued", "deadline": 9.0, "at_risk": True},
        {"type": "queued", "deadline": 9.0, "at_risk": 0},
    ]
    for event in written:
        back = steps.filled(steps.kept(event, fields), fields)
        assert back == event and list(back) == list(event)
    # Without the fields (a hash that lost them), a step reads as it was kept.
    assert steps.filled({"type": "scored", "label": "x"}, {}) == {"type": "scored", "label": "x"}
