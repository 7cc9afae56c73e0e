"""Benchmark the agent-facing API with a full queue: latency, Redis memory, start time.

    python bench/queue_api.py [--pending 10000] [--clients 20] [--rounds 50]
                              [--filter "view=unassigned&q=卡"]

1. Starts a fresh embedded Redis (AOF on) and fills it with --pending open mentions
   through the real write path: `Store.ingest` (XADD) and a `Pipeline` with the real
   scoring pool, so every hash, event list, event stream entry and queue member is what
   production writes. Redis memory per mention is INFO `used_memory` after the fill minus
   before it, over --pending.
2. Serves the real app (`create_app(config, background=False)` on AppRunner/TCPSite,
   127.0.0.1 port 0) in a child process, as `tiexin run` would be, so the clients' own
   CPU does not run on the server's event loop.
3. --clients concurrent aiohttp clients each run --rounds of: `GET /api/queue?limit=50`,
   then `POST /api/mentions/{id}/reply` on one listed mention no other client took.
   Reports p95 of each (after one warm-up round). `--filter` adds its query parameters to
   every queue read, so the filtered path (one Lua walk over the whole queue) is timed;
   several filters separated by ";" are spread over the clients (client n uses filter
   n mod their number), as agents with different views would ask.
4. Stops the app and Redis, starts Redis on the same data dir and the app again, and
   times until the first successful `GET /api/queue` (start_s; Python start-up included).

The last line is `queue_api pending=<n> clients=<n> queue_p95_ms=<n> reply_p95_ms=<n>
redis_bytes_per_mention=<n> start_s=<n>`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import signal
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, quote

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from connectors.model import Mention
from connectors.replay import demo_path
from responder.accounts import DEMO_HASH, UserConfig
from responder.clock import SystemClock
from responder.config import Config, RedisConfig, ReportsConfig, SlaConfig, defaults
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline
from responder.reports.rollup import Rollup
from responder.runtime import create_app
from responder.services import SERVICES
from responder.store.embedded import EmbeddedRedis
from responder.store.keys import Keys
from responder.store.store import Store
from responder.web.auth import token_hash

PREFIX = "bench"


def _mentions(count: int) -> list[Mention]:
    demo = [Mention.from_json(line) for line in demo_path().read_text("utf-8").splitlines()]
    now = SystemClock().now()
    return [
        replace(demo[i % len(demo)], platform_id=f"q{i}", thread_id=None, created_at=now)
        for i in range(count)
    ]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


async def _used_memory(redis: Redis) -> int:
    """INFO used_memory, once no AOF rewrite holds a rewrite buffer (it counts there too)."""
    for _ in range(1200):  # a minute at most
        if not int((await redis.info("persistence"))["aof_rewrite_in_progress"]):
            break
        await asyncio.sleep(0.05)
    info = await redis.info("memory")
    return int(info["used_memory"])


async def fill(url: str, pending: int) -> int:
    """Queue `pending` mentions through ingest + pipeline; return Redis bytes added."""
    redis = Redis.from_url(url, decode_responses=True)
    pool = ScoringPool(1)
    pool.start()
    try:
        await pool.ready()
        store = Store(redis, Keys(PREFIX))
        await store.ensure_group()
        before = await _used_memory(redis)
        clock = SystemClock()
        pipeline = Pipeline(store, pool, clock, SlaConfig(), consumer="bench-fill")
        # Some demo mentions need no answer (无需回复) and stay out of the queue: feed
        # more until `pending` are in it.
        mentions, fed = _mentions(4 * pending), 0
        while (queued := await store.queue_size()) < pending and fed < len(mentions):
            step = min(500, pending - queued)
            await store.ingest("bench", mentions[fed : fed + step], None, clock.now())
            fed += step
            while await pipeline.run_once(block_ms=None):
                pass
        if queued != pending:
            raise RuntimeError(f"{queued} mentions queued, expected {pending}")
        # The reports' rollup step counts what the pipeline logged (every `tiexin run`
        # runs it): its marks on the mentions and its hour and day hashes count too.
        rollup = Rollup(store, ReportsConfig(), defaults().drafts.timezone)
        while await rollup.step() == 0:
            pass
        return await _used_memory(redis) - before
    finally:
        await redis.aclose()
        await asyncio.to_thread(pool.stop)


async def memory_report(url: str, pending: int) -> None:
    """Print what the keys hold per pending mention, by key shape, for the store's owners.

    MEMORY USAGE (exact, samples=0) and OBJECT ENCODING of every key, grouped by the key
    name with mention ids replaced by <id>; then the mean size of each mention hash field.
    """
    redis = Redis.from_url(url, decode_responses=True)
    try:
        names = [str(key) async for key in redis.scan_iter(count=1000)]
        async with redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.memory_usage(name, samples=0)
                pipe.object("encoding", name)
            replies = await pipe.execute()
        groups: dict[str, tuple[int, int, set[str]]] = {}
        for i, name in enumerate(names):
            shape = re.sub(r"[0-9a-f]{16}", "<id>", name)
            count, size, encodings = groups.get(shape, (0, 0, set()))
            encodings.add(str(replies[2 * i + 1]))
            groups[shape] = (count + 1, size + int(replies[2 * i] or 0), encodings)
        for shape, (count, size, encodings) in sorted(groups.items(), key=lambda g: -g[1][1]):
            print(
                f"memory: {shape}: {count} keys, {size / pending:.0f} B per pending mention"
                f" ({', '.join(sorted(encodings))})"
            )
        stats = await redis.memory_stats()
        main_dict = int(stats.get("db.0", {}).get("overhead.hashtable.main", 0))
        print(
            f"memory: key space: {stats['keys.count']} keys, main dict {main_dict / pending:.0f} B"
            f" per pending mention (dataset {stats['dataset.bytes'] / pending:.0f} B)"
        )
        ids = [str(i) for i in await redis.zrange(Keys(PREFIX).queue, 0, 199)]
        async with redis.pipeline(transaction=False) as pipe:
            for mid in ids:
                pipe.hgetall(Keys(PREFIX).mention(mid))
            rows: list[dict[str, str]] = await pipe.execute()
        sizes: dict[str, int] = {}
        for row in rows:
            for name, value in row.items():
                sizes[name] = sizes.get(name, 0) + len(name) + len(value.encode())
        top = sorted(sizes.items(), key=lambda item: -item[1])[:8]
        shown = ", ".join(f"{name} {size / len(rows):.0f}" for name, size in top)
        print(
            f"memory: mention hash, mean bytes of field name + value: {shown};"
            f" all {len(sizes)} fields {sum(sizes.values()) / len(rows):.0f}"
        )
    finally:
        await redis.aclose()


# The agents sign in with an API token (the API is behind logins since issue 16).
BENCH_TOKEN = "bench-token"
BENCH_USER = UserConfig(
    name="bench", role="agent", password_hash=DEMO_HASH, token_hash=token_hash(BENCH_TOKEN)
)
AUTH = {"Authorization": f"Bearer {BENCH_TOKEN}"}


def _server_command(url: str, *, settle: bool) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", url]
    return [*command, "--settle"] if settle else command


async def serve(url: str, *, settle: bool) -> None:
    """Run the real app on 127.0.0.1 port 0; print the port; stop on SIGTERM.

    With `settle`, the port is printed only once the app's scoring workers have loaded
    the model, so a load phase measures the API rather than the start-up.
    """
    config: Config = replace(
        defaults(), connectors=(), redis=RedisConfig(url=url, prefix=PREFIX), users=(BENCH_USER,)
    )
    runner = web.AppRunner(create_app(config, background=False), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    pipeline = runner.app[SERVICES].pipeline
    if settle and pipeline is not None:
        await cast(ScoringPool, pipeline.scorer).ready()
    print(f"port {runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


async def _start_server(url: str, *, settle: bool) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        *_server_command(url, settle=settle), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = (await process.stdout.readline()).decode().split()
    if len(line) != 2 or line[0] != "port":
        await process.wait()
        raise RuntimeError(f"the app did not start (exit status {process.returncode})")
    return process, f"http://127.0.0.1:{line[1]}"


async def _stop_server(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    await process.wait()


async def _client(
    base: str,
    rounds: int,
    taken: set[str],
    queue_ms: list[float],
    reply_ms: list[float],
    query: dict[str, str],
) -> int:
    """One agent: list the queue, reply to a mention nobody else took; return conflicts."""
    conflicts = 0
    async with aiohttp.ClientSession(base, headers=AUTH) as session:
        for n in range(rounds + 1):  # round 0 warms the connection up, unmeasured
            started = time.perf_counter()
            async with session.get("/api/queue", params={"limit": "50", **query}) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"GET /api/queue: {resp.status} {body[:200]!r}")
            elapsed = (time.perf_counter() - started) * 1000
            data: dict[str, Any] = await resp.json()
            if n:
                queue_ms.append(elapsed)
            mid = next((item["id"] for item in data["items"] if item["id"] not in taken), None)
            if mid is None:
                continue
            taken.add(mid)
            started = time.perf_counter()
            async with session.post(
                f"/api/mentions/{mid}/reply", json={"text": "谢谢反馈，马上处理"}
            ) as resp:
                await resp.read()
                status = resp.status
            elapsed = (time.perf_counter() - started) * 1000
            if status == 409:
                conflicts += 1
            elif status != 200:
                raise RuntimeError(f"POST reply: {status}")
            if n:
                reply_ms.append(elapsed)
    return conflicts


async def _first_queue(base: str) -> None:
    """Poll GET /api/queue until it answers 200 (for at most a minute)."""
    deadline = time.perf_counter() + 60.0
    async with aiohttp.ClientSession(base, headers=AUTH) as session:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get("/api/queue", params={"limit": "50"}) as resp:
                    await resp.read()
                    if resp.status == 200:
                        return
            if time.perf_counter() > deadline:
                raise RuntimeError("the app did not answer GET /api/queue in time")
            await asyncio.sleep(0.005)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        server.start()
        try:
            started = time.perf_counter()
            added = await fill(server.url, args.pending)
            per_mention = added / args.pending
            print(
                f"fill: {args.pending} mentions queued in {time.perf_counter() - started:.1f} s;"
                f" Redis +{added / 1e6:.1f} MB, {per_mention:.0f} B per mention"
            )
            await memory_report(server.url, args.pending)

            process, base = await _start_server(server.url, settle=True)
            try:
                queue_ms: list[float] = []
                reply_ms: list[float] = []
                taken: set[str] = set()
                queries = [dict(parse_qsl(f)) for f in (args.filter or "").split(";")]
                started = time.perf_counter()
                conflicts = await asyncio.gather(
                    *(
                        _client(
                            base, args.rounds, taken, queue_ms, reply_ms, queries[n % len(queries)]
                        )
                        for n in range(args.clients)
                    )
                )
                wall = time.perf_counter() - started
            finally:
                await _stop_server(process)
            queue_p95, reply_p95 = _p95(queue_ms), _p95(reply_ms)
            print(
                f"load: {len(queue_ms)} queue reads, {len(reply_ms)} replies"
                f" ({sum(conflicts)} conflicts) in {wall:.1f} s;"
                f" queue p50 {sorted(queue_ms)[len(queue_ms) // 2]:.1f} ms"
                f" p95 {queue_p95:.1f} ms; reply p50 {sorted(reply_ms)[len(reply_ms) // 2]:.1f}"
                f" ms p95 {reply_p95:.1f} ms"
            )
        finally:
            await asyncio.to_thread(server.stop)

        # Restart with the data loaded: Redis replays its AOF, then the app starts.
        started = time.perf_counter()
        await asyncio.to_thread(server.start, 60.0)
        redis_s = time.perf_counter() - started
        try:
            process, base = await _start_server(server.url, settle=False)
            try:
                await _first_queue(base)
                start_s = time.perf_counter() - started
            finally:
                await _stop_server(process)
        finally:
            await asyncio.to_thread(server.stop)
        print(f"start: Redis answered after {redis_s:.2f} s, the queue after {start_s:.2f} s")
    print(
        f"queue_api pending={args.pending} clients={args.clients}"
        + (f" filter={quote(args.filter, safe='=&;')}" if args.filter else "")
        + f" queue_p95_ms={queue_p95:.1f} reply_p95_ms={reply_p95:.1f}"
        f" redis_bytes_per_mention={per_mention:.0f} start_s={start_s:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=50, help="queue reads + replies per client")
    parser.add_argument(
        "--filter", metavar="QUERY", help='queue view parameters, e.g. "view=unassigned&q=卡"'
    )
    parser.add_argument("--serve", metavar="REDIS_URL", help=argparse.SUPPRESS)
    parser.add_argument("--settle", action="store_true", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.serve:
        asyncio.run(serve(parsed.serve, settle=parsed.settle))
    else:
        asyncio.run(main(parsed))
