"""Benchmark the reports: the page's answer time over a month of rollups, and what the
rollup step adds to the pipeline's cost per mention.

    python bench/reports.py [--days 30] [--per-day 50000] [--requests 40] [--burst 3000]
                            [--profile]

Phase 1 fills the rollups of a fresh embedded Redis with --days days of --per-day
mentions each, written through the same code as the rollup step (tally.Tally and the
apply script), not as real mentions: each synthetic mention is taken in, queued (or set
aside, one in ten), claimed and answered by one of 20 agents from one of 60 templates
(within the timer or late, some breached and escalated), its send sent or failed. Then
it serves the real app and times --requests loads of the page for the whole range: the
shell (GET /reports) and the figures it fetches (GET /api/reports), and reports the
p95 of the two together (target <= 200 ms).

Phase 2 runs bench/pipeline.py's burst (--burst real mentions through the real pipeline
and scoring pool) and times the CPU of every process per mention (bench and pipeline,
scoring, Redis); then runs the rollup step over the events the burst wrote and times its
CPU (this process and Redis) per mention. The overhead is the second over the first
(target <= 5%).

The last line is `reports days=<n> per_day=<n> page_p95_ms=<n> pipeline_overhead_pct=<n>`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import pstats
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, web
from argon2 import PasswordHasher
from redis.asyncio import Redis

# Run the checkout this file is in (`python bench/NAME.py` puts only bench/ on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipeline import KEYS, _cpu_seconds, burst
from responder.accounts import UserConfig
from responder.clock import SystemClock
from responder.config import OutboxConfig, RedisConfig, ReportsConfig, defaults
from responder.pipeline.scoring import ScoringPool
from responder.reports.rollup import IDLE, Rollup
from responder.reports.tally import Tally
from responder.runtime import create_app
from responder.store.embedded import EmbeddedRedis
from responder.store.store import Store
from responder.web.auth import token_hash

ZONE = "Asia/Shanghai"
TOKEN = "bench-lead-token"
AGENTS = [f"agent{i:02d}" for i in range(20)]
TEMPLATES = [f"intent{i // 3:02d}/tone_{i % 3}" for i in range(60)]
ACCOUNTS = [
    ("weibo", "lanxing"),
    ("weibo", "lanxing_service"),
    ("wechat", "lanxing"),
    ("tieba", "lanxing"),
]
REASONS = ["chatter", "cheer", "bare_repost", "fan_answered", "bystander_reaction", "spam"]
CHUNK = 2000  # synthetic mentions per apply


def _events(
    n: int, start: float, rng: random.Random
) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    """One synthetic mention's events and its hash's fields, as the tally reads them."""
    platform, account = ACCOUNTS[n % len(ACCOUNTS)]
    row: dict[str, Any] = {
        "platform": platform,
        "account": account,
        "clock_start": start,
        "deadline": start + 900,
        "templates": rng.sample(TEMPLATES, 3),
    }
    events = [{"type": "ingested", "at": start + 1, "actor": "demo"}]
    if n % 10 == 0:
        events.append(
            {"type": "no_reply", "at": start + 2, "actor": "pipeline", "reason": REASONS[n % 6]}
        )
        return [(f"m{n}", e) for e in events], row
    events.append({"type": "queued", "at": start + 2, "actor": "pipeline"})
    agent = AGENTS[n % len(AGENTS)]
    answer = rng.lognormvariate(5.5, 0.8)  # median ~4 minutes, a tail past 15
    events.append({"type": "claimed", "at": start + answer * 0.6, "actor": agent})
    if answer > 900:
        events.append({"type": "breached", "at": start + 900, "actor": "sla"})
    if answer > 1200:
        events.append({"type": "escalated", "at": start + 1200, "actor": "sla"})
    how = rng.choice(("as_is", "as_is", "edited", "written"))
    chosen = row["templates"][0] if how != "written" else ""
    events.append(
        {
            "type": "approved",
            "at": start + answer,
            "actor": agent,
            "draft_use": how,
            "draft_template": chosen,
        }
    )
    result = "sent" if n % 50 else "send_failed"
    events.append({"type": result, "at": start + answer + 3, "actor": "outbox"})
    return [(f"m{n}", e) for e in events], row


async def fill(store: Store, days: int, per_day: int, first: date) -> float:
    """Write `days` x `per_day` synthetic mentions into the rollups; return seconds."""
    rollup = Rollup(store, ReportsConfig(), ZONE)
    rng = random.Random(26)
    zone = ZoneInfo(ZONE)
    started, cursor, seq = time.perf_counter(), "", 0
    for d in range(days):
        midnight = datetime.combine(
            first + timedelta(days=d), datetime.min.time(), zone
        ).timestamp()
        for low in range(0, per_day, CHUNK):
            tally = Tally(zone)
            for n in range(low, min(per_day, low + CHUNK)):
                at = midnight + rng.random() * 86400
                events, row = _events(d * per_day + n, at, rng)
                for mid, ev in events:
                    tally.add(mid, ev, row)
            seq += 1
            last = f"{seq}-0"
            assert await rollup.apply(tally, cursor, last)
            cursor = last
        print(f"filled day {d + 1}/{days}", flush=True)
    return time.perf_counter() - started


async def time_page(url: str, days: int, first: date, requests: int) -> tuple[float, float]:
    """Serve the real app over `url` and time the page's loads; return (p95, median) ms."""
    base = defaults()
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # never signed in with
    lead = UserConfig(
        name="lead", role="lead", password_hash=cheap.hash(TOKEN), token_hash=token_hash(TOKEN)
    )
    config = replace(
        base,
        connectors=(),
        redis=RedisConfig(url=url, prefix=KEYS.prefix, data_dir=Path(tempfile.mkdtemp())),
        users=(lead,),
        outbox=OutboxConfig(undo_seconds=0),
    )
    now = datetime.combine(
        first + timedelta(days=days - 1), datetime.min.time(), ZoneInfo(ZONE)
    ) + timedelta(hours=20)
    clock = _Fixed(now.astimezone(UTC))
    app = create_app(config, clock=clock, scorer=_NoScorer(), background=False)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    since, until = first.isoformat(), (first + timedelta(days=days - 1)).isoformat()
    times: list[float] = []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with ClientSession(f"http://127.0.0.1:{port}", headers=headers) as http:
            for i in range(requests + 3):
                started = time.perf_counter()
                async with http.get("/reports", params={"since": since, "until": until}) as shell:
                    assert shell.status == 200, await shell.text()
                    await shell.read()
                async with http.get(
                    "/api/reports", params={"since": since, "until": until}
                ) as figures:
                    assert figures.status == 200, await figures.text()
                    body = await figures.json()
                if i >= 3:  # the first loads warm the connection and the caches
                    times.append((time.perf_counter() - started) * 1000)
        need = body["sla"]["need"]
        print(
            f"page: {days} days, {need} mentions needing an answer, SLA {body['sla']['attainment']}"
        )
    finally:
        await runner.cleanup()
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], ordered[len(ordered) // 2]


class _Fixed(SystemClock):
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class _NoScorer:
    """The page needs no scoring: a stand-in so the app starts no scoring processes."""

    async def suggest(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("not used")


async def overhead(store: Store, pool: ScoringPool, args: argparse.Namespace) -> float:
    """The rollup step's CPU per mention over the pipeline's, in percent."""
    cpu = _cpu_seconds()
    await burst(store, pool, args.burst, args)
    spent = sum(used - cpu.get(name, 0.0) for name, used in _cpu_seconds().items())
    rollup = Rollup(store, ReportsConfig(), ZONE)
    cpu = _cpu_seconds()
    started = time.perf_counter()
    with cProfile.Profile() if args.profile else contextlib.nullcontext() as profile:
        while await rollup.step() != IDLE:
            pass
    wall = time.perf_counter() - started
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    rolled = {name: used - cpu.get(name, 0.0) for name, used in _cpu_seconds().items()}
    extra = rolled.get("bench and pipeline", 0.0) + rolled.get("redis", 0.0)
    print(
        f"pipeline CPU per mention {spent / args.burst * 1e6:.0f} us; rollup step"
        f" {extra / args.burst * 1e6:.0f} us ({wall:.2f} s wall for {args.burst} mentions)"
    )
    return 100 * extra / spent


async def main(args: argparse.Namespace) -> None:
    first = date(2026, 11, 1)
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        server.start()
        redis = Redis.from_url(server.url, decode_responses=True)
        pool: ScoringPool | None = None
        try:
            store = Store(redis, KEYS)
            spent = await fill(store, args.days, args.per_day, first)
            used = (await redis.info("memory"))["used_memory"] / 2**20
            print(
                f"fill: {args.days * args.per_day} mentions counted in {spent:.0f} s;"
                f" Redis {used:.0f} MiB"
            )
            p95, median = await time_page(server.url, args.days, first, args.requests)
            print(f"page: p50 {median:.1f} ms, p95 {p95:.1f} ms over {args.requests} loads")
            await redis.flushdb()
            await store.ensure_group()
            pool = ScoringPool(args.processes)
            pool.start()
            await pool.ready()
            pct = await overhead(store, pool, args)
        finally:
            await redis.aclose()
            if pool is not None:
                pool.stop()
            server.stop()
    print(
        f"reports days={args.days} per_day={args.per_day} page_p95_ms={p95:.0f}"
        f" pipeline_overhead_pct={pct:.1f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=40, help="page loads timed")
    parser.add_argument("--burst", type=int, default=3000, help="mentions through the pipeline")
    parser.add_argument("--processes", type=int, default=2, help="scoring processes")
    parser.add_argument("--workers", type=int, default=3, help="pipeline workers")
    parser.add_argument("--batch", type=int, default=100, help="pipeline batch size")
    parser.add_argument(
        "--profile", action="store_true", help="profile the rollup step (cProfile, top 15)"
    )
    asyncio.run(main(parser.parse_args()))
