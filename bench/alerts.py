"""Benchmark alert lateness: how long after its due time each warn stage fires.

    python bench/alerts.py [--mentions 2000] [--seconds 10]

Queues --mentions open mentions in a fresh embedded Redis (AOF on) whose warn times are
spread evenly over the next --seconds, then runs the sweeper as the service does (in
`Supervisor.loop`: sweep, wait what `Sweeper.step` says, again) on the real clock, and
reads each `warned` event's fire time against its due time. The last line is
`alerts n=<n> late_p50_ms=<n> late_p99_ms=<n> late_max_ms=<n>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from datetime import timedelta
from pathlib import Path
from typing import cast

# Run the checkout this file is in (`python bench/NAME.py` puts only bench/ on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fresh import bench_mention, fresh_store
from responder.clock import SystemClock
from responder.config import SlaConfig
from responder.drafts.suggest import sample_job, unsuggested
from responder.sla.sweeper import Sweeper
from responder.sla.timer import timing
from responder.store.enqueue import Ready
from responder.supervisor import Supervisor

PLAIN = unsuggested(sample_job())  # neutral, no drafts: this measures the sweeper


def _ready(n: int, count: int, seconds: float, sla: SlaConfig, clock: SystemClock) -> Ready:
    """A mention whose warn stage falls due `(n + 1) / count * seconds` from now."""
    now = clock.now()
    offset = timedelta(seconds=0.5 + n * seconds / count)
    mention = bench_mention(n, now - sla.warn_after + offset)
    timer = timing(
        mention.created_at, now, respond_within=sla.respond_within, warn_after=sla.warn_after
    )
    return Ready(mention=mention, suggestion=PLAIN, timing=timer, source="bench", ingested_at=now)


async def main(args: argparse.Namespace) -> None:
    clock, sla = SystemClock(), SlaConfig()
    async with fresh_store() as store:
        redis = store.redis
        items = [_ready(n, args.mentions, args.seconds, sla, clock) for n in range(args.mentions)]
        for i in range(0, len(items), 200):
            await store.enqueue(items[i : i + 200], clock.now())
        supervisor = Supervisor(clock)
        supervisor.loop("sweeper", Sweeper(store, clock).step)  # as the service runs it
        await asyncio.sleep(args.seconds + 1.0)
        await supervisor.stop()
        rows = cast(list[tuple[str, dict[str, str]]], await redis.xrange(store.keys.events))
        late = sorted(
            (event["at"] - event["due"]) * 1000
            for event in (json.loads(fields["event"]) for _, fields in rows)
            if event["type"] == "warned"
        )
    p50, p99 = statistics.median(late), late[min(len(late) - 1, int(len(late) * 0.99))]
    print(f"{len(late)} of {args.mentions} warn stages fired over {args.seconds:.0f} s")
    print(
        f"alerts n={len(late)} late_p50_ms={p50:.1f} late_p99_ms={p99:.1f}"
        f" late_max_ms={late[-1]:.1f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentions", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    asyncio.run(main(parser.parse_args()))
