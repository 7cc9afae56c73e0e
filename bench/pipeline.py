"""Benchmark the pipeline: mentions per second from XADD to queued, and latency.

    python bench/pipeline.py [--burst 5000] [--rate 200] [--seconds 10] [--processes 1]

Phase 1 adds --burst mentions at once and times how fast the pipeline queues them
(throughput). Phase 2 feeds --rate mentions per second for --seconds and measures each
mention's latency from XADD to queued (p50, p99). Uses a fresh embedded Redis with AOF
on, the real scoring process pool and the bundled demo texts. The last line is
`pipeline mentions_per_s=<n> p50_ms=<n> p99_ms=<n>`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from redis.asyncio import Redis

from connectors.model import Mention
from connectors.replay import demo_path
from responder.clock import SystemClock
from responder.config import SlaConfig
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline
from responder.store.embedded import EmbeddedRedis
from responder.store.keys import Keys
from responder.store.store import Store


def _mentions(count: int, tag: str) -> list[Mention]:
    demo = [Mention.from_json(line) for line in demo_path().read_text("utf-8").splitlines()]
    now = SystemClock().now()
    return [
        replace(demo[i % len(demo)], platform_id=f"{tag}{i}", thread_id=None, created_at=now)
        for i in range(count)
    ]


async def _wait_queued(store: Store, total: int, worker: asyncio.Task[None]) -> None:
    while await store.queue_size() < total:
        if worker.done():
            worker.result()  # raises what stopped the worker
            raise RuntimeError("the pipeline worker stopped early")
        await asyncio.sleep(0.005)


async def _latencies(store: Store) -> list[float]:
    _, rows = await store.queue(10**7)
    return [(float(r["queued_at"]) - float(r["ingested_at"])) * 1000 for r in rows]


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        server.start()
        pool = ScoringPool(args.processes)
        pool.start()
        await pool.score(["预热"] * args.processes)  # workers loaded before timing
        redis = Redis.from_url(server.url, decode_responses=True)
        clock = SystemClock()
        try:
            store = Store(redis, Keys("bench"))
            await store.ensure_group()
            pipeline = Pipeline(
                store, pool, clock, SlaConfig(), consumer="bench", batch_size=args.batch
            )
            worker = asyncio.create_task(pipeline.run_forever(block_ms=50))

            burst = _mentions(args.burst, "b")
            started = time.perf_counter()
            for i in range(0, len(burst), 500):
                await store.ingest("bench", burst[i : i + 500], None, clock.now())
            await _wait_queued(store, len(burst), worker)
            rate = len(burst) / (time.perf_counter() - started)
            print(f"burst: {len(burst)} mentions queued at {rate:.0f}/s")

            pipeline.stop()
            await worker
            await redis.flushdb()  # a clean start for the latency phase
            await store.ensure_group()
            pipeline = Pipeline(
                store, pool, clock, SlaConfig(), consumer="bench", batch_size=args.batch
            )
            worker = asyncio.create_task(pipeline.run_forever(block_ms=50))
            paced = _mentions(int(args.rate * args.seconds), "p")
            tick = 0.01
            per_tick = max(1, round(args.rate * tick))
            begin = time.perf_counter()
            for n, i in enumerate(range(0, len(paced), per_tick)):
                await asyncio.sleep(max(0.0, begin + n * tick - time.perf_counter()))
                await store.ingest("bench", paced[i : i + per_tick], None, clock.now())
            await _wait_queued(store, len(paced), worker)
            lat = sorted(await _latencies(store))
            p50 = statistics.median(lat)
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            print(
                f"paced: {len(paced)} mentions at {args.rate}/s,"
                f" latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"
            )
            pipeline.stop()
            await worker
        finally:
            await redis.aclose()
            pool.stop()
            server.stop()
    print(f"pipeline mentions_per_s={rate:.0f} p50_ms={p50:.1f} p99_ms={p99:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=1, help="scoring processes")
    parser.add_argument("--batch", type=int, default=100, help="pipeline batch size")
    asyncio.run(main(parser.parse_args()))
