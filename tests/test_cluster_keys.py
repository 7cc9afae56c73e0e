"""Every multi-key call keeps its keys in one Redis Cluster slot, and passes no empty key."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import timedelta

import pytest
import redis
from redis.asyncio import Redis
from redis.crc import key_slot
from redis.exceptions import ResponseError

from responder.alerts.acking import Acks
from responder.alerts.monitor import Monitor
from responder.alerts.store import AlertStore
from responder.config import defaults
from responder.pipeline.worker import Pipeline
from responder.store.index import QueueFilter
from responder.store.index_sync import LiveIndex
from responder.store.keys import mention_id
from responder.store.records import State
from responder.store.stages import Stage
from responder.store.store import Store
from tests.fakes import FakeClock, entries, mention

DONE = "tiexin-test-monitor-done"
MULTI_KEY = {"MGET", "DEL", "EXISTS", "UNLINK"}
ARG = re.compile(r'"((?:[^"\\]|\\.)*)"')  # one argument as MONITOR quotes it
Command = tuple[bool, list[str]]  # (run by a script, its words as MONITOR shows them)


def _watch(url: str, seen: list[Command], ready: threading.Event) -> None:
    """Record every command the server runs until the DONE marker, and whether a script
    ran it (a script's commands follow its EVALSHA)."""
    client = redis.Redis.from_url(url, decode_responses=True)
    with client.monitor() as monitor:  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        ready.set()
        while True:
            line = str(monitor.connection.read_response())
            source, _, rest = line.partition("] ")
            words = [w.replace('\\"', '"') for w in ARG.findall(rest)]
            if DONE in words:
                break
            seen.append((source.endswith(" lua"), words))
    client.close()


def _keys(words: list[str]) -> list[str]:
    """Return the keys of a script call or multi-key command."""
    name = words[0].upper()
    if name in {"EVALSHA", "EVAL"}:
        return words[3 : 3 + int(words[2])]
    if name in MULTI_KEY:
        return words[1:]
    return []


async def _touched(client: Redis, words: list[str]) -> list[str]:
    """Return the keys a command reads or writes, as the server finds them."""
    try:
        return [str(k) for k in await client.command_getkeys(*words)]
    except ResponseError:  # a command without keys
        return []


async def _flow(store: Store, pipeline: Pipeline, clock: FakeClock) -> None:
    """Ingest, the pipeline, claims, sweeps, alert groups, acks, the queue's filters,
    closing and the monitor: every script and multi-key call Tiexin makes."""
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
    assert {r["id"] for r in (await store.queue(10))[1]} == set(ids.values())
    assert (await store.queue(10, by="priority"))[0] == 2
    filters, now = LiveIndex(store), clock.now()
    found = await filters.find(QueueFilter(q="人呢"), 10, 0, by="deadline", now=now)
    assert found == (1, [ids["1"]])  # through the follow-up's text
    comments = QueueFilter(view="unassigned", user="amy", kind="comment")  # the claim ran out
    assert await filters.find(comments, 10, 0, by="priority", now=now) == (1, [ids["1"]])
    await store.close(ids["1"], State.APPROVED, "amy", clock.now(), reply_text="来了")
    await store.close(ids["3"], State.DISMISSED, "amy", clock.now())
    failed: dict[str, str | int] = {"state": "auth_failed", "last_error_at": "1"}
    await store.set_health("demo", failed)
    await store.ingest("demo", [mention("5")], "c3", clock.now())
    clock.advance(600)
    await Monitor(store, defaults(), clock).step()  # pages the source and the lag
    paged = {f.get("subject") for _, f in await entries(store.redis, store.keys.alerts)}
    assert {"source:demo", "pipeline"} <= paged


@pytest.mark.layouts
async def test_the_whole_flow_runs_on_each_layout(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    """On the cluster a call across slots is refused (CROSSSLOT), so this fails there."""
    await _flow(store, pipeline, clock)
    assert await store.redis.exists(store.keys.alerts) == 1


async def test_every_script_and_multi_key_call_stays_in_one_slot(
    store: Store, pipeline: Pipeline, clock: FakeClock, redis_url: str
) -> None:
    seen: list[Command] = []
    ready = threading.Event()
    watcher = threading.Thread(target=_watch, args=(redis_url, seen, ready), daemon=True)
    watcher.start()
    await asyncio.to_thread(ready.wait, 10)
    await _flow(store, pipeline, clock)
    await store.redis.echo(DONE)
    await asyncio.to_thread(watcher.join, 10)

    scripts = [w for by_script, w in seen if not by_script and w[0].upper() in {"EVALSHA", "EVAL"}]
    # enqueue x2, claim, correct, sweep x2, ack x2, queue x2, filter x2, close x2,
    # monitor x2, notifier x5
    assert len(scripts) >= 22, seen
    checked = 0
    declared: list[str] = []  # the keys of the script running
    for by_script, words in seen:
        if by_script:  # a script touches only the keys it was given, never a name it built
            for key in await _touched(store.redis, words):
                assert key in declared, f"undeclared {key} in {' '.join(words)[:200]}"
            continue
        keys = declared = _keys(words)
        if not keys:
            continue
        command = " ".join(words)[:200]
        assert all(keys), f"an empty key in: {command}"
        assert all(k.startswith("{test}:") for k in keys), command
        assert len({key_slot(k.encode()) for k in keys}) == 1, command
        checked += 1
    assert checked >= len(scripts)
