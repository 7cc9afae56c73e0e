"""Every multi-key call keeps its keys in one Redis Cluster slot, and passes no empty key."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import redis
from redis.crc import key_slot

from responder.alerts.acking import Acks
from responder.alerts.monitor import Monitor
from responder.alerts.store import AlertStore
from responder.config import defaults
from responder.pipeline.worker import Pipeline
from responder.store.keys import mention_id
from responder.store.records import State
from responder.store.stages import Stage
from responder.store.store import Store
from tests.fakes import FakeClock, entries, mention

DONE = "tiexin-test-monitor-done"
MULTI_KEY = {"MGET", "DEL", "EXISTS", "UNLINK"}


def _watch(url: str, seen: list[str], ready: threading.Event) -> None:
    """Record every command the server runs until the DONE marker."""
    client = redis.Redis.from_url(url, decode_responses=True)
    with client.monitor() as monitor:  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        ready.set()
        for record in monitor.listen():
            command = str(record["command"])
            if DONE in command:
                break
            seen.append(command)
    client.close()


def _keys(command: str) -> list[str]:
    """Return the keys of a script call or multi-key command as MONITOR shows them."""
    words = command.split(" ")
    name = words[0].upper()
    if name in {"EVALSHA", "EVAL"}:
        return words[3 : 3 + int(words[2])]
    if name in MULTI_KEY:
        return words[1:]
    return []


async def test_every_script_and_multi_key_call_stays_in_one_slot(
    store: Store, pipeline: Pipeline, clock: FakeClock, redis_url: str
) -> None:
    seen: list[str] = []
    ready = threading.Event()
    watcher = threading.Thread(target=_watch, args=(redis_url, seen, ready), daemon=True)
    watcher.start()
    await asyncio.to_thread(ready.wait, 10)

    head = mention("1", thread_id="t1", kind="comment")
    follow = mention("2", thread_id="t1", kind="comment", text="人呢")
    alone = mention("3")  # no thread: once passed "" as its conversation key
    await store.ingest("demo", [head, follow, alone], "c1", clock.now())
    await pipeline.run_once()
    await store.ingest("demo", [mention("4", thread_id="t1", kind="comment")], "c2", clock.now())
    await pipeline.run_once()  # joins an existing conversation in a later batch
    ids = {p: mention_id("weibo", "lanxing", p) for p in ("1", "3")}
    await store.claim(ids["1"], "amy", clock.now(), timedelta(minutes=5))
    await store.correct(ids["1"], "negative", "amy", clock.now())
    clock.advance(16 * 60)
    await store.sweep(Stage.WARNED, clock.now(), 100)
    await store.sweep(Stage.BREACHED, clock.now(), 100)
    alerts = AlertStore(store)
    placed = await alerts.place(
        Stage.WARNED,
        ids["3"],
        clock.now(),
        window=60,
        minimum=1,
        others=0,
        summary_at=clock.now(),
        marker="k1",
    )
    assert placed.kind == "opened"
    assert (await alerts.claim("k2", "n1", 60))[0] == "go"
    await alerts.release("k2", "n1")
    await alerts.log([ids["3"]], {"type": "paged", "at": 1, "actor": "notifier"})
    assert await alerts.take_summaries(clock.now(), 60) == [placed.group]
    acks = Acks(store)
    await store.redis.hset(store.keys.alert_group("g1"), "stage", "warn")
    await store.redis.sadd(store.keys.alert_group_members("g1"), ids["1"], ids["3"])
    await acks.group("g1", "lee", clock.now(), "link")
    await acks.mention(ids["1"], "amy", clock.now(), "ui")
    await store.close(ids["1"], State.APPROVED, "amy", clock.now(), reply_text="来了")
    await store.close(ids["3"], State.DISMISSED, "amy", clock.now())
    failed: dict[str, str | int] = {"state": "auth_failed", "last_error_at": "1"}
    await store.set_health("demo", failed)
    await store.ingest("demo", [mention("5")], "c3", clock.now())
    clock.advance(600)
    await Monitor(store, defaults(), clock).step()  # pages the source and the lag
    paged = {f.get("subject") for _, f in await entries(store.redis, store.keys.alerts)}
    assert {"source:demo", "pipeline"} <= paged
    await store.redis.echo(DONE)
    await asyncio.to_thread(watcher.join, 10)

    scripts = [c for c in seen if c.upper().startswith(("EVALSHA", "EVAL "))]
    # enqueue x2, claim, correct, sweep x2, ack x2, close x2, monitor x2, notifier x5
    assert len(scripts) >= 18, seen
    checked = 0
    for command in seen:
        keys = _keys(command)
        if not keys:
            continue
        assert all(keys), f"an empty key in: {command[:200]}"
        assert all(k.startswith("{test}:") for k in keys), command[:200]
        assert len({key_slot(k.encode()) for k in keys}) == 1, command[:200]
        checked += 1
    assert checked >= len(scripts)
