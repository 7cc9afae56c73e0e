"""The fast read paths give what the plain ones gave: Store.mentions and Store.queue (one
script, JSON reply) against HMGET, to_api's cached part against the clock, and picking
the draft an edit came from."""

from __future__ import annotations

import asyncio
import difflib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from responder.drafts.learning import SIMILAR, usage
from responder.live.broadcaster import Broadcaster
from responder.pipeline.worker import Pipeline
from responder.store import packed
from responder.store.index import QueueFilter
from responder.store.index_sync import LiveIndex
from responder.store.keys import mention_id
from responder.store.store import Store
from responder.store.views import API_FIELDS, to_api
from tests.fakes import FakeClock, mention

# Values JSON must escape or carry as they are: quotes, backslashes, slashes, controls,
# emoji and 4-byte UTF-8, full-width punctuation, an empty string, a JSON-looking text.
TRICKY = ['a"b\\c/d', "\x00\x01\x1f\t\n\r", "😀𠮷，！？", "", '{"x":[1,2]}', "null", "1e5"]


async def test_mentions_read_exactly_what_hmget_reads(store: Store) -> None:
    keys = store.keys
    for n, value in enumerate(TRICKY):
        await store.redis.hset(keys.mention(f"m{n}"), mapping={"id": f"m{n}", "text": value})
    await store.redis.hset(keys.mention("bare"), mapping={"id": "bare", "other": "x"})
    ids = ["nobody", *(f"m{n}" for n in range(len(TRICKY))), "bare"]
    fields = ("id", "text", "missing")

    rows = await store.mentions(ids, fields)

    expected = []
    for mid in ids:
        values = await store.redis.hmget(keys.mention(mid), list(fields))
        row = {f: v for f, v in zip(fields, values, strict=True) if v is not None}
        if row:
            expected.append(row)
    assert rows == expected
    assert [row["text"] for row in rows[:-1]] == TRICKY
    assert rows[-1] == {"id": "bare"}  # fields not asked for stay out
    assert await store.mentions([], fields) == []


async def test_queue_page_counts_orders_and_reads_api_fields(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    texts = ["😀𠮷 第一", "第二", "第三"]
    batch = [mention(str(n), text=t) for n, t in enumerate(texts)]
    await store.ingest("demo", batch, None, clock.now())
    assert await pipeline.run_once() == 3
    order = await store.redis.zrange(store.keys.queue, 0, -1)

    total, rows = await store.queue(2, 1)

    assert total == 3
    assert [row["id"] for row in rows] == order[1:3]
    read = packed.fetch(API_FIELDS)  # what the hash keeps of them (store/packed.py)
    for row in rows:
        values = await store.redis.hmget(store.keys.mention(row["id"]), read)
        stored = {f: str(v) for f, v in zip(read, values, strict=True) if v is not None}
        assert row == packed.unpack(stored, API_FIELDS)
    assert await store.queue(10, 5) == (3, [])  # past the end: the count, no rows
    by_priority = await store.redis.zrange(store.keys.priority, 0, -1)
    assert [row["id"] for row in (await store.queue(3, by="priority"))[1]] == by_priority


async def test_to_api_adds_the_time_to_what_it_caches(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    await pipeline.run_once()
    row = (await store.queue(1))[1][0]
    now = clock.now()

    first = to_api(row, now)
    first["state"] = "changed by a caller"  # the outer dict is the caller's own
    later = to_api(row, now + timedelta(minutes=5))
    again = to_api(row, now)

    assert later["seconds_left"] == first["seconds_left"] - 300
    assert later["priority"]["score"] > first["priority"]["score"]
    assert later["priority"]["reasons"] == first["priority"]["reasons"]
    assert again["state"] == row["state"] == "queued"
    assert again["seconds_left"] == first["seconds_left"]
    claimed = to_api({**row, "claimed_by": "amy", "state": "queued"}, now)
    assert claimed["claimed_by"] == "amy" and again["claimed_by"] is None


def _closest_by_every_ratio(drafts: list[str], text: str) -> int | None:
    """What usage() did before it skipped drafts by their quick_ratio bound."""
    ratios = [difflib.SequenceMatcher(None, d, text).ratio() for d in drafts]
    best = max(range(len(drafts)), key=ratios.__getitem__)
    return best if ratios[best] >= SIMILAR else None


WORDS = st.text(alphabet="谢谢您反馈马上处理我们，。！😀𠮷ab ", max_size=30)


@given(st.lists(WORDS, min_size=1, max_size=3), WORDS)
def test_usage_picks_the_draft_every_ratio_picked(drafts: list[str], text: str) -> None:
    assert usage(drafts, text, None).chosen == _closest_by_every_ratio(drafts, text)


def test_usage_keeps_the_first_of_equally_close_drafts() -> None:
    assert usage(["谢谢反馈", "谢谢反馈"], "谢谢反馈！", None).chosen == 0


async def test_broadcaster_sends_first_at_once_and_gathers_what_follows(
    store: Store, clock: FakeClock
) -> None:
    hub = Broadcaster(store, clock, block_ms=50, gather_s=0.2)
    page = hub.subscribe()
    assert await hub.step() == 0.0  # nothing yet: pins down where the stream ends
    key = store.keys.events

    async def add(n: int) -> None:
        event = json.dumps({"at": clock.now().timestamp(), "actor": "amy"})
        await store.redis.xadd(key, {"mention": f"m{n}", "type": "claimed", "event": event})

    await add(1)
    step = asyncio.create_task(hub.step())
    first = await asyncio.wait_for(page.queue.get(), 1.0)
    assert not step.done()  # the page has it while the broadcaster gathers what follows
    await add(2)
    await add(3)
    await step
    assert page.queue.empty()
    await hub.step()  # both in one read
    got = [page.queue.get_nowait() for _ in range(2)]
    assert [json.loads(m.data)["id"] for m in (first, *got)] == ["m1", "m2", "m3"]  # type: ignore[union-attr]


async def test_a_mention_queued_while_the_index_is_built_is_in_the_first_answer(
    store: Store, pipeline: Pipeline, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building reads the queue's members, then their hashes; a mention queued in between
    is named by its event in the stream, read on from where the build began."""
    await store.ingest("demo", [mention("1")], None, clock.now())
    assert await pipeline.run_once() == 1
    await store.ingest("demo", [mention("2", text="人呢")], None, clock.now())
    zscan_iter = store.redis.zscan_iter

    async def then_queued(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async for member in zscan_iter(*args, **kwargs):
            yield member
        assert await pipeline.run_once() == 1  # queued once the members were read

    monkeypatch.setattr(store.redis, "zscan_iter", then_queued)
    found = await LiveIndex(store).find(
        QueueFilter(q="人呢"), 10, 0, by="deadline", now=clock.now()
    )
    assert found == (1, [mention_id("weibo", "lanxing", "2")])
