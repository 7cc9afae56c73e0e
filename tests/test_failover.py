"""A Sentinel failover mid-work: the master gets SIGKILL while a source is read in batches
and the pipeline runs; once the sentinels promote the replica, the same client goes on
with the new master, and no mention the source's cursor had moved past is lost.

What "acknowledged" means here (docs/redis.md): a polled batch is acknowledged by its
cursor, written in the same MULTI/EXEC as its mentions. A replica applies a transaction
whole or not at all, so the promoted replica's cursor never runs ahead of its mentions:
whatever the failover dropped is read again from the platform.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from responder.pipeline.scoring import ScoringPool
from responder.store.availability import UNREACHABLE, Availability
from responder.store.connect import connected
from responder.store.keys import Keys, mention_id
from responder.store.layouts import LocalSentinel
from responder.store.store import Store
from tests.conftest import make_pipeline
from tests.fakes import FakeClock, mention

POSTS = 300
BATCH = 5
KILL_AT = 60  # the cursor at which the master is killed


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[LocalSentinel]:
    setup = LocalSentinel(tmp_path / "sentinel")  # its own: the test changes its master
    setup.start()
    yield setup
    setup.stop()


async def test_a_failover_mid_work_loses_nothing_the_cursor_moved_past(
    sentinel: LocalSentinel, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    old = sentinel.master()
    availability = Availability(clock)
    async with connected(sentinel.url, availability) as redis:
        store = Store(redis, Keys("failover"))
        await store.ensure_group()
        pipeline = make_pipeline(store, scoring_pool, clock)
        killing: asyncio.Task[object] | None = None
        failures = 0
        while True:
            try:  # one poll as the poller makes it: from the stored cursor, a batch on
                cursor = int(await store.cursor("demo") or 0)
                if cursor >= POSTS:
                    break
                batch = [mention(str(i)) for i in range(cursor, min(cursor + BATCH, POSTS))]
                await store.ingest("demo", batch, str(cursor + len(batch)), clock.now())
                if cursor >= KILL_AT and killing is None:
                    killing = asyncio.create_task(asyncio.to_thread(sentinel.kill_master))
                await pipeline.step()
            except UNREACHABLE:
                failures += 1
                assert killing is not None, "Redis failed before the master was killed"
                await killing  # until the replica is promoted and writable
        while await pipeline.step():
            pass
        assert killing is not None and killing.done()
        assert sentinel.master() is not old and not old.alive()
        assert failures > 0, "the kill never reached the client: the test proved nothing"
        assert availability.ok  # it said down at the first failure, and up again after

        ids = [mention_id("weibo", "lanxing", str(i)) for i in range(POSTS)]
        found = await store.mentions(ids, ["platform_id"])
        assert sorted(int(row["platform_id"]) for row in found) == list(range(POSTS))
        assert await store.cursor("demo") == str(POSTS)
