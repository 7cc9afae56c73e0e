"""Benchmark the outbox: how fast approved replies are posted, and how long each waits.

    python bench/outbox.py [--mentions 2000]

Queues --mentions mentions in a fresh embedded Redis (AOF on), approves them all as agents
would (`Store.close`), then runs one sender as the service does (`Supervisor.loop`) with
the replay connector, whose post costs nothing: what is measured is Tiexin's own cost
per reply (read the mention, mark it sending, record it sent, acknowledge). The last line
is `outbox n=<n> sends_per_s=<n> wait_p50_ms=<n> wait_p95_ms=<n>`, the wait being from
approval to `sent`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

# Run the checkout this file is in (`python bench/NAME.py` puts only bench/ on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fresh import bench_mention, fresh_store
from connectors.replay import ReplayConfig, ReplayConnector
from responder.clock import SystemClock
from responder.config import SlaConfig
from responder.drafts.suggest import sample_job, unsuggested
from responder.outbox.sender import Sender
from responder.outbox.store import OutboxStore
from responder.sla.timer import timing
from responder.store.enqueue import Ready
from responder.store.keys import mention_id
from responder.store.records import State
from responder.store.store import Store
from responder.supervisor import Supervisor

PLAIN = unsuggested(sample_job())


def _ready(n: int, clock: SystemClock, sla: SlaConfig) -> Ready:
    now = clock.now()
    mention = bench_mention(n, now)
    timer = timing(now, now, respond_within=sla.respond_within, warn_after=sla.warn_after)
    return Ready(mention=mention, suggestion=PLAIN, timing=timer, source="bench", ingested_at=now)


async def main(args: argparse.Namespace) -> None:
    clock, sla = SystemClock(), SlaConfig()
    async with fresh_store() as store:
        redis = store.redis
        items = [_ready(n, clock, sla) for n in range(args.mentions)]
        for i in range(0, len(items), 200):
            await store.enqueue(items[i : i + 200], clock.now())
        outbox = OutboxStore(store)
        await outbox.ensure_group()
        replay = ReplayConnector("bench", ReplayConfig(), now=clock.now)
        sender = Sender(outbox, {"bench": replay}.get, clock, consumer="bench")
        ids = [mention_id("weibo", "bench", str(n)) for n in range(args.mentions)]
        supervisor = Supervisor(clock)
        supervisor.loop("outbox", lambda: sender.step(block_ms=250))
        started = time.perf_counter()
        for mid in ids:  # agents approving, as fast as the store takes it
            await store.close(mid, State.APPROVED, "amy", clock.now(), reply_text="来啦")
        # Redis has no event to wait on here: poll until the last reply is out.
        while await redis.xlen(store.keys.outbox) > 0 or await _unsent(store, ids[-1]):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        await supervisor.stop()
        rows = await store.mentions(ids, ("closed_at", "sent_at", "state"))
    waits = sorted((float(r["sent_at"]) - float(r["closed_at"])) * 1000 for r in rows)
    sent = sum(1 for r in rows if r["state"] == "sent")
    p95 = waits[min(len(waits) - 1, int(len(waits) * 0.95))]
    print(f"{sent} of {args.mentions} replies sent in {elapsed:.2f} s (approvals included)")
    print(
        f"outbox n={sent} sends_per_s={sent / elapsed:.0f}"
        f" wait_p50_ms={statistics.median(waits):.1f} wait_p95_ms={p95:.1f}"
    )


async def _unsent(store: Store, mid: str) -> bool:
    return (await store.mention(mid, ("state",)) or {}).get("state") != "sent"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentions", type=int, default=2000)
    asyncio.run(main(parser.parse_args()))
