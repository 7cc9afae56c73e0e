"""A pipeline worker process SIGKILLed between XREADGROUP and XACK loses nothing."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

from responder.pipeline.scoring import ScoringPool
from responder.store.store import Store
from tests.conftest import make_pipeline
from tests.fakes import FakeClock, entries, mention

# Reads a batch as consumer "victim" (XREADGROUP), reports how many, then dies by SIGKILL
# before it can acknowledge anything.
VICTIM = """
import asyncio, os, signal, sys
from redis.asyncio import Redis
from responder.store.keys import Keys
from responder.store.store import Store

async def main():
    store = Store(Redis.from_url(sys.argv[1], decode_responses=True), Keys("test"))
    taken = await store.read_ingest("victim", 100, None)
    print(len(taken), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


async def test_killed_worker_entries_are_reclaimed_and_queued_once(
    store: Store, redis_url: str, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention(str(i)) for i in range(7)], None, clock.now())
    victim = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", VICTIM, redis_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert victim.returncode == -signal.SIGKILL, victim.stderr
    assert victim.stdout.strip() == "7"
    pending = await store.redis.xpending(store.keys.ingest, "pipeline")
    assert pending["pending"] == 7 and pending["consumers"][0]["name"] == "victim"

    survivor = make_pipeline(store, scoring_pool, clock, consumer="survivor", reclaim_after_ms=0)
    assert await survivor.run_once() == 7
    assert await survivor.run_once() == 0
    assert await store.queue_size() == 7
    assert (await store.redis.xpending(store.keys.ingest, "pipeline"))["pending"] == 0
    queued = [e for _, e in await entries(store.redis, store.keys.events) if e["type"] == "queued"]
    assert len(queued) == 7
