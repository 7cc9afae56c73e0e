"""Benchmark paging: how late each warning reaches a local webhook, with many pending.

    python bench/alerts.py [--pending 100000] [--due 1500] [--seconds 30] [--group]

Queues --pending open mentions in a fresh embedded Redis (AOF on): --due of them warn
evenly over the next --seconds, the rest later (spread over hours). It then runs the
sweeper and the notifier as the service does (supervised loops on the real clock) with
one channel, a signed webhook served on loopback, and records when each page arrives.
A warning's lateness is its page's arrival minus its due time (a warning inside a group
page counts the group page's arrival, often before it is due; then 0). By default every
warning is its own page (grouping off: the strict test); --group uses the defaults.

`sweep_ms` is the 99th percentile of one sweep's cost during the run; the line before it
compares a sweep with nothing due at 1,000 and at --pending pending (O(due), not O(pending)).
The last line is `alerts pending=<n> late_p99_ms=<n> sweep_ms=<n>`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import cast

from aiohttp import web

# Run the checkout this file is in (`python bench/NAME.py` puts only bench/ on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fresh import bench_mention, fresh_store
from connectors.http import Http
from connectors.secret import Secret
from responder.alerts.channels.fallback import Fallback
from responder.alerts.channels.webhook import Webhook, WebhookConfig
from responder.alerts.notifier import Notifier, Settings
from responder.alerts.schedule import Schedule
from responder.clock import SystemClock
from responder.config import SlaConfig, defaults
from responder.drafts.suggest import sample_job, unsuggested
from responder.sla.sweeper import Sweeper
from responder.sla.timer import timing
from responder.store.enqueue import Ready
from responder.store.records import stream_event
from responder.store.store import Store
from responder.supervisor import Supervisor

PLAIN = unsuggested(sample_job())  # neutral, no drafts: this measures paging


class Links:
    def mention(self, mid: str) -> str:
        return f"http://127.0.0.1/?m={mid}"

    def queue(self, **filters: str) -> str:
        return "http://127.0.0.1/"

    def ack(self, target: str, person: str) -> str:
        return f"http://127.0.0.1/ack/{target}"


def _ready(n: int, warn_in: float, sla: SlaConfig, clock: SystemClock) -> Ready:
    now = clock.now()
    mention = bench_mention(n, now - sla.warn_after + timedelta(seconds=warn_in))
    timer = timing(
        mention.created_at, now, respond_within=sla.respond_within, warn_after=sla.warn_after
    )
    return Ready(mention=mention, suggestion=PLAIN, timing=timer, source="bench", ingested_at=now)


async def fill(store: Store, args: argparse.Namespace, start: int, count: int) -> None:
    clock, sla = SystemClock(), SlaConfig()
    lead = 5.0 + count / 4000  # filling takes time: the first due warning comes after it
    items: list[Ready] = []
    for n in range(start, start + count):
        k = n - start
        if k < args.due:
            warn_in = lead + k * args.seconds / args.due
        else:  # later: over the next hours, never during the run
            warn_in = lead + args.seconds + 60 + (k % 36_000) * 0.3
        items.append(_ready(n, warn_in, sla, clock))
    for i in range(0, len(items), 500):
        await store.enqueue(items[i : i + 500], clock.now())


async def idle_sweep_ms(store: Store, clock: SystemClock, runs: int = 50) -> float:
    sweeper = Sweeper(store, clock)
    took = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await sweeper.sweep()
        took.append((time.perf_counter() - t0) * 1000)
    return statistics.median(took)


async def main(args: argparse.Namespace) -> None:
    clock = SystemClock()
    arrived: dict[str, float] = {}

    async def hook(request: web.Request) -> web.Response:
        body = await request.json()
        arrived.setdefault(body["key"], time.time())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    http = Http()
    async with fresh_store() as store:
        # A sweep with nothing due, at 1,000 pending and then at --pending.
        args_small = argparse.Namespace(**{**vars(args), "due": 0})
        await fill(store, args_small, 10_000_000, 1000)
        small = await idle_sweep_ms(store, clock)
        t0 = time.perf_counter()
        await fill(store, args, 0, args.pending - 1000)
        print(f"filled {args.pending} pending in {time.perf_counter() - t0:.1f} s")
        large = await idle_sweep_ms(store, clock)
        print(
            f"sweep with nothing due: {small:.2f} ms at 1,000 pending,"
            f" {large:.2f} ms at {args.pending}"
        )

        webhook = Webhook(
            "hook",
            WebhookConfig(url=f"http://127.0.0.1:{port}/hook", secret=Secret("bench")),
            http=http,
            clock=clock,
        )
        settings = Settings() if args.group else Settings(minimum=1_000_000)
        notifier = Notifier(
            store,
            Fallback([webhook], clock=clock),
            Schedule.from_config(defaults()),
            Links(),
            clock,
            consumer="bench",
            settings=settings,
        )
        await notifier.ensure_group()
        sweeper = Sweeper(store, clock)
        sweeps: list[float] = []
        plain_sweep = sweeper.sweep

        async def timed_sweep() -> list:  # type: ignore[type-arg]
            t = time.perf_counter()
            fired = await plain_sweep()
            if fired:
                sweeps.append((time.perf_counter() - t) * 1000)
            return fired

        sweeper.sweep = timed_sweep  # type: ignore[method-assign]
        supervisor = Supervisor(clock)
        supervisor.loop("sweeper", sweeper.step)
        supervisor.loop("notifier", lambda: notifier.step(block_ms=250))
        await asyncio.sleep(5.0 + args.pending / 4000 + args.seconds + 2.0)
        await supervisor.stop()
        rows = cast(list[tuple[str, dict[str, str]]], await store.redis.xrange(store.keys.events))
    await http.stop()
    await runner.cleanup()
    due: dict[str, float] = {}
    page: dict[str, str] = {}
    for _, fields in rows:
        event = stream_event(fields)
        if event["type"] == "warned":
            due[fields["mention"]] = event["due"]
        elif event["type"] == "paged" and event.get("stage") == "warned":
            page[fields["mention"]] = event.get("key") or f"group:{event['group']}"
    late = sorted(max(0.0, arrived[page[m]] - due[m]) * 1000 for m in due if page.get(m) in arrived)
    missing = len(due) - len(late)
    p50, p99 = statistics.median(late), late[min(len(late) - 1, int(len(late) * 0.99))]
    print(
        f"{len(due)} warnings fired, {len(late)} paged ({len(arrived)} pages), {missing} not"
        f" paged; late p50 {p50:.1f} ms, max {late[-1]:.1f} ms; {len(sweeps)} sweeps fired"
        " something"
    )
    sweep_p99 = sorted(sweeps)[min(len(sweeps) - 1, int(len(sweeps) * 0.99))] if sweeps else 0.0
    print(f"alerts pending={args.pending} late_p99_ms={p99:.1f} sweep_ms={sweep_p99:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1500)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--group", action="store_true", help="group warnings (the defaults)")
    asyncio.run(main(parser.parse_args()))
