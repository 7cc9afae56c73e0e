"""Benchmark the pipeline: mentions per second from XADD to queued, and latency.

    python bench/pipeline.py [--burst 5000] [--rate 1000] [--seconds 10] [--processes 1]

Phase 1 adds --burst mentions at once and times how fast the pipeline queues them
(throughput), and prints the CPU time per mention of this process (bench and pipeline),
the scoring processes and Redis over the burst (from /proc, so Linux only): when their
sum is the wall time per mention, the stages run one after another. Phase 2 offers --rate
mentions per second for --seconds and measures each mention's latency from its XADD to its
being queued (p50, p99). Uses a fresh embedded Redis with AOF on, the real scoring process
pool and the bundled demo texts.

Phase 2 keeps to a schedule: every --tick-ms it adds, in one ingest call, each mention
whose time has come (mention n is due at n / rate seconds), so a late wake-up is caught up
at once instead of slipping; it reports the rate it achieved and how far the offers fell
behind the schedule. A mention's latency is timed on the bench side, on one clock: from
just before the ingest call that adds it, to the moment Redis tells a subscriber that its
mention hash was written (keyspace notifications, `hset` events), which the enqueue does
atomically with adding it to the queue. It does not rely on the `queued_at` the pipeline
stores, nor on how the store batches its writes.

The last line is `pipeline mentions_per_s=<n> p50_ms=<n> p99_ms=<n> offered_per_s=<n>`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from connectors.model import Mention
from connectors.replay import demo_path
from responder.clock import SystemClock
from responder.config import SlaConfig
from responder.incidents.store import IncidentStore
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline
from responder.store.embedded import EmbeddedRedis
from responder.store.keys import Keys, mention_id
from responder.store.store import Store

KEYS = Keys("bench")


def _mentions(count: int, tag: str) -> list[Mention]:
    demo = [Mention.from_json(line) for line in demo_path().read_text("utf-8").splitlines()]
    now = SystemClock().now()
    return [
        replace(demo[i % len(demo)], platform_id=f"{tag}{i}", thread_id=None, created_at=now)
        for i in range(count)
    ]


def _check(worker: asyncio.Task[None]) -> None:
    if worker.done():
        worker.result()  # raises what stopped the worker
        raise RuntimeError("the pipeline worker stopped early")


class _Queued:
    """Mentions placed so far: the queue's rows, those set aside as 无需回复, and the
    incident members their incident's row stands for (docs/incidents.md), counted every 0.1 s only:
    counting them reads every open incident, and the bench must not load Redis itself."""

    def __init__(self, store: Store) -> None:
        self.store, self.hidden, self.at = store, 0, 0.0
        self.incidents = IncidentStore(store.redis, store.keys)

    async def __call__(self) -> int:
        if time.perf_counter() - self.at >= 0.1:
            self.hidden, self.at = await self.incidents.hidden(), time.perf_counter()
        # Rows in the queue, members behind their incident's row, and 无需回复 (set aside).
        aside = int(await self.store.redis.zcard(self.store.keys.no_reply))
        return await self.store.queue_size() + self.hidden + aside


async def _wait_queued(store: Store, total: int, worker: asyncio.Task[None]) -> None:
    queued = _Queued(store)
    while await queued() < total:
        _check(worker)
        await asyncio.sleep(0.005)


def _cpu_seconds() -> dict[str, float]:
    """CPU time used so far by this process and by its children, by program (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"bench and pipeline": sum(os.times()[:2])}
    for task in Path("/proc/self/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:  # a thread that just ended (the executor's, the event loop's)
            continue
        for pid in children:
            with contextlib.suppress(OSError):  # a child that just exited
                stat = Path(f"/proc/{pid}/stat").read_text()
                name = stat[stat.index("(") + 1 : stat.rindex(")")]
                ticks = stat[stat.rindex(")") + 2 :].split()
                label = "redis" if name.startswith("redis") else "scoring and helpers"
                used[label] = used.get(label, 0.0) + (int(ticks[11]) + int(ticks[12])) / tick
    return used


class _Workers:
    """`count` pipeline workers in this process, like `[pipeline] workers` in the service."""

    def __init__(self, store: Store, pool: ScoringPool, batch: int, count: int) -> None:
        self.pipelines = [
            Pipeline(
                store, pool, SystemClock(), SlaConfig(), consumer=f"bench-{i}", batch_size=batch
            )
            for i in range(count)
        ]

    async def run_forever(self, block_ms: int) -> None:
        await asyncio.gather(*(p.run_forever(block_ms=block_ms) for p in self.pipelines))

    def stop(self) -> None:
        for pipeline in self.pipelines:
            pipeline.stop()


async def burst(store: Store, pool: ScoringPool, count: int, args: argparse.Namespace) -> float:
    """Add `count` mentions at once; return mentions queued per second."""
    pipeline = _Workers(store, pool, args.batch, args.workers)
    worker = asyncio.create_task(pipeline.run_forever(block_ms=50))
    mentions = _mentions(count, "b")
    clock = SystemClock()
    cpu = _cpu_seconds()
    started = time.perf_counter()
    for i in range(0, len(mentions), 500):
        await store.ingest("bench", mentions[i : i + 500], None, clock.now())
    await _wait_queued(store, len(mentions), worker)
    wall = time.perf_counter() - started
    rate = len(mentions) / wall
    spent = {name: used - cpu.get(name, 0.0) for name, used in _cpu_seconds().items()}
    print(
        "burst CPU per mention: "
        + ", ".join(
            f"{name} {used / count * 1e6:.0f} us ({used / wall:.0%} of a core)"
            for name, used in spent.items()
        )
    )
    pipeline.stop()
    await worker
    return rate


@dataclass(slots=True)
class _Watch:
    """When each awaited mention was offered and when Redis said it was written."""

    offered: dict[str, float] = field(default_factory=dict)  # mention key -> perf_counter
    written: dict[str, float] = field(default_factory=dict)
    all_written: asyncio.Event = field(default_factory=asyncio.Event)
    expected: int = 0


async def _listen(pubsub: PubSub, watch: _Watch) -> None:
    while True:
        message: dict[str, Any] | None = await pubsub.get_message(timeout=1.0)
        if message is None or message["type"] != "message":
            continue
        key = str(message["data"])
        if key in watch.offered and key not in watch.written:
            watch.written[key] = time.perf_counter()
            if len(watch.written) == watch.expected:
                watch.all_written.set()


async def paced(
    redis: Redis, store: Store, pool: ScoringPool, args: argparse.Namespace
) -> tuple[float, list[float], list[float]]:
    """Offer mentions on schedule; return (achieved rate, latencies ms, offer lags ms)."""
    await redis.config_set("notify-keyspace-events", "Eh")
    pubsub = redis.pubsub()
    await pubsub.subscribe("__keyevent@0__:hset")
    watch = _Watch()
    listener = asyncio.create_task(_listen(pubsub, watch))
    pipeline = _Workers(store, pool, args.batch, args.workers)
    worker = asyncio.create_task(pipeline.run_forever(block_ms=50))
    mentions = _mentions(int(args.rate * args.seconds), "p")
    keys = [KEYS.mention(mention_id(*m.identity)) for m in mentions]
    watch.expected = len(mentions)
    clock = SystemClock()
    lags: list[float] = []
    sent = 0
    begin = time.perf_counter()
    try:
        while sent < len(mentions):
            now = time.perf_counter()
            due = min(len(mentions), int((now - begin) * args.rate) + 1)
            if due > sent:
                for n in range(sent, due):
                    watch.offered[keys[n]] = now
                    lags.append((now - begin - n / args.rate) * 1000)
                await store.ingest("bench", mentions[sent:due], None, clock.now())
                sent = due
            _check(worker)
            wake = begin + sent / args.rate
            await asyncio.sleep(max(args.tick_ms / 1000, wake - time.perf_counter()))
        achieved = len(mentions) / (time.perf_counter() - begin)
        queued = _Queued(store)
        while not watch.all_written.is_set():
            _check(worker)
            if await queued() >= len(mentions) and not watch.all_written.is_set():
                await asyncio.sleep(1.0)  # notifications in flight get a second to arrive
                if not watch.all_written.is_set():
                    missing = len(mentions) - len(watch.written)
                    raise RuntimeError(
                        f"all queued but {missing} mention hashes were never seen written:"
                        " does the store still write the mention hash with HSET?"
                    )
            await asyncio.sleep(0.01)
    finally:
        pipeline.stop()
        await worker
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        await pubsub.aclose()
    latencies = [(watch.written[k] - watch.offered[k]) * 1000 for k in keys]
    return achieved, latencies, lags


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        server.start()
        pool = ScoringPool(args.processes)
        pool.start()
        await pool.ready()  # workers loaded before timing
        redis = Redis.from_url(server.url, decode_responses=True)
        try:
            store = Store(redis, KEYS)
            await store.ensure_group()
            rate = await burst(store, pool, args.burst, args)
            print(f"burst: {args.burst} mentions queued at {rate:.0f}/s")

            await redis.flushdb()  # a clean start for the latency phase
            await store.ensure_group()
            offered, lat, lags = await paced(redis, store, pool, args)
            p50, p99 = statistics.median(lat), _pct(lat, 0.99)
            print(
                f"paced: {len(lat)} mentions, {args.rate:.0f}/s asked, {offered:.0f}/s offered"
                f" (offers behind schedule: p99 {_pct(lags, 0.99):.1f} ms, max {max(lags):.1f}"
                f" ms); latency p50 {p50:.1f} ms, p90 {_pct(lat, 0.9):.1f} ms,"
                f" p99 {p99:.1f} ms, max {max(lat):.1f} ms"
            )
        finally:
            await redis.aclose()
            pool.stop()
            server.stop()
    print(
        f"pipeline mentions_per_s={rate:.0f} p50_ms={p50:.1f} p99_ms={p99:.1f}"
        f" offered_per_s={offered:.0f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=1000.0, help="mentions offered per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--tick-ms", type=float, default=5.0, help="shortest pause between offers")
    parser.add_argument("--processes", type=int, default=2, help="scoring processes")
    parser.add_argument("--workers", type=int, default=3, help="pipeline workers (consumers)")
    parser.add_argument("--batch", type=int, default=100, help="pipeline batch size")
    asyncio.run(main(parser.parse_args()))
