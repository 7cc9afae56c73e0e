"""One bad entry never blocks its batch: it becomes a dead letter, the rest is queued."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from connectors.replay import ReplayConfig, ReplayConnector
from responder.cli import main
from responder.ingest.poller import Poller
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline
from responder.store.deadletters import list_letters, requeue
from responder.store.keys import mention_id
from responder.store.store import Store
from tests.conftest import make_pipeline
from tests.fakes import FakeClock, entries, mention

# A follower count JSON allows but no integer holds: once raised OverflowError unhandled.
HUGE = mention("huge").to_json().replace('"followers":12', '"followers":1e999')


async def _pending(store: Store) -> int:
    return int((await store.redis.xpending(store.keys.ingest, "pipeline"))["pending"])


async def test_an_overflowing_entry_is_set_aside_and_the_rest_of_its_batch_queued(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    await store.redis.xadd(
        store.keys.ingest, {"mention": HUGE, "source": "demo", "ingested_at": "1"}
    )
    await store.ingest("demo", [mention("2")], None, clock.now())
    assert await pipeline.run_once() == 3
    assert await store.queue_size() == 2
    assert await _pending(store) == 0 and await store.redis.xlen(store.keys.ingest) == 0
    [letter] = await list_letters(store.redis, store.keys)
    assert letter.reason == "OverflowError: cannot convert float infinity to integer"
    assert letter.fields["mention"] == HUGE and letter.fields["source"] == "demo"
    assert (await store.stats())["dead_letters"] == 1


async def test_a_replay_line_that_overflows_is_rejected_and_the_feed_goes_on(
    tmp_path: Path, store: Store, clock: FakeClock
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(f"{HUGE}\n{mention('ok').to_json()}\n", "utf-8")
    poller = Poller(ReplayConnector("feed", ReplayConfig(path=feed, batch_size=5)), store, clock)
    assert await poller.run_once() == 1
    assert await store.cursor("feed") == f"0:{feed.stat().st_size}"
    [(_, rejected)] = await entries(store.redis, store.keys.rejected)
    assert rejected["reason"].startswith("OverflowError")


async def test_an_entry_read_too_often_is_dead_lettered_not_retried_for_ever(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    for _ in range(6):  # six workers read it and died before acknowledging
        await store.read_ingest("crashy", 10, None, own_pending=True)
        await store.redis.xreadgroup("pipeline", "crashy", {store.keys.ingest: ">"})
    worker = make_pipeline(store, scoring_pool, clock, consumer="crashy")
    assert await worker.run_once() == 1
    [letter] = await list_letters(store.redis, store.keys)
    assert letter.reason == "read 7 times without being queued (limit 5)"
    assert letter.deliveries == 7
    assert await store.queue_size() == 0 and await _pending(store) == 0


async def test_a_mention_the_store_cannot_take_does_not_hold_back_the_others(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    broken = mention("2", thread_id="t9")
    conv = store.keys.conversation("weibo", "lanxing", "t9", broken.author.id)
    await store.redis.hset(conv, "x", "1")  # a key of the wrong type: the script fails on it
    await store.ingest("demo", [mention("1"), broken, mention("3")], None, clock.now())
    assert await pipeline.run_once() == 3
    queued = {str(i) for i in await store.redis.zrange(store.keys.queue, 0, -1)}
    assert queued == {mention_id("weibo", "lanxing", p) for p in ("1", "3")}
    [letter] = await list_letters(store.redis, store.keys)
    assert "WRONGTYPE" in letter.reason
    assert json.loads(letter.fields["mention"])["id"] == "2"


async def test_a_requeued_dead_letter_is_queued_once_fixed(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    broken = mention("2", thread_id="t9")
    conv = store.keys.conversation("weibo", "lanxing", "t9", broken.author.id)
    await store.redis.hset(conv, "x", "1")
    await store.ingest("demo", [broken], None, clock.now())
    await pipeline.run_once()
    [letter] = await list_letters(store.redis, store.keys)
    await store.redis.delete(conv)  # the operator repairs what was wrong
    assert await requeue(store.redis, store.keys, letter.letter_id) is not None
    assert await requeue(store.redis, store.keys, letter.letter_id) is None  # only once
    assert await pipeline.run_once() == 1
    assert await store.queue_size() == 1 and await list_letters(store.redis, store.keys) == []


async def test_dead_letters_command_lists_and_requeues(
    tmp_path: Path,
    store: Store,
    pipeline: Pipeline,
    clock: FakeClock,
    redis_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await store.redis.xadd(
        store.keys.ingest, {"mention": HUGE, "source": "demo", "ingested_at": "1"}
    )
    await pipeline.run_once()
    config = tmp_path / "config.toml"
    config.write_text(f'[redis]\nurl = "{redis_url}"\nprefix = "test"\n', "utf-8")
    assert await asyncio.to_thread(main, ["dead-letters", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    [letter] = await list_letters(store.redis, store.keys)
    assert letter.letter_id in out and "OverflowError" in out and "demo" in out
    requeue_it = ["dead-letters", "--config", str(config), "--requeue", letter.letter_id]
    assert await asyncio.to_thread(main, requeue_it) == 0
    assert await store.redis.xlen(store.keys.ingest) == 1
    unknown = ["dead-letters", "--config", str(config), "--requeue", "1-1"]
    assert await asyncio.to_thread(main, unknown) == 1


async def test_rejected_command_shows_what_a_connector_could_not_use(
    tmp_path: Path,
    store: Store,
    clock: FakeClock,
    redis_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await store.reject(
        "brand_weibo", "GET /2/comments/to_me.json: not JSON", "<html>维护中", clock.now()
    )
    await store.reject("forum", "item 3: missing id", '{"body": "😀"}', clock.now())
    config = tmp_path / "config.toml"
    config.write_text(f'[redis]\nurl = "{redis_url}"\nprefix = "test"\n', "utf-8")
    assert await asyncio.to_thread(main, ["rejected", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.index("source=forum") < out.index("source=brand_weibo")  # newest first
    assert "raw: <html>维护中" in out and "missing id" in out
    args = ["rejected", "--config", str(config), "--json", "--limit", "1"]
    assert await asyncio.to_thread(main, args) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["raw"] == '{"body": "😀"}'
